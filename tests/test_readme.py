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


def test_yaml_example_is_a_valid_scenario(tmp_path):
    (yaml_text,) = _blocks("yaml")
    path = tmp_path / "no_wolf.yaml"
    path.write_text(yaml_text)
    sc = load_scenario(path)
    assert sc.name == "no_wolf_amendment" and sc.events == []


def test_readme_names_the_two_commands():
    assert "make demo" in README and "make test" in README
