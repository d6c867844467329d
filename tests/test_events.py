"""Dated events change the world in the year they are dated."""

from types import SimpleNamespace
from typing import get_args

import numpy as np
import pytest
from conftest import MINIMAL, make_kind
from pydantic import TypeAdapter, ValidationError

from sim import SpaceCooperationModel, load_scenario
from sim.events import apply_event, pair_mask
from sim.scenario import (
    DOMAINS,
    EVENT_KINDS,
    BanEvent,
    BudgetEvent,
    CapabilityEvent,
    CapabilityLossEvent,
    EventKind,
    EventSpec,
    LiftBanEvent,
    MissionCostEvent,
    PolicyEvent,
    ScenarioError,
    TensionEvent,
)
from sim.scenario.events import _Event


def _model_at(name: str, year: int) -> SpaceCooperationModel:
    model = SpaceCooperationModel(scenario=load_scenario(name), rng=0)
    while model.year < year:
        model.step()
    return model


def test_pair_masks():
    index = {"A": 0, "B": 1, "C": 2, "D": 3}
    blocs = np.array(["west", "west", "east", "nonaligned"])
    among = pair_mask(TensionEvent(year=2000, agencies=["A", "C"], delta=0.1), index, blocs)
    assert among[0, 2] and among[2, 0] and among.sum() == 2
    within = pair_mask(TensionEvent(year=2000, blocs=["west"], delta=0.1), index, blocs)
    assert within[0, 1] and within.sum() == 2
    one_vs_bloc = TensionEvent(year=2000, agencies=["D"], blocs=["west"], delta=0.1)
    mask = pair_mask(one_vs_bloc, index, blocs)
    assert mask[3, 0] and mask[3, 1] and mask.sum() == 4
    # sanctions: one agency against a list, not the pairs within the list
    sanctions = TensionEvent(year=2000, agencies=["C"], against=["A", "D"], delta=0.1)
    mask = pair_mask(sanctions, index, blocs)
    assert mask[2, 0] and mask[0, 2] and mask[2, 3] and mask.sum() == 4
    assert not mask[0, 3]  # A and D, both sanctioning, are not set against each other


def test_a_tension_event_must_name_a_pair():
    with pytest.raises(ValidationError, match="two or more agencies"):
        TensionEvent(year=2000, agencies=["A"], delta=0.1)
    with pytest.raises(ValidationError, match="'against' takes 'agencies'"):
        TensionEvent(year=2000, against=["A", "B"], delta=0.1)
    with pytest.raises(ValidationError, match="and no blocs"):
        TensionEvent(year=2000, agencies=["A"], blocs=["west"], against=["B"], delta=0.1)


def test_shuttle_retirement_lowers_nasa_crew_capability_until_crew_dragon():
    crew = DOMAINS.index("crew")
    model = _model_at("iss_era", 2010)
    nasa = model.agency("NASA")
    assert nasa.capabilities[crew] > 0.8
    for event in model.events[2011]:  # the year's events, before missions teach anything
        apply_event(event, model)
    assert nasa.capabilities[crew] == pytest.approx(0.3)
    while model.year < 2020:
        model.step()
    assert nasa.capabilities[crew] >= 0.9  # learning only raises it; the 2020 event restores it


def test_wolf_amendment_bans_nasa_cnsa_from_2011():
    model = _model_at("iss_era", 2010)
    a, b = model.index["NASA"], model.index["CNSA"]
    assert not model.relations.banned[a, b]
    model.step()
    assert model.relations.banned[a, b] and model.relations.banned[b, a]


def test_budget_shock_in_its_year():
    model = _model_at("detente", 1990)
    budget = model.agency("USSR").budget
    model.step()  # 1991: factor 0.4, growth -0.15 from 1989
    assert model.agency("USSR").budget == pytest.approx(budget * 0.85 * 0.4)


def test_treaty_lowers_tension_and_baseline():
    model = _model_at("cold_war", 1966)
    a, b = model.index["NASA"], model.index["USSR"]
    before = model.relations.baseline[a, b]
    model.step()  # 1967: Outer Space Treaty
    assert model.relations.baseline[a, b] == pytest.approx(before - 0.12)


COST_CUT = """\
name: cheap_launch
start_year: 2000
end_year: 2006
agencies:
  A:
    country: Aland
    bloc: west
    founded: 1990
    budget: 10.0
    capabilities: {launch: 0.8, robotics: 0.8, science_instruments: 0.8}
  B:
    country: Bland
    bloc: west
    founded: 1990
    budget: 10.0
    capabilities: {launch: 0.8, robotics: 0.8, science_instruments: 0.8}
missions:
  probe:
    cost: 1.0
    duration: 3
    requires: {launch: 0.5, robotics: 0.5}
    science: 3.0
    prestige: 1.0
    risk: 0.1
    sensitivity: 0.2
    max_partners: 1
  telescope:
    cost: 2.0
    duration: 3
    requires: {launch: 0.5, science_instruments: 0.5}
    science: 5.0
    prestige: 1.0
    risk: 0.1
    sensitivity: 0.1
    max_partners: 1
events:
  - {year: 2003, kind: mission_cost, missions: [probe], factor: 0.5, note: "cheaper launch"}
"""


def _proposals(model: SpaceCooperationModel, seed: int) -> list:
    model.rng = np.random.default_rng(seed)
    return [
        p for a in model.agencies for p in a.propose(model.kinds, model.year, model.spec.dynamics)
    ]


def test_mission_cost_prices_proposals_from_its_year(write_yaml):
    # Without cost noise a proposal costs exactly what its kind costs that year.
    text = COST_CUT.replace("events:", "dynamics: {cost_noise: 0.0}\nevents:")
    model = SpaceCooperationModel(scenario=load_scenario(write_yaml(text)), rng=3)
    costs = {}
    while model.year < 2003:
        model.step()
        for seed in range(5):
            for p in _proposals(model, seed):
                costs.setdefault((model.year >= 2003, p.kind.kind), set()).add(p.cost)
    assert costs == {
        (False, "probe"): {1.0},
        (False, "telescope"): {2.0},
        (True, "probe"): {0.5},
        (True, "telescope"): {2.0},
    }


def test_mission_cost_keeps_the_cost_of_missions_under_way(write_yaml):
    model = SpaceCooperationModel(scenario=load_scenario(write_yaml(COST_CUT)), rng=1)
    while model.year < 2002:
        model.step()
    before = {m.mission_id: m.cost for m in model.missions}
    assert before, "no mission started before the cut"
    model.step()
    assert {k: model.missions[k].cost for k in before} == before
    probe = next(k for k in model.kinds if k.kind == "probe")
    assert probe.cost == pytest.approx(0.5)
    later = [m for m in model.missions if m.start_year >= 2003 and m.proposal.kind.kind == "probe"]
    assert all(m.proposal.kind.cost == pytest.approx(0.5) for m in later)


def test_mission_cost_without_names_applies_to_every_kind(write_yaml):
    text = COST_CUT.replace("missions: [probe], factor: 0.5", "factor: 0.8")
    model = SpaceCooperationModel(scenario=load_scenario(write_yaml(text)), rng=0)
    while model.year < 2003:
        model.step()
    assert [k.cost for k in model.kinds] == pytest.approx([0.8, 1.6])


def test_an_unknown_mission_name_is_reported_with_field_and_line(write_yaml):
    text = COST_CUT.replace("missions: [probe]", "missions: [probe, rover]")
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "rover" in t)
    assert f"{path}:{line}: events[0].missions[1]: unknown mission kind 'rover'" in str(info.value)


@pytest.mark.parametrize(
    "fields,message",
    [
        ({}, "needs factor"),
        ({"factor": 0.5, "agencies": ["A"]}, "name missions only"),
    ],
)
def test_a_mission_cost_event_needs_a_factor_and_no_agencies(fields, message):
    with pytest.raises(ValidationError, match=message):
        MissionCostEvent(year=2000, **fields)


def test_only_a_mission_cost_event_names_missions():
    with pytest.raises(ValidationError, match="only a mission_cost event"):
        BanEvent(year=2000, agencies=["A", "B"], missions=["probe"])


# --------------------------------------------------------------------------
# One record per kind: its own fields, its own validation, its own effect


def test_every_kind_is_its_own_record_with_its_own_apply():
    assert list(EVENT_KINDS) == list(get_args(EventKind))
    for kind, record in EVENT_KINDS.items():
        assert record.model_fields["kind"].default == kind
        assert record.apply is not _Event.apply, kind


def test_the_union_picks_the_record_of_the_kind():
    events = TypeAdapter(list[EventSpec]).validate_python(
        [
            {"year": 2000, "kind": "ban", "agencies": ["A", "B"]},
            {"year": 2000, "kind": "mission_cost", "factor": 0.5},
        ]
    )
    assert [type(ev) for ev in events] == [BanEvent, MissionCostEvent]


FIRST_EVENT = "{year: 2002, kind: tension, blocs: [west, east], delta: -0.2}"


def _load_error(write_yaml, event: str) -> tuple[str, str]:
    path = write_yaml(MINIMAL.replace(FIRST_EVENT, event))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(path), str(info.value)


@pytest.mark.parametrize(
    "fields,expected",
    [
        # pydantic puts the tag in the path (events.0.tension.delta): not shown
        ("kind: tension, blocs: [west], delta: 5", "events[0].delta: Input should be less"),
        ("kind: capability, agencies: [A], level: 0.5", "a capability event needs domain"),
        ("kind: ban, agencies: [A, B], factor: 2", "only a budget or mission_cost event"),
        ("kind: policy, lever: treaty, value: 2.0", "events[0]: treaty: Input should be less"),
        ("kind: budget, agencies: [A], colour: red", "events[0].colour: unknown field"),
        ("delta: 0.1", "events[0].kind: required field is missing"),
    ],
)  # fmt: skip
def test_event_errors_are_one_line_with_the_path_as_written(write_yaml, fields, expected):
    path, err = _load_error(write_yaml, f"{{year: 2002, {fields}}}")
    assert err.count("\n") == 0
    assert err.startswith(f"{path}:") and expected in err
    assert "tension." not in err and "ban." not in err


def test_an_unknown_kind_is_one_line_listing_the_known_kinds(write_yaml):
    path, err = _load_error(write_yaml, "{year: 2002, kind: party, agencies: [A, B]}")
    kinds = ", ".join(repr(k) for k in EVENT_KINDS)
    line = MINIMAL[: MINIMAL.index(FIRST_EVENT)].count("\n") + 1
    assert err == f"{path}:{line}: events[0].kind: unknown kind 'party' (known: {kinds})"


class _Relations:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kw: self.calls.append((name, *args, *kw.values()))


def _world(n_kinds=2):
    """A stand-in world: what events touch, and nothing else."""
    agencies = {
        name: SimpleNamespace(budget=10.0, growth=0.0, capabilities=np.full(len(DOMAINS), 0.5))
        for name in ("A", "B", "C")
    }
    return SimpleNamespace(
        index={"A": 0, "B": 1, "C": 2},
        bloc_names=np.array(["west", "west", "east"]),
        relations=_Relations(),
        agency=agencies.__getitem__,
        policies=_Relations(),
        kinds=[make_kind(kind=f"k{i}", cost=1.0 + i) for i in range(n_kinds)],
    )


def test_each_kind_applies_itself_to_a_hand_made_world():
    world = _world()
    apply_event(BudgetEvent(year=2000, agencies=["A"], factor=0.5, growth=0.1), world)
    assert world.agency("A").budget == 5.0 and world.agency("A").growth == 0.1
    assert world.agency("B").budget == 10.0
    BanEvent(year=2000, agencies=["A", "C"]).apply(world)
    LiftBanEvent(year=2000, agencies=["C", "A"]).apply(world)
    assert world.relations.calls == [("set_ban", 0, 2, True), ("set_ban", 2, 0, False)]
    crew = DOMAINS.index("crew")
    CapabilityEvent(year=2000, agencies=["B"], domain="crew", level=0.9).apply(world)
    CapabilityEvent(year=2000, agencies=["C"], domain="crew", level=0.1).apply(world)
    CapabilityLossEvent(year=2000, agencies=["A"], domain="crew", level=0.2).apply(world)
    assert [world.agency(x).capabilities[crew] for x in "ABC"] == [0.2, 0.9, 0.5]
    PolicyEvent(year=2000, lever="open_data", value=0.5).apply(world)
    assert world.policies.calls == [("set", "open_data", 0.5)]
    MissionCostEvent(year=2000, missions=["k1"], factor=0.5).apply(world)
    assert [k.cost for k in world.kinds] == [1.0, 1.0]


def test_a_tension_event_shifts_the_pairs_it_names():
    world = _world()
    TensionEvent(year=2000, blocs=["west", "east"], delta=-0.1, trust_delta=0.2).apply(world)
    (name, mask, delta, lasts), (trust, same, trust_delta) = world.relations.calls
    assert (name, delta, trust, trust_delta) == ("shift_tension", -0.1, "shift_trust", 0.2)
    assert mask.astype(int).tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 0]] and same is mask
    assert lasts is False  # a crisis: the baseline stays, tension drifts back
    TensionEvent(year=2000, agencies=["A", "C"], delta=0.1, structural=True).apply(world)
    assert world.relations.calls[-1][-1] is True  # a treaty, sanctions: the baseline moves
