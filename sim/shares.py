"""Cost shares: how a coalition splits a mission's cost (pure functions on arrays).

Nash bargaining (symmetric or weighted by bargaining power), shares in
proportion to capability contributed, and the Shapley value of a game; what
a coalition pays (:func:`coalition_cost`) and the scenario's rule applied to
one coalition (:func:`split_cost`).
"""

from __future__ import annotations

from math import factorial

import numpy as np

from sim.mission import Proposal
from sim.terms import NegotiationTable, Terms
from sim.valuation import member_values

__all__ = [
    "coalition_cost",
    "nash_shares",
    "proportional_shares",
    "shapley_shares",
    "shapley_value",
    "split_cost",
]

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


# --------------------------------------------------------------------------
# A coalition's cost and its split


def shapley_shares(
    members: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
    disagreement: np.ndarray,
    budgets: np.ndarray,
) -> np.ndarray | None:
    """Cost shares that leave each member its Shapley value of the surplus.

    The game's worth of a sub-coalition ``S`` is the surplus it would make
    flying the mission alone: ``sum(values_i(S) - d_i) - cost(S)`` when it
    covers the requirements, else zero. Each member pays its value minus its
    disagreement payoff minus its Shapley value; the split is rejected when a
    payment falls outside ``[0, budget]``.
    """
    m = len(members)
    worth = np.zeros(2**m)
    for mask in range(1, 2**m):
        sub = [j for j in range(m) if mask >> j & 1]
        vals, cov = member_values([members[j] for j in sub], proposal, table, terms, fit)
        if cov >= terms.min_coverage:
            cost, _ = coalition_cost(proposal, len(sub), terms, table.pool)
            surplus = (vals - disagreement[sub]).sum() - cost
            worth[mask] = max(surplus, 0.0)
    values, _ = member_values(members, proposal, table, terms, fit)
    if worth[-1] <= 0:
        return None
    pay = values - disagreement - shapley_value(worth)
    if np.any(pay < -_EPS) or np.any(pay > budgets + _EPS):
        return None
    pay = np.maximum(pay, 0.0)
    return pay / pay.sum()


def coalition_cost(
    proposal: Proposal, size: int, terms: Terms, pool: float = 0.0
) -> tuple[float, float]:
    """What the members pay, and what the funding pool pays, for a coalition.

    Integration overhead makes the whole ``cost * (1 + overhead * (size -
    1))``; a joint mission may draw up to ``pool_cap`` of it from the pool.
    """
    gross = proposal.cost * (1.0 + terms.overhead * (size - 1))
    subsidy = min(pool, terms.pool_cap * gross) if size > 1 else 0.0
    return gross - subsidy, subsidy


def split_cost(
    members: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
    values: np.ndarray,
    disagreement: np.ndarray,
    cost: float,
    budgets: np.ndarray,
) -> np.ndarray | None:
    """Shares of ``cost`` for ``members`` under the scenario's sharing rule.

    ``terms.rule`` is ``"nash"`` (weighted by the square root of budgets when
    ``power_by_budget``), ``"shapley"`` or, otherwise, proportional to the
    capability each member contributes. None when the rule finds no split
    every member accepts within ``budgets``.
    """
    if terms.rule == "nash":
        power = np.sqrt(table.budgets[members]) if terms.power_by_budget else None
        return nash_shares(values, disagreement, cost, budgets, power)
    if terms.rule == "shapley":
        return shapley_shares(members, proposal, table, terms, fit, disagreement, budgets)
    req = proposal.kind.requires
    contributed = np.minimum(table.capabilities[members], req).sum(axis=1)
    shares = proportional_shares(contributed)
    pay = shares * cost
    if np.any(pay > values - disagreement + _EPS) or np.any(pay > budgets + _EPS):
        return None
    return shares
