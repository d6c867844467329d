"""What is on the table: the rules of negotiation and the world's arrays it reads.

:class:`Terms` are built once from the scenario; a :class:`NegotiationTable`
is a snapshot of the world for one proposal. Both are plain numbers and
arrays, so valuation, cost sharing and negotiation stay pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import DynamicsSpec, NegotiationSpec, Scenario

__all__ = ["NegotiationTable", "Terms"]


@dataclass(frozen=True, slots=True)
class Terms:
    """The scenario's rules of negotiation, as plain numbers.

    Built from the scenario (:meth:`from_scenario`), or from the schema's
    defaults (:meth:`of`), so no default is written twice. ``lead_keeps_core``,
    ``weakest_link`` and ``outside_options`` are mechanisms, on in every
    bundled scenario; switching one off shows what it does.
    """

    rule: str
    cash: bool  # transfers: "cash" instead of in-kind
    min_coverage: float
    overhead: float
    political_cost: float
    candidates: int
    trust_weight: float
    distrust: float
    rival_share: float  # share of a mission's value divided by rights; the rest is shared
    instrument_bonus: float
    success_exponent: float
    power_by_budget: bool
    lead_keeps_core: bool
    weakest_link: bool
    outside_options: bool
    cancellation_hazard: float  # yearly, for a whole mission budget at no support
    commitment_protection: float  # hazard x (1 - this) per foreign partner
    sunk_cost: float  # hazard x (1 - this x share paid)
    club_leadership: float = 0.0  # a flagship's lead: prestige x this per foreign partner
    engagement: float = 0.0  # value of each US$ an engaged rival spends on the mission
    pool_cap: float = 0.0  # most of a joint mission's cost the funding pool pays (a lever)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Terms:
        """The rules as ``scenario`` sets them (levers in force are applied per year)."""
        return cls.from_specs(scenario.negotiation, scenario.dynamics)

    @classmethod
    def of(cls, **changes: Any) -> Terms:
        """The schema's default rules with ``changes`` (for examples and tests).

        >>> Terms.of(rule="shapley").rule, Terms.of().min_coverage
        ('shapley', 0.6)
        """
        from sim.scenario import DynamicsSpec, NegotiationSpec

        return replace(cls.from_specs(NegotiationSpec(), DynamicsSpec()), **changes)

    @classmethod
    def from_specs(cls, neg: NegotiationSpec, dyn: DynamicsSpec) -> Terms:
        """The rules of a scenario's ``negotiation`` and ``dynamics`` sections."""
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
            cancellation_hazard=dyn.cancellation_hazard,
            commitment_protection=dyn.commitment_protection,
            sunk_cost=dyn.sunk_cost,
            club_leadership=neg.club_leadership,
            engagement=neg.engagement,
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
    cost_factor: np.ndarray  # (n,) what each pays for an element, relative to catalog cost
    support: np.ndarray  # (n,) domestic support this year
    envelope: np.ndarray  # (n,) yearly mission budget (budget less the committed base)
    country: np.ndarray  # (n,) int: agencies of one country share a number
    pool: float = 0.0  # money in the joint-mission funding pool
    engages: np.ndarray | None = None  # (n, n) bool: row seeks to engage column (None: nobody)
