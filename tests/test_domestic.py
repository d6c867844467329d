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

from sim import SpaceCooperationModel, load_scenario, run
from sim.domestic import cut_chance, survival
from sim.elements import build_fit
from sim.negotiation import Terms
from sim.scenario import ScenarioError
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
