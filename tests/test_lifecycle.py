"""The mission lifecycle on hand-made missions: commit, pay, withdraw, complete."""

import numpy as np
import pytest

from sim import SpaceCooperationModel, load_scenario
from sim import lifecycle as lc
from sim.mission import Mission, Outcome, Proposal

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
    assert world.agencies[1].committed == world.agencies[2].committed == 0.0
