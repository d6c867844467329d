"""The Scenario: a YAML world's sections put together, and where each field came from."""

from __future__ import annotations

from pydantic import Field, PrivateAttr

from sim.scenario.events import EventSpec
from sim.scenario.reading import Lines, Path_, line_of
from sim.scenario.schema import (
    AgencySpec,
    DynamicsSpec,
    MissionSpec,
    NegotiationSpec,
    PolicySpec,
    RelationsSpec,
    UnderWaySpec,
    ValidationSpec,
    Year,
    _Frozen,
)

__all__ = ["Scenario"]


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

    def without_blocs(self) -> Scenario:
        """The scenario as the model sees it when given no bloc labels.

        Every agency is in one bloc, ``none``; the bloc rules of tension and
        trust are dropped, so pairs start at the defaults unless a pair value
        is declared; tension events keyed by bloc are dropped (their blocs no
        longer exist). Pair values, bans and every other event stay: what
        remains of the blocs must come from the relations between the
        agencies themselves (``relations.bloc_labels: false``, docs/ODD.md 7.24).
        """
        agencies = {k: a.model_copy(update={"bloc": "none"}) for k, a in self.agencies.items()}
        relations = self.relations.model_copy(
            update={"bloc_tension": {}, "bloc_trust": {}, "bloc_labels": True}
        )
        events = [e for e in self.events if not getattr(e, "blocs", None)]
        return self.model_copy(
            update={"agencies": agencies, "relations": relations, "events": events}
        )

    # Where each field was written: (file, line) by field path, or ("--set",
    # None). Private, so it is neither dumped nor hashed into provenance: the
    # validation layer reads it to name the line of a check the scenario
    # layer cannot make (a pattern name), without reading the file again.
    _lines: Lines = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        """Equal fields, wherever they were read from (the line index is not compared)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    # assignment: unhashable as before (its dict fields never hashed), now said outright.
    __hash__ = None  # type: ignore[assignment]

    def source_of(self, path: Path_) -> tuple[str, int | None]:
        """The file and line that set the field at ``path`` (or its nearest parent).

        ``("--set", None)`` for an override; ``(name, None)`` for a scenario
        built in code rather than loaded.
        """
        return line_of(path, self._lines, self.name)
