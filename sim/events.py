"""Dated events applied to the world at the start of their year.

Each kind is a record of :mod:`sim.scenario.events` (``TensionEvent``,
``BudgetEvent``, ``BanEvent``, ``LiftBanEvent``, ``CapabilityEvent``,
``CapabilityLossEvent``, ``PolicyEvent``, ``MissionCostEvent``) with only its
own fields and its own ``apply``; :data:`EventSpec` is their union,
discriminated on ``kind``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.events import EventSpec, pair_mask

if TYPE_CHECKING:
    from sim.model import SpaceCooperationModel

__all__ = ["EventSpec", "apply_event", "pair_mask"]


def apply_event(event: EventSpec, model: SpaceCooperationModel) -> None:
    """Apply one event to the model's relations and agencies: ``event.apply(model)``."""
    event.apply(model)
