"""Each policy lever moves its metric the way the literature expects.

Over 30 seeded replicates of iss_era, the same seeds with and without the
lever (common random numbers), each with a stated tolerance.
"""

import functools

import numpy as np
import pytest

from sim import SpaceCooperationModel, load_scenario
from sim.batch import run_batch
from sim.summary import run_metrics

pytestmark = pytest.mark.slow  # 30 seeded runs per lever

REPLICATES = 30


@functools.cache
def _cached(items):
    return run_batch("iss_era", REPLICATES, params=dict(items), seed=11, workers=1, progress=False)


def _batch(params):
    return _cached(tuple(sorted(params.items())))


@pytest.fixture(scope="module")
def base():
    return _batch({})


def _runs(batch):
    return run_metrics(batch.model)


def _mean_size(batch) -> float:
    joint = batch.missions[batch.missions.joint]
    return float((joint.members.map(len) + joint.withdrawn.map(len)).mean())


def _last_year(batch):
    ag = batch.agencies
    return ag[ag.year == ag.year.max()]


def test_treaty_lowers_tension_and_raises_cooperation(base):
    lever, b = _runs(_batch({"policies.treaty": 0.5})), _runs(base)
    assert lever.mean_tension.mean() < b.mean_tension.mean() - 0.05
    assert lever.cooperation_rate.mean() > b.cooperation_rate.mean()


def test_standards_bring_more_partners_per_mission(base):
    lever = _batch({"policies.standards": 0.8})
    assert _mean_size(lever) > _mean_size(base) + 0.03


def test_funding_pool_brings_more_joint_missions(base):
    lever, b = _runs(_batch({"policies.funding_pool": 0.15})), _runs(base)
    assert lever.joint_missions_started.mean() > b.joint_missions_started.mean() * 1.05
    assert lever.cooperation_rate.mean() > b.cooperation_rate.mean()


def test_open_data_raises_science_of_non_members(base):
    lever = _batch({"policies.open_data": 0.5})
    # Same seeds, same missions (open data changes no decision): the gain is all spillover.
    assert (
        _runs(lever).joint_missions_started.tolist() == _runs(base).joint_missions_started.tolist()
    )
    assert _last_year(lever).science.sum() > _last_year(base).science.sum() * 1.5


def test_capacity_building_raises_emerging_agencies_capabilities(base):
    lever = _batch({"policies.capacity_building": 0.5})
    emerging = ["CSA", "ISRO", "CNSA"]  # mean capability < 0.35 in 1993

    def cap(batch):
        last = _last_year(batch)
        return last[last.agency.isin(emerging)].mean_capability.mean()

    assert cap(lever) > cap(base) + 0.005


def test_lifting_export_controls_lets_nasa_and_cnsa_fly_together(base):
    lever = _batch({"policies.export_controls": False})

    def together(batch):
        m = batch.missions
        after = m[m.start_year >= 2011]
        return after.members.map(lambda x: "NASA" in x and "CNSA" in x).groupby(after.run_id).sum()

    assert together(base).sum() == 0
    # 0.6 a run since issue #13 (about 4 before): the deal must also pay the lead
    assert together(lever).mean() >= 0.3


def test_proportional_shares_fail_more_often_than_nash(base):
    lever, b = _runs(_batch({"negotiation.cost_sharing_rule": "proportional"})), _runs(base)
    # 1.7 times as often since issue #13 (rights in proportion to what each builds
    # leave a member below its outside option more often than a bargained split)
    assert lever.failed_negotiations.mean() > 1.4 * b.failed_negotiations.mean()
    assert lever.cooperation_rate.mean() < b.cooperation_rate.mean()


def test_a_policy_event_switches_a_lever_from_its_year(write_yaml):
    path = write_yaml(
        "extends: iss_era\nname: treaty_2005\nevents:\n"
        "  - {year: 2005, kind: policy, lever: treaty, value: 0.8}\n"
    )
    model = SpaceCooperationModel(scenario=load_scenario(path), rng=0)
    while model.year < 2004:
        model.step()
    assert model.policies.levers.treaty == 0.0
    model.step()
    assert model.policies.levers.treaty == 0.8
    before = model.relations.tension.copy()
    model.step()
    assert np.all(model.relations.tension <= before + 1e-12)


def test_a_policy_event_is_validated_like_the_field(write_yaml):
    from sim.scenario import ScenarioError

    path = write_yaml(
        "extends: iss_era\nname: bad\nevents:\n"
        "  - {year: 2005, kind: policy, lever: funding_pool, value: 0.9}\n"
    )
    with pytest.raises(
        ScenarioError, match=r"events\[0\]: funding_pool: .*less than or equal to 0.5"
    ):
        load_scenario(path)


def test_funding_pool_costs_science_per_dollar():
    # The pool pays for joint missions whatever their science, so each dollar
    # spent buys less: in detente 0.85 -> 0.70 points per US$ bn at 0.15. Before
    # issue #13 it also cost autonomy; with partners building what they do best it
    # no longer does. Measured on detente since #14: in iss_era the station club's
    # decades (60 bn each, often cancelled) make science per dollar too noisy for
    # 30 runs to show the fall (0.60 -> 0.62 on these seeds, 0.66 -> 0.57 on others).
    from sim.summary import tradeoff_metrics

    def science_per_dollar(pool):
        batch = run_batch(
            "detente",
            REPLICATES,
            params={"policies.funding_pool": pool},
            seed=11,
            workers=1,
            progress=False,
        )
        return tradeoff_metrics(batch.model, batch.missions).science_per_dollar.mean()

    assert science_per_dollar(0.15) < science_per_dollar(0.0) - 0.05
