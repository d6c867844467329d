"""Cost shares: how a coalition splits a mission's cost (pure functions on arrays).

Nash bargaining (symmetric or weighted by bargaining power), shares in
proportion to capability contributed, and the Shapley value of a game.
"""

from __future__ import annotations

from math import factorial

import numpy as np

__all__ = ["nash_shares", "proportional_shares", "shapley_value"]

_EPS = 1e-9


def nash_shares(
    values: np.ndarray,
    disagreement: np.ndarray,
    cost: float,
    budgets: np.ndarray,
    power: np.ndarray | None = None,
) -> np.ndarray | None:
    """Cost shares from the Nash (1950) bargaining solution, weighted by ``power``.

    Each member ``i`` pays ``pay_i`` and keeps the surplus ``values_i -
    pay_i - disagreement_i``. Maximising the weighted product of surpluses
    ``prod(surplus_i ** power_i)`` (Kalai 1977; the symmetric Nash solution
    when all powers are equal) subject to ``sum(pay) == cost`` and
    ``0 <= pay_i <= budgets_i`` gives ``pay_i = clip(values_i -
    disagreement_i - power_i * mu, 0, budgets_i)``: each member's surplus is
    in proportion to its bargaining power, with one ``mu >= 0`` chosen so
    that payments cover the cost.

    Parameters
    ----------
    values : ndarray
        Money-equivalent value of the mission to each member.
    disagreement : ndarray
        Each member's payoff without this coalition (its disagreement point).
    cost : float
        Total cost to share.
    budgets : ndarray
        The most each member can pay.
    power : ndarray, optional
        Bargaining power of each member (default: equal).

    Returns
    -------
    ndarray or None
        Shares of the cost (summing to one), or None when no split gives
        every member at least its disagreement payoff within its budget.

    References
    ----------
    Nash, J. F. (1950). The bargaining problem. Econometrica 18(2), 155-162.
    Kalai, E. (1977). Nonsymmetric Nash solutions and replications of
    2-person bargaining. International Journal of Game Theory 6(3), 129-133.

    >>> nash_shares(np.array([3.0, 3.0]), np.zeros(2), 2.0, np.array([5.0, 5.0]))
    array([0.5, 0.5])
    """
    x = np.asarray(values, float) - np.asarray(disagreement, float)
    budgets = np.asarray(budgets, float)
    alpha = np.ones(len(x)) if power is None else np.asarray(power, float) / np.mean(power)
    cap = np.minimum(np.maximum(x, 0.0), budgets)
    if cap.sum() < cost - _EPS or cost <= 0 or np.any(x < -_EPS):
        return None
    # pay(mu) = clip(x - alpha * mu, 0, budgets) falls piecewise linearly in mu;
    # find mu on the segment where total pay crosses cost.
    points = np.sort(np.concatenate([x / alpha, (x - budgets) / alpha, [0.0]]))
    points = points[points >= 0.0]
    pay_at = np.minimum(np.maximum(x - alpha * points[:, None], 0.0), budgets)
    pay_at = pay_at.sum(axis=1)
    above = np.nonzero(pay_at >= cost - _EPS)[0]
    k = above[-1]  # largest breakpoint where pay still covers cost
    if k + 1 < len(points):
        lo, hi = points[k], points[k + 1]
        f_lo, f_hi = pay_at[k], pay_at[k + 1]
        mu = lo + (f_lo - cost) * (hi - lo) / (f_lo - f_hi) if f_lo > f_hi else lo
    else:
        mu = points[k]
    pay = np.minimum(np.maximum(x - alpha * mu, 0.0), budgets)
    return pay / pay.sum()


def proportional_shares(contributions: np.ndarray) -> np.ndarray:
    """Shares in proportion to the capability each member contributes.

    >>> proportional_shares(np.array([3.0, 1.0]))
    array([0.75, 0.25])
    """
    c = np.asarray(contributions, float)
    total = c.sum()
    return c / total if total > 0 else np.full(len(c), 1.0 / len(c))


def shapley_value(worth: np.ndarray) -> np.ndarray:
    """Shapley (1953) value of a cooperative game.

    Parameters
    ----------
    worth : ndarray, shape (2**n,)
        ``worth[mask]`` is the worth of the coalition whose members are the set
        bits of ``mask``; ``worth[0]`` is zero.

    References
    ----------
    Shapley, L. S. (1953). A value for n-person games. In Contributions to the
    Theory of Games II, 307-317.

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
