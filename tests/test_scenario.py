"""Scenarios: bundled files load; every error names file, line and field; overrides."""

import os
import time

import pytest
from conftest import MINIMAL
from pydantic import ValidationError

from sim.cli import main
from sim.run import run
from sim.scenario import (
    MAX_EXTENDS,
    MAX_FILE_BYTES,
    MAX_PROPOSALS,
    MAX_SHAPLEY_PARTNERS,
    SCENARIO_DIR,
    ScenarioError,
    apply_overrides,
    bundled_scenarios,
    expected_proposals,
    load_scenario,
    parse_assignments,
)
from sim.validation import check_patterns


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
    # check_patterns: whether validation.patterns exist is the validation layer's check
    with pytest.raises(ScenarioError) as info:
        check_patterns(load_scenario(path))
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
        "blocs: [west, east]",
        "agencies: [A], against: [B, Z]",
        "events[0].against[1]",
        "unknown agency 'Z'",
        "against: [B, Z]",
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


def test_a_list_can_be_emptied_by_an_override():
    # What if the US had led no station club? The clubs a government leads are a list.
    sc = load_scenario("iss_era", {"agencies.NASA.leads": [], "agencies.NASA.engages": []})
    assert sc.agencies["NASA"].leads == [] and sc.agencies["NASA"].engages == []
    assert load_scenario("iss_era").agencies["NASA"].leads  # the file's own still stand


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
        ("events", [{"year": 1960}], "only [] (none) can be set"),
        ("nosuch.field", 3, "no such section"),
    ],
)
def test_bad_overrides_are_rejected(key, value, fragment):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(load_scenario("cold_war"), {key: value})
    assert str(info.value).startswith("--set: ")
    assert fragment in str(info.value)


# --------------------------------------------------------------------------
# Hostile files: one FILE:LINE: field: message each, fast, in bounded memory

COLD_WAR = (SCENARIO_DIR / "cold_war.yaml").read_text(encoding="utf-8")


def _one_line_error(path) -> str:
    text = _error_of(path)
    assert len(text.splitlines()) == 1, text
    assert text.startswith(str(path.parent)), text
    return text


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (("# caf\u00e9\n" + COLD_WAR).encode("latin-1"), ":1: (text): not UTF-8 text (byte 0xe9"),
        (COLD_WAR.encode("utf-16"), ":1: (text): not UTF-8 text (byte 0xff at offset 0)"),
        (COLD_WAR.encode("utf-16-le"), ":1: (text): control character U+0000 (a NUL byte"),
        (b"name: x\n\x00\n", ":2: (text): control character U+0000"),
        (
            b"name: x\nstart_year: 1957\n\x07end_year: 1975\n",
            ":3: (text): control character U+0007",
        ),
        (b"name: " + b"[" * 5000 + b"]" * 5000, ":1: (yaml): nested too deeply"),
        (b"a: &a [*a]\n", ":1: (yaml): anchors (&name) are not allowed"),
        (b"a: [1]\nb: *a\n", ":2: (yaml): aliases (*name) are not allowed"),
        (b"x: [" + b",".join([b"1"] * 150_000) + b"]\n", ":1: (yaml): more than 100,000 values"),
        (b"events: [" + b",".join([b"{}"] * 10_001) + b"]\n", ":1: events: more than 10,000 items"),
    ],
    ids=[
        "latin1",
        "utf16",
        "utf16-no-bom",
        "nul",
        "bell",
        "5000-brackets",
        "recursive-alias",
        "alias",
        "many-values",
        "long-list",
    ],
)
def test_hostile_bytes_are_one_line_errors(tmp_path, data, fragment):
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    assert fragment in _one_line_error(path)


def test_billion_laughs_fails_fast(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    assert "anchors (&name) are not allowed" in _one_line_error(path)
    assert time.perf_counter() - start < 1.0


def test_a_50_mb_event_list_fails_fast(tmp_path):
    event = "  - {year: 1960, kind: tension, blocs: [west, east], delta: 0.0}\n"
    path = tmp_path / "big.yaml"
    with path.open("w") as fh:
        fh.write(COLD_WAR.replace("extends: _common", f"extends: {SCENARIO_DIR / '_common.yaml'}"))
        fh.write("more_events:\n")
        for _ in range(50_000_000 // len(event) + 1):
            fh.write(event)
    start = time.perf_counter()
    assert "a scenario file holds at most 1,000,000" in _one_line_error(path)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("target", ["/dev/zero", "/proc/self/environ", "."])
def test_extends_reads_only_regular_files(write_yaml, target):
    path = write_yaml(f"extends: {target}\n")
    start = time.perf_counter()
    text = _error_of(path)
    assert len(text.splitlines()) == 1, text
    assert time.perf_counter() - start < 1.0
    assert "not a regular file" in text or "control character U+0000" in text


def test_extends_to_a_fifo_does_not_block(write_yaml, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    path = write_yaml("extends: pipe.yaml\n")
    assert "extends: pipe.yaml: not a regular file" in _one_line_error(path)


def test_a_1200_file_extends_chain_stops_at_the_limit(tmp_path):
    (tmp_path / "f0.yaml").write_text(
        COLD_WAR.replace("extends: _common", f"extends: {SCENARIO_DIR / '_common.yaml'}")
    )
    for i in range(1, 1200):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    text = _one_line_error(tmp_path / "f1199.yaml")
    assert f":1: extends: a chain of more than {MAX_EXTENDS} files" in text


def test_a_chain_within_the_limit_loads(tmp_path):
    (tmp_path / "f0.yaml").write_text(
        COLD_WAR.replace("extends: _common", f"extends: {SCENARIO_DIR / '_common.yaml'}")
    )
    for i in range(1, MAX_EXTENDS - 1):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    assert load_scenario(tmp_path / f"f{MAX_EXTENDS - 2}.yaml").name == "cold_war"


def test_bundled_scenarios_are_within_every_limit():
    for path in SCENARIO_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) < MAX_FILE_BYTES / 10  # depth, aliases: every load checks


def test_exponents_without_a_dot_are_numbers(write_yaml):
    path = write_yaml(COLD_WAR.replace("extends: _common", f"extends: {SCENARIO_DIR}/_common.yaml"))
    assert apply_overrides(load_scenario(path), {"agencies.NASA.budget": 1e2}).agencies[
        "NASA"
    ].budget == pytest.approx(100.0)
    assert parse_assignments(["a=1e2", "b=-2.5E-1", "c=e5"]) == {"a": 100.0, "b": -0.25, "c": "e5"}


# --------------------------------------------------------------------------
# Values that validate must run, within seconds


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("agencies.NASA.budget", ".inf", "finite number"),
        ("agencies.NASA.budget", "1e308", "less than or equal to 1000"),
        ("agencies.NASA.budget", "1e8", "less than or equal to 1000"),
        ("agencies.NASA.budget", ".nan", "finite number"),
        ("dynamics.value_noise", "1e6", "less than or equal to 5"),
        ("dynamics.proposal_rate", "1e6", "less than or equal to 10"),
        ("negotiation.political_cost", ".inf", "finite number"),
        ("missions.science_satellite.weight", ".inf", "finite number"),
        ("agencies.NASA.motives.prestige", ".inf", "finite number"),
        ("agencies.NASA.motives.cost", "1e-300", "greater than or equal to 0.01"),
        ("end_year", "2200", "a run would make about"),
        ("negotiation.cost_sharing_rule", "shapley", None),
    ],
)
def test_values_that_would_crash_or_stall_a_run_are_refused(capsys, key, value, fragment):
    code = main(["run", "cold_war", "--set", f"{key}={value}", "--no-plots"])
    err = capsys.readouterr().err
    if fragment is None:  # a legal change: the run goes ahead
        assert code == 0 and not err
        return
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("--set: "), err
    assert fragment in err


def test_a_mission_event_factor_is_bounded(write_yaml):
    path = write_yaml(
        MINIMAL.replace(
            "delta: -0.2}",
            "delta: -0.2}\n  - {year: 2003, kind: mission_cost, factor: 1.0e+300}",
        )
    )
    assert "events[1].factor: Input should be less than or equal to 100" in _error_of(path)


def test_shapley_sharing_is_limited_in_partners():
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            "cold_war",
            {
                "negotiation.cost_sharing_rule": "shapley",
                "missions.modular_station.max_partners": MAX_SHAPLEY_PARTNERS + 1,
            },
        )
    assert "missions.modular_station.max_partners: at most 6 with cost_sharing_rule shapley" in str(
        info.value
    )


@pytest.mark.parametrize(
    "name", ["cold_war", "detente", "iss_era", "artemis_vs_ilrs", "full_history"]
)
def test_bundled_scenarios_expect_modest_work(name):
    assert 50 < expected_proposals(load_scenario(name)) < MAX_PROPOSALS / 10


def test_expected_proposals_follow_budget_events(write_yaml):
    flat = load_scenario(write_yaml(MINIMAL))
    doubled = load_scenario(
        write_yaml(
            MINIMAL.replace(
                "delta: -0.2}",
                "delta: -0.2}\n  - {year: 2000, kind: budget, agencies: [A, B], factor: 2.0}",
            ),
            "b.yaml",
        )
    )
    # proposals follow the mission budget: they double when budgets double
    assert expected_proposals(doubled) == pytest.approx(2 * expected_proposals(flat))


@pytest.mark.slow
def test_a_run_at_the_work_limit_takes_seconds():
    sc = load_scenario(
        "full_history", {"dynamics.proposal_rate": 5.0, "dynamics.budget_scale": 4.0}
    )
    assert MAX_PROPOSALS / 2 < expected_proposals(sc) <= MAX_PROPOSALS
    start = time.perf_counter()
    run(sc, seed=0)
    assert time.perf_counter() - start < 20.0


# --------------------------------------------------------------------------
# Relations are symmetric


def test_an_asymmetric_tension_names_both_entries(write_yaml):
    path = write_yaml(
        MINIMAL.replace(
            "  bloc_tension: {west/east: 0.5}",
            "  bloc_tension: {west/east: 0.5}\n  tension: {A: {B: 0.2}, B: {A: 0.9}}",
        )
    )
    text = _one_line_error(path)
    assert "relations.tension.A.B: A->B is 0.2 but B->A is 0.9: give the pair once" in text


def test_an_asymmetric_bloc_tension_is_refused(write_yaml):
    path = write_yaml(MINIMAL.replace("{west/east: 0.5}", "{west/east: 0.5, east/west: 0.7}"))
    assert "relations.bloc_tension.east/west: east/west is 0.7 but west/east is 0.5" in (
        _one_line_error(path)
    )


def test_a_pair_given_twice_with_one_value_is_fine(write_yaml):
    path = write_yaml(
        MINIMAL.replace(
            "  bloc_tension: {west/east: 0.5}",
            "  bloc_tension: {west/east: 0.5}\n  trust: {A: {B: 0.4}, B: {A: 0.4}}",
        )
    )
    assert load_scenario(path).relations.trust["B"]["A"] == 0.4


def test_a_kind_gives_elements_or_requires_and_the_error_says_where(write_yaml, capsys):
    both = write_yaml(
        "extends: iss_era\nname: x\nmissions:\n  space_telescope:\n    requires: {launch: 0.5}\n"
    )
    assert main(["validate", str(both)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0  # one line
    assert err.startswith(f"{both}:4: missions.space_telescope: give either 'requires'")
    assert "inherited with elements" in err
    shares = write_yaml(
        "extends: iss_era\nname: y\nmissions:\n  space_telescope:\n    elements:\n"
        "      launch: {domain: launch, level: 0.5, share: 0.3, critical: true}\n",
        "y.yaml",
    )
    assert main(["validate", str(shares)]) == 2
    assert "element shares add up to" in capsys.readouterr().err


def test_a_scenario_without_bloc_labels_keeps_only_pairs_bans_and_agency_events():
    """relations.bloc_labels = false: the model is given no blocs (docs/ODD.md 7.24)."""
    from sim import SpaceCooperationModel

    spec = load_scenario("artemis_vs_ilrs")
    bare = spec.without_blocs()
    assert {a.bloc for a in bare.agencies.values()} == {"none"}
    assert not bare.relations.bloc_tension and not bare.relations.bloc_trust
    assert bare.relations.tension == spec.relations.tension  # pair values stay
    dropped = [e for e in spec.events if getattr(e, "blocs", None)]
    assert dropped and len(bare.events) == len(spec.events) - len(dropped)
    labelled = SpaceCooperationModel(spec, 0)
    model = SpaceCooperationModel(
        load_scenario("artemis_vs_ilrs", {"relations.bloc_labels": False}), 0
    )
    i, j, k = (model.index[n] for n in ("NASA", "CNSA", "TUA"))
    assert labelled.relations.tension[k, j] == 0.6  # west/east by label
    assert model.relations.tension[k, j] == spec.relations.default_tension
    assert labelled.relations.trust[i, k] == 0.9 and model.relations.trust[i, k] == 0.5
    assert model.relations.tension[i, model.index["Roscosmos"]] == 0.65  # a declared pair
    assert model.relations.tension[model.index["JAXA"], j] == 0.7  # another
    assert set(model.bloc_names) == {"none"}
    assert labelled.relations.tension[i, j] == 0.6 and model.relations.tension[i, j] == 0.3
