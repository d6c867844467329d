"""The mission lifecycle: commit, pay, withdraw, complete, learn and transfer.

Functions over the state of the world (a :class:`~sim.world.World`: the
agencies, their capabilities, relations, policies and the list of missions),
each taking the rates it uses from one :class:`~sim.world.LifecycleParams`
built once from the scenario (both in :mod:`sim.world`, re-exported here).
:class:`~sim.model.SpaceCooperationModel` is a :class:`World` and calls them
in this order every year (docs/ODD.md, Process overview, step 5)::

    withdraw_over_tension(world, params)
    withdraw_over_budget(world, params)
    pay(world)
    complete_due(world, params, rng)
    settle(world)

What varies during a run (policy levers switched by events, the funding pool)
is read from ``world.policies``, never copied into the parameters.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from sim.domestic import cut_chance, defended, foreign_partners
from sim.elements import build_fit, can_build
from sim.mission import Mission, MissionKind, Outcome, Proposal
from sim.policy import EMERGING_CAPABILITY
from sim.valuation import depends_on, success_chance
from sim.world import LifecycleParams, World, YearLog, as_built, build_quality

if TYPE_CHECKING:
    from sim.negotiation import Deal
    from sim.scenario import Scenario

__all__ = [
    "LifecycleParams",
    "World",
    "YearLog",
    "build_quality",
    "complete",
    "complete_due",
    "cost_saved",
    "in_service",
    "kept_builders",
    "pay",
    "progress",
    "recount_commitments",
    "renew",
    "settle",
    "start",
    "start_under_way",
    "take_over",
    "transfer",
    "withdraw",
    "withdraw_over_budget",
    "withdraw_over_tension",
]


def cost_saved(mission: Mission, alone: np.ndarray, rival_share: float) -> float:
    """What the members of a joint mission saved against getting their part alone.

    A member's part is what it gets of the mission's science and prestige:
    all of the shared part and its rights to the rival part, ``1 - rival_share
    + rival_share * rights``; getting as much alone would cost that fraction of
    what the mission would cost it alone (``alone``, per member, at its own
    prices). Saved is that, less what it paid, summed over members (negative
    when integration costs more than the partners bring).
    """
    part = 1.0 - rival_share + rival_share * mission.rights
    return float((part * alone - mission.shares * mission.cost).sum())


def start(world: World, proposal: Proposal, deal: Deal, params: LifecycleParams) -> Mission:
    """Commit ``deal`` on ``proposal`` into a mission under way from this year.

    The funding pool pays the subsidy; each member books its expected gain
    at agreement (``value - share * cost``) per unit of budget.
    """
    assert deal.values is not None  # an agreement always values each member's part
    members = list(deal.members)
    mission = Mission(
        mission_id=len(world.missions),
        proposal=proposal,
        members=members,
        shares=np.asarray(deal.shares, float),
        cost=deal.cost,
        coverage=deal.coverage,
        success_chance=deal.success_chance,
        start_year=world.year,
        years_left=proposal.kind.duration,
        values=deal.values,
        subsidy=deal.subsidy,
        depends_on=[list(d) for d in deal.depends_on],
        rights=np.asarray(deal.rights, float),
        builders=deal.builders,
        countries=len({world.agencies[i].country for i in members}),
    )
    world.policies.pool -= deal.subsidy
    world.missions.append(mission)
    world.ongoing.append(mission)
    world.log.started.append(mission)
    payoff = deal.values - mission.shares * deal.cost
    mission.gains = payoff
    for i, gain in zip(members, payoff, strict=True):
        agency = world.agencies[i]
        agency.net_benefit += gain / max(agency.budget, 1e-9)
        if mission.joint:
            agency.joint_started += 1
        else:
            agency.solo_started += 1
    if mission.joint:
        world.relations.record_joint(members)
        alone = proposal.cost * np.array([world.agencies[i].cost_factor for i in members])
        world.log.cost_saved += cost_saved(mission, alone, params.rival_share)
    return mission


def start_under_way(
    world: World, scenario: Scenario, kinds: list[MissionKind], params: LifecycleParams
) -> None:
    """Missions already under way at the start year (``under_way``), partly paid.

    Each member has paid its share of the years elapsed; the rest falls due
    evenly over the years left.
    """
    by_name = {k.kind: k for k in kinds}
    for uw in scenario.under_way:
        kind = by_name[uw.kind]
        members = [world.index[name] for name in uw.members]
        shares = np.asarray(uw.shares or [1.0 / len(members)] * len(members), float)
        elapsed = scenario.start_year - uw.started
        plan, fit = as_built(world, members, kind, params.weakest_link)
        builder = plan.builder if plan is not None else np.zeros(len(kind.elements.names), int)
        cov = plan.quality if plan is not None else 0.0
        mission = Mission(
            mission_id=len(world.missions),
            proposal=Proposal(kind, members[0], kind.cost, kind.science, kind.prestige),
            members=members,
            shares=shares,
            cost=kind.cost,
            coverage=cov,
            success_chance=success_chance(cov, kind.risk, params.success_exponent),
            start_year=uw.started,
            years_left=kind.duration - elapsed,
            values=np.zeros(len(members)),
            depends_on=depends_on(members, builder, fit),
            rights=shares,
            builders=tuple(members[b] for b in builder),
            countries=len({world.agencies[i].country for i in members}),
        )
        mission.paid = shares * kind.cost * elapsed / kind.duration
        world.missions.append(mission)
        world.ongoing.append(mission)
    recount_commitments(world)


def recount_commitments(world: World) -> None:
    """Each agency's ``committed``: its committed base, payments due and pool contribution."""
    committed = np.zeros(len(world.agencies))
    for m in world.ongoing:
        if m.outcome is not Outcome.ONGOING:
            continue
        np.add.at(committed, m.members, m.yearly_payments())
    for a in world.agencies:
        a.committed = a.committed_share * a.budget + committed[a.index] + a.pool_contribution


def progress(mission: Mission) -> float:
    """Share of the cost paid so far, by current members and by those who left."""
    return float((mission.paid.sum() + sum(mission.withdrawn_paid)) / mission.cost)


def withdraw_over_tension(world: World, params: LifecycleParams) -> None:
    """A member leaves when tension with a partner passes its tolerance.

    Sunk cost and the partners it would let down raise the bar: tolerance
    + ``sunk_cost`` * share already paid + ``lock_in`` * partners beyond the first.
    """
    for mission in list(world.ongoing):
        if len(mission.members) < 2:
            continue
        bar = progress(mission) * params.sunk_cost + params.lock_in * (len(mission.members) - 2)
        idx = np.asarray(mission.members)
        tension = world.relations.tension[idx[:, None], idx].max(axis=1)
        leavers = [
            int(i) for i, t in zip(idx, tension, strict=True) if t > world.tolerance[i] + bar
        ]
        for i in leavers:
            if mission.outcome is Outcome.ONGOING and i in mission.members:
                withdraw(world, mission, i, params)


def withdraw_over_budget(world: World, params: LifecycleParams) -> None:
    """An agency whose payments exceed its budget drops its least advanced missions.

    Only missions it still pays for: leaving one whose part another member
    buys (a critical element it builds) would free no money.

    Before it drops one, a partner whose government seeks to engage it
    (``agencies.X.engages``) pays what it still owes, if it can afford that
    this year: the US paid for Russian work when Russia could not (Zarya in
    1994; research time on the Russian segment in the 1998 crisis). It keeps
    its place and builds what it built (docs/ODD.md 7.21).
    """
    for agency in world.agencies:
        if agency.committed <= agency.budget + 1e-9:
            continue
        mine = sorted(
            (
                m
                for m in world.ongoing
                if agency.index in m.members
                and m.outcome is Outcome.ONGOING
                and _owed(m, agency.index) > 1e-9
            ),
            key=lambda m: (progress(m), -m.mission_id),
        )
        for mission in mine:
            if not _paid_by_engager(world, mission, agency.index):
                withdraw(world, mission, agency.index, params)
            recount_commitments(world)
            if agency.committed <= agency.budget + 1e-9:
                break


def _owed(mission: Mission, member: int) -> float:
    """What ``member`` still owes on ``mission``."""
    pos = mission.members.index(member)
    return float(mission.shares[pos] * mission.cost - mission.paid[pos])


def _paid_by_engager(world: World, mission: Mission, rival: int) -> bool:
    """A partner that seeks to engage ``rival`` takes over what it still owes, if it can."""
    name = world.agencies[rival].name
    pos = mission.members.index(rival)
    owed = _owed(mission, rival)
    engagers = [
        k
        for k, j in enumerate(mission.members)
        if j != rival
        and world.agencies[j].engages_with(name, world.year)
        and world.agencies[j].uncommitted >= owed / mission.years_left - 1e-9
    ]
    if owed <= 0 or not engagers:
        return False
    k = max(engagers, key=lambda k: (world.agencies[mission.members[k]].uncommitted, -k))
    mission.shares = mission.shares.copy()
    mission.shares[k] += owed / mission.cost
    mission.shares[pos] -= owed / mission.cost
    mission.paid_for.append((rival, mission.members[k]))
    return True


def cut_at_home(world: World, params: LifecycleParams, rng: np.random.Generator) -> None:
    """Governments cancel parts of missions under way (docs/ODD.md 7.19).

    Each member of each mission under way is cut with the chance of
    :func:`sim.domestic.cut_chance` (its part's weight in its mission budget,
    its government's support, its foreign partners, what is already paid): it leaves as in
    :func:`withdraw`, its partners' trust in it falls, and a mission left
    without the members it needs is cancelled. The lead of a club its
    government leads this year is not cut (``flagship_defence``,
    :func:`sim.domestic.defended`; docs/ODD.md 7.23).
    """
    agencies = world.agencies
    for mission in list(world.ongoing):
        if mission.outcome is not Outcome.ONGOING:
            continue
        members = list(mission.members)
        idx = np.asarray(members)
        foreign = foreign_partners(world.country[idx])
        envelope = np.array([agencies[i].envelope for i in members])
        weight = mission.yearly_payments() / np.maximum(envelope, 1e-9)
        support = np.array([agencies[i].support for i in members])
        sunk = params.sunk_cost * progress(mission)
        lead = mission.proposal.lead
        kind = mission.proposal.kind.kind
        leading = params.flagship_defence and kind in agencies[lead].leading(world.year)
        at = members.index(lead) if lead in members else None
        chance = cut_chance(
            params.cancellation_hazard,
            params.commitment_protection,
            support,
            weight,
            foreign,
            sunk,
            defended(at, leading, foreign),
        )
        draws = rng.random(len(members))
        for i, p, u in zip(members, chance, draws, strict=True):
            if u < p and mission.outcome is Outcome.ONGOING and i in mission.members:
                world.log.domestic_cuts += 1
                withdraw(world, mission, i, params)


def hand_over(mission: Mission, old: int, heir: int) -> None:
    """``heir`` takes ``old``'s place in ``mission``: its part, what it paid, what it builds.

    Roscosmos took over the Soviet Union's commitments (Mir among them). An
    heir already in the mission does not take a second place: ``old`` then
    leaves as a dissolved member does (:func:`withdraw`).
    """
    if mission.proposal.lead == old:  # the heir leads what its predecessor led
        mission.proposal = replace(mission.proposal, lead=heir)
    if heir in mission.members:
        return
    mission.members[mission.members.index(old)] = heir
    mission.depends_on = [[heir if d == old else d for d in row] for row in mission.depends_on]
    mission.builders = tuple(heir if b == old else b for b in mission.builders)
    mission.paid_for = [
        (heir if a == old else a, heir if b == old else b) for a, b in mission.paid_for
    ]


def withdraw(world: World, mission: Mission, leaver: int, params: LifecycleParams) -> None:
    """Take ``leaver`` out of ``mission``; the rest carry on (a year late) or cancel.

    What the leaver had paid stays sunk in ``withdrawn_paid``; what it still
    owed is taken over by the others in proportion to their shares, if they
    still cover ``min_coverage`` and can afford it this year. Otherwise the
    mission is cancelled and each member's share becomes what it had paid.
    The others' trust in the leaver falls by ``trust_loss_withdrawal`` of its value.

    A station in service (``in_service_from``) is run, not built, and each
    partner runs its own elements (the 1998 agreement, Article 15): what the
    leaver still owed for the term is dropped, not taken over, the term
    costing that much less, and nothing is rebuilt, so the rest carry on
    without delay while they can still run it (``min_coverage``).
    """
    pos = mission.members.index(leaver)
    stay = [k for k in range(len(mission.members)) if k != pos]
    others = [mission.members[k] for k in stay]
    if others:
        world.log.withdrawals += 1
        world.relations.withdraw(leaver, others, params.trust_loss_withdrawal)
    mission.withdrawn.append(leaver)
    mission.withdrawn_paid.append(float(mission.paid[pos]))
    mission.withdrawn_years.append(world.year)
    if mission.depends_on:
        mission.depends_on = [mission.depends_on[k] for k in stay]
    if len(mission.gains):
        mission.gains = mission.gains[stay]
    mission.paid_before = mission.paid_before[stay]
    if len(mission.rights):  # the leaver's rights go back to the others
        kept = mission.rights[stay]
        mission.rights = kept / kept.sum() if kept.sum() > 0 else kept
    unpaid = mission.shares[pos] * mission.cost - mission.paid[pos]  # what it still owed
    shares = mission.shares[stay]
    viable = (
        bool(others)
        and shares.sum() > 0
        and build_quality(world, others, mission.proposal.kind, params.weakest_link)
        >= params.min_coverage
    )
    if viable and mission.in_service_from is not None:  # operations: its part stops
        mission.cost -= unpaid
        mission.shares = shares * (mission.cost + unpaid) / mission.cost
        mission.paid = mission.paid[stay]
        mission.members = others
        return
    if viable:
        weights = shares / shares.sum()
        extra = weights * unpaid
        years = mission.years_left + 1
        uncommitted = np.array([world.agencies[i].uncommitted for i in others])
        viable = bool(np.all(extra / years <= np.maximum(uncommitted, 0.0) + 1e-9))
    if not viable:
        mission.outcome = Outcome.CANCELLED
        mission.end_year = world.year
        mission.members = others
        mission.shares = mission.paid[stay] / mission.cost
        mission.paid = mission.paid[stay]
        return
    mission.shares = (shares * mission.cost + extra) / mission.cost
    mission.paid = mission.paid[stay]
    mission.members = others
    mission.years_left = years  # integration without the leaver costs a year


def pay(world: World) -> None:
    """Pay this year's part of every mission under way, one year closer to its end."""
    for mission in world.ongoing:
        if mission.outcome is not Outcome.ONGOING:
            continue
        mission.paid += mission.yearly_payments()
        mission.years_left -= 1


def complete_due(world: World, params: LifecycleParams, rng: np.random.Generator) -> None:
    """Complete, in order, every mission under way whose last year this was.

    A lasting one (a station) that is built serves on: its members renew it
    for another term (:func:`renew`) while its service life lasts. It is
    built when its first term succeeds; a later term that fails is a lost
    term of research, not a lost station. A member the new term puts over
    its budget drops missions as in :func:`withdraw_over_budget`, the least
    advanced first.
    """
    renewed = False
    for mission in world.ongoing:
        if mission.outcome is Outcome.ONGOING and mission.years_left == 0:
            complete(world, mission, params, rng)
            built = mission.outcome is Outcome.SUCCESS or mission.in_service_from is not None
            if built and in_service(mission, world.year):
                renewed = renew(world, mission, params) or renewed
    if renewed:  # a member that cannot pay for the new term sheds what it can best spare
        recount_commitments(world)
        withdraw_over_budget(world, params)


def in_service(mission: Mission, year: int) -> bool:
    """Whether ``mission`` is of a lasting kind and serves beyond ``year``."""
    life = mission.proposal.kind.service_life
    built = year if mission.in_service_from is None else mission.in_service_from
    return life > 0 and year < built + life


def renew(world: World, mission: Mission, params: LifecycleParams) -> bool:
    """Another term of a lasting mission that has just ended one: a station serves on.

    A station outlasts the agreement that built it: the partners that stay
    extend it, as the ISS partners did (to 2020 in 2010, to 2024 in 2014, to
    2030 in 2021-22), with no new talks. Each member pays in the new term
    what it paid in the last one, over ``duration`` years. Each member keeps
    the elements it built while it builds them as well as any member now
    (:func:`kept_builders`: the partners own and run their elements, 1998
    IGA Art. 6; ``negotiation.keep_elements: false`` switches this off); the
    rest, an element whose builder left or fell behind, is planned again
    from what the members can do now, and so is who depends on whom.
    The mission stays one mission: what the members paid before is sunk in
    it, so its ``progress`` starts the second term at about a half and the
    third at two thirds, and the yearly rules for leaving (tension, budget,
    a cut at home) weigh it (docs/ODD.md 7.22).

    A station its members can no longer run (a critical element none of
    them can build, as crew transport without Roscosmos after 2011, or a
    build quality under ``min_coverage``) is retired instead: its last term
    stands as completed. Returns whether it was renewed.
    """
    kind = mission.proposal.kind
    plan, fit = as_built(world, mission.members, kind, params.weakest_link)
    if plan is None or plan.quality < params.min_coverage:
        return False
    if mission.in_service_from is None:
        mission.in_service_from = world.year
    term = mission.paid - mission.paid_before  # what each member paid in the term just ended
    mission.paid_before = mission.paid.copy()
    cost = mission.cost + float(term.sum())
    mission.shares = (mission.paid + term) / cost
    mission.cost = cost
    mission.years_left = kind.duration
    mission.term_from = world.year + 1
    mission.outcome = Outcome.ONGOING
    mission.end_year = None
    builder = kept_builders(mission, plan.builder, fit) if params.keep_elements else plan.builder
    mission.builders = tuple(mission.members[b] for b in builder)
    mission.depends_on = depends_on(mission.members, builder, fit)
    mission.coverage = plan.quality
    mission.success_chance = success_chance(plan.quality, kind.risk, params.success_exponent)
    return True


def kept_builders(mission: Mission, planned: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Who builds each element in a station's new term: its builder, where it can.

    ``planned`` is :func:`as_built`'s plan for the members as they are now
    (positions in ``mission.members``), ``fit`` their build fit. An element
    stays with the member that built it last term while that member builds
    it as well as the planned builder, so the build quality is the plan's:
    the partners own the elements they provide and run them term after term
    (Intergovernmental Agreement on Space Station Cooperation, 29 Jan 1998,
    Art. 6 ownership, Art. 15 each partner bears the cost of its own
    responsibilities; ESA's Columbus and JAXA's Kibo at every extension).
    Without this the plan gives every element the lead can build to the
    lead, whoever built it before (the prime contractor's tie-break of
    :func:`sim.elements.assign`, meant for a new mission).

    >>> from types import SimpleNamespace
    >>> station = SimpleNamespace(members=[4, 7], builders=(4, 7))
    >>> fit = np.array([[1.0, 1.0], [0.5, 1.0]])  # member 7 builds element 1 as well as 4
    >>> kept_builders(station, np.array([0, 0]), fit).tolist()
    [0, 1]
    >>> kept_builders(station, np.array([0, 0]), fit * [[1.0, 1.0], [1.0, 0.8]]).tolist()
    [0, 0]
    """
    builder = planned.copy()
    if len(mission.builders) != len(planned):
        return builder
    place = {agency: k for k, agency in enumerate(mission.members)}
    for e, agency in enumerate(mission.builders):
        k = place.get(agency)
        if k is not None and fit[k, e] >= fit[planned[e], e]:
            builder[e] = k
    return builder


def take_over(world: World, params: LifecycleParams) -> None:
    """A critical element whose builder can no longer build it passes to a member that can.

    The weakest link binds a mission under way as it binds a new one (docs/
    ODD.md 7.2, 7.18): when a member's capability falls below what a critical
    element needs (the Shuttle retired in July 2011), or the member building
    it has left the mission (a crew carrier that left flies no crews), the
    best member able to build it (the cheapest among equals) builds it from
    then on, and the member that built it, if still in, keeps paying its
    part: NASA bought its crews' seats on Soyuz (US$ 3.9 bn for 70 seats,
    2006-2020; NASA OIG IG-20-005, 2019).
    With no member able, a station in service cannot be run: its term ends
    this year, what was still due for the rest of it is dropped, and it is
    retired (:func:`renew`), as the ISS would have been de-crewed without
    Soyuz after Columbia (2003) or the Progress M-12M loss (Aug 2011). A
    mission still being built flies on, and fails at its end (7.13).

    A mission whose builders moved counts who depends on whom again
    (``depends_on``, the ``missions`` table's); the ``agencies`` table's
    yearly ``depends_on`` counts it from what each member can do each year
    (:func:`sim.metrics.depends_now`), so NASA depends on Roscosmos from 2011
    also where Roscosmos flew the crews already. Off with the weakest link
    (``negotiation.weakest_link: false``): who builds what stays as planned
    until the next term.
    """
    if not params.weakest_link:
        return
    for mission in world.ongoing:
        elements = mission.proposal.kind.elements
        if len(mission.builders) != len(elements.names):
            continue
        members = mission.members
        fit = build_fit(world.capabilities[members], elements)
        able = can_build(fit)
        place = {agency: k for k, agency in enumerate(members)}
        builder = np.array([place.get(b, -1) for b in mission.builders])
        moved = False
        for e in np.flatnonzero(elements.critical):
            k = builder[e]
            if k >= 0 and able[k, e]:
                continue  # built by a member able to
            # its builder lost the ability, or left: a crew carrier that left flies no crews
            if not able[:, e].any():
                if mission.in_service_from is not None:
                    _end_term(mission)
                continue
            builder[e] = min(
                np.flatnonzero(able[:, e]),
                key=lambda j: (world.agencies[members[j]].cost_factor, j),
            )
            moved = True
        if not moved:
            continue
        kept = builder >= 0  # elements built by a member that left depend on nobody here
        mission.builders = tuple(
            members[b] if b >= 0 else old for b, old in zip(builder, mission.builders, strict=True)
        )
        mission.depends_on = depends_on(members, builder[kept], fit[:, kept])


def _end_term(mission: Mission) -> None:
    """End a station's term this year: this year's part is paid, the rest dropped."""
    if mission.years_left <= 1:
        return
    yearly = mission.yearly_payments()
    dropped = float((mission.shares * mission.cost - mission.paid).clip(min=0.0).sum())
    dropped -= float(yearly.sum())
    mission.cost -= dropped
    mission.shares = (mission.paid + yearly) / mission.cost
    mission.years_left = 1


def settle(world: World) -> None:
    """Drop ended missions from ``ongoing`` and recount next year's commitments."""
    world.ongoing = [m for m in world.ongoing if m.outcome is Outcome.ONGOING]
    recount_commitments(world)


def complete(
    world: World, mission: Mission, params: LifecycleParams, rng: np.random.Generator
) -> None:
    """End ``mission``: one draw from ``rng`` decides success.

    Members learn by doing (half as much from a failure) and technology flows
    toward the best member (:func:`transfer`). A success adds science (more
    with more partners' instruments) and prestige, shares science under open
    data, raises trust and lowers tension among the members; a joint failure
    costs trust.
    """
    members = mission.members
    kind = mission.proposal.kind
    cov = build_quality(world, members, kind, params.weakest_link)
    chance = success_chance(cov, kind.risk, params.success_exponent)
    success = rng.random() < chance
    mission.outcome = Outcome.SUCCESS if success else Outcome.FAILURE
    mission.end_year = world.year
    m = len(members)
    rate = params.learning_rate if success else params.learning_rate / 2
    for i in members:
        world.agencies[i].learn(_built_requires(mission, i), rate)
    transfer(world, mission, params)
    if success:
        science = mission.proposal.science * (1.0 + params.instrument_bonus * (m - 1))
        world.log.science += science
        tension = world.relations.tension[np.ix_(members, members)].max(axis=1) if m > 1 else [0.0]
        for i, t in zip(members, tension, strict=True):
            world.agencies[i].science += science
            world.agencies[i].prestige += (
                mission.proposal.prestige / m + kind.joint_prestige * t * (m > 1)
            )
        if world.policies.levers.open_data > 0:  # open data: others read the results too
            for a in world.agencies:
                if world.active[a.index] and a.index not in members:
                    a.science += world.policies.levers.open_data * science
        if m > 1:
            world.relations.succeed(members, params.trust_gain, params.diplomacy)
    else:
        world.log.failures += 1
        if m > 1:
            world.relations.fail(members, params.trust_loss_failure)


def _built_requires(mission: Mission, member: int) -> np.ndarray:
    """The capability the elements ``member`` built needed, per domain (0 where it built none).

    Learning by doing is learning by building (Arrow 1962): NASA, flying its
    crews on Soyuz, does not learn to build crew transport; what partners know
    flows by :func:`transfer` instead, where export controls allow.
    """
    kind = mission.proposal.kind
    built = np.asarray(mission.builders) == member
    out = np.zeros_like(kind.requires)
    if len(built) == len(kind.elements.names):
        np.maximum.at(out, kind.elements.domain[built], kind.elements.level[built])
    return out


def transfer(world: World, mission: Mission, params: LifecycleParams) -> None:
    """Technology transfer toward the best member, unless export controls forbid it.

    Each member closes ``transfer_rate`` of its gap to the best member in
    every domain used, plus ``capacity_building`` more when it is an
    emerging agency.
    """
    members = mission.members
    if len(members) < 2:
        return
    policies = world.policies
    kind = mission.proposal.kind
    used = np.nonzero(kind.requires > 0)[0]
    rows, cols = np.asarray(members)[:, None], used[None, :]
    caps = world.capabilities[rows, cols]
    best = caps.argmax(axis=0)
    controlled = policies.levers.export_controls and kind.sensitivity >= params.export_sensitivity
    rate = np.full(len(members), params.transfer_rate)
    emerging = world.capabilities[members].mean(axis=1) < EMERGING_CAPABILITY
    rate[emerging] += policies.levers.capacity_building
    gains = np.zeros_like(caps)
    for col, b in enumerate(best):
        src = members[b]
        for row, i in enumerate(members):
            if i == src:
                continue
            if policies.levers.export_controls and world.relations.banned[i, src]:
                continue
            if controlled and world.bloc_names[i] != world.bloc_names[src]:
                continue
            gains[row, col] = min(rate[row], 1.0) * (caps[b, col] - caps[row, col])
    world.capabilities[rows, cols] = caps + gains
