"""The README's examples run as written."""

import re
from pathlib import Path

from sim import load_scenario

README = (Path(__file__).parent.parent / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_python_examples_run():
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})


def test_yaml_examples_are_valid_scenarios(tmp_path):
    no_wolf, flagship, freedom = _blocks("yaml")
    path = tmp_path / "no_wolf.yaml"
    path.write_text(no_wolf)
    sc = load_scenario(path)
    assert sc.name == "no_wolf_amendment" and sc.events == []
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship)
    sc = load_scenario(path)
    elements = sc.missions["flagship_telescope"].elements
    assert next(iter(elements)) == "telescope_and_bus" and elements["launch"].critical
    path = tmp_path / "freedom.yaml"
    path.write_text(freedom)
    nasa = load_scenario(path).agencies["NASA"]
    assert nasa.leads[0].since == 1984 and nasa.leads[0].holds(1990) and nasa.engages == []


def test_readme_names_the_two_commands():
    assert "make demo" in README and "make test" in README
