"""Scenarios: bundled files load; every error names file, line and field; overrides."""

import pytest
from conftest import MINIMAL
from pydantic import ValidationError

from sim.cli import main
from sim.scenario import (
    ScenarioError,
    apply_overrides,
    bundled_scenarios,
    load_scenario,
)


@pytest.mark.parametrize("name", ["cold_war", "detente", "iss_era", "artemis_vs_ilrs"])
def test_bundled_scenarios_load(name):
    sc = load_scenario(name)
    assert sc.name == name
    assert name in bundled_scenarios()
    assert len(sc.agencies) >= 5 and len(sc.missions) >= 5 and len(sc.events) >= 5


def test_shared_parts_are_not_listed():
    assert not [n for n in bundled_scenarios() if n.startswith("_")]


def test_scenario_is_frozen():
    sc = load_scenario("cold_war")
    with pytest.raises(ValidationError):
        sc.start_year = 1900  # type: ignore[misc]


def _error_of(path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


BAD_CASES = [
    # (replace this, with that, field path expected, message fragment, line needle)
    (
        "    budget: 5.0",
        "    budget: -5.0",
        "agencies.A.budget",
        "greater than or equal to 0",
        "budget: -5.0",
    ),
    (
        "    budget: 5.0",
        "    budget: five",
        "agencies.A.budget",
        "valid number",
        "budget: five",
    ),
    (
        "    budget: 5.0",
        "    budget: 5.0\n    colour: red",
        "agencies.A.colour",
        "unknown field",
        "colour: red",
    ),
    (
        "{west/east: 0.5}",
        "{west/east: 1.5}",
        "relations.bloc_tension.west/east",
        "less than or equal to 1",
        "west/east: 1.5",
    ),
    (
        "relations:\n",
        "relations:\n  tension: {A: {Z: 0.4}}\n",
        "relations.tension.A.Z",
        "unknown agency 'Z'",
        "Z: 0.4",
    ),
    ("{year: 2002,", "{year: 1999,", "events[0].year", "outside the run", "year: 1999"),
    (
        "blocs: [west, east]",
        "blocs: [west, south]",
        "events[0].blocs[1]",
        "unknown bloc 'south'",
        "south",
    ),
    (
        "    max_partners: 1",
        "    max_partners: one",
        "missions.probe.max_partners",
        "valid integer",
        "max_partners: one",
    ),
    (
        "end_year: 2005",
        "end_year: 1995",
        "end_year",
        "after start_year",
        "end_year: 1995",
    ),
    ("kind: tension,", "kind: party,", "events[0].kind", "'tension'", "party"),
    (
        "events:\n",
        "under_way:\n  - {kind: rover, members: [A, B], started: 1995}\nevents:\n",
        "under_way[0].kind",
        "unknown mission kind 'rover'",
        "kind: rover",
    ),
    (
        "events:\n",
        "under_way:\n  - {kind: probe, members: [A, B], started: 1990}\nevents:\n",
        "under_way[0].started",
        "ended by 1991",
        "started: 1990",
    ),
    (
        "events:\n",
        "under_way:\n  - {kind: probe, members: [A, Z], started: 1999}\nevents:\n",
        "under_way[0].members[1]",
        "unknown agency 'Z'",
        "members: [A, Z]",
    ),
    (
        "events:\n",
        "validation:\n  patterns: [nope]\nevents:\n",
        "validation.patterns[0]",
        "unknown pattern 'nope'",
        "patterns: [nope]",
    ),
    (
        "events:\n",
        "validation:\n  patterns: [russia_worse_shares]\nevents:\n",
        "validation.patterns[0]",
        "needs agencies USSR, Roscosmos",
        "patterns: [russia",
    ),
    (
        "events:\n",
        "validation:\n  calibrate:\n    negotiation.political_cost: [2, 1]\nevents:\n",
        "validation.calibrate.negotiation.political_cost",
        "low < high",
        "political_cost: [2, 1]",
    ),
    (
        "events:\n",
        "validation:\n  calibrate:\n    negotiation.cost_sharing_rule: [0, 1]\nevents:\n",
        "validation.calibrate.negotiation.cost_sharing_rule",
        "not a numeric field",
        "cost_sharing_rule: [0, 1]",
    ),
]


@pytest.mark.parametrize("old,new,field,message,needle", BAD_CASES)
def test_each_error_names_file_line_and_field(write_yaml, old, new, field, message, needle):
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    path = write_yaml(text)
    err = _error_of(path)
    line = _line_of(text, needle)
    assert f"{path}:{line}: {field}: " in err
    assert message in err


@pytest.mark.parametrize("old,new,field,message,needle", BAD_CASES)
def test_cli_validate_prints_one_line_and_exits_2(
    write_yaml, capsys, old, new, field, message, needle
):
    path = write_yaml(MINIMAL.replace(old, new))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert field in err and message in err
    assert "Traceback" not in err


def test_yaml_syntax_error_has_line(write_yaml):
    path = write_yaml("name: x\nstart_year: [1\n")
    assert f"{path}:3: (yaml):" in _error_of(path)


def test_duplicate_key_is_an_error(write_yaml):
    path = write_yaml(MINIMAL.replace("end_year: 2005", "end_year: 2005\nend_year: 2006"))
    assert "end_year: duplicate key" in _error_of(path)


def test_missing_field_is_named(write_yaml):
    path = write_yaml(MINIMAL.replace("    country: Bland\n", ""))
    assert "agencies.B.country: required field is missing" in _error_of(path)


def test_valid_file_exits_0(write_yaml, capsys):
    assert main(["validate", str(write_yaml(MINIMAL))]) == 0
    assert "ok" in capsys.readouterr().out


def test_unsafe_yaml_tags_are_refused(write_yaml):
    path = write_yaml("!!python/object/apply:os.system ['echo hi']\n")
    assert "(yaml)" in _error_of(path)


def test_extends_overrides_a_few_fields(write_yaml, tmp_path):
    write_yaml(MINIMAL, "base.yaml")
    child = write_yaml(
        "extends: base.yaml\nname: child\nagencies:\n  A:\n    budget: 9.0\n",
        "child.yaml",
    )
    sc = load_scenario(child)
    assert sc.name == "child"
    assert sc.agencies["A"].budget == 9.0
    assert sc.agencies["A"].capabilities["launch"] == 0.8  # kept from the base
    assert sc.agencies["B"].budget == 2.0


def test_extends_error_points_into_the_child(write_yaml):
    write_yaml(MINIMAL, "base.yaml")
    text = "extends: base.yaml\nname: child\nagencies:\n  A:\n    budget: -1\n"
    child = write_yaml(text, "child.yaml")
    assert f"{child}:5: agencies.A.budget:" in _error_of(child)


def test_extends_a_bundled_scenario_by_name(write_yaml):
    child = write_yaml("extends: iss_era\nname: no_wolf\nevents: []\n")
    sc = load_scenario(child)
    assert sc.events == [] and "CNSA" in sc.agencies


def test_overrides_reach_agencies_by_name_and_rules():
    sc = load_scenario(
        "cold_war",
        {"agencies.NASA.budget": 30, "negotiation.cost_sharing_rule": "shapley"},
    )
    assert sc.agencies["NASA"].budget == 30
    assert sc.negotiation.cost_sharing_rule == "shapley"


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("agencies.FOO.budget", 3, "unknown agency 'FOO'"),
        ("agencies.NASA.budget", -1, "greater than or equal to 0"),
        (
            "negotiation.cost_sharing_rule",
            "banana",
            "'nash', 'proportional' or 'shapley'",
        ),
        ("agencies.NASA", 3, "not a scalar field"),
        ("nosuch.field", 3, "no such section"),
    ],
)
def test_bad_overrides_are_rejected(key, value, fragment):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(load_scenario("cold_war"), {key: value})
    assert str(info.value).startswith("--set: ")
    assert fragment in str(info.value)
