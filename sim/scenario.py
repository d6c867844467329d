"""Scenarios: YAML worlds validated once into frozen, typed objects.

This is the only module that sees raw dictionaries. Everything it returns is a
frozen pydantic model; every error names the file, the line and the field path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario_yaml import (
    Lines,
    Path_,
    ScenarioError,
    check_value,
    dotted,
    not_a_scenario_file,
    parse_yaml,
    read_yaml,
)

__all__ = [
    "DOMAINS",
    "AgencySpec",
    "EventSpec",
    "MissionSpec",
    "Scenario",
    "ScenarioError",
    "UnderWaySpec",
    "ValidationSpec",
    "apply_overrides",
    "bundled_scenarios",
    "check_value",
    "expected_proposals",
    "load_scenario",
    "parse_assignments",
]

#: Capability domains, in the order of every capability vector.
DOMAINS: tuple[Domain, ...] = (
    "launch",
    "crew",
    "robotics",
    "science_instruments",
    "deep_space_comms",
    "station",
)
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"

Domain = Literal["launch", "crew", "robotics", "science_instruments", "deep_space_comms", "station"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Year = Annotated[int, Field(ge=1900, le=2200)]


class _Frozen(BaseModel):
    # No infinities or NaNs anywhere: they validate against ge/le and then
    # crash or stall a run years later (``budget: .inf``, ``weight: .nan``).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _bounded(
    low: float, high: float, why: str, *, default: Any = ..., strict_low: bool = False
) -> Any:
    """A float field in ``[low, high]`` (``(low, high]`` with ``strict_low``), with its reason.

    The reason goes into the field's description, from which the bounds can be
    documented; without ``default`` the field is required.
    """
    if strict_low:
        return Field(default, gt=low, le=high, description=why)
    return Field(default, ge=low, le=high, description=why)


class Motives(_Frozen):
    """Weights an agency puts on what a mission brings it."""

    science: float = _bounded(
        0.0, 100.0, "weight on science; bundled agencies use at most 1.8", default=1.0
    )
    prestige: float = _bounded(0.0, 100.0, "weight on prestige; as science", default=1.0)
    autonomy: Probability = 0.3
    cost: float = _bounded(
        0.01,
        100.0,
        "weight on money; it divides a point's value, so it stays away from 0",
        default=1.0,
    )


class AgencySpec(_Frozen):
    """An agency as the scenario declares it at the start year (or founding)."""

    country: str
    bloc: str
    founded: Year
    dissolved: Year | None = None
    budget: float = _bounded(
        0.0,
        1000.0,
        "constant 2020 US$ bn per year; NASA's peak was about 50, and proposals grow with "
        "the square root of the budget, so 1,000 keeps a year's work bounded",
    )
    budget_growth: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.0
    capabilities: dict[Domain, Probability] = {}
    motives: Motives = Motives()
    tolerance: Probability = 0.8


class MissionSpec(_Frozen):
    """One kind of mission in the scenario's catalog."""

    cost: float = _bounded(
        0.001, 1000.0, "constant 2020 US$ bn, whole mission; the ISS cost about 150"
    )
    duration: Annotated[int, Field(ge=1, le=40)]
    requires: Annotated[dict[Domain, Probability], Field(min_length=1)]
    each_requires: dict[Domain, Probability] = {}
    science: float = _bounded(0.0, 1000.0, "points; the bundled catalog gives at most 30")
    prestige: float = _bounded(0.0, 1000.0, "points; the bundled catalog gives at most 50")
    joint_prestige: float = _bounded(0.0, 1000.0, "points for flying with a rival", default=0.0)
    risk: Probability
    sensitivity: Probability
    max_partners: Annotated[int, Field(ge=0, le=15)]
    weight: float = _bounded(
        0.0, 1000.0, "relative frequency of proposals of this kind", default=1.0
    )
    available_from: Year | None = None


class RelationsSpec(_Frozen):
    """Initial and baseline tension and trust between agencies."""

    default_tension: Probability = 0.3
    tension_scale: Annotated[float, Field(ge=0.0, le=3.0)] = 1.0
    bloc_tension: dict[str, Probability] = {}
    tension: dict[str, dict[str, Probability]] = {}
    trust: dict[str, dict[str, Probability]] = {}


class NegotiationSpec(_Frozen):
    """How proposals become coalitions and how costs are shared."""

    cost_sharing_rule: Literal["nash", "proportional", "shapley"] = "nash"
    bargaining_power: Literal["budget", "equal"] = "budget"
    integration_overhead: float = _bounded(
        0.0, 10.0, "extra cost per partner, as a share", default=0.2
    )
    min_coverage: Probability = 0.6
    political_cost: float = _bounded(
        0.0,
        100.0,
        "value lost per unit of tension x sensitivity; 1 in every bundled scenario",
        default=1.0,
    )
    candidates: Annotated[int, Field(ge=1, le=20)] = 4
    trust_weight: float = _bounded(0.0, 100.0, "weight of trust in choosing partners", default=0.5)
    distrust: Probability = 0.3
    export_sensitivity: Probability = 0.6


class DynamicsSpec(_Frozen):
    """Rates of the yearly processes: proposals, learning, trust and tension."""

    proposal_rate: float = _bounded(
        0.0,
        10.0,
        "proposals per year at the reference budget; bundled 1.2; work grows with it",
        default=1.2,
    )
    budget_scale: float = _bounded(0.0, 100.0, "every budget x this", strict_low=True, default=1.0)
    reference_budget: float = _bounded(
        0.01, 1000.0, "US$ bn/yr at which an agency makes proposal_rate proposals", default=10.0
    )
    cost_noise: float = _bounded(
        0.0, 5.0, "lognormal sigma; at 5 one cost in a million is 10^10 times the mean", default=0.2
    )
    value_noise: float = _bounded(0.0, 5.0, "lognormal sigma on science and prestige", default=0.2)
    value_of_money: float = _bounded(
        0.0, 100.0, "US$ bn a point is worth", strict_low=True, default=0.1
    )
    instrument_bonus: float = _bounded(
        0.0, 10.0, "science added per partner, as a share", default=0.1
    )
    success_exponent: float = _bounded(
        0.0, 10.0, "success = (1 - risk) * coverage^this", default=1.0
    )
    rivalry: float = _bounded(0.0, 100.0, "prestige multiplier in a race with a peer", default=1.0)
    learning_rate: Probability = 0.05
    transfer_rate: Probability = 0.1
    trust_gain: Probability = 0.1
    trust_loss_failure: Probability = 0.15
    trust_loss_withdrawal: Probability = 0.5
    diplomacy: Probability = 0.05
    tension_drift: Probability = 0.2
    sunk_cost: float = _bounded(
        0.0, 100.0, "weight of what is already paid on withdrawal", default=0.5
    )
    lock_in: float = _bounded(0.0, 100.0, "pull of past partnerships", default=0.1)


class PolicySpec(_Frozen):
    """Policy levers: the teaching handles (see ``sim.policy``)."""

    funding_pool: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    funding_pool_cap: Probability = 0.5
    open_data: Probability = 0.0
    export_controls: bool = True
    capacity_building: Probability = 0.0
    standards: Probability = 0.0
    treaty: Probability = 0.0


#: Levers a ``policy`` event may set, with the kind of value each takes.
LEVERS: dict[str, type] = {
    "funding_pool": float,
    "open_data": float,
    "export_controls": bool,
    "capacity_building": float,
    "standards": float,
    "treaty": float,
}

EventKind = Literal[
    "tension",
    "budget",
    "ban",
    "lift_ban",
    "capability",
    "capability_loss",
    "policy",
    "mission_cost",
]
_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "tension": ("delta",),
    "budget": (),
    "ban": (),
    "lift_ban": (),
    "capability": ("domain", "level"),
    "capability_loss": ("domain", "level"),
    "policy": ("lever", "value"),
    "mission_cost": ("factor",),
}


class EventSpec(_Frozen):
    """A dated change to the world; see ``sim.events`` for what each kind does."""

    year: Year
    kind: EventKind
    note: str = ""
    agencies: list[str] = []
    blocs: list[str] = []
    missions: list[str] = []  # mission_cost: kinds in the catalog; empty = every kind
    delta: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    trust_delta: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None
    factor: (
        Annotated[
            float, _bounded(0.01, 100.0, "budget or cost x this; compounding events stay finite")
        ]
        | None
    ) = None
    growth: Annotated[float, Field(ge=-0.5, le=0.5)] | None = None
    domain: Domain | None = None
    level: Probability | None = None
    # valid-type: a Literal built from LEVERS at runtime, which pydantic reads and mypy cannot.
    lever: Literal[tuple(LEVERS)] | None = None  # type: ignore[valid-type]
    value: bool | float | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> EventSpec:
        missing = [f for f in _EVENT_FIELDS[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} event needs {', '.join(missing)}")
        if self.kind == "budget" and self.factor is None and self.growth is None:
            raise ValueError("a budget event needs factor or growth")
        if self.kind in ("ban", "lift_ban") and len(self.agencies) != 2:
            raise ValueError(f"a {self.kind} event names exactly two agencies")
        if self.kind in ("budget", "capability", "capability_loss") and not self.agencies:
            raise ValueError(f"a {self.kind} event names its agencies")
        if self.missions and self.kind != "mission_cost":
            raise ValueError("only a mission_cost event names missions")
        if self.kind == "mission_cost" and (self.agencies or self.blocs):
            raise ValueError("a mission_cost event applies to every agency: name missions only")
        if self.kind == "tension" and not (len(self.agencies) >= 2 or self.blocs):
            raise ValueError("a tension event names two or more agencies, or blocs")
        if self.kind == "policy":
            try:  # a lever set by an event obeys the same type and range as the field
                PolicySpec.model_validate({self.lever: self.value})
            except ValidationError as err:
                raise ValueError(f"{self.lever}: {err.errors()[0]['msg']}") from None
        return self


class UnderWaySpec(_Frozen):
    """A mission already under way at the start year (a legacy programme such as the ISS).

    It started in ``started``, before the run, with ``members`` paying
    ``shares`` of the catalog cost (equal shares when omitted); what the years
    before the run cost is counted as paid.
    """

    kind: str
    members: Annotated[list[str], Field(min_length=1)]
    started: Year
    shares: list[Annotated[float, Field(gt=0.0)]] | None = None
    note: str = ""


class ValidationSpec(_Frozen):
    """How the scenario is checked against the record, and what calibration may vary.

    ``patterns`` names stylized facts of ``sim.patterns``; ``calibrate`` maps a
    dotted numeric field (as ``--set`` takes it) to the ``[low, high]`` range
    that ``spacecoop calibrate`` samples.
    """

    patterns: list[str] = []
    calibrate: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = {}


class Scenario(_Frozen):
    """A validated scenario: agencies, relations, mission catalog, rules, events."""

    name: str
    title: str = ""
    description: str = ""
    start_year: Year
    end_year: Year
    agencies: dict[str, AgencySpec] = Field(
        min_length=2, max_length=60, description="at most 60: the bundled eras have 8-18"
    )
    relations: RelationsSpec = RelationsSpec()
    missions: dict[str, MissionSpec] = Field(
        min_length=1, max_length=200, description="kinds in the catalog; at most 200"
    )
    negotiation: NegotiationSpec = NegotiationSpec()
    dynamics: DynamicsSpec = DynamicsSpec()
    policies: PolicySpec = PolicySpec()
    events: list[EventSpec] = Field([], max_length=10_000, description="at most 10,000")
    under_way: list[UnderWaySpec] = Field([], max_length=1_000, description="at most 1,000")
    validation: ValidationSpec = ValidationSpec()

    @property
    def blocs(self) -> list[str]:
        """Blocs in order of first appearance."""
        return list(dict.fromkeys(a.bloc for a in self.agencies.values()))


# --------------------------------------------------------------------------
# Reading files: extends

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


# --------------------------------------------------------------------------
# Validation


def _line_of(loc: Path_, lines: Lines, default: str) -> tuple[str, int | None]:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return default, None


def _pydantic_problems(err: ValidationError, lines: Lines, default: str) -> list:
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if p != "[key]")
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        src, line = _line_of(loc, lines, default)
        problems.append((src, line, dotted(loc), msg))
    return problems


def _cross_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """Checks that span fields: names, years and blocs must refer to real things."""
    bad: list[tuple[Path_, str]] = []
    names = set(sc.agencies)
    blocs = set(sc.blocs)
    if sc.end_year <= sc.start_year:
        bad.append((("end_year",), f"must be after start_year ({sc.start_year})"))
    for name, ag in sc.agencies.items():
        if ag.dissolved is not None and ag.dissolved <= ag.founded:
            bad.append((("agencies", name, "dissolved"), "must be after founded"))
    for section in ("tension", "trust"):
        for a, row in getattr(sc.relations, section).items():
            if a not in names:
                bad.append((("relations", section, a), f"unknown agency {a!r}"))
            for b in row:
                if b not in names:
                    bad.append((("relations", section, a, b), f"unknown agency {b!r}"))
                elif a == b:
                    bad.append((("relations", section, a, b), "an agency with itself"))
    bad.extend(_symmetry_checks(sc.relations))
    for key in sc.relations.bloc_tension:
        parts = key.split("/")
        if len(parts) != 2:
            bad.append((("relations", "bloc_tension", key), "write the pair as 'a/b'"))
        for part in parts:
            if len(parts) == 2 and part not in blocs:
                bad.append((("relations", "bloc_tension", key), f"unknown bloc {part!r}"))
    for i, ev in enumerate(sc.events):
        if not sc.start_year <= ev.year <= sc.end_year:
            bad.append(
                (
                    ("events", i, "year"),
                    f"{ev.year} is outside the run ({sc.start_year}-{sc.end_year})",
                )
            )
        for j, a in enumerate(ev.agencies):
            if a not in names:
                bad.append((("events", i, "agencies", j), f"unknown agency {a!r}"))
        for j, b in enumerate(ev.blocs):
            if b not in blocs:
                bad.append((("events", i, "blocs", j), f"unknown bloc {b!r}"))
        for j, m in enumerate(ev.missions):
            if m not in sc.missions:
                bad.append((("events", i, "missions", j), f"unknown mission kind {m!r}"))
    bad.extend(_under_way_checks(sc))
    bad.extend(_validation_checks(sc))
    bad.extend(_workload_checks(sc))
    return bad


#: Most proposals a run may expect. A proposal costs 0.3-1.5 ms (negotiation
#: included; measured up to 60 agencies, 15 partners and 20 candidates), so a
#: run at the limit takes 3-15 s; the bundled eras expect 85-480.
MAX_PROPOSALS = 10_000
#: Most partners of a mission under Shapley cost sharing, which weighs all
#: 2**members sub-coalitions of every coalition tried (the bundled catalog: 6).
MAX_SHAPLEY_PARTNERS = 6


def expected_proposals(sc: Scenario) -> float:
    """The mean number of proposals a run of ``sc`` makes: the work it will take.

    Budgets are projected year by year from their growth and the budget
    events, as the model moves them (less what the funding pool and missions
    take, so this is an upper estimate); an agency makes
    ``proposal_rate * sqrt(budget / reference_budget)`` proposals a year.

    >>> round(expected_proposals(load_scenario("cold_war")))
    85
    """
    dyn = sc.dynamics
    budget = {name: a.budget * dyn.budget_scale for name, a in sc.agencies.items()}
    growth = {name: a.budget_growth for name, a in sc.agencies.items()}
    events: dict[int, list[EventSpec]] = {}
    for ev in sc.events:
        if ev.kind == "budget":
            events.setdefault(ev.year, []).append(ev)
    total = 0.0
    for year in range(sc.start_year, sc.end_year + 1):
        for ev in events.get(year, ()):
            for name in ev.agencies:
                budget[name] *= ev.factor if ev.factor is not None else 1.0
                growth[name] = ev.growth if ev.growth is not None else growth[name]
        for name, a in sc.agencies.items():
            if a.founded <= year and (a.dissolved is None or year < a.dissolved):
                budget[name] *= 1.0 + growth[name]
                total += dyn.proposal_rate * math.sqrt(budget[name] / dyn.reference_budget)
    return total


def _workload_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """A run must finish within seconds: bound the proposals and the Shapley games."""
    bad: list[tuple[Path_, str]] = []
    if sc.negotiation.cost_sharing_rule == "shapley":
        for name, kind in sc.missions.items():
            if kind.max_partners > MAX_SHAPLEY_PARTNERS:
                msg = f"at most {MAX_SHAPLEY_PARTNERS} with cost_sharing_rule shapley"
                bad.append((("missions", name, "max_partners"), msg))
    if any(a not in sc.agencies for ev in sc.events for a in ev.agencies):
        return bad  # an unknown agency is reported already
    expected = expected_proposals(sc)
    if expected > MAX_PROPOSALS:
        msg = (
            f"a run would make about {expected:,.0f} proposals (at most {MAX_PROPOSALS:,}): "
            "lower budgets, their growth, proposal_rate or the span of years"
        )
        bad.append((("dynamics", "proposal_rate"), msg))
    return bad


def _symmetry_checks(rel: RelationsSpec) -> list[tuple[Path_, str]]:
    """Tension and trust are symmetric: a pair given both ways must agree.

    ``sim.relations`` keeps one value per pair, so with two different values
    one direction would silently win; no bundled scenario gives a pair twice.
    """
    bad: list[tuple[Path_, str]] = []
    for section in ("tension", "trust"):
        table = getattr(rel, section)
        for a, row in table.items():
            for b, value in row.items():
                other = table.get(b, {}).get(a)
                if other is not None and other != value and a < b:
                    msg = f"{a}->{b} is {value:g} but {b}->{a} is {other:g}: give the pair once"
                    bad.append((("relations", section, a, b), msg))
    for key, value in rel.bloc_tension.items():
        a, _, b = key.partition("/")
        other = rel.bloc_tension.get(f"{b}/{a}")
        if other is not None and other != value and a < b:
            msg = f"{key} is {value:g} but {b}/{a} is {other:g}: give the pair once"
            bad.append((("relations", "bloc_tension", key), msg))
    return bad


def _under_way_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """A mission under way names a kind and agencies that exist, and is not over yet."""
    bad: list[tuple[Path_, str]] = []
    for i, uw in enumerate(sc.under_way):
        if uw.kind not in sc.missions:
            bad.append((("under_way", i, "kind"), f"unknown mission kind {uw.kind!r}"))
            continue
        if uw.started >= sc.start_year:
            bad.append(
                (("under_way", i, "started"), f"must be before start_year ({sc.start_year})")
            )
        elif uw.started + sc.missions[uw.kind].duration <= sc.start_year:
            end = uw.started + sc.missions[uw.kind].duration - 1
            bad.append((("under_way", i, "started"), f"a {uw.kind} started then ended by {end}"))
        for j, name in enumerate(uw.members):
            ag = sc.agencies.get(name)
            if ag is None:
                bad.append((("under_way", i, "members", j), f"unknown agency {name!r}"))
            elif ag.founded > sc.start_year or (ag.dissolved or 9999) <= sc.start_year:
                bad.append((("under_way", i, "members", j), f"{name} is not active at the start"))
        if uw.shares is not None and len(uw.shares) != len(uw.members):
            bad.append((("under_way", i, "shares"), "one share per member"))
        elif uw.shares is not None and abs(sum(uw.shares) - 1.0) > 1e-6:
            bad.append(
                (("under_way", i, "shares"), f"must sum to 1 (they sum to {sum(uw.shares):g})")
            )
    return bad


def field_value(scenario: Scenario, path: str) -> Any:
    """The value of a dotted field (as ``--set`` names it), or None if there is none.

    >>> field_value(load_scenario("cold_war"), "negotiation.political_cost")
    1.0
    """
    node: Any = scenario.model_dump()
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _validation_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """Patterns must exist and apply; calibrated fields must be numeric scalars."""
    if not sc.validation.patterns and not sc.validation.calibrate:
        return []  # most loads (every run of a batch) stop here
    from sim.patterns import PATTERNS

    bad: list[tuple[Path_, str]] = []
    for i, name in enumerate(sc.validation.patterns):
        if name not in PATTERNS:
            bad.append((("validation", "patterns", i), f"unknown pattern {name!r}"))
            continue
        missing = [a for a in PATTERNS[name].agencies if a not in sc.agencies]
        if missing:
            bad.append(
                (("validation", "patterns", i), f"{name} needs agencies {', '.join(missing)}")
            )
    for path, (low, high) in sc.validation.calibrate.items():
        where = ("validation", "calibrate", path)
        if not low < high:
            bad.append(
                (where, f"write the range as [low, high] with low < high, not {low}..{high}")
            )
            continue
        node = field_value(sc, path)
        if isinstance(node, bool) or not isinstance(node, (int, float)):
            bad.append((where, "not a numeric field of the scenario"))
    return bad


def _validate(data: dict, lines: Lines, default: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_pydantic_problems(err, lines, default)) from None
    bad = _cross_checks(scenario)
    if bad:
        problems = []
        for loc, msg in bad:
            src, line = _line_of(loc, lines, default)
            problems.append((src, line, dotted(loc), msg))
        raise ScenarioError(problems)
    return scenario


# --------------------------------------------------------------------------
# Overrides: ``--set agencies.NASA.budget=30``

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
        try:  # the file's limits hold here too: no aliases, bounded depth
            out[key.strip()] = parse_yaml(value)[1]
        except (yaml.YAMLError, ValueError):
            out[key.strip()] = value
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
        if isinstance(node.get(leaf), (dict, list)):
            raise ScenarioError([("--set", None, key, "not a scalar field")])
        node[leaf] = value
        lines[tuple(parts)] = ("--set", None)
    return data, lines


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """Return ``scenario`` with dotted-path scalar fields replaced, validated again.

    >>> sc = load_scenario("cold_war")
    >>> apply_overrides(sc, {"agencies.NASA.budget": 30}).agencies["NASA"].budget
    30.0
    """
    if not overrides:
        return scenario
    # Dumping with defaults makes every default field reachable by --set.
    data, lines = _apply(scenario.model_dump(), overrides)
    return _validate(data, lines, "--set")


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
    scenario = _validate(data, lines, str(path))
    return apply_overrides(scenario, overrides)


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/`` (``_*.yaml`` are shared parts)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if not p.stem.startswith("_"))
