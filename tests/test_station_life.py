"""A station serves after it is built: terms extended by the partners that stay (ODD 7.22).

Unit tests on hand-made missions of a lasting kind: the next term, what
each member has sunk in it, a leaver's part of operations, the end of
service; then, over 30 seeded runs of ``iss_era`` and ``full_history``,
the ISS club that survives the 2014 shock, which weakens when stations
have no service life, and fails when leaving costs neither sunk
investment nor partners.
"""

from functools import cache

import numpy as np
import pytest

from sim import SpaceCooperationModel, load_scenario, run_batch
from sim import lifecycle as lc
from sim.mission import Mission, Outcome, Proposal
from sim.scenario import DOMAINS
from sim.validation import validate

STATION = """\
name: station
start_year: 2000
end_year: 2030
agencies:
  A: {country: Aland, bloc: west, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.9, station: 0.9}}
  B: {country: Bland, bloc: west, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.9, station: 0.9}}
  C: {country: Cland, bloc: east, founded: 1990, budget: 10.0,
      capabilities: {launch: 0.9, station: 0.9}}
relations:
  default_tension: 0.1
missions:
  station:
    cost: 10.0
    duration: 5
    requires: {launch: 0.5, station: 0.5}
    science: 3.0
    prestige: 1.0
    risk: 0.0
    sensitivity: 0.0
    max_partners: 3
    service_life: 10
"""


@pytest.fixture
def world(write_yaml):
    """A world in its first year, no mission yet: the model, never stepped."""
    model = SpaceCooperationModel(load_scenario(write_yaml(STATION)), rng=0)
    model.year = 2000
    model.active[:] = True
    return model


def build(world, members=(0, 1, 2), shares=(0.6, 0.3, 0.1)) -> Mission:
    """A station's first term, paid in full and due to end this year."""
    kind = world.kinds[0]
    n = len(members)
    mission = Mission(
        mission_id=len(world.missions),
        proposal=Proposal(kind, members[0], kind.cost, kind.science, kind.prestige),
        members=list(members),
        shares=np.asarray(shares, float),
        cost=kind.cost,
        coverage=1.0,
        success_chance=1.0,
        start_year=world.year - kind.duration + 1,
        years_left=0,
        values=np.full(n, 5.0),
        gains=np.full(n, 1.0),
        builders=tuple(members[e % n] for e in range(len(kind.elements.names))),
    )
    mission.paid = mission.shares * mission.cost
    world.missions.append(mission)
    world.ongoing.append(mission)
    return mission


def test_a_built_station_serves_another_term_with_the_same_members(world):
    station = build(world)
    lc.complete_due(world, world.params, np.random.default_rng(0))
    assert station.outcome is Outcome.ONGOING and station.end_year is None  # serves on
    assert world.missions == [station] and station in world.ongoing
    assert (station.in_service_from, station.term_from) == (world.year, world.year + 1)
    assert station.years_left == 5 and station.members == [0, 1, 2]
    # each member pays in the new term what it paid in the last one
    assert station.cost == pytest.approx(20.0)
    assert (station.shares * station.cost - station.paid).tolist() == pytest.approx([6, 3, 1])
    assert station.shares.sum() == pytest.approx(1.0)
    # what they paid is sunk in it: half the programme is paid when the term begins
    assert lc.progress(station) == pytest.approx(0.5)
    world.agencies[1].science = 0.0  # the ended term delivered its science
    assert world.agencies[0].science > 0


def test_the_bar_for_leaving_a_station_rises_with_each_term(world):
    station = build(world)
    lc.complete_due(world, world.params, np.random.default_rng(0))
    world.relations.tension[0, 2] = world.relations.tension[2, 0] = 0.0
    tolerance = world.tolerance[2]
    # tension above C's tolerance but below tolerance + sunk_cost x 0.5 + lock_in x 1
    bar = world.params.sunk_cost * 0.5 + world.params.lock_in
    world.relations.tension[1, 2] = world.relations.tension[2, 1] = tolerance + bar - 0.01
    lc.withdraw_over_tension(world, world.params)
    assert 2 in station.members
    fresh = build(world)  # a first term just begun, nothing paid: C leaves it
    fresh.paid[:] = 0.0
    fresh.years_left = 5
    lc.withdraw_over_tension(world, world.params)
    assert 2 not in fresh.members and 2 in station.members


def test_an_agency_in_a_station_proposes_no_second_one(world):
    build(world)
    lc.complete_due(world, world.params, np.random.default_rng(0))
    lc.settle(world)
    for _ in range(20):
        drawn = world.agencies[0].propose(world.kinds, world.year, world.spec.dynamics)
        assert all(p.kind.kind != "station" for p in drawn)
    world.ongoing.clear()
    drawn = [
        p
        for _ in range(20)
        for p in world.agencies[0].propose(world.kinds, world.year, world.spec.dynamics)
    ]
    assert any(p.kind.kind == "station" for p in drawn)


def test_a_leaver_stops_its_part_of_operations_and_the_rest_carry_on(world):
    station = build(world)
    lc.complete_due(world, world.params, np.random.default_rng(0))
    lc.settle(world)
    world.year += 1
    lc.pay(world)  # one year of five of the second term
    years_left, owed = station.years_left, station.shares * station.cost - station.paid
    lc.withdraw(world, station, 2, world.params)
    assert station.outcome is Outcome.ONGOING and station.members == [0, 1]
    assert station.years_left == years_left  # nothing to rebuild: no year lost
    assert station.cost == pytest.approx(20.0 - owed[2])  # its part dropped, not taken over
    owes = station.shares * station.cost - station.paid
    assert owes.tolist() == pytest.approx(owed[:2].tolist())
    assert station.shares.sum() + sum(station.withdrawn_paid) / station.cost == pytest.approx(1)


def test_a_leaver_from_a_first_term_is_taken_over_and_costs_a_year(world):
    station = build(world)
    station.years_left, station.paid = 4, station.paid * 0.2
    lc.recount_commitments(world)
    lc.withdraw(world, station, 2, world.params)
    assert station.cost == pytest.approx(10.0) and station.years_left == 5


def test_a_failed_first_term_is_not_renewed_a_failed_later_one_is(world):
    first = build(world)
    lc.complete_due(world, world.params, _Always(succeed=False))
    assert first.outcome is Outcome.FAILURE and first.in_service_from is None  # never built
    lc.settle(world)
    later = build(world)
    later.in_service_from = world.year - 5  # a station in service for five years
    lc.complete_due(world, world.params, _Always(succeed=False))
    assert later.outcome is Outcome.ONGOING  # a lost term of research, not a lost station
    assert later.term_from == world.year + 1


def test_service_ends_with_the_service_life(world):
    station = build(world)
    station.in_service_from = world.year - 10  # its ten years of service are over
    assert not lc.in_service(station, world.year) and lc.in_service(station, world.year - 1)
    lc.complete_due(world, world.params, np.random.default_rng(0))
    assert station.outcome is Outcome.SUCCESS and station.end_year == world.year


def test_a_station_its_members_can_no_longer_run_is_retired(world):
    # Crew transport without Roscosmos after 2011: an element nobody left can build.
    station = build(world)
    station.in_service_from = world.year - 5  # in its second term: a failed one would renew
    world.capabilities[:, DOMAINS.index("launch")] = 0.2  # critical, under the kind's 0.5
    lc.complete_due(world, world.params, np.random.default_rng(0))
    assert station.outcome is not Outcome.ONGOING and station.end_year == world.year
    assert station.term_from == station.start_year


def test_a_member_the_new_term_puts_over_budget_drops_what_it_can_best_spare(world):
    station = build(world)
    other = build(world, members=(2,), shares=(1.0,))  # C's own, young mission
    other.paid[:] = 0.0
    other.years_left = 5
    world.agencies[2].budget = 4.0  # its committed base 2, its own mission 2 a year: full
    lc.complete_due(world, world.params, np.random.default_rng(0))
    assert other.outcome is Outcome.CANCELLED and 2 in station.members


class _Always:
    """A stand-in generator whose draws always succeed or always fail."""

    def __init__(self, succeed: bool):
        self.value = 0.0 if succeed else 1.0

    def random(self) -> float:
        return self.value


# ------------------------------------------- the ISS club through 2014, 30 runs


@cache
def _club_survives(scenario: str, *overrides: tuple[str, object]) -> int:
    """Seeds of 30 (root seed 0) in which ``club_survives_shocks`` passes.

    Cached: the two tests below share the runs of each scenario as it is.
    """
    spec = load_scenario(scenario, dict(overrides))
    shares = validate(spec, 30, ["club_survives_shocks"], workers=2, progress=False).shares
    return round(30 * float(shares.pass_share.iloc[0]))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["iss_era", "full_history"])
def test_the_station_club_survives_the_2014_shock_because_the_station_lasts(scenario):
    # Sunk investment carried from term to term (Williamson 1985 on specific
    # assets; Pierson 2000 on increasing returns) keeps Russia and the US in
    # the station after Crimea. Without service life each decade's station is
    # a new, unpaid-for project: the rouble crash and domestic cuts end it.
    # Over 4 x 30 seeds: iss_era 93 % against 69 %, full_history 93 % against
    # 76 % since the 2020s are told alike by every file and the pattern asks
    # the oldest station club (93 % against 73 % and 83 % against 59 % before;
    # 84 % and 86 % against 62 % and 56 % before issue #14 gave iss_era the
    # tension the space age leaves, 0.13 rather than 0.4 west-east). Counted
    # in seeds, the drop is at least a tenth of them (at root seed 0, 28
    # against 22 and 21).
    lasting = _club_survives(scenario)
    once = _club_survives(scenario, ("missions.modular_station.service_life", 0))
    assert lasting >= 0.75 * 30
    assert once <= lasting - 3


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["iss_era", "full_history"])
def test_the_station_club_holds_through_the_2014_suspension_on_what_leaving_costs(scenario):
    # NASA suspended most engagements with Russia, the ISS excepted (memo,
    # 2 April 2014): NASA-Roscosmos tension 0.65 that year, above both
    # agencies' tolerance (0.6), and for good from 2018 (Rogozin at
    # Roscosmos). What keeps them in the station is what leaving would cost:
    # the investment already sunk (Williamson 1985) and
    # the partners let down (Keohane 1984; lock_in). With neither, the pair
    # leaves the station it shares. Over 4 x 30 seeds: iss_era 93 % against
    # 2 %, full_history 93 % against 3 % (93 % against 8 % and 83 % against
    # 12 % before the 2020s were reconciled and the pattern asked the oldest
    # station club). Before the suspension event the same switch left 88 %
    # and 68 %: the 2014 rise (to 0.2) tested nothing.
    kept = _club_survives(scenario)
    free = _club_survives(scenario, ("dynamics.sunk_cost", 0.0), ("dynamics.lock_in", 0.0))
    assert kept >= 0.75 * 30
    assert free <= kept / 2


def _lead_builds_in_later_terms(*overrides) -> float:
    """Share of the elements the lead builds in `iss_era`'s renewed stations of 3+ (20 seeds)."""
    spec = load_scenario("iss_era", dict(overrides))
    missions = run_batch(spec, 20, seed=0, workers=2, progress=False).missions
    later = missions[missions.in_service_from.notna() & (missions.members.map(len) > 2)]
    pairs = zip(later.lead, later.builders, strict=True)
    built = [b.split(":")[1] == lead for lead, bs in pairs for b in bs]
    assert len(later) >= 10
    return float(np.mean(built))


@pytest.mark.slow
def test_partners_run_the_modules_they_built_term_after_term():
    # Each ISS partner owns the elements it provides (1998 IGA, Art. 6) and
    # runs them at every extension: Columbus and Kibo after 2010, 2014 and
    # 2021. Over these 20 runs the lead builds 37 % of a renewed station's
    # elements; planned afresh each term, as a new mission, 73 % (37 % and
    # 72 % over 30 runs): the prime's tie-break gives the lead
    # everything it can build (ODD 7.22).
    owned = _lead_builds_in_later_terms()
    planned = _lead_builds_in_later_terms(("negotiation.keep_elements", False))
    assert owned < 0.5
    assert planned > owned + 0.2
