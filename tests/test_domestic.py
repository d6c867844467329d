"""The domestic level (issue #14): governments that cut programmes, and partners that bind them.

Unit tests of the cut chance as agencies foresee it and as it is drawn, of
domestic support and its events; then, over 30 seeded runs of ``iss_era``,
the two-level game itself: a lead brings partners into a large programme it
could fund alone, and switching the protection of foreign partners off
weakens that.
"""

from dataclasses import replace

import numpy as np
import pytest
from conftest import caps_of, make_kind, make_table, proposal

from sim import SpaceCooperationModel, lifecycle, load_scenario, run
from sim.domestic import cut_chance, survival
from sim.elements import build_fit
from sim.mission import Mission, Proposal
from sim.negotiation import Terms
from sim.patterns.view import runs_of
from sim.scenario import ScenarioError
from sim.validation import validate
from sim.valuation import stakes

BOTH = caps_of(launch=1.0, science_instruments=1.0)


def _lead_value(table, terms, members=(0,), cost=8.0):
    """The lead's money value of a 5-year probe costing ``cost`` (its envelope is 10)."""
    kind = make_kind(cost=cost, duration=5)
    fit = build_fit(table.capabilities, kind.elements)
    s = stakes(list(members), proposal(kind, lead=members[0], cost=cost), table, terms, fit)
    return float((s.rate + s.fixed)[0])


def test_cut_chance_rises_with_weight_and_missing_support_and_falls_with_partners():
    support = np.array([0.5, 0.5, 0.9, 0.5, 0.5])
    weight = np.array([0.2, 0.8, 0.8, 3.0, 0.8])
    foreign = np.array([0, 0, 0, 0, 2])
    chance = cut_chance(0.4, 0.3, support, weight, foreign)
    assert chance[1] > chance[0]  # heavier
    assert chance[2] < chance[1]  # better supported
    assert chance[3] == pytest.approx(0.4 * 0.5)  # a weight over the whole budget counts as 1
    assert chance[4] == pytest.approx(chance[1] * 0.49)  # two foreign partners
    assert cut_chance(0.4, 0.3, support, weight, foreign, sunk=1.0).max() == 0.0


def test_survival_compounds_the_yearly_chance_as_the_mission_is_paid():
    assert survival(np.array([0.1]), 3)[0] == pytest.approx(0.9**3)
    # with sunk cost the chance falls each year: 0.1, 0.1 * (1 - 1/3), 0.1 * (1 - 2/3)
    expected = 0.9 * (1 - 0.2 / 3) * (1 - 0.1 / 3)
    assert survival(np.array([0.1]), 3, 1.0)[0] == pytest.approx(expected)


def test_an_agency_values_a_heavy_programme_less_when_support_at_home_is_weak():
    terms = Terms.of(cancellation_hazard=0.4, commitment_protection=0.3, sunk_cost=0.0)
    solid = _lead_value(make_table(1, caps=[BOTH]), terms)
    shaky = _lead_value(make_table(1, caps=[BOTH], support=np.array([0.5])), terms)
    # 8 over 5 years is 1.6 a year of an envelope of 10: weight 0.16, chance 0.032 a year
    assert shaky == pytest.approx(solid * (1 - 0.4 * 0.5 * 0.16) ** 5)
    # With no hazard support does not matter.
    off = replace(terms, cancellation_hazard=0.0)
    assert _lead_value(make_table(1, caps=[BOTH], support=np.array([0.5])), off) == solid


def test_a_foreign_partner_protects_the_lead_and_a_compatriot_does_not():
    terms = Terms.of(cancellation_hazard=0.4, commitment_protection=0.3, sunk_cost=0.0)
    support = np.array([0.5, 0.5])

    def lead_value(country, protection=0.3):
        table = make_table(2, caps=[BOTH, BOTH], support=support, country=np.array(country))
        return _lead_value(table, replace(terms, commitment_protection=protection), (0, 1))

    foreign, compatriot = lead_value([0, 1]), lead_value([0, 0])
    assert foreign > compatriot
    assert lead_value([0, 1], protection=0.0) == pytest.approx(compatriot)


def _support_path(events, years=4, **dynamics):
    items = {
        "dynamics.support_volatility": 0.0,
        **{f"dynamics.{k}": v for k, v in dynamics.items()},
    }
    spec = load_scenario("iss_era", items)
    spec = spec.model_copy(update={"events": events})
    model = SpaceCooperationModel(scenario=spec, rng=0)
    path = []
    for _ in range(years):
        model.step()
        path.append(model.agency("NASA").support)
    return path


def test_a_support_event_is_a_shock_that_fades_back_to_the_declared_level():
    from sim.scenario.events import SupportEvent

    event = SupportEvent(year=1993, agencies=["NASA"], delta=-0.2)
    path = _support_path([event])
    # declared 0.6: the event moves it to 0.4, then 20 % of the gap closes a year
    assert path == pytest.approx([0.4, 0.44, 0.472, 0.4976])
    assert _support_path([]) == pytest.approx([0.6] * 4)


def test_a_support_event_must_name_its_agencies(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: iss_era\nevents:\n  - {year: 1995, kind: support, delta: -0.1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"bad.yaml:3: .*names its agencies"):
        load_scenario(bad)


CLUB = """\
name: club
start_year: 2000
end_year: 2030
agencies:
  A: {country: Aland, bloc: west, founded: 1990, budget: 10.0, committed_share: 0.0,
      support: 0.0, capabilities: {launch: 0.9, station: 0.9},
      leads: [{mission: station, since: 2000, until: 2010}]}
  B: {country: Bland, bloc: west, founded: 1990, budget: 10.0, committed_share: 0.0,
      support: 0.0, capabilities: {launch: 0.9, station: 0.9}}
  A2: {country: Aland, bloc: west, founded: 1990, budget: 10.0, committed_share: 0.0,
       support: 0.0, capabilities: {launch: 0.9, station: 0.9}}
relations:
  default_tension: 0.1
dynamics:
  cancellation_hazard: 1.0
  commitment_protection: 0.0
  sunk_cost: 0.0
missions:
  station:
    cost: 100.0
    duration: 5
    requires: {launch: 0.5, station: 0.5}
    science: 3.0
    prestige: 1.0
    risk: 0.0
    sensitivity: 0.0
    max_partners: 3
"""


def _cut_club(write_yaml, members, year=2000, **dynamics):
    """Who is cut at home from a mission of ``members`` (names) led by the first.

    Every part weighs more than its agency's mission budget and no government
    supports space, so every government that may cut does (chance 1).
    """
    items = {f"dynamics.{k}": v for k, v in dynamics.items()}
    model = SpaceCooperationModel(load_scenario(write_yaml(CLUB), items), rng=0)
    model.year, model.active[:] = year, True
    idx = [model.index[name] for name in members]
    kind = model.kinds[0]
    n = len(idx)
    mission = Mission(
        mission_id=0,
        proposal=Proposal(kind, idx[0], kind.cost, kind.science, kind.prestige),
        members=list(idx),
        shares=np.full(n, 1.0 / n),
        cost=kind.cost,
        coverage=1.0,
        success_chance=1.0,
        start_year=year,
        years_left=kind.duration,
        values=np.zeros(n),
        builders=tuple(idx[e % n] for e in range(len(kind.elements.names))),
    )
    model.missions.append(mission)
    model.ongoing.append(mission)
    lifecycle.cut_at_home(model, model.params, np.random.default_rng(0))
    return [model.agencies[i].name for i in mission.withdrawn]


def test_a_government_does_not_cut_the_club_it_leads(write_yaml):
    # A leads the station as a club (2000-2010): with a foreign partner in, its
    # government defends it; the partner's government may still cut its own part.
    assert _cut_club(write_yaml, ["A", "B"]) == ["B"]
    # switched off, or after the motive ends, or with no foreign partner, A is cut too
    assert _cut_club(write_yaml, ["A", "B"], flagship_defence=False)[0] == "A"
    assert _cut_club(write_yaml, ["A", "B"], year=2011)[0] == "A"
    assert _cut_club(write_yaml, ["A", "A2"])[0] == "A"
    # only the club's lead is defended: A in B's mission is a partner like any other
    assert "A" in _cut_club(write_yaml, ["B", "A"])


def test_governments_cut_only_with_a_hazard():
    cuts = run("iss_era", seed=0).model.domestic_cuts.sum()
    none = run("iss_era", seed=0, overrides={"dynamics.cancellation_hazard": 0.0})
    assert cuts > 0 and none.model.domestic_cuts.sum() == 0


# ------------------------------------------------- the two-level game, over 30 runs

REPLICATES = 30
HEAVY = 0.5  # a programme taking half or more of its lead's mission budget a year


def _heavy_programmes(items=()) -> tuple[float, float]:
    """Heavy programmes begun per run, and their mean number of members."""
    spec = load_scenario("iss_era", dict(items))
    duration = {name: kind.duration for name, kind in spec.missions.items()}
    unbound = {name: 1.0 - a.committed_share for name, a in spec.agencies.items()}
    sizes = []
    for seed in range(REPLICATES):
        result = run(spec, seed=seed)
        budget = result.agencies.set_index(["agency", "year"]).budget
        m = result.missions[result.missions.start_year >= spec.start_year]
        for row in m.itertuples():
            envelope = budget[(row.lead, row.start_year)] * unbound[row.lead]
            if row.cost / duration[row.kind] >= HEAVY * envelope:
                sizes.append(len(row.members) + len(row.withdrawn))
    return len(sizes) / REPLICATES, float(np.mean(sizes))


@pytest.mark.slow
def test_partners_make_heavy_programmes_bearable_at_home():
    # Putnam (1988): a signed agreement binds the domestic level. With the protection
    # foreign partners give, leads take more partners into heavy programmes; switched
    # off (commitment_protection=0), fewer. Before #14's station club leads also began
    # more of them (30.0 against 27.2 a run); since, the club the protection lets form
    # (tests/test_motives.py) takes NASA's mission budget, and the counts are level
    # (31.5 against 31.8).
    count, members = _heavy_programmes()
    off_count, off_members = _heavy_programmes((("dynamics.commitment_protection", 0.0),))
    assert members > off_members + 0.05
    assert count > 20 and off_count > 20


def _station_years(defence: bool) -> tuple[int, float]:
    """NASA's exits from stations it leads in 30 runs of iss_era, and the share of runs
    in which NASA and Roscosmos still share a station after 2014 (station_outlasts_2014)."""
    spec = load_scenario("iss_era", {"dynamics.flagship_defence": defence})
    checked = validate(spec, REPLICATES, ["station_outlasts_2014"], workers=2, progress=False)
    exits = 0
    for _, view in runs_of(checked.batch, spec):
        m = view.missions
        led = m[(m.kind == "modular_station") & (m.lead == "NASA")]
        exits += sum(left.count("NASA") for left in led.withdrawn)
    return exits, float(checked.shares.pass_share.iloc[0])


@pytest.mark.slow
def test_the_government_that_leads_the_station_club_keeps_it():
    # Once the station carried US foreign policy (a club the US leads, 1993-2024),
    # the White House defended it at home and no House vote came close again
    # (AIP FYI 1994); the US never left the ISS. With the defence NASA's government
    # does not cut the station it leads (1 exit in 120 runs, 4 root seeds; 77
    # without). Switched off, NASA is cut from it in some runs, but a station
    # with Roscosmos still outlasts 2014 about as often (4 x 30 runs: 92 % against
    # 98 % since NASA's 2014 suspension shuts the door to a new station for a
    # year, 97 % against 100 % before it; 80 % against 90 % before issue #14
    # reconciled the west-east tension at 0.13, where NASA and Roscosmos begin a
    # new station after a cut).
    exits, outlasts = _station_years(defence=True)
    off_exits, off_outlasts = _station_years(defence=False)
    assert exits <= 2 and off_exits >= 10
    assert outlasts >= 0.85 and off_outlasts <= outlasts
