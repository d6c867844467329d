"""Overrides: ``--set agencies.NASA.budget=30``, YAML-typed and validated again."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sim.scenario.checks import validated
from sim.scenario.document import Scenario
from sim.scenario.reading import Lines, ScenarioError, read_value

__all__ = ["apply_overrides", "parse_assignments"]

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c=nash"]`` into ``{"a.b": 1, "c": "nash"}`` (YAML-typed).

    >>> parse_assignments(["agencies.NASA.budget=30", "negotiation.cost_sharing_rule=nash"])
    {'agencies.NASA.budget': 30, 'negotiation.cost_sharing_rule': 'nash'}
    """
    out: dict[str, Any] = {}
    for text in assignments:
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise ScenarioError([("--set", None, text, "write it as key=value")])
        out[key.strip()] = read_value(value)  # the file's limits hold here too
    return out


def _apply(data: dict, overrides: Mapping[str, Any]) -> tuple[dict, Lines]:
    lines: Lines = {}
    for key, value in overrides.items():
        parts = key.split(".")
        if not all(_SEGMENT.match(p) for p in parts):
            raise ScenarioError([("--set", None, key, "not a dotted field path")])
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = node.get(part) if isinstance(node, dict) else None
            if not isinstance(nxt, dict):
                where = ".".join(parts[: depth + 1])
                what = (
                    "unknown agency"
                    if parts[0] == "agencies" and depth == 1
                    else ("no such section")
                )
                raise ScenarioError([("--set", None, where, f"{what} {part!r}")])
            node = nxt
        leaf = parts[-1]
        current = node.get(leaf)
        if isinstance(current, list):
            # A list (the clubs an agency leads, the events) can be emptied, not edited.
            if not (isinstance(value, (list, tuple)) and len(value) == 0):
                raise ScenarioError([("--set", None, key, "a list: only [] (none) can be set")])
            value = []
        if isinstance(current, dict):
            raise ScenarioError([("--set", None, key, "not a scalar field")])
        node[leaf] = value
        lines[tuple(parts)] = ("--set", None)
    return data, lines


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """Return ``scenario`` with dotted-path scalar fields replaced, validated again.

    A list field may be emptied (``agencies.NASA.leads=[]``: it leads no club).

    >>> from sim.scenario import load_scenario
    >>> sc = load_scenario("cold_war")
    >>> apply_overrides(sc, {"agencies.NASA.budget": 30}).agencies["NASA"].budget
    30.0
    >>> apply_overrides(sc, {"agencies.NASA.leads": []}).agencies["NASA"].leads
    []
    """
    if not overrides:
        return scenario
    # Dumping with defaults makes every default field reachable by --set.
    data, lines = _apply(scenario.model_dump(), overrides)
    # A problem the overrides cause is theirs ("--set: ..."); afterwards, the
    # fields not overridden still know the file and line they came from.
    changed = validated(data, lines, "--set")
    changed._lines = {**scenario._lines, **lines}
    return changed
