"""Coalition forming and cost sharing: pure functions on arrays, no Mesa.

A lead agency with a :class:`~sim.mission.Proposal` weighs flying it alone
against flying it with partners. Partners are ranked by how well they fill the
lead's capability gaps and by trust; a coalition grows greedily while every
member gains. Each member builds the elements it is given
(:mod:`sim.elements`) and the rights are split by Nash bargaining, in
proportion to what each built, or by the Shapley value, with every member's
outside option binding where the split would leave it less.

This room holds the bargaining itself (:func:`negotiate`, :func:`grow_coalition`
and the records they pass); who builds what lives in :mod:`sim.elements`,
what a mission is worth to each member in :mod:`sim.valuation`, how rights
are split in :mod:`sim.shares`, and the rules
and world on the table in :mod:`sim.terms`. Their public names are re-exported
here. See ``docs/ODD.md`` (Submodels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from sim.elements import build_fit
from sim.mission import Proposal
from sim.shares import Split, split
from sim.terms import NegotiationTable, Terms
from sim.valuation import (
    Stakes,
    coverage,
    depends_on,
    requirement_fit,
    stakes,
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
    "grow_coalition",
    "negotiate",
    "requirement_fit",
    "stakes",
    "success_chance",
]

_EPS = 1e-9
#: Score of a recruit that does not yet make the club pay, below any partner
#: that brings the coalition closer to flying at all (a Reach scores coverage).
_RECRUIT = -1e6


class Agreement(Enum):
    """What a negotiation ended with."""

    JOINT = "joint"
    SOLO = "solo"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Deal:
    """The outcome of negotiating one proposal, with what the deals table records.

    ``shares`` are each member's payments over ``cost``; ``values`` what the
    mission is worth to each at the agreed rights (payoff plus payment);
    ``builders`` the agency building each element of the kind; ``outside``
    each member's outside option. ``asked`` are the partners approached, best
    first. ``failed_talks`` is true when some coalition could have gained in
    all but no split left every member at least its outside option
    (coalitions an existing member would not gain from are declined, not failed).
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
    rights: np.ndarray | None = None
    outside: np.ndarray | None = None
    builders: tuple[int, ...] = ()
    depends_on: tuple[tuple[int, ...], ...] = ()
    asked: tuple[int, ...] = ()
    asked_outside: tuple[float, ...] = ()  # outside options of the lead, then of each asked

    @classmethod
    def agreed(
        cls,
        offer: Offer,
        outside: np.ndarray,
        fit: np.ndarray,
        asked: tuple[int, ...] = (),
        failed_talks: bool = False,
    ) -> Deal:
        """The deal recording ``offer`` (a joint mission, or the lead alone)."""
        stake, members = offer.stake, list(offer.members)
        builder = stake.assignment.builder
        return cls(
            Agreement.JOINT if len(members) > 1 else Agreement.SOLO,
            offer.members,
            offer.split.payments / stake.cost,
            stake.cost,
            stake.coverage,
            stake.chance,
            offer.payoff + offer.split.payments,
            failed_talks=failed_talks,
            subsidy=stake.subsidy,
            rights=offer.split.rights,
            outside=outside[members],
            builders=tuple(members[b] for b in builder),
            depends_on=tuple(map(tuple, depends_on(members, builder, fit[members]))),
            asked=asked,
            asked_outside=tuple(float(outside[j]) for j in (members[0], *asked)),
        )


# --------------------------------------------------------------------------
# The negotiation


@dataclass(frozen=True, slots=True)
class Offer:
    """Terms on which every member of a coalition would fly the mission together.

    ``payoff`` is what each member keeps; ``total`` its sum, the coalition's
    joint gain that partners compete on.
    """

    members: tuple[int, ...]
    stake: Stakes
    split: Split
    payoff: np.ndarray
    total: float

    @property
    def partner(self) -> int:
        """The agency whose joining this offer is for (the last member)."""
        return self.members[-1]


@dataclass(frozen=True, slots=True)
class Reach:
    """A partner that brings the coalition closer to flying while it cannot yet.

    ``score`` is the coverage of the requirements less the critical elements
    nobody in the coalition can build.
    """

    partner: int
    score: float


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


@dataclass(frozen=True, slots=True)
class _Talks:
    """One proposal's fixed inputs: the world, the rules, fits and outside options."""

    proposal: Proposal
    table: NegotiationTable
    terms: Terms
    fit: np.ndarray  # (n, E) build fit of every agency
    outside: np.ndarray  # (n,) outside options
    known: dict[tuple[int, ...], Stakes | None] = field(default_factory=dict)

    def stake(self, members: list[int]) -> Stakes | None:
        """:func:`stakes` of a coalition, each evaluated once per proposal."""
        key = tuple(members)
        if key not in self.known:
            self.known[key] = stakes(members, self.proposal, self.table, self.terms, self.fit)
        return self.known[key]

    def offer(self, members: list[int], stake: Stakes) -> Offer | None:
        terms = self.terms
        power = np.sqrt(self.table.budgets[members]) if terms.power_by_budget else None
        got = split(
            stake,
            self.outside[members],
            terms.rule,
            cash=terms.cash,
            power=power,
            sub_stakes=lambda sub: self.stake([members[k] for k in sub]),
        )
        if got is None:
            return None
        payoff = stake.payoff(got.rights, got.payments)
        return Offer(tuple(members), stake, got, payoff, float(payoff.sum()))

    def reach(self, members: list[int]) -> float:
        kind = self.proposal.kind
        can = (self.fit[members] >= 1.0 - _EPS).any(axis=0)
        missing = int((kind.elements.critical & ~can).sum())
        return coverage(self.table.capabilities[members], kind.requires) - missing


def _compatible(j: int, members: list[int], table: NegotiationTable) -> bool:
    idx = np.asarray(members)
    t = table.tension[j, idx]
    return not (
        table.banned[j, idx].any()
        or (t > table.tolerance[j]).any()
        or (t > table.tolerance[idx]).any()
    )


def _candidates(proposal: Proposal, table: NegotiationTable, terms: Terms) -> list[int]:
    """Partners the lead would approach, best first.

    Ranked by how much they raise the lead's coverage, by the lead's trust in
    them, and by how much of the cost they could carry. An agency with no
    money left is approached only for a critical element the lead cannot build.
    """
    lead = proposal.lead
    kind = proposal.kind
    # one with no money left may still build a critical element the lead cannot (and be paid)
    crit = kind.elements.critical
    needed = kind.elements.domain[crit], kind.elements.level[crit]
    supplies = (table.capabilities[:, needed[0]] >= needed[1] - 1e-9) & ~(
        table.capabilities[lead, needed[0]] >= needed[1] - 1e-9
    )
    ok = table.active & ((table.uncommitted > 0) | supplies.any(axis=1))
    ok &= (table.capabilities >= kind.each_requires).all(axis=1)
    ok[lead] = False
    ok &= ~table.banned[lead]
    ok &= table.tension[lead] <= table.tolerance[lead]
    ok &= table.tension[lead] <= table.tolerance
    pool = np.nonzero(ok)[0]
    if len(pool) == 0:
        return []
    fit = requirement_fit(table.capabilities, proposal.kind.requires)
    gain = np.maximum(fit[pool], fit[lead]).mean(axis=1) - fit[lead].mean()
    own_cost = proposal.cost * table.cost_factor[pool]
    afford = np.minimum(table.uncommitted[pool] * proposal.kind.duration / own_cost, 1.0)
    score = gain + terms.trust_weight * table.trust[lead, pool] + 0.2 * afford
    # a rival it seeks to engage is asked first; a club's leader invites everyone (7.21)
    engaged = table.engages[lead, pool] if table.engages is not None else np.zeros(len(pool), bool)
    limit = len(pool) if proposal.flagship else terms.candidates
    order = np.lexsort((-score, ~engaged))[:limit]  # stable: ties keep the pool's order
    return [int(pool[k]) for k in order]


def _best_step(
    talks: _Talks,
    members: list[int],
    payoff: np.ndarray,
    feasible: bool,
    pool: list[int],
    recruiting: bool = False,
) -> tuple[Offer | Reach | None, bool]:
    """The partner to add next, and whether talks failed with any candidate.

    An :class:`Offer` every member gains from beats any :class:`Reach`;
    among offers the largest total payoff wins, among reaches the largest
    score (reaches count only while the coalition cannot yet fly, or, when
    ``recruiting``, cannot yet agree: then a partner that brings the joint
    gain closest counts too). Ties keep the earlier candidate.

    In a flagship (a club its lead's government leads) the lead admits each
    partner on its own terms: the lead must gain over its payoff before, a
    partner over its outside option, and earlier partners have no veto
    (bilateral memoranda with the lead, as the ISS's and the Artemis Accords).
    """
    best: Offer | Reach | None = None
    failed = False
    min_coverage = talks.terms.min_coverage
    # what each member must do better than: its payoff before (0 while the coalition
    # cannot fly); in a flagship the lead admits, and partners keep their options
    floor = payoff if feasible else np.zeros(len(members))
    if talks.proposal.flagship:
        floor = np.concatenate([floor[:1], talks.outside[members[1:]]])
    for j in pool:
        if not _compatible(j, members, talks.table):
            continue
        trial = [*members, j]
        stake = talks.stake(trial)
        if stake is None or stake.coverage < min_coverage:
            if not feasible:
                score = talks.reach(trial)
                if best is None or (isinstance(best, Reach) and score > best.score):
                    best = Reach(j, score)
            continue
        most = stake.rate.max() + stake.fixed.sum() - stake.pay.sum()  # all rights to one
        if most - talks.outside[trial].sum() <= _EPS:
            continue  # declined: no gain to share
        offer = talks.offer(trial, stake)
        if offer is None:
            failed = True
            if recruiting:  # the club does not pay yet: the best next recruit
                score = _RECRUIT + float(most - talks.outside[trial].sum())
                if best is None or (isinstance(best, Reach) and score > best.score):
                    best = Reach(j, score)
            continue
        gains = (offer.payoff[:-1] > floor + _EPS).all()
        joins = offer.payoff[-1] >= talks.outside[j] - _EPS and offer.payoff[-1] > _EPS
        # an outside option that binds leaves the partner just at it
        better = best is None or isinstance(best, Reach) or offer.total > best.total
        if gains and joins and better:
            best = offer
    return best, failed


def grow_coalition(talks: _Talks, solo: Offer | None, pool: list[int]) -> Coalition:
    """Grow the lead's coalition greedily, one partner at a time.

    Starting from the lead, the partner that most raises the coalition's total
    payoff is added while every member gains over its payoff before (the lead
    over ``solo``, its payoff flying alone); while the coalition cannot yet
    fly the mission, the partner that brings it closest is added instead.
    A flagship's lead keeps recruiting while the club cannot yet agree (an
    ISS pays only at scale), and admits partners on bilateral terms
    (:func:`_best_step`). Growth stops when no candidate in ``pool`` (best
    first) qualifies or the mission's maximum number of partners is reached.
    """
    proposal = talks.proposal
    members = [proposal.lead]
    payoff = np.array([solo.total if solo is not None else 0.0])
    feasible = solo is not None
    offer: Offer | None = None
    failed = False
    max_partners = proposal.kind.max_partners
    pool = list(pool)
    while pool and len(members) <= max_partners:
        recruiting = proposal.flagship and offer is None
        step, step_failed = _best_step(talks, members, payoff, feasible, pool, recruiting)
        failed = failed or step_failed
        if step is None:
            break
        pool.remove(step.partner)
        members.append(step.partner)
        if isinstance(step, Offer):
            feasible = True
            offer = step
            payoff = step.payoff
        else:  # nobody gains yet: any gain beats it (the lead's over flying alone)
            payoff = np.concatenate([payoff[:1] if feasible else [0.0], np.zeros(len(members) - 1)])
    return Coalition(tuple(members), offer, failed)


def _alone(talks: _Talks, j: int) -> Stakes | None:
    """Agency ``j`` flying the proposal by itself, if it can."""
    stake = talks.stake([j])
    return stake if stake is not None and stake.coverage >= talks.terms.min_coverage else None


def _outside_options(talks: _Talks, agencies: list[int]) -> np.ndarray:
    """Each agency's payoff from flying this proposal alone (0 when it cannot or would lose)."""
    out = np.zeros(len(talks.table.active))
    for j in agencies:
        alone = _alone(talks, j)
        if alone is not None:
            out[j] = max(float(alone.payoff(np.ones(1))[0]), 0.0)
    return out


def negotiate(proposal: Proposal, table: NegotiationTable, terms: Terms) -> Deal:
    """Negotiate one proposal: the best of a joint mission, going solo, or nothing.

    Every agency the lead approaches has an outside option: what it would
    gain flying this mission alone (zero when it cannot); the lead's is its
    solo payoff, and the coalition grows from there (:func:`grow_coalition`).
    A joint mission is agreed when some coalition was offered terms every
    member gains from; otherwise the lead flies alone if that gains anything.
    """
    lead = proposal.lead
    kind = proposal.kind
    if (table.capabilities[lead] < kind.each_requires).any():
        # cannot even take part in its own proposal: nobody asked, nothing to gain alone
        return Deal(Agreement.NONE, asked_outside=(0.0,))
    fit = build_fit(table.capabilities, kind.elements)
    pool = _candidates(proposal, table, terms) if kind.max_partners > 0 else []
    talks = _Talks(proposal, table, terms, fit, np.zeros(len(table.active)))
    outside = _outside_options(talks, [lead, *pool] if terms.outside_options else [lead])
    alone = _alone(talks, lead)
    talks = _Talks(proposal, table, terms, fit, outside, talks.known)  # stakes ignore options
    solo: Offer | None = None
    if alone is not None:
        payoff = alone.payoff(np.ones(1))
        solo = Offer((lead,), alone, Split(np.ones(1), alone.pay), payoff, float(payoff[0]))
    coalition = grow_coalition(talks, solo, pool)
    asked = tuple(pool)
    if coalition.offer is not None:
        return Deal.agreed(coalition.offer, outside, fit, asked)
    if solo is not None and solo.total > 0:
        return Deal.agreed(solo, outside, fit, asked, failed_talks=coalition.failed_talks)
    return Deal(
        Agreement.NONE,
        failed_talks=coalition.failed_talks,
        asked=asked,
        asked_outside=tuple(float(outside[j]) for j in (lead, *asked)),
    )
