"""Provenance: what code, dependencies, command and resolved scenario made a result.

Every batch directory (``manifest.json``) and every ``spacecoop run --out``
directory (``run.json``) records these, so a table found on disk months later
says how to make it again, and ``--resume`` can refuse to finish a batch with
a scenario that changed since it started.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shlex
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.scenario import Scenario

__all__ = [
    "DEPENDENCIES",
    "canonical_json",
    "code_version",
    "command_line",
    "dependency_versions",
    "first_difference",
    "provenance",
    "run_record",
    "scenario_record",
]

#: Distributions whose versions can change a result or the way it is stored.
DEPENDENCIES = (
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "scipy",
    "dask",
    "distributed",
    "salib",
)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text (and hash)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def scenario_record(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario (after ``extends`` and overrides) and the sha256 of its JSON."""
    resolved = scenario.model_dump(mode="json")
    digest = hashlib.sha256(canonical_json(resolved).encode()).hexdigest()
    return {"sha256": digest, "resolved": resolved}


@cache
def _git_commit(folder: str) -> tuple[str | None, bool | None]:
    # Only a checkout whose top level holds this package counts: an installed
    # copy inside someone else's repository must not report their commit.
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", folder, *args], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel"))
        if not (top / "sim" / "__init__.py").exists() or Path(folder).parent != top:
            return None, None
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):  # no git, no repository, a hung git
        return None, None
    return commit, dirty


def code_version() -> dict[str, Any]:
    """The package version, and its git commit (and uncommitted changes) when in a checkout."""
    try:
        version = metadata.version("spacecoop")
    except metadata.PackageNotFoundError:
        version = None
    commit, dirty = _git_commit(str(Path(__file__).resolve().parent))
    return {"package": "spacecoop", "version": version, "git_commit": commit, "git_dirty": dirty}


def dependency_versions() -> dict[str, str | None]:
    """Versions of Python and of the :data:`DEPENDENCIES` (``None`` when not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def command_line() -> str:
    """The command that is running, shell-quoted, or ``"python API"`` in an interactive session."""
    if not sys.argv or not sys.argv[0] or sys.argv[0] == "-c":
        return "python API"
    argv = list(sys.argv)
    if Path(argv[0]).name in ("cli.py", "__main__.py") and "sim" in Path(argv[0]).parts[-2:]:
        argv[0] = "spacecoop"  # python -m sim.cli ... is the spacecoop command
    elif Path(argv[0]).name == "spacecoop":
        argv[0] = "spacecoop"
    return shlex.join(argv)


def provenance() -> dict[str, Any]:
    """Code version, dependency versions, platform and command line of this process."""
    return {
        "code": code_version(),
        "dependencies": dependency_versions(),
        "platform": platform.platform(),
        "command": command_line(),
    }


def run_record(scenario: Scenario, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``run.json`` records beside the seed: overrides, resolved scenario, provenance."""
    return {
        "overrides": dict(overrides or {}),
        "scenario_sha256": (record := scenario_record(scenario))["sha256"],
        "resolved_scenario": record["resolved"],
        "provenance": provenance(),
    }


def first_difference(old: Any, new: Any, path: str = "") -> str | None:
    """The first dotted field where two JSON values differ, as ``field: old -> new``.

    >>> first_difference({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}})
    'a.c: 2 -> 3'
    >>> first_difference([1, 2], [1, 2]) is None
    True
    """
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in old:
                return f"{where}: added"
            if key not in new:
                return f"{where}: removed"
            found = first_difference(old[key], new[key], where)
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if old != new or type(old) is not type(new):
        return f"{path or '(value)'}: {_short(old)} -> {_short(new)}"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
