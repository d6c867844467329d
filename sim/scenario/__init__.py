"""Scenarios: YAML worlds validated once into frozen, typed objects.

This package is the only place that sees raw dictionaries. Everything it
returns is a frozen pydantic model; every error names the file, the line and
the field path. Its rooms:

``reading``
    YAML within limits (size, encoding, depth, no aliases), and the line of every field.
``schema``
    The sections (agencies, missions, relations, rules, policies) as frozen records.
``events``
    Dated events, a union discriminated on ``kind``, each applying itself to the world.
``document``
    The :class:`Scenario` that puts the sections together.
``checks``
    Pydantic's errors and the cross-checks, with file and line.
``overrides``
    ``--set`` assignments.
``loading``
    :func:`load_scenario` by name or path, following ``extends``.

Nothing here imports the analysis (``sim.patterns``, ``sim.validation``):
whether ``validation.patterns`` names real patterns is checked there.
"""

from sim.scenario.checks import (
    MAX_PROPOSALS,
    MAX_SHAPLEY_PARTNERS,
    expected_proposals,
    field_value,
)
from sim.scenario.document import Scenario
from sim.scenario.events import (
    EVENT_KINDS,
    BanEvent,
    BudgetEvent,
    CapabilityEvent,
    CapabilityLossEvent,
    EventKind,
    EventSpec,
    LiftBanEvent,
    MissionCostEvent,
    PolicyEvent,
    TensionEvent,
)
from sim.scenario.loading import MAX_EXTENDS, SCENARIO_DIR, bundled_scenarios, load_scenario
from sim.scenario.overrides import apply_overrides, parse_assignments
from sim.scenario.reading import MAX_FILE_BYTES, ScenarioError, check_value
from sim.scenario.schema import (
    DOMAINS,
    LEVERS,
    AgencySpec,
    DynamicsSpec,
    MissionSpec,
    Motives,
    NegotiationSpec,
    PolicySpec,
    RelationsSpec,
    UnderWaySpec,
    ValidationSpec,
)

__all__ = [
    "DOMAINS",
    "EVENT_KINDS",
    "LEVERS",
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "MAX_PROPOSALS",
    "MAX_SHAPLEY_PARTNERS",
    "SCENARIO_DIR",
    "AgencySpec",
    "BanEvent",
    "BudgetEvent",
    "CapabilityEvent",
    "CapabilityLossEvent",
    "DynamicsSpec",
    "EventKind",
    "EventSpec",
    "LiftBanEvent",
    "MissionCostEvent",
    "MissionSpec",
    "Motives",
    "NegotiationSpec",
    "PolicyEvent",
    "PolicySpec",
    "RelationsSpec",
    "Scenario",
    "ScenarioError",
    "TensionEvent",
    "UnderWaySpec",
    "ValidationSpec",
    "apply_overrides",
    "bundled_scenarios",
    "check_value",
    "expected_proposals",
    "field_value",
    "load_scenario",
    "parse_assignments",
]
