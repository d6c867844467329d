"""The model: exact reproducibility, invariants over seeds, no global random state."""

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import SpaceCooperationModel, load_scenario, run
from sim.lifecycle import progress
from sim.mission import Outcome
from sim.scenario import apply_overrides


@pytest.mark.parametrize("name", ["cold_war", "detente", "iss_era"])
def test_same_seed_gives_identical_tables(name):
    a, b = run(name, seed=11), run(name, seed=11)
    for table in ("model", "agencies", "pairs", "missions"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_different_seeds_differ():
    a, b = run("iss_era", seed=1), run("iss_era", seed=2)
    assert not a.missions.equals(b.missions)


def test_no_global_random_state_is_touched():
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    py_state = random.getstate()
    run("detente", seed=3)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert random.getstate() == py_state


def test_tables_have_the_documented_columns():
    r = run("cold_war", seed=0)
    assert list(r.model.columns) == [
        "year",
        "active_agencies",
        "missions_started",
        "joint_missions_started",
        "cooperation_rate",
        "mean_tension",
        "mean_trust",
        "cross_bloc_share",
        "network_density",
        "network_clustering",
        "network_components",
        "science_output",
        "cost_saved",
        "withdrawals",
        "domestic_cuts",
        "failures",
        "failed_negotiations",
        "duplication",
        "fairness_gini",
    ]
    assert list(r.agencies.columns) == [
        "year",
        "agency",
        "bloc",
        "budget",
        "uncommitted_budget",
        "mean_capability",
        "science",
        "prestige",
        "partners",
        "solo_missions",
        "joint_missions",
        "support",
        "depends_on",
    ]
    assert list(r.pairs.columns) == [
        "year",
        "agency_a",
        "agency_b",
        "joint_missions",
        "tension",
        "trust",
    ]
    for col in [
        "mission_id",
        "kind",
        "lead",
        "members",
        "shares",
        "start_year",
        "end_year",
        "cost",
        "sensitivity",
        "outcome",
    ]:
        assert col in r.missions.columns
    assert r.model["year"].tolist() == list(range(1957, 1976))


def _check_year(model: SpaceCooperationModel) -> None:
    for a in model.agencies:
        assert a.budget >= 0
        if model.active[a.index]:
            assert a.uncommitted >= -1e-9, (model.year, a.name)
    rel = model.relations
    for m in (rel.tension, rel.trust, rel.baseline):
        assert np.all((m >= 0) & (m <= 1))
        assert np.allclose(m, m.T)
    assert np.all(model.capabilities >= 0) and np.all(model.capabilities <= 1 + 1e-12)
    for mission in model.missions:
        paid = mission.paid.sum() + sum(mission.withdrawn_paid)
        assert paid <= mission.cost + 1e-6
        if mission.outcome in (Outcome.SUCCESS, Outcome.FAILURE):
            assert paid == pytest.approx(mission.cost)  # money paid equals mission cost
        settled = mission.shares.sum() + sum(mission.withdrawn_paid) / mission.cost
        if mission.outcome is Outcome.CANCELLED:  # what was paid is all it cost anyone
            assert settled * mission.cost == pytest.approx(paid)
        else:
            assert settled == pytest.approx(1.0)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(["cold_war", "detente", "iss_era"]),
    rule=st.sampled_from(["nash", "proportional", "shapley"]),
)
def test_invariants_hold_every_year(seed, name, rule):
    scenario = apply_overrides(load_scenario(name), {"negotiation.cost_sharing_rule": rule})
    model = SpaceCooperationModel(scenario=scenario, rng=seed)
    while model.running:
        model.step()
        _check_year(model)


def test_budget_shock_makes_members_withdraw_and_keeps_money_consistent():
    # Halve every budget to a tenth mid-run: commitments must be shed, not overdrawn.
    scenario = load_scenario("iss_era")
    model = SpaceCooperationModel(scenario=scenario, rng=5)
    for _ in range(10):
        model.step()
    for a in model.agencies:
        a.budget *= 0.1
    model.step()
    _check_year(model)
    assert model.log.withdrawals + sum(m.outcome is Outcome.CANCELLED for m in model.missions) > 0


def test_tension_spike_triggers_withdrawal_and_breaks_trust():
    scenario = load_scenario("iss_era")
    model = SpaceCooperationModel(scenario=scenario, rng=2)
    for _ in range(8):
        model.step()
    # a young joint mission: little is sunk in it yet, so nothing holds its members
    joint = sorted((m for m in model.ongoing if len(m.members) > 1), key=progress)
    assert joint
    a, b = joint[0].members[:2]
    trust_before = model.relations.trust[a, b]
    model.relations.tension[a, b] = model.relations.tension[b, a] = 1.0
    model.relations.baseline[a, b] = model.relations.baseline[b, a] = 1.0
    model.step()
    assert model.log.withdrawals >= 1
    assert model.relations.trust[a, b] < trust_before


def test_a_programme_under_way_starts_partly_paid_and_ends_on_schedule():
    # No government cuts its part here: the test is about the schedule.
    scenario = load_scenario("artemis_vs_ilrs", {"dynamics.cancellation_hazard": 0.0})
    model = SpaceCooperationModel(scenario=scenario, rng=0)
    (iss,) = model.ongoing
    assert iss.proposal.kind.kind == "iss" and iss.start_year == 1998
    assert [model.agencies[i].name for i in iss.members] == [
        "NASA", "Roscosmos", "ESA", "JAXA", "CSA"
    ]  # fmt: skip
    # 22 of 33 years (1998-2030) paid by 2020; the rest at share * cost / duration a year.
    np.testing.assert_allclose(iss.paid, iss.shares * 150.0 * 22 / 33)
    np.testing.assert_allclose(iss.yearly_payments(), iss.shares * 150.0 / 33)
    assert model.agency("NASA").committed >= 0.74 * 150.0 / 33
    while model.running:
        model.step()
    assert iss.end_year == 2030 and iss.outcome in (Outcome.SUCCESS, Outcome.FAILURE)


def test_a_club_is_harder_to_leave_than_a_pair():
    # The same tension shock: a young pair breaks, a five-member club does not.
    # (No government cuts anything here: the test is about leaving over tension.)
    at_home = {"dynamics.cancellation_hazard": 0.0}
    result = run("artemis_vs_ilrs", seed=0, overrides=at_home)
    m = result.missions
    assert m[m.kind == "iss"].withdrawn.iloc[0] == []
    no_lock_in = run("artemis_vs_ilrs", seed=0, overrides={**at_home, "dynamics.lock_in": 0.0})
    iss = no_lock_in.missions[no_lock_in.missions.kind == "iss"].iloc[0]
    # NASA-Roscosmos passes both tolerances in 2022 (0.65 + the sanctions): one of them leaves
    assert list(iss.withdrawn) in (["NASA"], ["Roscosmos"]) and list(iss.withdrawn_years) == [2022]
