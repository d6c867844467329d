"""What is on the table: the rules of negotiation and the world's arrays it reads.

:class:`Terms` are built once from the scenario; a :class:`NegotiationTable`
is a snapshot of the world for one proposal. Both are plain numbers and
arrays, so valuation, cost sharing and negotiation stay pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NegotiationTable", "Terms"]


@dataclass(frozen=True, slots=True)
class Terms:
    """The scenario's rules of negotiation, as plain numbers."""

    rule: str = "nash"
    min_coverage: float = 0.6
    overhead: float = 0.2
    political_cost: float = 1.0
    candidates: int = 4
    trust_weight: float = 0.5
    distrust: float = 0.3
    instrument_bonus: float = 0.1
    success_exponent: float = 1.0
    value_of_money: float = 0.1
    reference_budget: float = 10.0
    power_by_budget: bool = True
    pool_cap: float = 0.0  # most of a joint mission's cost the funding pool pays


@dataclass(frozen=True, slots=True)
class NegotiationTable:
    """What is on the table when one proposal is negotiated.

    Arrays are over all agencies of the scenario (``n``), capability vectors
    over the ``K`` domains. ``motives`` columns are science, prestige,
    autonomy and cost weights.
    """

    capabilities: np.ndarray  # (n, K)
    budgets: np.ndarray  # (n,) yearly budget
    uncommitted: np.ndarray  # (n,) yearly budget not yet committed
    motives: np.ndarray  # (n, 4)
    tolerance: np.ndarray  # (n,)
    tension: np.ndarray  # (n, n)
    trust: np.ndarray  # (n, n)
    banned: np.ndarray  # (n, n) bool
    active: np.ndarray  # (n,) bool
    rivalry: np.ndarray  # (n,) how much a race with a peer raises prestige
    pool: float = 0.0  # money in the joint-mission funding pool
