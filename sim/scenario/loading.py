"""Loading a scenario: by name or path, following ``extends``, then overrides."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.scenario.checks import validated
from sim.scenario.document import Scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.reading import Lines, ScenarioError, not_a_scenario_file, read_yaml

__all__ = ["MAX_EXTENDS", "SCENARIO_DIR", "bundled_scenarios", "load_scenario"]

#: Where the bundled scenarios live (``_*.yaml`` are parts they share).
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"

#: Most files in a chain of ``extends``.
MAX_EXTENDS = 20


def _merge(base: Any, child: Any) -> Any:
    """Deep-merge mappings; anything else in ``child`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(child, dict):
        merged = dict(base)
        for key, value in child.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return child


def _exists(path: Path) -> bool:
    """``path.exists()``, false for a path the system cannot even look up (a NUL byte)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text or _exists(Path(text)):
        path = Path(text)
        if relative_to is not None and not path.is_absolute():
            path = relative_to / path
        return path
    return SCENARIO_DIR / f"{text}.yaml"


def _load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, Lines]:
    try:
        path = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
        raise ScenarioError([(str(path), None, "(file)", str(exc))]) from None
    if path in chain:
        raise ScenarioError([(str(path), 1, "extends", "circular extends")])
    data, lines = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines
    src, line = lines[("extends",)]
    if not isinstance(parent, str):
        raise ScenarioError([(src, line, "extends", "must be a scenario name or path")])
    if len(chain) + 1 >= MAX_EXTENDS:
        msg = f"a chain of more than {MAX_EXTENDS} files extending each other"
        raise ScenarioError([(src, line, "extends", msg)])
    parent_path = _resolve(parent, relative_to=path.parent)
    if not _exists(parent_path):
        raise ScenarioError([(src, line, "extends", f"no scenario {parent!r}")])
    problem = not_a_scenario_file(parent_path)
    if problem:
        raise ScenarioError([(src, line, "extends", f"{parent}: {problem}")])
    base, base_lines = _load_raw(parent_path, (*chain, path))
    return _merge(base, data), {**base_lines, **lines}


def load_scenario(name_or_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a bundled scenario by name, or a YAML file by path, and validate it.

    Parameters
    ----------
    name_or_path : str or Path
        ``"cold_war"`` for a bundled scenario, or a path to a ``.yaml`` file.
    overrides : mapping, optional
        Dotted field paths to scalar values, applied after ``extends``.

    Raises
    ------
    ScenarioError
        With one ``FILE:LINE: field.path: message`` line per problem.
    """
    path = _resolve(name_or_path)
    if not _exists(path):
        known = ", ".join(bundled_scenarios())
        raise ScenarioError(
            [
                (
                    str(name_or_path),
                    None,
                    "(file)",
                    f"no such scenario (bundled: {known})",
                )
            ]
        )
    data, lines = _load_raw(path)
    scenario = validated(data, lines, str(path))
    return apply_overrides(scenario, overrides)


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/`` (``_*.yaml`` are shared parts)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if not p.stem.startswith("_"))
