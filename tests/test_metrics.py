"""Each metric on a small hand-made world with a known answer."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import make_kind, proposal

from sim import metrics
from sim.mission import Mission
from sim.model import YearLog
from sim.registry import model_reporters


def mission(members, kind="probe", cost=1.0, countries=0):
    m = Mission(
        mission_id=0,
        proposal=proposal(make_kind(kind=kind), lead=members[0]),
        members=list(members),
        shares=np.full(len(members), 1 / len(members)),
        cost=cost,
        coverage=1.0,
        success_chance=1.0,
        start_year=2000,
        years_left=2,
        values=np.ones(len(members)),
        countries=countries,
    )
    return m


def world(
    n=4,
    started=(),
    ongoing=(),
    blocs=None,
    tension=None,
    trust=None,
    active=None,
    countries=None,
    **log,
):
    tension = np.zeros((n, n)) if tension is None else np.asarray(tension, float)
    trust = np.ones((n, n)) if trust is None else np.asarray(trust, float)
    return SimpleNamespace(
        year=2000,
        active=np.ones(n, bool) if active is None else np.asarray(active, bool),
        bloc_names=np.array(blocs or ["west"] * n),
        relations=SimpleNamespace(tension=tension, trust=trust),
        log=YearLog(started=list(started), **log),
        ongoing=list(ongoing),
        net_benefit=np.zeros(n),
        agencies=[SimpleNamespace(country=c) for c in countries or [f"C{i}" for i in range(n)]],
    )


def test_counts_and_cooperation_rate():
    w = world(started=[mission([0]), mission([1, 2]), mission([0, 3])])
    assert metrics.missions_started(w) == 3
    assert metrics.joint_missions_started(w) == 2
    assert metrics.cooperation_rate(w) == pytest.approx(2 / 3)


def test_cooperation_rate_is_nan_when_nothing_started():
    assert math.isnan(metrics.cooperation_rate(world()))


def test_active_agencies():
    assert metrics.active_agencies(world(active=[1, 0, 1, 1])) == 3


def test_mean_tension_and_trust_over_active_pairs():
    t = np.array([[0, 0.2, 0.9], [0.2, 0, 0.4], [0.9, 0.4, 0]])
    w = world(n=3, tension=t, trust=1 - t, active=[1, 1, 0])
    assert metrics.mean_tension(w) == pytest.approx(0.2)
    assert metrics.mean_trust(w) == pytest.approx(0.8)
    w = world(n=3, tension=t, trust=1 - t)
    assert metrics.mean_tension(w) == pytest.approx(0.5)


def test_cross_bloc_share():
    w = world(
        blocs=["west", "west", "east", "east"],
        started=[mission([0, 1]), mission([0, 2]), mission([3])],
    )
    assert metrics.cross_bloc_share(w) == pytest.approx(0.5)


def test_network_metrics_on_a_triangle_and_an_isolate():
    w = world(ongoing=[mission([0, 1, 2])])
    assert metrics.network_density(w) == pytest.approx(3 / 6)
    assert metrics.network_clustering(w) == pytest.approx(3 / 4)  # isolate counts 0
    assert metrics.network_components(w) == 2


def test_network_metrics_on_a_path():
    w = world(ongoing=[mission([0, 1]), mission([1, 2]), mission([3])])
    assert metrics.network_density(w) == pytest.approx(2 / 6)
    assert metrics.network_clustering(w) == 0.0
    assert metrics.network_components(w) == 2


def test_inactive_agencies_are_not_in_the_network():
    w = world(ongoing=[mission([0, 1])], active=[1, 0, 1, 1])
    assert metrics.network_density(w) == 0.0
    assert metrics.network_components(w) == 3


def test_yearly_tallies_pass_through():
    w = world(science=4.5, cost_saved=2.0, withdrawals=1, failures=2, failed_negotiations=3)
    assert metrics.science_output(w) == 4.5
    assert metrics.cost_saved(w) == 2.0
    assert metrics.withdrawals(w) == 1
    assert metrics.failures(w) == 2
    assert metrics.failed_negotiations(w) == 3


def test_duplication_counts_countries_flying_the_same_kind_apart():
    w = world(
        started=[
            mission([0], "probe"),
            mission([1], "probe"),
            mission([2], "probe"),
            mission([0], "probe"),  # its own second probe: a programme, not a duplicate
            mission([3], "telescope"),
            mission([0, 1], "telescope"),  # led by 0: a second country on telescopes
        ]
    )
    assert metrics.duplication(w) == 2 + 1
    # two agencies of one country are one national programme
    same = world(
        started=[mission([0], "probe"), mission([1], "probe")], countries=["A", "A", "B", "C"]
    )
    assert metrics.duplication(same) == 0


def test_two_agencies_of_one_country_are_not_a_joint_mission():
    national = mission([0, 1], countries=1)
    international = mission([0, 2], countries=2)
    w = world(started=[national, international])
    assert not national.joint and international.joint
    assert metrics.joint_missions_started(w) == 1


def test_gini():
    assert metrics.gini(np.array([2.0, 2.0])) == 0.0
    assert metrics.gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)
    assert metrics.gini(np.array([])) == 0.0


def test_fairness_gini_over_active_agencies():
    w = world(active=[1, 1, 0, 0])
    w.net_benefit = np.array([1.0, 3.0, 100.0, 0.0])
    assert metrics.fairness_gini(w) == pytest.approx(0.25)


def test_every_documented_metric_is_reported():
    assert next(iter(model_reporters())) == "year"
    assert len(model_reporters()) == 19
