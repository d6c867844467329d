"""The world the mission lifecycle works on: its state, its rates and the year's log.

:class:`World` is the state the lifecycle reads and changes (a
``SpaceCooperationModel`` is one), :class:`LifecycleParams` the rates it uses,
built once from the scenario, and :class:`YearLog` what happened this year,
for the metrics. :func:`build_quality` is how well a coalition as it stands
builds a mission's elements. :mod:`sim.lifecycle` re-exports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.elements import Assignment, assign, build_fit
from sim.mission import Mission, MissionKind
from sim.policy import Policies
from sim.relations import Relations

if TYPE_CHECKING:
    from sim.agency import Agency
    from sim.scenario import Scenario

__all__ = ["LifecycleParams", "World", "YearLog", "as_built", "build_quality"]


@dataclass(slots=True)
class YearLog:
    """What happened this year, for the metrics."""

    started: list[Mission] = field(default_factory=list)
    science: float = 0.0
    cost_saved: float = 0.0
    withdrawals: int = 0
    failures: int = 0
    failed_negotiations: int = 0
    domestic_cuts: int = 0  # parts of missions a government cancelled


@dataclass(frozen=True, slots=True)
class LifecycleParams:
    """The scenario's ``dynamics`` and ``negotiation`` rates the lifecycle uses (ODD 7.11-7.13)."""

    min_coverage: float
    rival_share: float
    export_sensitivity: float
    success_exponent: float
    instrument_bonus: float
    learning_rate: float
    transfer_rate: float
    trust_gain: float
    trust_loss_failure: float
    trust_loss_withdrawal: float
    diplomacy: float
    sunk_cost: float
    lock_in: float
    cancellation_hazard: float
    commitment_protection: float
    flagship_defence: bool
    weakest_link: bool
    keep_elements: bool

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> LifecycleParams:
        """The parameters as ``scenario`` sets them."""
        neg, dyn = scenario.negotiation, scenario.dynamics
        return cls(
            min_coverage=neg.min_coverage,
            rival_share=neg.rival_share,
            export_sensitivity=neg.export_sensitivity,
            success_exponent=dyn.success_exponent,
            instrument_bonus=dyn.instrument_bonus,
            learning_rate=dyn.learning_rate,
            transfer_rate=dyn.transfer_rate,
            trust_gain=dyn.trust_gain,
            trust_loss_failure=dyn.trust_loss_failure,
            trust_loss_withdrawal=dyn.trust_loss_withdrawal,
            diplomacy=dyn.diplomacy,
            sunk_cost=dyn.sunk_cost,
            lock_in=dyn.lock_in,
            cancellation_hazard=dyn.cancellation_hazard,
            commitment_protection=dyn.commitment_protection,
            flagship_defence=dyn.flagship_defence,
            weakest_link=neg.weakest_link,
            keep_elements=neg.keep_elements,
        )


class World(Protocol):
    """The state the lifecycle reads and changes; a ``SpaceCooperationModel`` is one.

    ``capabilities`` is ``(n, K)`` with each agency's ``capabilities`` a view
    of its row; ``active``, ``bloc_names``, ``tolerance`` and ``country``
    (agencies of one country share a number) are ``(n,)``.
    """

    year: int
    agencies: list[Agency]
    index: dict[str, int]
    capabilities: np.ndarray
    active: np.ndarray
    bloc_names: np.ndarray
    tolerance: np.ndarray
    country: np.ndarray
    relations: Relations
    policies: Policies
    missions: list[Mission]
    ongoing: list[Mission]
    log: YearLog


def as_built(
    world: World, members: list[int], kind: MissionKind, weakest_link: bool = True
) -> tuple[Assignment | None, np.ndarray]:
    """Who of ``members``, as they are now, would build each element, and their build fit.

    Money is not asked and nobody has to build anything: this judges a
    coalition already flying (or declared under way), not a deal.
    ``weakest_link`` false (the mechanism switched off) lets a member unable
    to build a critical element build it.
    """
    fit = build_fit(world.capabilities[members], kind.elements)
    money = np.full(len(members), np.inf)
    plan = assign(
        fit,
        kind.elements,
        money,
        kind.cost,
        weakest_link=weakest_link,
        every_member_builds=False,
    )
    return plan, fit


def build_quality(
    world: World, members: list[int], kind: MissionKind, weakest_link: bool = True
) -> float:
    """How well ``members`` as they are now build ``kind``'s elements (0 when they cannot)."""
    plan, _ = as_built(world, members, kind, weakest_link)
    return plan.quality if plan is not None else 0.0
