"""Splitting a joint mission's rights (and, with cash transfers, its money).

In kind (the default) each member pays for the elements it builds, and the
scenario's ``cost_sharing_rule`` splits the rights to the mission's rival
benefits: Nash (1950) bargaining, rights in proportion to what each member
built (the ISS rule: ESA's 8.3 % of the non-Russian utilisation for
Columbus), or the Shapley (1953) value. Each member's outside option binds
only where the bargained split would leave it less (Binmore, Rubinstein and
Wolinsky 1986). With ``transfers: cash`` rights follow what each built and
the rule decides money paid between members instead.

References
----------
Nash, J. F. (1950). The bargaining problem. Econometrica 18(2), 155-162.
Shapley, L. S. (1953). A value for n-person games. In Contributions to the
Theory of Games II, 307-317.
Binmore, K., Rubinstein, A. and Wolinsky, A. (1986). The Nash bargaining
solution in economic modelling. RAND Journal of Economics 17(2), 176-188.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import factorial

import numpy as np

from sim.valuation import Stakes

__all__ = ["Split", "fill", "shapley_value", "split"]

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Split:
    """Rights (summing to one) and what each member pays in all."""

    rights: np.ndarray
    payments: np.ndarray


def fill(base: np.ndarray, slope: np.ndarray, low: np.ndarray, total: float) -> np.ndarray | None:
    """``x = clip(base + slope * t, low, 1)`` with the ``t`` that makes ``sum(x) == total``.

    The water-filling form of a weighted Nash solution with floors: every
    unconstrained member moves by its own ``slope``; a member held at its
    floor (an outside option) or at 1 stays there. None when the floors alone
    exceed ``total``.

    >>> fill(np.array([0.1, 0.3]), np.ones(2), np.zeros(2), 1.0).round(9).tolist()
    [0.4, 0.6]
    >>> fill(np.array([0.1, 0.3]), np.ones(2), np.array([0.5, 0.0]), 1.0).round(9).tolist()
    [0.5, 0.5]
    """
    low = np.maximum(low, 0.0)
    if low.sum() > total + _EPS:
        return None
    moving = slope > _EPS
    if not moving.any():
        return low if abs(low.sum() - total) <= _EPS else None
    with np.errstate(divide="ignore", invalid="ignore"):
        knots = np.concatenate([(low - base) / slope, (1.0 - base) / slope])[
            np.concatenate([moving, moving])
        ]
    knots = np.unique(knots)
    cap = np.maximum(low, 1.0)
    grid = np.where(moving, base + slope * knots[:, None], low)  # (knots, members)
    sums = np.clip(grid, low, cap).sum(axis=1)
    if sums[-1] < total - _EPS:
        return None  # even all at their caps fall short
    k = int(np.searchsorted(sums, total - _EPS))
    t = knots[0]
    if k > 0:
        lo, hi = knots[k - 1], knots[k]
        t = lo + (total - sums[k - 1]) * (hi - lo) / (sums[k] - sums[k - 1])
    return np.clip(np.where(moving, base + slope * t, low), low, cap)


def shapley_value(worth: np.ndarray) -> np.ndarray:
    """Shapley (1953) value of a cooperative game.

    ``worth[mask]`` is the worth of the coalition whose members are the set
    bits of ``mask``; ``worth[0]`` is zero.

    >>> shapley_value(np.array([0.0, 1.0, 2.0, 3.0]))  # additive: own worth
    array([1., 2.])
    """
    size = len(worth)
    n = size.bit_length() - 1
    masks = np.arange(size)
    counts = np.array([bin(s).count("1") for s in range(size)])
    weight = np.array([factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(weight[counts[without]] * (worth[without | (1 << i)] - worth[without]))
    return phi


def _shapley_gains(
    stake: Stakes, outside: np.ndarray, sub_stakes: Callable[[list[int]], Stakes | None]
) -> np.ndarray | None:
    """Each member's Shapley value of the game whose worth is a sub-coalition's surplus.

    A sub-coalition's worth is what its members would gain over their outside
    options flying the mission alone, rights in proportion to what each
    builds (the game is made transferable at those rights); zero when it
    cannot fly it. None when the whole coalition gains nothing.
    """
    m = len(stake.members)
    worth = np.zeros(2**m)
    for mask in range(1, 2**m):
        sub = [j for j in range(m) if mask >> j & 1]
        s = stake if len(sub) == m else sub_stakes(sub)
        if s is not None:
            gain = s.payoff(s.assignment.built).sum() - outside[sub].sum()
            worth[mask] = max(gain, 0.0)
    return shapley_value(worth) if worth[-1] > _EPS else None


def split(
    stake: Stakes,
    outside: np.ndarray,
    rule: str,
    *,
    cash: bool = False,
    power: np.ndarray | None = None,
    sub_stakes: Callable[[list[int]], Stakes | None] | None = None,
) -> Split | None:
    """Split ``stake``'s rights (and money, with ``cash``) under ``rule``; None when talks fail.

    ``outside`` is each member's outside option (money it could otherwise
    gain); every member must end with at least that and more than nothing.
    ``power`` weights the Nash solution (default: equal); ``sub_stakes``
    values a sub-coalition (positions into ``stake.members``) for Shapley.
    """
    m = len(stake.members)
    alpha = np.ones(m) if power is None else np.asarray(power, float) / np.mean(power)
    built = stake.assignment.built
    if cash:
        rights = built
        base = stake.payoff(rights)
        total = base.sum()
        if total <= _EPS:
            return None
        if rule == "nash":  # equal (or weighted) split of the joint gain, options as floors
            target = fill(np.zeros(m), alpha, outside / total, 1.0)
        elif rule == "shapley":
            assert sub_stakes is not None
            phi = _shapley_gains(stake, outside, sub_stakes)
            if phi is None:
                return None
            target = fill(outside / total, phi / total, outside / total, 1.0)
        else:
            target = base / total
        if target is None:
            return None
        target = target * total
        if (target < outside - _EPS).any() or (target <= _EPS).any():
            return None
        return Split(rights, stake.pay + base - target)  # negative: paid in cash
    rate = np.maximum(stake.rate, _EPS)
    need = (stake.pay - stake.fixed) / rate  # rights that leave a member even
    floor = need + np.maximum(outside, 0.0) / rate
    if rule == "nash":
        got = fill(need, alpha, floor, 1.0)
    elif rule == "shapley":
        assert sub_stakes is not None
        phi = _shapley_gains(stake, outside, sub_stakes)
        if phi is None:
            return None
        got = fill(floor, phi / rate, floor, 1.0)
    else:
        got = built
    if got is None:
        return None
    payoff = stake.payoff(got)
    if (payoff < outside - _EPS).any() or (payoff <= _EPS).any():
        return None
    return Split(got, stake.pay)
