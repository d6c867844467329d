"""What is on the table: the rules of negotiation and the world's arrays it reads.

:class:`Terms` are built once from the scenario; a :class:`NegotiationTable`
is a snapshot of the world for one proposal. Both are plain numbers and
arrays, so valuation, cost sharing and negotiation stay pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["NegotiationTable", "Terms"]


@dataclass(frozen=True, slots=True)
class Terms:
    """The scenario's rules of negotiation, as plain numbers.

    The last three are mechanisms, on in every bundled scenario; switching one
    off (``negotiation.weakest_link: false``...) shows what it does.
    """

    rule: str = "nash"
    cash: bool = False  # transfers: "cash" instead of in-kind
    min_coverage: float = 0.6
    overhead: float = 0.2
    political_cost: float = 1.0
    candidates: int = 4
    trust_weight: float = 0.5
    distrust: float = 0.3
    rival_share: float = 0.5  # share of a mission's value divided by rights; the rest is shared
    instrument_bonus: float = 0.1
    success_exponent: float = 1.0
    power_by_budget: bool = False
    pool_cap: float = 0.0  # most of a joint mission's cost the funding pool pays
    lead_keeps_core: bool = True
    weakest_link: bool = True
    outside_options: bool = True

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Terms:
        """The rules as ``scenario`` sets them (levers in force are applied per year)."""
        neg, dyn = scenario.negotiation, scenario.dynamics
        return cls(
            rule=neg.cost_sharing_rule,
            cash=neg.transfers == "cash",
            min_coverage=neg.min_coverage,
            overhead=neg.integration_overhead,
            political_cost=neg.political_cost,
            candidates=neg.candidates,
            trust_weight=neg.trust_weight,
            distrust=neg.distrust,
            rival_share=neg.rival_share,
            instrument_bonus=dyn.instrument_bonus,
            success_exponent=dyn.success_exponent,
            power_by_budget=neg.bargaining_power == "budget",
            lead_keeps_core=neg.lead_keeps_core,
            weakest_link=neg.weakest_link,
            outside_options=neg.outside_options,
        )


@dataclass(frozen=True, slots=True)
class NegotiationTable:
    """What is on the table when one proposal is negotiated.

    Arrays are over all agencies of the scenario (``n``), capability vectors
    over the ``K`` domains. ``motives`` columns are science, prestige,
    autonomy and cost weights; ``price`` is what a point is worth to each
    agency in money, from its best forgone use of the money (docs/ODD.md, 7.2).
    """

    capabilities: np.ndarray  # (n, K)
    budgets: np.ndarray  # (n,) yearly budget
    uncommitted: np.ndarray  # (n,) yearly budget free for new missions
    motives: np.ndarray  # (n, 4)
    tolerance: np.ndarray  # (n,)
    tension: np.ndarray  # (n, n)
    trust: np.ndarray  # (n, n)
    banned: np.ndarray  # (n, n) bool
    active: np.ndarray  # (n,) bool
    rivalry: np.ndarray  # (n,) how much a race with a peer raises prestige
    price: np.ndarray  # (n,) US$ bn a point is worth, before the cost weight
    pool: float = 0.0  # money in the joint-mission funding pool
