"""Coalition forming and cost sharing: pure functions on arrays, no Mesa.

A lead agency with a :class:`~sim.mission.Proposal` weighs flying it alone
against flying it with partners. Partners are ranked by how well they fill the
lead's capability gaps and by trust; a coalition grows greedily while every
member gains; costs are shared by Nash bargaining, in proportion to capability
contributed, or by the Shapley value.

All values are money-equivalent (constant US$ billion): what a member would
pay at most for its part of the mission. See ``docs/ODD.md`` (Submodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from sim.mission import Proposal
from sim.shares import nash_shares, proportional_shares, shapley_value

__all__ = [
    "Agreement",
    "Coalition",
    "Deal",
    "NegotiationTable",
    "Offer",
    "Reach",
    "Terms",
    "coverage",
    "dependence",
    "grow_coalition",
    "member_values",
    "negotiate",
    "own_coverage",
    "requirement_fit",
    "shapley_shares",
    "success_chance",
]

_EPS = 1e-9


class Agreement(Enum):
    """What a negotiation ended with."""

    JOINT = "joint"
    SOLO = "solo"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Terms:
    """The scenario's rules of negotiation, as plain numbers."""

    rule: str = "nash"
    min_coverage: float = 0.6
    overhead: float = 0.2
    political_cost: float = 1.0
    candidates: int = 4
    trust_weight: float = 0.5
    distrust: float = 0.3
    instrument_bonus: float = 0.1
    success_exponent: float = 1.0
    value_of_money: float = 0.1
    reference_budget: float = 10.0
    power_by_budget: bool = True
    pool_cap: float = 0.0  # most of a joint mission's cost the funding pool pays


@dataclass(frozen=True, slots=True)
class NegotiationTable:
    """What is on the table when one proposal is negotiated.

    Arrays are over all agencies of the scenario (``n``), capability vectors
    over the ``K`` domains. ``motives`` columns are science, prestige,
    autonomy and cost weights.
    """

    capabilities: np.ndarray  # (n, K)
    budgets: np.ndarray  # (n,) yearly budget
    uncommitted: np.ndarray  # (n,) yearly budget not yet committed
    motives: np.ndarray  # (n, 4)
    tolerance: np.ndarray  # (n,)
    tension: np.ndarray  # (n, n)
    trust: np.ndarray  # (n, n)
    banned: np.ndarray  # (n, n) bool
    active: np.ndarray  # (n,) bool
    rivalry: np.ndarray  # (n,) how much a race with a peer raises prestige
    pool: float = 0.0  # money in the joint-mission funding pool


@dataclass(frozen=True, slots=True)
class Deal:
    """The outcome of negotiating one proposal.

    ``failed_talks`` is true when some coalition had a positive joint surplus
    but the sharing rule found no split that every member accepts within its
    budget (coalitions that an existing member would not gain from are not
    counted: they are declined, not failed).
    """

    agreement: Agreement
    members: tuple[int, ...] = ()
    shares: np.ndarray | None = None
    cost: float = 0.0
    coverage: float = 0.0
    success_chance: float = 0.0
    values: np.ndarray | None = None
    failed_talks: bool = False
    subsidy: float = 0.0


# --------------------------------------------------------------------------
# Capability and value


def coverage(capabilities: np.ndarray, requires: np.ndarray) -> float:
    """Share of a mission's requirements met by the best member in each domain.

    Parameters
    ----------
    capabilities : ndarray, shape (m, K)
        Capability vectors of the coalition's members.
    requires : ndarray, shape (K,)
        Required level per domain (0 where the domain is not needed).

    >>> coverage(np.array([[1.0, 0.0], [0.0, 0.5]]), np.array([0.5, 1.0]))
    0.75
    """
    need = requires > 0
    combined = capabilities[:, need].max(axis=0)
    return float(np.minimum(combined / requires[need], 1.0).mean())


def own_coverage(capabilities: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """Coverage of each agency alone: ``coverage`` row by row."""
    return requirement_fit(capabilities, requires).mean(axis=1)


def requirement_fit(capabilities: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """How far each agency meets each needed domain: ``min(c / r, 1)``, shape (n, k).

    The coverage of a coalition is the mean over domains of its members' best
    fit, so one matrix per proposal serves every coalition tried for it.
    """
    need = requires > 0
    return np.minimum(capabilities[:, need] / requires[need], 1.0)


def dependence(fit: np.ndarray, members: list[int]) -> list[list[int]]:
    """Whom each member depends on: the partners that supply what it lacks.

    A member depends on a partner when, in a needed domain where the member
    falls short of the requirement, that partner is the coalition's best.
    (The ISS's reliance on Soyuz for crew after 2011 is the textbook case.)

    >>> dependence(np.array([[1.0, 0.2], [0.3, 1.0], [1.0, 1.0]]), [0, 1])
    [[1], [0]]
    >>> dependence(np.array([[1.0, 0.2], [0.3, 1.0], [1.0, 1.0]]), [0, 2])
    [[2], []]
    """
    sub = fit[members]
    best = sub.argmax(axis=0)
    out = []
    for k in range(len(members)):
        short = np.nonzero(sub[k] < 1.0)[0]
        out.append(sorted({members[best[d]] for d in short if sub[best[d], d] > sub[k, d]}))
    return out


def success_chance(cov: float, risk: float, exponent: float = 1.0) -> float:
    """Chance that a mission succeeds: ``(1 - risk) * coverage ** exponent``."""
    return (1.0 - risk) * cov**exponent


def member_values(
    members: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Money-equivalent value of the mission to each member, and the coverage.

    ``fit`` is :func:`requirement_fit` of all agencies for this proposal.

    Each member's value in points is the expected science (more members carry
    more instruments) and its share of prestige (worth more in a race with a
    peer rival), plus a diplomatic prestige
    that grows with the tension the mission bridges, reduced by lost autonomy
    (the part of the mission it depends on partners for), by distrust of its
    partners (Axelrod 1984: cooperation needs a shadow of the future), and by
    the political cost of each partner (tension times the mission's security
    sensitivity). Points become money in proportion to the square root of the
    member's budget (a dollar matters less to a rich agency, with diminishing
    returns) and inversely to its cost motive.
    """
    idx = np.asarray(members)
    m = len(members)
    kind = proposal.kind
    cov = float(fit[idx].max(axis=0).sum() / fit.shape[1])
    chance = success_chance(cov, kind.risk, terms.success_exponent)
    science = proposal.science * (1.0 + terms.instrument_bonus * (m - 1))
    w = table.motives[idx]
    prestige = (proposal.prestige / m) * (1.0 + table.rivalry[idx])
    factor = np.ones(m)
    if m > 1:
        rows, cols = idx[:, None], idx[None, :]
        tension = table.tension[rows, cols]
        distrust = 1.0 - table.trust[rows, cols]  # diagonal: trust 1, distrust 0
        prestige += kind.joint_prestige * tension.max(axis=1)
        own = fit[idx].sum(axis=1) / fit.shape[1]
        dependence = np.maximum(1.0 - own / max(cov, _EPS), 0.0)  # own <= cov: at most 1
        political = np.maximum(1.0 - terms.political_cost * kind.sensitivity * tension, 0.0)
        factor = (
            (1.0 - w[:, 2] * dependence)
            * (1.0 - terms.distrust * distrust.sum(axis=1) / (m - 1))
            * political.prod(axis=1)
        )
    points = chance * (w[:, 0] * science + w[:, 1] * prestige) * factor
    budget_scale = np.sqrt(table.budgets[idx] * terms.reference_budget)
    money = points * budget_scale * terms.value_of_money / w[:, 3]
    return money, cov


# --------------------------------------------------------------------------
# Cost sharing


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
            cost, _ = _coalition_cost(proposal, len(sub), terms, table.pool)
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


def _coalition_cost(
    proposal: Proposal, size: int, terms: Terms, pool: float = 0.0
) -> tuple[float, float]:
    """What the members pay, and what the funding pool pays, for a coalition.

    Integration overhead makes the whole ``cost * (1 + overhead * (size -
    1))``; a joint mission may draw up to ``pool_cap`` of it from the pool.
    """
    gross = proposal.cost * (1.0 + terms.overhead * (size - 1))
    subsidy = min(pool, terms.pool_cap * gross) if size > 1 else 0.0
    return gross - subsidy, subsidy


def _shares(
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


# --------------------------------------------------------------------------
# The negotiation


@dataclass(frozen=True, slots=True)
class Offer:
    """Terms on which every member of a coalition would fly the mission together.

    ``payoff`` is what each member keeps (``values - shares * cost``) and
    ``total`` its sum, the coalition's joint gain that partners compete on.
    """

    members: tuple[int, ...]
    shares: np.ndarray
    cost: float  # what the members pay between them
    subsidy: float  # what the funding pool pays on top
    coverage: float
    values: np.ndarray
    payoff: np.ndarray
    total: float

    @property
    def partner(self) -> int:
        """The agency whose joining this offer is for (the last member)."""
        return self.members[-1]


@dataclass(frozen=True, slots=True)
class Reach:
    """A partner that raises coverage while the coalition cannot yet cover the mission."""

    partner: int
    coverage: float


@dataclass(frozen=True, slots=True)
class Coalition:
    """Where greedy growth stopped.

    ``offer`` is the last set of terms every member agreed to (None when the
    coalition never covered the mission with a gain for all). ``failed_talks``
    as in :class:`Deal`.
    """

    members: tuple[int, ...]
    offer: Offer | None
    failed_talks: bool


def _compatible(j: int, members: list[int], table: NegotiationTable) -> bool:
    idx = np.asarray(members)
    t = table.tension[j, idx]
    return not (
        table.banned[j, idx].any()
        or (t > table.tolerance[j]).any()
        or (t > table.tolerance[idx]).any()
    )


def _candidates(
    proposal: Proposal, table: NegotiationTable, terms: Terms, fit: np.ndarray
) -> list[int]:
    """Partners the lead would approach, best first.

    Ranked by how much they raise the lead's coverage, by the lead's trust in
    them, and by how much of the cost they could carry.
    """
    lead = proposal.lead
    ok = table.active & (table.uncommitted > 0)
    ok &= (table.capabilities >= proposal.kind.each_requires).all(axis=1)
    ok[lead] = False
    ok &= ~table.banned[lead]
    ok &= table.tension[lead] <= table.tolerance[lead]
    ok &= table.tension[lead] <= table.tolerance
    pool = np.nonzero(ok)[0]
    if len(pool) == 0:
        return []
    gain = np.maximum(fit[pool], fit[lead]).mean(axis=1) - fit[lead].mean()
    afford = np.minimum(table.uncommitted[pool] * proposal.kind.duration / proposal.cost, 1.0)
    score = gain + terms.trust_weight * table.trust[lead, pool] + 0.2 * afford
    order = np.argsort(-score, kind="stable")[: terms.candidates]
    return [int(pool[k]) for k in order]


def _best_step(
    members: list[int],
    payoff: np.ndarray,
    feasible: bool,
    pool: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
    lead_disagreement: float,
) -> tuple[Offer | Reach | None, bool]:
    """The partner to add next, and whether talks failed with any candidate.

    An :class:`Offer` every member gains from beats any :class:`Reach`;
    among offers the largest total payoff wins, among reaches the largest
    coverage (reaches count only while the coalition is not yet feasible).
    Ties keep the earlier candidate.
    """
    money = table.uncommitted * proposal.kind.duration  # the most each can commit in total
    best: Offer | Reach | None = None
    failed = False
    for j in pool:
        if not _compatible(j, members, table):
            continue
        trial = [*members, j]
        values, cov = member_values(trial, proposal, table, terms, fit)
        cost, subsidy = _coalition_cost(proposal, len(trial), terms, table.pool)
        if cov < terms.min_coverage:
            if not feasible and (best is None or (isinstance(best, Reach) and cov > best.coverage)):
                best = Reach(j, cov)
            continue
        d = np.zeros(len(trial))
        d[0] = lead_disagreement
        surplus = (values - d).sum() - cost
        if surplus <= _EPS:
            continue  # declined: no gain to share
        shares = _shares(trial, proposal, table, terms, fit, values, d, cost, money[trial])
        if shares is None:
            failed = True
            continue
        new_payoff = values - shares * cost
        floor = payoff if feasible else np.zeros(len(members))
        if (new_payoff[:-1] > floor + _EPS).all() and new_payoff[-1] > _EPS:
            total = new_payoff.sum()
            if best is None or isinstance(best, Reach) or total > best.total:
                best = Offer(tuple(trial), shares, cost, subsidy, cov, values, new_payoff, total)
    return best, failed


def grow_coalition(
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
    lead_disagreement: float,
    solo_feasible: bool,
) -> Coalition:
    """Grow the lead's coalition greedily, one partner at a time.

    Starting from the lead, the partner that most raises the coalition's total
    payoff is added while every member gains over its payoff before (the lead
    over ``lead_disagreement``, its surplus from flying alone); while the
    coalition cannot yet cover the requirements, the partner that most raises
    coverage is added instead. Growth stops when no candidate qualifies or
    the mission's maximum number of partners is reached.

    Parameters
    ----------
    proposal, table, terms
        What is negotiated, over which world, under which rules.
    fit : ndarray, shape (n, k)
        :func:`requirement_fit` of all agencies for this proposal.
    lead_disagreement : float
        The lead's payoff without partners (zero when it cannot fly alone).
    solo_feasible : bool
        Whether the lead can fly the mission alone.
    """
    members = [proposal.lead]
    payoff = np.array([lead_disagreement])
    feasible = solo_feasible
    offer: Offer | None = None
    failed = False
    max_partners = proposal.kind.max_partners
    pool = _candidates(proposal, table, terms, fit) if max_partners > 0 else []
    while pool and len(members) <= max_partners:
        step, step_failed = _best_step(
            members, payoff, feasible, pool, proposal, table, terms, fit, lead_disagreement
        )
        failed = failed or step_failed
        if step is None:
            break
        pool.remove(step.partner)
        members.append(step.partner)
        if isinstance(step, Offer):
            feasible = True
            offer = step
            payoff = step.payoff
        else:
            payoff = np.zeros(len(members))  # nobody gains yet: any gain beats it
    return Coalition(tuple(members), offer, failed)


def negotiate(proposal: Proposal, table: NegotiationTable, terms: Terms) -> Deal:
    """Negotiate one proposal: the best of a joint mission, going solo, or nothing.

    The lead's disagreement point is its surplus from flying alone (zero when
    it cannot); the coalition grows from there (:func:`grow_coalition`). A
    joint mission is agreed when some coalition was offered terms every
    member gains from; otherwise the lead flies alone if that gains anything.
    """
    lead = proposal.lead
    kind = proposal.kind
    fit = requirement_fit(table.capabilities, kind.requires)
    money = table.uncommitted * kind.duration  # the most each can commit in total
    solo_value, solo_cov = member_values([lead], proposal, table, terms, fit)
    solo_ok = solo_cov >= terms.min_coverage and money[lead] >= proposal.cost
    if (table.capabilities[lead] < kind.each_requires).any():
        return Deal(Agreement.NONE)  # cannot even take part in its own proposal
    solo_surplus = solo_value[0] - proposal.cost if solo_ok else -np.inf
    d_lead = max(solo_surplus, 0.0)

    coalition = grow_coalition(proposal, table, terms, fit, d_lead, solo_ok)
    # An offer always covers every member: reaches only come before the first offer.
    offer = coalition.offer
    if offer is not None:
        return Deal(
            Agreement.JOINT,
            offer.members,
            offer.shares,
            offer.cost,
            offer.coverage,
            success_chance(offer.coverage, kind.risk, terms.success_exponent),
            offer.values,
            subsidy=offer.subsidy,
        )
    if solo_ok and solo_surplus > 0:
        return Deal(
            Agreement.SOLO,
            (lead,),
            np.ones(1),
            proposal.cost,
            solo_cov,
            success_chance(solo_cov, kind.risk, terms.success_exponent),
            solo_value,
            failed_talks=coalition.failed_talks,
        )
    return Deal(Agreement.NONE, failed_talks=coalition.failed_talks)
