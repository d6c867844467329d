"""Coalition forming and cost sharing: pure functions on arrays, no Mesa.

A lead agency with a :class:`~sim.mission.Proposal` weighs flying it alone
against flying it with partners. Partners are ranked by how well they fill the
lead's capability gaps and by trust; a coalition grows greedily while every
member gains; costs are shared by Nash bargaining, in proportion to capability
contributed, or by the Shapley value.

This room holds the bargaining itself (:func:`negotiate`, :func:`grow_coalition`
and the records they pass); what a mission is worth to each member lives in
:mod:`sim.valuation`, how a cost is split in :mod:`sim.shares`, and the rules
and world on the table in :mod:`sim.terms`. Their public names are re-exported
here. See ``docs/ODD.md`` (Submodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from sim.mission import Proposal
from sim.shares import coalition_cost, shapley_shares, split_cost
from sim.terms import NegotiationTable, Terms
from sim.valuation import (
    coverage,
    dependence,
    member_values,
    own_coverage,
    requirement_fit,
    success_chance,
)

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
        cost, subsidy = coalition_cost(proposal, len(trial), terms, table.pool)
        if cov < terms.min_coverage:
            if not feasible and (best is None or (isinstance(best, Reach) and cov > best.coverage)):
                best = Reach(j, cov)
            continue
        d = np.zeros(len(trial))
        d[0] = lead_disagreement
        surplus = (values - d).sum() - cost
        if surplus <= _EPS:
            continue  # declined: no gain to share
        shares = split_cost(trial, proposal, table, terms, fit, values, d, cost, money[trial])
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
