"""Dated events: one record per kind, each with only its own fields and its own effect.

A scenario's ``events`` is a list of :data:`EventSpec`, a union discriminated
on ``kind``: pydantic picks the record from the tag, so a ``ban`` cannot carry
a ``factor`` and no code asks an event what kind it is. The model applies the
events of a year, in file order, at the start of that year with
``event.apply(model)`` (``sim.events.apply_event``).

The effects live here, beside the fields they read, because they touch the
world only through its public arrays and agents (duck-typed: nothing here
imports the model at run time).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.scenario.schema import (
    DOMAINS,
    LEVERS,
    Domain,
    PolicySpec,
    Probability,
    Year,
    _bounded,
    _Frozen,
)

if TYPE_CHECKING:
    from sim.model import SpaceCooperationModel

__all__ = [
    "EVENT_KINDS",
    "BanEvent",
    "BudgetEvent",
    "CapabilityEvent",
    "CapabilityLossEvent",
    "EventKind",
    "EventSpec",
    "LiftBanEvent",
    "MissionCostEvent",
    "PolicyEvent",
    "SupportEvent",
    "TensionEvent",
    "pair_mask",
]

Delta = Annotated[float, Field(ge=-1.0, le=1.0)]
Factor = Annotated[
    float, _bounded(0.01, 100.0, "budget or cost x this; compounding events stay finite")
]
Growth = Annotated[float, Field(ge=-0.5, le=0.5)]


class _Event(_Frozen):
    """What every event has: its year, its kind and a note; and how it applies."""

    year: Year
    kind: str
    note: str = ""

    #: A field of another kind this kind refuses, with the reason to give.
    refuses: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _own_fields(cls, data: Any) -> Any:
        # Say which kind a stray field belongs to, and which fields of its own
        # an event lacks, rather than "unknown field" / "required field".
        if not isinstance(data, dict):
            return data
        for key in data:
            if key in cls.model_fields:
                continue
            if key in cls.refuses:
                raise ValueError(cls.refuses[key])
            owners = [k for k, v in EVENT_KINDS.items() if key in v.model_fields]
            if owners:
                names = ", ".join(owners[:-1]) + " or " + owners[-1] if owners[1:] else owners[0]
                raise ValueError(f"only a {names} event names {key}")
        missing = [
            name
            for name, field in cls.model_fields.items()
            if field.is_required() and name not in data and name not in _Event.model_fields
        ]
        if missing:
            kind = cls.model_fields["kind"].default
            raise ValueError(f"a {kind} event needs {', '.join(missing)}")
        return data

    def apply(self, world: SpaceCooperationModel) -> None:
        """Change ``world`` as this event does, at the start of its year."""
        raise NotImplementedError


class TensionEvent(_Event):
    """Shift tension by ``delta``, and trust by ``trust_delta``.

    On the pairs named: all pairs among ``agencies``; or, with one agency and
    ``blocs``, that agency against the members of those blocs; or, with
    ``against``, each of ``agencies`` against each of those agencies (the
    2022 sanctions: Roscosmos against the agencies whose states imposed
    them); or, with ``blocs`` alone, the pairs across two blocs (within one
    bloc). See :func:`pair_mask`. A crisis is a shock: tension then drifts back to its
    baseline (``dynamics.tension_drift`` a year). A ``structural`` event (a
    treaty, sanctions, an agreement) moves the baseline too, and stays.
    """

    kind: Literal["tension"] = "tension"
    agencies: list[str] = Field(default_factory=list)
    blocs: list[str] = Field(default_factory=list)
    against: list[str] = Field(
        default_factory=list,
        description=(
            "agencies each of 'agencies' is set against, pair by pair (sanctions by a list "
            "of states); the pairs among them are not touched"
        ),
    )
    delta: Delta
    trust_delta: Delta | None = None
    structural: bool = Field(
        default=False,
        description=(
            "true for a lasting change (a treaty, sanctions, an agreement): the level "
            "tension drifts back to moves too; false for a crisis that fades"
        ),
    )

    @model_validator(mode="after")
    def _names_pairs(self) -> TensionEvent:
        if self.against and (not self.agencies or self.blocs):
            raise ValueError("'against' takes 'agencies' to set against it, and no blocs")
        if not (len(self.agencies) >= 2 or self.blocs or self.against):
            raise ValueError("a tension event names two or more agencies, or blocs")
        return self

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        mask = pair_mask(self, world.index, world.bloc_names)
        world.relations.shift_tension(mask, self.delta, baseline=self.structural)
        if self.trust_delta:
            world.relations.shift_trust(mask, self.trust_delta)


class BudgetEvent(_Event):
    """Multiply the named agencies' budgets by ``factor`` and/or set their trend to ``growth``."""

    kind: Literal["budget"] = "budget"
    agencies: list[str] = Field(default_factory=list)
    factor: Factor | None = None
    growth: Growth | None = None

    @model_validator(mode="after")
    def _changes_named_budgets(self) -> BudgetEvent:
        if self.factor is None and self.growth is None:
            raise ValueError("a budget event needs factor or growth")
        if not self.agencies:
            raise ValueError("a budget event names its agencies")
        return self

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        for name in self.agencies:
            agency = world.agency(name)
            if self.factor is not None:
                agency.budget *= self.factor
            if self.growth is not None:
                agency.growth = self.growth


class _AgenciesEvent(_Event):
    """An event on the agencies it names, which it must name."""

    agencies: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_agencies(self) -> _AgenciesEvent:
        if not self.agencies:
            raise ValueError(f"a {self.kind} event names its agencies")
        return self


class SupportEvent(_AgenciesEvent):
    """Shift the named agencies' domestic support by ``delta`` (an election, a crisis, a vote).

    Support then returns toward the agency's declared level at
    ``dynamics.support_reversion`` a year: a shock, not a new baseline.
    """

    kind: Literal["support"] = "support"
    delta: Delta

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        for name in self.agencies:
            agency = world.agency(name)
            agency.support = min(max(agency.support + self.delta, 0.0), 1.0)


class _PairEvent(_Event):
    """An event on exactly two agencies."""

    agencies: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_two(self) -> _PairEvent:
        if len(self.agencies) != 2:
            raise ValueError(f"a {self.kind} event names exactly two agencies")
        return self


class BanEvent(_PairEvent):
    """Forbid joint missions between two agencies (the Wolf Amendment: NASA and CNSA, 2011)."""

    kind: Literal["ban"] = "ban"

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        a, b = (world.index[x] for x in self.agencies)
        world.relations.set_ban(a, b, True)


class LiftBanEvent(_PairEvent):
    """Allow joint missions between two agencies again."""

    kind: Literal["lift_ban"] = "lift_ban"

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        a, b = (world.index[x] for x in self.agencies)
        world.relations.set_ban(a, b, False)


class _LevelEvent(_AgenciesEvent):
    """An event that moves the named agencies' capability in one domain towards ``level``."""

    domain: Domain
    level: Probability

    def _new_level(self, now: float) -> float:
        raise NotImplementedError

    def apply(self, world: SpaceCooperationModel) -> None:
        d = DOMAINS.index(self.domain)
        for name in self.agencies:
            caps = world.agency(name).capabilities
            caps[d] = self._new_level(caps[d])


class CapabilityEvent(_LevelEvent):
    """The named agencies reach at least ``level`` in ``domain``.

    A dated milestone; what they have learned beyond it is kept.
    """

    kind: Literal["capability"] = "capability"

    def _new_level(self, now: float) -> float:
        return max(now, self.level)


class CapabilityLossEvent(_LevelEvent):
    """The named agencies fall to ``level`` in ``domain``.

    A system retired, as the Shuttle in 2011 left NASA without crew launch
    until 2020.
    """

    kind: Literal["capability_loss"] = "capability_loss"

    def _new_level(self, now: float) -> float:
        return min(now, self.level)


class PolicyEvent(_Event):
    """Set policy ``lever`` to ``value`` from this year on (see ``sim.policy``)."""

    kind: Literal["policy"] = "policy"
    # valid-type: a Literal built from LEVERS at runtime, which pydantic reads and mypy cannot.
    lever: Literal[tuple(LEVERS)]  # type: ignore[valid-type]
    value: bool | float

    @model_validator(mode="after")
    def _value_fits_lever(self) -> PolicyEvent:
        try:  # a lever set by an event obeys the same type and range as the field
            PolicySpec.model_validate({self.lever: self.value})
        except ValidationError as err:
            raise ValueError(f"{self.lever}: {err.errors()[0]['msg']}") from None
        return self

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        world.policies.set(self.lever, self.value)


class MissionCostEvent(_Event):
    """Multiply the cost of the named ``missions`` (none named: every kind) by ``factor``.

    Proposals from this year on are priced at the new cost; missions already
    under way keep the cost they agreed (as commercial launch lowered the
    price of missions from the 2010s).
    """

    kind: Literal["mission_cost"] = "mission_cost"
    missions: list[str] = Field(default_factory=list)  # kinds in the catalog; empty = every kind
    factor: Factor

    refuses: ClassVar[dict[str, str]] = dict.fromkeys(
        ("agencies", "blocs"), "a mission_cost event applies to every agency: name missions only"
    )

    def apply(self, world: SpaceCooperationModel) -> None:  # noqa: D102
        named = set(self.missions)
        world.kinds = [
            replace(k, cost=k.cost * self.factor) if not named or k.kind in named else k
            for k in world.kinds
        ]


#: Every kind of event, by its tag.
EVENT_KINDS: dict[str, type[_Event]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        TensionEvent,
        BudgetEvent,
        BanEvent,
        LiftBanEvent,
        CapabilityEvent,
        CapabilityLossEvent,
        PolicyEvent,
        MissionCostEvent,
        SupportEvent,
    )
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
    "support",
]

#: An event as a scenario gives it: the record of its ``kind``.
EventSpec = Annotated[
    TensionEvent
    | BudgetEvent
    | BanEvent
    | LiftBanEvent
    | CapabilityEvent
    | CapabilityLossEvent
    | PolicyEvent
    | MissionCostEvent
    | SupportEvent,
    Field(discriminator="kind"),
]


def pair_mask(event: TensionEvent, index: dict[str, int], blocs: np.ndarray) -> np.ndarray:
    """Boolean ``(n, n)`` mask of the pairs a tension event touches.

    >>> ev = TensionEvent(year=1967, blocs=["west", "east"], delta=-0.1)
    >>> pair_mask(ev, {"A": 0, "B": 1, "C": 2}, np.array(["west", "east", "west"])).astype(int)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    """
    n = len(blocs)
    in_agencies = np.zeros(n, bool)
    in_agencies[[index[a] for a in event.agencies]] = True
    if event.against:
        other = np.zeros(n, bool)
        other[[index[a] for a in event.against]] = True
        mask = np.outer(in_agencies, other)
        mask |= mask.T
    elif event.agencies and event.blocs:
        other = np.isin(blocs, event.blocs)
        mask = np.outer(in_agencies, other)
        mask |= mask.T
    elif event.agencies:
        mask = np.outer(in_agencies, in_agencies)
    elif len(event.blocs) == 1:
        inside = blocs == event.blocs[0]
        mask = np.outer(inside, inside)
    else:
        mask = np.zeros((n, n), bool)
        for i, a in enumerate(event.blocs):
            for b in event.blocs[i + 1 :]:
                cross = np.outer(blocs == a, blocs == b)
                mask |= cross | cross.T
    np.fill_diagonal(mask, False)
    return mask
