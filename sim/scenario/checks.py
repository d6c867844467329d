"""Checking a scenario: pydantic's errors and the cross-checks, each with its file and line.

The cross-checks span fields: names, years and blocs must refer to real
things, relations must be symmetric, missions under way must fit, and a run
must stay within seconds of work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.proposing import own_coverage, proposal_mix, proposals_per_year
from sim.scenario.document import Scenario
from sim.scenario.events import EVENT_KINDS, BudgetEvent
from sim.scenario.reading import Lines, Path_, ScenarioError, dotted, line_of
from sim.scenario.schema import AgencySpec, MissionSpec, RelationsSpec

__all__ = [
    "MAX_PROPOSALS",
    "MAX_SHAPLEY_PARTNERS",
    "expected_proposals",
    "field_value",
    "validated",
]


def _without_tag(loc: Path_) -> Path_:
    """``events.3.tension.delta`` as the user wrote it: ``events.3.delta``.

    Pydantic puts the tag of a discriminated union into the error's location.
    """
    if len(loc) > 2 and loc[0] == "events" and loc[2] in EVENT_KINDS:
        return (*loc[:2], *loc[3:])
    return loc


def _pydantic_problems(err: ValidationError, lines: Lines, default: str) -> list:
    problems = []
    for e in err.errors(include_url=False):
        loc = _without_tag(tuple(p for p in e["loc"] if p != "[key]"))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "union_tag_invalid":
            loc = (*loc, "kind")
            known = ", ".join(repr(k) for k in EVENT_KINDS)
            msg = f"unknown kind {e['ctx']['tag']!r} (known: {known})"
        elif e["type"] == "union_tag_not_found":
            loc = (*loc, "kind")
            msg = "required field is missing"
        elif e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        src, line = line_of(loc, lines, default)
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
        for j, old in enumerate(ag.succeeds):
            where = ("agencies", name, "succeeds", j)
            if old not in names:
                bad.append((where, f"unknown agency {old!r}"))
            elif old == name:
                bad.append((where, "an agency cannot succeed itself"))
            elif sc.agencies[old].dissolved != ag.founded:
                msg = f"{old} must be dissolved in {name}'s founding year ({ag.founded})"
                bad.append((where, msg))
        bad.extend(_motive_checks(sc, name, ag))
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
    for section in ("bloc_tension", "bloc_trust"):
        for key in getattr(sc.relations, section):
            parts = key.split("/")
            if len(parts) != 2:
                bad.append((("relations", section, key), "write the pair as 'a/b'"))
            for part in parts:
                if len(parts) == 2 and part not in blocs:
                    bad.append((("relations", section, key), f"unknown bloc {part!r}"))
    references = (
        ("agencies", names, "agency"),
        ("against", names, "agency"),
        ("blocs", blocs, "bloc"),
        ("missions", set(sc.missions), "mission kind"),
    )
    for i, ev in enumerate(sc.events):
        if not sc.start_year <= ev.year <= sc.end_year:
            bad.append(
                (
                    ("events", i, "year"),
                    f"{ev.year} is outside the run ({sc.start_year}-{sc.end_year})",
                )
            )
        for field, known, what in references:
            for j, x in enumerate(getattr(ev, field, ())):  # the fields of its kind only
                if x not in known:
                    bad.append((("events", i, field, j), f"unknown {what} {x!r}"))
    bad.extend(_under_way_checks(sc))
    bad.extend(_calibration_checks(sc))
    bad.extend(_workload_checks(sc))
    return bad


def _motive_checks(sc: Scenario, name: str, ag: AgencySpec) -> list[tuple[Path_, str]]:
    """An agency's foreign-policy motives name real kinds and agencies, in order."""
    bad: list[tuple[Path_, str]] = []
    for field, entries in (("leads", ag.leads), ("engages", ag.engages)):
        for j, entry in enumerate(entries):
            where = ("agencies", name, field, j)
            if entry.until is not None and entry.until < entry.since:
                bad.append(((*where, "until"), f"must not be before since ({entry.since})"))
    for j, lead in enumerate(ag.leads):
        if lead.mission not in sc.missions:
            known = ", ".join(sorted(sc.missions))
            bad.append(
                (
                    ("agencies", name, "leads", j, "mission"),
                    f"unknown mission kind {lead.mission!r} (known: {known})",
                )
            )
    for j, eng in enumerate(ag.engages):
        at: Path_ = ("agencies", name, "engages", j, "agency")
        if eng.agency not in sc.agencies:
            bad.append((at, f"unknown agency {eng.agency!r}"))
        elif eng.agency == name:
            bad.append((at, "an agency cannot engage itself"))
    return bad


#: Most proposals a run may expect. A proposal costs 0.3-1.5 ms (negotiation
#: included; measured up to 60 agencies, 15 partners and 20 candidates), so a
#: run at the limit takes 3-15 s; the bundled eras expect 85-480.
MAX_PROPOSALS = 10_000
#: Most partners of a mission under Shapley cost sharing, which weighs all
#: 2**members sub-coalitions of every coalition tried (the bundled catalog: 6).
MAX_SHAPLEY_PARTNERS = 6


def _needs(kind: MissionSpec) -> dict[str, float]:
    """A kind's requirement vector: the highest level per domain of its elements."""
    if kind.elements is None:
        return {str(d): r for d, r in (kind.requires or {}).items()}
    need: dict[str, float] = {}
    for e in kind.elements.values():
        need[e.domain] = max(need.get(e.domain, 0.0), e.level)
    return need


def expected_proposals(sc: Scenario) -> float:
    """The mean number of proposals a run of ``sc`` makes: the work it will take.

    Budgets are projected year by year from their growth and the budget
    events, as the model moves them (no growth in the start or founding
    year); each active agency proposes as :meth:`sim.agency.Agency.propose`
    does (:mod:`sim.proposing`), with its starting capabilities.

    >>> from sim.scenario import load_scenario
    >>> round(expected_proposals(load_scenario("cold_war")))
    136
    """
    dyn = sc.dynamics
    budget = {name: a.budget * dyn.budget_scale for name, a in sc.agencies.items()}
    growth = {name: a.budget_growth for name, a in sc.agencies.items()}
    events: dict[int, list[BudgetEvent]] = {}
    for ev in sc.events:
        if isinstance(ev, BudgetEvent):
            events.setdefault(ev.year, []).append(ev)
    kinds = list(sc.missions.values())
    cost = np.array([k.cost for k in kinds])
    duration = np.array([float(k.duration) for k in kinds])
    weight = np.array([k.weight for k in kinds])
    opens = np.array([k.available_from or sc.start_year for k in kinds])
    needs = [_needs(k) for k in kinds]

    def coverage_of(a: AgencySpec) -> np.ndarray:
        caps: dict[str, float] = {str(d): c for d, c in a.capabilities.items()}
        return np.array([own_coverage(caps, n) for n in needs])

    own = {name: coverage_of(a) for name, a in sc.agencies.items()}

    def active(a: AgencySpec, year: int) -> bool:
        return a.founded <= year and (a.dissolved is None or year < a.dissolved)

    total = 0.0
    for year in range(sc.start_year, sc.end_year + 1):
        for ev in events.get(year, ()):
            for name in ev.agencies:
                budget[name] *= ev.factor if ev.factor is not None else 1.0
                growth[name] = ev.growth if ev.growth is not None else growth[name]
        is_open = opens <= year
        for name, a in sc.agencies.items():
            if not active(a, year):
                continue
            if year > sc.start_year and active(a, year - 1):
                budget[name] *= 1.0 + growth[name]
            envelope = budget[name] * (1.0 - a.committed_share)
            own_cost = cost[is_open] * a.cost_factor
            mix = proposal_mix(
                weight[is_open], own[name][is_open], own_cost, duration[is_open], envelope
            )
            if envelope > 0 and mix is not None:
                total += proposals_per_year(dyn.proposal_rate, envelope, mix, own_cost)
            total += sum(lead.holds(year) for lead in a.leads)  # at most one flagship each
    return total


def _workload_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """A run must finish within seconds: bound the proposals and the Shapley games."""
    bad: list[tuple[Path_, str]] = []
    if sc.negotiation.cost_sharing_rule == "shapley":
        for name, kind in sc.missions.items():
            if kind.max_partners > MAX_SHAPLEY_PARTNERS:
                msg = f"at most {MAX_SHAPLEY_PARTNERS} with cost_sharing_rule shapley"
                bad.append((("missions", name, "max_partners"), msg))
    named = (
        a for ev in sc.events for field in ("agencies", "against") for a in getattr(ev, field, ())
    )
    if any(a not in sc.agencies for a in named):
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
    for section in ("bloc_tension", "bloc_trust"):
        blocs = getattr(rel, section)
        for key, value in blocs.items():
            a, _, b = key.partition("/")
            other = blocs.get(f"{b}/{a}")
            if other is not None and other != value and a < b:
                msg = f"{key} is {value:g} but {b}/{a} is {other:g}: give the pair once"
                bad.append((("relations", section, key), msg))
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

    >>> from sim.scenario import load_scenario
    >>> field_value(load_scenario("cold_war"), "negotiation.political_cost")
    1.0
    """
    node: Any = scenario.model_dump()
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _calibration_checks(sc: Scenario) -> list[tuple[Path_, str]]:
    """Calibrated fields must be numeric scalars, with a range ``[low, high]``.

    Whether ``validation.patterns`` names real patterns is for the validation
    layer to say (:func:`sim.validation.check_patterns`): the input schema
    does not depend on the analysis.
    """
    bad: list[tuple[Path_, str]] = []
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


def validated(data: dict, lines: Lines, default: str) -> Scenario:
    """``data`` as a Scenario, or a ScenarioError naming each problem's file, line and field."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_pydantic_problems(err, lines, default)) from None
    bad = _cross_checks(scenario)
    if bad:
        problems = []
        for loc, msg in bad:
            src, line = line_of(loc, lines, default)
            problems.append((src, line, dotted(loc), msg))
        raise ScenarioError(problems)
    scenario._lines = lines
    return scenario
