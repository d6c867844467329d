"""The mission lifecycle on hand-made missions: commit, pay, withdraw, complete."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import SpaceCooperationModel, load_scenario, metrics
from sim import lifecycle as lc
from sim.mission import Mission, Outcome, Proposal
from sim.negotiation import Agreement, Deal
from sim.scenario import DOMAINS

# A and B each cover the probe alone; C, an emerging agency, covers 0.4 of it.
TRIO = """\
name: trio
start_year: 2000
end_year: 2010
agencies:
  A: {country: Aland, bloc: west, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.9, robotics: 0.9}}
  B: {country: Bland, bloc: west, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.9, robotics: 0.9}}
  C: {country: Cland, bloc: west, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.2, robotics: 0.2}}
relations:
  default_tension: 0.1
missions:
  probe:
    cost: 3.0
    duration: 3
    requires: {launch: 0.5, robotics: 0.5}
    science: 3.0
    prestige: 1.0
    risk: 0.0
    sensitivity: 0.0
    max_partners: 3
"""


@pytest.fixture
def world(write_yaml):
    """A world in its first year, no mission yet: the model, never stepped."""
    model = SpaceCooperationModel(load_scenario(write_yaml(TRIO)), rng=0)
    model.year = 2000
    model.active[:] = True
    return model


@pytest.fixture
def params(world):
    return world.params


def fly(world, members, shares=None, paid=None, years_left=3, cost=3.0) -> Mission:
    """Put a hand-made mission of the catalog's probe under way."""
    kind = world.kinds[0]
    n = len(members)
    mission = Mission(
        mission_id=len(world.missions),
        proposal=Proposal(kind, members[0], cost, kind.science, kind.prestige),
        members=list(members),
        shares=np.asarray(shares if shares is not None else [1.0 / n] * n, float),
        cost=cost,
        coverage=1.0,
        success_chance=1.0,
        start_year=world.year,
        years_left=years_left,
        values=np.zeros(n),
        builders=tuple(members[e % n] for e in range(len(kind.elements.names))),
    )
    if paid is not None:
        mission.paid = np.asarray(paid, float)
    world.missions.append(mission)
    world.ongoing.append(mission)
    lc.recount_commitments(world)
    return mission


def settled(mission: Mission) -> float:
    """Shares plus what leavers paid, as a share of the cost (one while under way)."""
    return mission.shares.sum() + sum(mission.withdrawn_paid) / mission.cost


def test_params_read_the_scenario_once(world):
    dyn, neg = world.spec.dynamics, world.spec.negotiation
    p = lc.LifecycleParams.from_scenario(world.spec)
    assert p == world.params
    assert (p.min_coverage, p.export_sensitivity) == (neg.min_coverage, neg.export_sensitivity)
    assert (p.sunk_cost, p.lock_in, p.trust_loss_withdrawal) == (
        dyn.sunk_cost,
        dyn.lock_in,
        dyn.trust_loss_withdrawal,
    )


def test_commitments_are_the_committed_base_payments_due_and_the_pool(world):
    a, b, c = world.agencies
    assert a.committed_share == 0.5  # not declared: the default
    b.committed_share = 0.2
    c.pool_contribution = 0.4
    fly(world, [0, 1], shares=[0.7, 0.3])  # 3.0 over three years: 0.7 and 0.3 a year
    assert a.committed == pytest.approx(0.5 * 10.0 + 0.7)
    assert b.committed == pytest.approx(0.2 * 10.0 + 0.3)
    assert c.committed == pytest.approx(0.5 * 10.0 + 0.4)
    assert a.uncommitted == pytest.approx(10.0 - 5.7)


# --------------------------------------------------------------- commit


def test_a_joint_deal_starts_a_mission_and_is_booked_once(world):
    kind = world.kinds[0]
    proposal = Proposal(kind, 0, 3.0, kind.science, kind.prestige)
    world.policies.pool = 1.0
    deal = Deal(
        agreement=Agreement.JOINT,
        members=(0, 1),
        shares=np.array([0.5, 0.5]),
        cost=3.3,
        coverage=1.0,
        success_chance=1.0,
        values=np.array([2.0, 2.0]),
        subsidy=0.4,
        rights=np.array([0.6, 0.4]),
        outside=np.zeros(2),
        builders=(0, 1),
        depends_on=((1,), ()),
    )
    mission = lc.start(world, proposal, deal, world.params)
    assert world.missions == [mission] and world.ongoing == [mission]
    np.testing.assert_allclose(mission.rights, [0.6, 0.4])
    assert mission.builders == (0, 1)
    assert mission.depends_on == [[1], []]
    assert world.log.started == [mission]
    assert mission.members == [0, 1] and mission.years_left == kind.duration
    assert world.policies.pool == pytest.approx(0.6)  # the pool paid the subsidy
    # each member's part: the shared 70 % and its rights to the rival 30 %, at the
    # cost alone (3.0), less what it paid (half of 3.3 each)
    rival = world.spec.negotiation.rival_share
    parts = 1 - rival + rival * np.array([0.6, 0.4])
    assert world.log.cost_saved == pytest.approx((parts * 3.0).sum() - 3.3)
    np.testing.assert_allclose(mission.gains, [2.0 - 1.65, 2.0 - 1.65])
    assert world.agencies[0].net_benefit == pytest.approx(0.35 / 10.0)
    assert [a.joint_started for a in world.agencies] == [1, 1, 0]
    assert world.relations.joint[0, 1] == world.relations.joint[1, 0] == 1
    assert world.relations.joint[0, 0] == 0


# ------------------------------------------------------------- payments


def test_payments_cover_the_cost_exactly_and_end_on_schedule(world, params):
    mission = fly(world, [0, 1], shares=[0.7, 0.3])
    rng = np.random.default_rng(0)
    budgets = [a.budget for a in world.agencies]
    for _year in range(3):
        assert mission.outcome is Outcome.ONGOING
        lc.pay(world)
        lc.complete_due(world, params, rng)
        lc.settle(world)
    np.testing.assert_allclose(mission.paid, [2.1, 0.9])
    assert mission.outcome is Outcome.SUCCESS and world.ongoing == []
    assert [a.budget for a in world.agencies] == budgets  # payments draw on, never cut, budgets
    assert all(a.committed == a.committed_share * a.budget for a in world.agencies)  # the base


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    budget=st.floats(0.0, 3.0),
    paid=st.lists(st.floats(0.0, 0.9), min_size=2, max_size=2),
)
def test_over_budget_an_agency_sheds_missions_until_it_can_pay(write_yaml, budget, paid):
    world = SpaceCooperationModel(load_scenario(write_yaml(TRIO)), rng=0)
    world.year, world.active[:] = 2000, True
    a = world.agencies[0]
    first = fly(world, [0, 1], paid=[paid[0], 0.0])
    second = fly(world, [0, 2], paid=[paid[1], 0.0])
    a.budget = budget
    progress = lc.progress(first), lc.progress(second)  # 5e-324 / 3 is 0: compare these
    lc.withdraw_over_budget(world, world.params)
    assert a.budget >= 0 and a.uncommitted >= -1e-9
    for mission in (first, second):
        if 0 in mission.withdrawn:
            assert 0 not in mission.members
    if 0 in second.withdrawn and progress[0] < progress[1]:  # the least advanced goes first
        assert 0 in first.withdrawn
    lc.pay(world)
    for mission in world.missions:
        assert mission.paid.sum() + sum(mission.withdrawn_paid) <= mission.cost + 1e-9


# ---------------------------------------------------------- withdrawals


def test_a_withdrawal_shifts_what_the_leaver_owed_to_the_others(world, params):
    mission = fly(world, [0, 1, 2], paid=[0.5, 0.5, 0.5])
    lc.withdraw(world, mission, 1, params)
    assert mission.outcome is Outcome.ONGOING
    assert mission.members == [0, 2] and mission.withdrawn == [1]
    assert mission.withdrawn_paid == [0.5] and mission.withdrawn_years == [2000]
    # B owed 1.0 - 0.5; A and C (equal shares) take 0.25 each, a year later.
    np.testing.assert_allclose(mission.shares * mission.cost, [1.25, 1.25])
    np.testing.assert_allclose(mission.paid, [0.5, 0.5])
    assert mission.years_left == 4
    assert settled(mission) == pytest.approx(1.0)
    assert world.log.withdrawals == 1


def test_a_withdrawal_keeps_the_per_member_records_aligned(world, params):
    mission = fly(world, [0, 1, 2], paid=[0.5, 0.5, 0.5])
    mission.depends_on = [[], [0], [0]]
    mission.gains = np.array([1.0, 2.0, 3.0])
    mission.rights = np.array([0.5, 0.3, 0.2])
    lc.withdraw(world, mission, 1, params)
    assert mission.depends_on == [[], [0]]
    np.testing.assert_allclose(mission.gains, [1.0, 3.0])
    assert len(mission.rights) == len(mission.members)


def test_two_withdrawals_from_one_mission_never_charge_twice(world, params):
    mission = fly(world, [0, 1, 2], shares=[0.5, 0.3, 0.2], paid=[0.6, 0.3, 0.1])
    charged = []
    for leaver in (1, 2):
        lc.withdraw(world, mission, leaver, params)
        charged.append(mission.withdrawn_paid[-1])
        if mission.outcome is Outcome.ONGOING:
            assert settled(mission) == pytest.approx(1.0)
    assert charged == [0.3, 0.1]  # each leaver keeps exactly what it had paid
    assert mission.members == [0]
    assert mission.shares * mission.cost == pytest.approx(3.0 - 0.3 - 0.1)
    lc.recount_commitments(world)
    for a in world.agencies[1:]:
        assert a.committed == a.committed_share * a.budget  # nothing more due


def test_a_member_over_its_tolerance_withdraws_and_loses_trust(world, params):
    world.tolerance[:] = [0.9, 0.9, 0.3]
    rel = world.relations
    rel.tension[0, 2] = rel.tension[2, 0] = 0.5  # over C's bar 0.3 + lock_in, under A's
    before = rel.trust.copy()
    mission = fly(world, [0, 1, 2])
    lc.withdraw_over_tension(world, params)
    assert mission.withdrawn == [2] and mission.members == [0, 1]
    loss = 1.0 - params.trust_loss_withdrawal
    for i in (0, 1):
        assert rel.trust[i, 2] == rel.trust[2, i] == pytest.approx(before[i, 2] * loss)
    assert rel.trust[0, 1] == before[0, 1]
    assert world.log.withdrawals == 1


def test_sunk_cost_keeps_a_member_in(world, params):
    world.tolerance[:] = [0.9, 0.9, 0.3]
    rel = world.relations
    rel.tension[0, 2] = rel.tension[2, 0] = 0.5
    mission = fly(world, [0, 1, 2], paid=[0.6, 0.6, 0.6])  # 60 % paid: bar 0.3 + 0.3 + 0.1
    lc.withdraw_over_tension(world, params)
    assert mission.withdrawn == [] and world.log.withdrawals == 0


def test_a_mission_the_others_cannot_cover_is_cancelled_at_what_was_paid(world, params):
    mission = fly(world, [0, 2], paid=[0.5, 0.2])  # C alone covers 0.4 < min_coverage
    lc.withdraw(world, mission, 0, params)
    assert mission.outcome is Outcome.CANCELLED and mission.end_year == 2000
    assert mission.members == [2]
    np.testing.assert_allclose(mission.shares * mission.cost, [0.2])
    lc.settle(world)
    c = world.agencies[2]
    assert world.ongoing == [] and c.committed == c.committed_share * c.budget


# -------------------------------------------------------- build quality


def test_build_quality_is_how_well_the_members_build_the_elements_now(world):
    probe = world.kinds[0]  # launch and robotics at 0.5, half the cost each
    assert lc.build_quality(world, [0], probe) == pytest.approx(1.0)
    assert lc.build_quality(world, [2], probe) == 0.0  # C cannot launch: a weakest link
    assert lc.build_quality(world, [0, 2], probe) == pytest.approx(1.0)  # A builds both
    assert lc.build_quality(world, [1, 0, 2], probe) == pytest.approx(1.0)  # more than elements
    world.capabilities[0, DOMAINS.index("robotics")] = 0.25  # A's arm gets worse...
    assert lc.build_quality(world, [0], probe) == pytest.approx(0.5 + 0.5 * 0.5)
    assert lc.build_quality(world, [0, 1], probe) == pytest.approx(1.0)  # ...B builds it


def test_completion_draws_success_from_the_build_quality_at_the_end(world, params):
    mission = fly(world, [0, 2])  # agreed at coverage 1.0
    world.capabilities[0, DOMAINS.index("launch")] = 0.1  # A loses its launcher
    lc.complete(world, mission, params, np.random.default_rng(0))
    assert mission.outcome is Outcome.FAILURE  # nobody left can launch it


# ----------------------------------------------------------- completion


def test_full_coverage_and_no_risk_succeeds_and_raises_trust(world, params):
    rel = world.relations
    rel.trust[0, 1] = rel.trust[1, 0] = 0.5
    rel.tension[0, 1] = rel.tension[1, 0] = 0.2
    mission = fly(world, [0, 1])
    caps = world.capabilities.copy()
    lc.complete(world, mission, params, np.random.default_rng(0))
    assert mission.outcome is Outcome.SUCCESS and mission.end_year == 2000
    assert rel.trust[0, 1] == rel.trust[1, 0] == pytest.approx(0.5 + params.trust_gain * 0.5)
    assert rel.tension[0, 1] == pytest.approx(0.2 * (1 - params.diplomacy))
    science = 3.0 * (1 + params.instrument_bonus)
    assert world.log.science == pytest.approx(science)
    assert world.agencies[0].science == world.agencies[1].science == pytest.approx(science)
    assert world.agencies[2].science == 0.0  # no open data
    # each learns by building, in the domain of the element it built; in the other it
    # gains only what transfer brings from the partner who built it (A and B start equal)
    elements = world.kinds[0].elements
    for k in (0, 1):
        built = elements.domain[np.asarray(mission.builders) == k]
        other = elements.domain[np.asarray(mission.builders) != k]
        np.testing.assert_allclose(
            world.capabilities[k, built],
            caps[k, built] + params.learning_rate * (1 - caps[k, built]),
        )
        np.testing.assert_allclose(
            world.capabilities[k, other],
            caps[k, other] + params.transfer_rate * params.learning_rate * (1 - caps[k, other]),
        )


def test_certain_failure_costs_trust_and_teaches_half(world, params):
    world.kinds[0] = replace(world.kinds[0], risk=1.0)
    mission = fly(world, [0, 1])
    before = world.relations.trust[0, 1]
    caps = world.capabilities.copy()
    lc.complete(world, mission, params, np.random.default_rng(0))
    assert mission.outcome is Outcome.FAILURE and world.log.failures == 1
    assert world.relations.trust[0, 1] == pytest.approx(before * (1 - params.trust_loss_failure))
    built = world.kinds[0].elements.domain[np.asarray(mission.builders) == 1]
    np.testing.assert_allclose(
        world.capabilities[1, built],
        caps[1, built] + params.learning_rate / 2 * (1 - caps[1, built]),
    )


def test_completion_draws_once_from_the_generator_it_is_given(world, params):
    mission = fly(world, [0, 1])
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    lc.complete(world, mission, params, rng)
    twin.random()
    assert rng.random() == twin.random()


def test_the_weaker_member_closes_part_of_its_gap(world, params):
    mission = fly(world, [0, 2])
    used = world.kinds[0].requires > 0
    caps = world.capabilities.copy()
    lc.transfer(world, mission, params)
    gap = caps[0, used] - caps[2, used]
    rate = params.transfer_rate + world.policies.levers.capacity_building
    np.testing.assert_allclose(world.capabilities[2, used], caps[2, used] + rate * gap)
    np.testing.assert_array_equal(world.capabilities[0], caps[0])  # the best gives, loses nothing


def test_a_ban_stops_the_transfer(world, params):
    world.relations.set_ban(0, 2, True)
    mission = fly(world, [0, 2])
    caps = world.capabilities.copy()
    lc.transfer(world, mission, params)
    np.testing.assert_array_equal(world.capabilities, caps)


def _lose_launch(world, agency: int) -> None:
    """A capability loss, as the Shuttle's retirement: ``agency`` can no longer launch."""
    world.capabilities[agency, DOMAINS.index("launch")] = 0.2


def test_a_critical_element_passes_to_an_able_member_when_its_builder_loses_it(world, params):
    mission = fly(world, [0, 1])  # A launches, B builds the robotics
    assert mission.builders == (0, 1)
    _lose_launch(world, 0)
    lc.take_over(world, params)
    assert mission.builders == (1, 1)  # B launches now, as Soyuz flew NASA's crews
    assert mission.depends_on == [[1], []]  # A depends on B, B on nobody
    assert metrics.depends_now(world)[:2] == [["B (launch)"], []]
    assert mission.shares.tolist() == [0.5, 0.5]  # A keeps paying its part: it buys the launch


def test_without_the_weakest_link_the_plan_stands_when_a_builder_loses_it(world, params):
    mission = fly(world, [0, 1])
    _lose_launch(world, 0)
    lc.take_over(world, replace(params, weakest_link=False))
    assert mission.builders == (0, 1)
    assert metrics.depends_now(world)[:2] == [[], []]  # A builds it: nobody to depend on


def test_a_station_nobody_can_launch_any_more_ends_its_term_and_is_retired(world, params):
    mission = fly(world, [0, 2], years_left=5, cost=10.0)  # A launches; C cannot
    mission.in_service_from = 1998
    mission.paid = np.array([2.0, 2.0])
    due = mission.yearly_payments()
    _lose_launch(world, 0)
    lc.take_over(world, params)
    assert mission.builders == (0, 2) and mission.years_left == 1
    assert mission.yearly_payments() == pytest.approx(due)  # this year's part, the rest dropped
    assert mission.shares.sum() == pytest.approx(1.0)
    lc.pay(world)
    assert mission.paid.sum() == pytest.approx(mission.cost)
    assert not lc.renew(world, mission, params)  # nobody can launch it: retired


def test_a_mission_still_being_built_flies_on_when_nobody_can_launch_it(world, params):
    mission = fly(world, [0, 2], years_left=5)
    _lose_launch(world, 0)
    lc.take_over(world, params)
    assert mission.years_left == 5 and mission.builders == (0, 2)
    assert lc.build_quality(world, [0, 2], mission.proposal.kind) == 0.0  # it will fail


def test_a_renewed_station_leaves_each_partner_the_elements_it_built(world, params):
    mission = fly(world, [0, 1], cost=10.0)  # A launches, B builds the robotics
    mission.paid = mission.shares * mission.cost
    assert lc.renew(world, mission, params)
    assert mission.builders == (0, 1)  # B runs its module again, as Columbus and Kibo did
    # the mechanism off: the plan for a new mission gives the lead all it can build
    mission.years_left = 0
    assert lc.renew(world, mission, replace(params, keep_elements=False))
    assert mission.builders == (0, 0)


def test_an_element_whose_builder_fell_behind_is_planned_again_at_renewal(world, params):
    mission = fly(world, [0, 1], cost=10.0)
    mission.paid = mission.shares * mission.cost
    world.capabilities[1, DOMAINS.index("robotics")] = 0.3  # B builds it worse than A now
    assert lc.renew(world, mission, params)
    assert mission.builders == (0, 0) and mission.coverage == 1.0


def test_a_critical_element_whose_builder_left_passes_to_an_able_member(world, params):
    mission = fly(world, [1, 0], years_left=5)  # B launches, A builds the robotics
    assert mission.builders == (1, 0)
    lc.withdraw(world, mission, 1, params)  # B leaves: it launches nothing any more
    lc.take_over(world, params)
    assert mission.builders == (0, 0)


def test_a_station_whose_only_carrier_left_is_retired_when_nobody_else_can(world, params):
    mission = fly(world, [0, 2], years_left=5, cost=10.0)  # A launches; C cannot
    mission.in_service_from = 1998
    mission.paid = np.array([2.0, 2.0])
    lc.withdraw(world, mission, 0, params)  # A leaves
    lc.take_over(world, params)
    assert mission.years_left == 1  # C cannot launch: the term ends this year
