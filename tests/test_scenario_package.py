"""The sim/scenario/ package: its layering, and the line index a Scenario carries."""

import ast
from pathlib import Path

import pytest
from conftest import MINIMAL

import sim.scenario
from sim.cli import main
from sim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from sim.validation import check_patterns

PACKAGE = Path(sim.scenario.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_the_scenario_layer_does_not_import_the_analysis(path):
    # The input schema must not depend on what analyses it (issue #12).
    imported = _imports(path)
    assert not {m for m in imported if m.startswith(("sim.patterns", "sim.validation"))}
    assert len(path.read_text().splitlines()) <= 400


def test_a_scenario_knows_the_file_and_line_of_each_field():
    sc = load_scenario("cold_war")
    src, line = sc.source_of(("agencies", "NASA", "budget"))
    assert src.endswith("cold_war.yaml")
    assert "budget" in Path(src).read_text().splitlines()[line - 1]
    changed = apply_overrides(sc, {"agencies.NASA.budget": 30})
    assert changed.source_of(("agencies", "NASA", "budget")) == ("--set", None)
    assert changed.source_of(("agencies", "NASA", "founded"))[0] == src
    built = Scenario.model_validate(sc.model_dump())
    assert built.source_of(("agencies", "NASA", "budget")) == ("cold_war", None)


def test_where_a_scenario_came_from_is_not_part_of_it():
    sc = load_scenario("cold_war")
    assert Scenario.model_validate(sc.model_dump()) == sc
    assert "_lines" not in sc.model_dump_json()


def test_a_bad_pattern_keeps_its_line_through_overrides(write_yaml):
    text = MINIMAL.replace("events:\n", "validation:\n  patterns: [nope]\nevents:\n")
    path = write_yaml(text)
    sc = load_scenario(path, {"agencies.A.budget": 6.0})  # the scenario layer accepts it
    with pytest.raises(ScenarioError) as info:
        check_patterns(sc)
    line = text.splitlines().index("  patterns: [nope]") + 1
    assert str(info.value) == f"{path}:{line}: validation.patterns[0]: unknown pattern 'nope'"


def test_report_refuses_a_bad_declared_pattern_before_running(write_yaml, tmp_path, capsys):
    path = write_yaml(MINIMAL.replace("events:\n", "validation:\n  patterns: [nope]\nevents:\n"))
    out = tmp_path / "r"
    assert main(["report", str(path), "--replicates", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "unknown pattern 'nope'" in err and "Traceback" not in err
    assert not out.exists()
