"""Missions: the catalog of kinds, the proposals drawn from it, and missions under way."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from sim.elements import Elements
from sim.scenario import DOMAINS, MissionSpec

__all__ = ["Mission", "MissionKind", "Outcome", "Proposal", "catalog"]


class Outcome(Enum):
    """How a started mission ended (or that it has not yet)."""

    ONGOING = "ongoing"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class MissionKind:
    """One entry of the catalog: its elements, and what they need as a capability vector."""

    kind: str
    cost: float
    duration: int
    elements: Elements
    requires: np.ndarray  # shape (K,), in DOMAINS order: the highest level per domain
    each_requires: np.ndarray  # what every member must bring itself (a docking: crew)
    science: float
    prestige: float
    joint_prestige: float
    risk: float
    sensitivity: float
    max_partners: int
    weight: float
    available_from: int | None
    service_life: int = 0  # years its hardware serves, term after term, once built

    @classmethod
    def from_spec(cls, kind: str, spec: MissionSpec) -> MissionKind:
        """Build a kind from its validated scenario entry."""
        if spec.elements is not None:
            elements = Elements.declared(spec.elements, DOMAINS)
        else:
            assert spec.requires is not None  # the schema asks for one of the two
            elements = Elements.derived({str(d): v for d, v in spec.requires.items()}, DOMAINS)
        return cls(
            kind=kind,
            cost=spec.cost,
            duration=spec.duration,
            elements=elements,
            requires=elements.requires(len(DOMAINS)),
            each_requires=np.array([spec.each_requires.get(d, 0.0) for d in DOMAINS]),
            science=spec.science,
            prestige=spec.prestige,
            joint_prestige=spec.joint_prestige,
            risk=spec.risk,
            sensitivity=spec.sensitivity,
            max_partners=spec.max_partners,
            weight=spec.weight,
            available_from=spec.available_from,
            service_life=spec.service_life,
        )


def catalog(missions: dict[str, MissionSpec]) -> list[MissionKind]:
    """The scenario's catalog as a list of kinds, in file order."""
    return [MissionKind.from_spec(k, s) for k, s in missions.items()]


@dataclass(frozen=True, slots=True)
class Proposal:
    """A mission an agency would like to fly, with this draw's cost and value."""

    kind: MissionKind
    lead: int
    cost: float
    science: float
    prestige: float
    flagship: bool = False  # a programme its lead's government leads as a club (``leads``)

    @property
    def requires(self) -> np.ndarray:
        """Required capability per domain."""
        return self.kind.requires


@dataclass(slots=True)
class Mission:
    """A started mission: who is in it, who pays what, and how far it has come.

    ``shares`` are each member's part of ``cost``. When a member withdraws,
    what it still owed is taken over by the others in proportion to their
    shares; what it had paid stays in ``withdrawn_paid``, so shares plus
    ``withdrawn_paid / cost`` sum to one. A cancelled mission keeps as shares
    what each member had paid when it stopped.
    """

    mission_id: int
    proposal: Proposal
    members: list[int]
    shares: np.ndarray
    cost: float
    coverage: float
    success_chance: float
    start_year: int
    years_left: int
    values: np.ndarray  # money-equivalent value to each member at agreement
    subsidy: float = 0.0  # paid by the funding pool at the start, not part of ``cost``
    # per member: planned at agreement and each renewal, again when a builder is taken over
    depends_on: list[list[int]] = field(default_factory=list)
    rights: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per member, at agreement
    builders: tuple[int, ...] = ()  # the agency building each element of the kind
    countries: int = 0  # distinct countries that signed (0: not recorded, count agencies)
    gains: np.ndarray = field(default_factory=lambda: np.zeros(0))  # value - share * cost, signed
    paid: np.ndarray = field(init=False)
    outcome: Outcome = Outcome.ONGOING
    end_year: int | None = None
    withdrawn: list[int] = field(default_factory=list)
    withdrawn_paid: list[float] = field(default_factory=list)
    withdrawn_years: list[int] = field(default_factory=list)
    paid_for: list[tuple[int, int]] = field(
        default_factory=list
    )  # (member, who took over its part)
    in_service_from: int | None = None  # a lasting kind: the year it was built (its first term)
    term_from: int | None = None  # the year its current term began (``start_year`` if the first)
    paid_before: np.ndarray = field(init=False)  # per member: paid in the terms before this one

    def __post_init__(self) -> None:
        self.paid = np.zeros(len(self.members))
        self.paid_before = np.zeros(len(self.members))
        if self.term_from is None:
            self.term_from = self.start_year

    @property
    def joint(self) -> bool:
        """Whether agencies of two or more countries signed up (withdrawals do not change it).

        Two agencies of one country (CNSA and CMSA) flying together are one
        national programme, not international partners; ESA counts as a
        country of its own ("Europe"), so a national agency flying with ESA
        (CNES with ESA) is a joint mission, as their bilateral agreements are.
        """
        if self.countries:
            return self.countries > 1
        return len(self.members) + len(self.withdrawn) > 1

    def yearly_payments(self) -> np.ndarray:
        """What each member pays this year to stay on schedule."""
        owed = self.shares * self.cost - self.paid
        return np.maximum(owed, 0.0) / self.years_left
