"""The sections of a scenario as frozen, typed records, and the field types they share.

Every record forbids unknown fields and infinities; bounds carry their reason
in the field's description, from which the limits are documented.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.fields import Probability, Year, _bounded, _Frozen
from sim.scenario.motives import EngagesSpec, LeadsSpec

__all__ = [
    "DOMAINS",
    "LEVERS",
    "AgencySpec",
    "Domain",
    "DynamicsSpec",
    "ElementSpec",
    "EngagesSpec",
    "LeadsSpec",
    "MissionSpec",
    "Motives",
    "NegotiationSpec",
    "PolicySpec",
    "Probability",
    "RelationsSpec",
    "UnderWaySpec",
    "ValidationSpec",
    "Year",
]

#: Capability domains, in the order of every capability vector.
DOMAINS: tuple[Domain, ...] = (
    "launch",
    "crew",
    "robotics",
    "science_instruments",
    "deep_space_comms",
    "station",
)

Domain = Literal["launch", "crew", "robotics", "science_instruments", "deep_space_comms", "station"]


def _switch(what: str) -> Any:
    """A mechanism switch, on by default; ``what`` it does when on."""
    return Field(default=True, description=f"mechanism switch (for ablation): {what}")


class Motives(_Frozen):
    """Weights an agency puts on what a mission brings it."""

    science: float = _bounded(
        0.0, 100.0, "weight on science; bundled agencies use at most 1.8", default=1.0
    )
    prestige: float = _bounded(0.0, 100.0, "weight on prestige; as science", default=1.0)
    autonomy: Probability = 0.3
    cost: float = _bounded(
        0.01,
        100.0,
        "weight on money; it divides a point's value, so it stays away from 0",
        default=1.0,
    )


class AgencySpec(_Frozen):
    """An agency as the scenario declares it at the start year (or founding)."""

    country: str
    bloc: str
    founded: Year
    dissolved: Year | None = None
    budget: float = _bounded(
        0.0,
        1000.0,
        "constant 2020 US$ bn per year; NASA's peak was about 50, and proposals grow with "
        "the square root of the budget, so 1,000 keeps a year's work bounded",
    )
    budget_growth: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.0
    committed_share: Probability = Field(
        default=0.5,
        description=(
            "share of the budget bound to operations, workforce and infrastructure, "
            "not free for new missions; 0.5 when not declared"
        ),
    )
    cost_factor: Annotated[float, Field(gt=0.0, le=3.0)] = Field(
        default=1.0,
        description=(
            "what the agency pays to build an element, relative to the catalog's "
            "(US) cost: its price level at market exchange rates (World Bank price "
            "level ratio); 1 when not declared"
        ),
    )
    succeeds: list[str] = Field(
        default=[],
        description=(
            "agencies it takes over when it is founded (Roscosmos the USSR, JAXA NASDA "
            "and ISAS): their relations, what they had learned and their missions under way"
        ),
    )
    capabilities: dict[Domain, Probability] = {}
    motives: Motives = Motives()
    tolerance: Probability = 0.8
    support: Probability = Field(
        default=0.7,
        description=(
            "domestic support for the space programme (government and legislature): "
            "1 pays whatever it costs, 0 cancels what it can; the level support "
            "returns to after a shock (issue #14); 0.7 when not declared"
        ),
    )
    leads: list[LeadsSpec] = Field(
        default=[],
        description=(
            "foreign-policy motive: programmes its government leads as a club, "
            "e.g. {mission: modular_station, since: 1993, until: 2000}"
        ),
    )
    engages: list[EngagesSpec] = Field(
        default=[],
        description=(
            "foreign-policy motive: former rivals its government seeks to engage, "
            "e.g. {agency: Roscosmos, since: 1993, until: 2013}"
        ),
    )


class ElementSpec(_Frozen):
    """One part of a mission that a single member builds and pays for (in kind).

    ``level`` is the capability in ``domain`` needed to build it; a member
    below that level may still build a non-critical element, less well. A
    critical element (a launch, crew transport) must be built by a member at
    that level: without one, the mission cannot fly (a weakest link).
    """

    domain: Domain
    level: float = _bounded(0.0, 1.0, "capability needed to build it", strict_low=True)
    share: float = _bounded(0.0, 1.0, "share of the mission's cost", strict_low=True)
    critical: bool = False


class MissionSpec(_Frozen):
    """One kind of mission in the scenario's catalog.

    Give either ``elements`` (the first listed is the core, which the lead
    keeps when it can build it) or ``requires``, from which one element per
    domain is derived (docs/ODD.md, 7.3).
    """

    cost: float = _bounded(
        0.001, 1000.0, "constant 2020 US$ bn, whole mission; the ISS cost about 150"
    )
    duration: Annotated[int, Field(ge=1, le=40)]
    requires: Annotated[dict[Domain, Probability], Field(min_length=1)] | None = None
    elements: Annotated[dict[str, ElementSpec], Field(min_length=1, max_length=12)] | None = None
    each_requires: dict[Domain, Probability] = {}
    science: float = _bounded(0.0, 1000.0, "points; the bundled catalog gives at most 30")
    prestige: float = _bounded(0.0, 1000.0, "points; the bundled catalog gives at most 50")
    joint_prestige: float = _bounded(0.0, 1000.0, "points for flying with a rival", default=0.0)
    risk: Probability
    sensitivity: Probability
    max_partners: Annotated[int, Field(ge=0, le=15)]
    weight: float = _bounded(
        0.0, 1000.0, "relative frequency of proposals of this kind", default=1.0
    )
    available_from: Year | None = None
    service_life: Annotated[int, Field(ge=0, le=60)] = Field(
        default=0,
        description=(
            "years its hardware serves after the first mission of it ends (a station in "
            "orbit): the members that stay extend it, a term of 'duration' years at a time, "
            "and what each has paid stays sunk in it; 0: none (docs/ODD.md 7.22)"
        ),
    )

    @model_validator(mode="after")
    def _one_breakdown(self) -> MissionSpec:
        if (self.requires is None) == (self.elements is None):
            raise ValueError(
                "give either 'requires' or 'elements', not both or neither "
                "(a kind inherited with elements keeps them: override its elements)"
            )
        if self.elements is not None:
            total = sum(e.share for e in self.elements.values())
            if abs(total - 1.0) > 0.01:
                raise ValueError(f"element shares add up to {total:.3g}, not 1")
        return self


class RelationsSpec(_Frozen):
    """Initial and baseline tension and trust between agencies."""

    default_tension: Probability = 0.3
    tension_scale: Annotated[float, Field(ge=0.0, le=3.0)] = 1.0
    bloc_tension: dict[str, Probability] = {}
    tension: dict[str, dict[str, Probability]] = {}
    default_trust: Probability | None = Field(
        default=None,
        description=(
            "initial trust of pairs without a bloc or pair rule; when not given, "
            "1 minus the pair's initial tension"
        ),
    )
    bloc_trust: dict[str, Probability] = Field(
        default={},
        description="initial trust between (or within) blocs, keyed 'a/b' like bloc_tension",
    )
    trust: dict[str, dict[str, Probability]] = {}
    bloc_labels: bool = Field(
        default=True,
        description=(
            "mechanism switch (for ablation): false gives the model no bloc labels; every "
            "agency is in one bloc, bloc_tension, bloc_trust and tension events keyed by "
            "bloc are dropped, and only pair values, bans and agency events remain"
        ),
    )


class NegotiationSpec(_Frozen):
    """How proposals become coalitions and how costs are shared."""

    cost_sharing_rule: Literal["nash", "proportional", "shapley"] = "nash"
    bargaining_power: Literal["budget", "equal"] = "equal"
    transfers: Literal["in_kind", "cash"] = Field(
        default="in_kind",
        description=(
            "in_kind: each member pays for the elements it builds and the rule splits "
            "the rights; cash: rights follow contributions and money changes hands"
        ),
    )
    integration_overhead: float = _bounded(
        0.0, 10.0, "extra cost per partner, as a share", default=0.1
    )
    min_coverage: Probability = 0.6
    political_cost: float = _bounded(
        0.0,
        100.0,
        "value lost per unit of tension x sensitivity; 1 in every bundled scenario",
        default=1.0,
    )
    rival_share: Probability = Field(
        default=0.3,
        description=(
            "share of a mission's science and prestige that is rival (utilisation, crew "
            "time, data priority) and divided by rights; the rest every member enjoys"
        ),
    )
    lead_keeps_core: bool = _switch("the lead builds the core")
    weakest_link: bool = _switch("critical elements need an able builder")
    outside_options: bool = _switch("partners' outside options bind")
    keep_elements: bool = _switch(
        "at a station's renewal each partner keeps the elements it built (1998 IGA Art. 6)"
    )
    candidates: Annotated[int, Field(ge=1, le=20)] = 4
    club_leadership: float = _bounded(
        0.0,
        10.0,
        "what each foreign partner adds to the lead of a club it leads "
        "(agencies.X.leads), as a share of the mission's prestige; 0 switches it off",
        default=0.0,
    )
    engagement: float = _bounded(
        0.0,
        10.0,
        "what each US$ a rival it engages (agencies.X.engages) spends on a joint mission "
        "is worth to the engaging agency; 0 switches it off",
        default=0.0,
    )
    trust_weight: float = _bounded(0.0, 100.0, "weight of trust in choosing partners", default=0.5)
    distrust: Probability = 0.3
    export_sensitivity: Probability = 0.6


class DynamicsSpec(_Frozen):
    """Rates of the yearly processes: proposals, learning, trust and tension."""

    proposal_rate: float = _bounded(
        0.0,
        10.0,
        "oversubscription: proposals per mission the free budget pays for; bundled 1.2",
        default=1.2,
    )
    budget_scale: float = _bounded(0.0, 100.0, "every budget x this", strict_low=True, default=1.0)
    cost_noise: float = _bounded(
        0.0, 5.0, "lognormal sigma; at 5 one cost in a million is 10^10 times the mean", default=0.2
    )
    value_noise: float = _bounded(0.0, 5.0, "lognormal sigma on science and prestige", default=0.2)
    value_of_money: float = _bounded(
        0.0,
        100.0,
        "US$ bn a point is worth to an agency whose free budget does not bind",
        strict_low=True,
        default=1.0,
    )
    instrument_bonus: float = _bounded(
        0.0, 10.0, "science added per partner, as a share", default=0.1
    )
    success_exponent: float = _bounded(
        0.0, 10.0, "success = (1 - risk) * coverage^this", default=1.0
    )
    rivalry: float = _bounded(0.0, 100.0, "prestige multiplier in a race with a peer", default=1.0)
    learning_rate: Probability = 0.05
    transfer_rate: Probability = 0.1
    trust_gain: Probability = 0.1
    trust_loss_failure: Probability = 0.15
    trust_loss_withdrawal: Probability = 0.5
    diplomacy: Probability = 0.05
    tension_drift: Probability = 0.2
    sunk_cost: float = _bounded(
        0.0, 100.0, "weight of what is already paid on withdrawal", default=0.5
    )
    lock_in: float = _bounded(0.0, 100.0, "pull of past partnerships", default=0.1)
    cancellation_hazard: Probability = Field(
        default=0.4,
        description=(
            "yearly chance that a government with no support left cancels a programme "
            "taking its agency's whole mission budget; it scales with the programme's "
            "weight and the missing support (two-level game, Putnam 1988)"
        ),
    )
    commitment_protection: Probability = Field(
        default=0.3,
        description=(
            "how much each foreign partner lowers that chance: signed international "
            "commitments make a programme costly to cancel (the ISS and the SSC, 1993)"
        ),
    )
    flagship_defence: bool = Field(
        default=True,
        description=(
            "mechanism switch (for ablation): a government does not cut its part of a "
            "club it leads (agencies.X.leads) while it leads it and has a foreign partner "
            "in it: the programme is its foreign policy (docs/ODD.md 7.23)"
        ),
    )
    support_volatility: float = _bounded(
        0.0, 1.0, "standard deviation of the yearly change in domestic support", default=0.05
    )
    support_reversion: Probability = Field(
        default=0.2,
        description="share of the gap to its declared level that domestic support closes a year",
    )


class PolicySpec(_Frozen):
    """Policy levers: the teaching handles (see ``sim.policy``)."""

    funding_pool: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    funding_pool_cap: Probability = 0.5
    open_data: Probability = 0.0
    export_controls: bool = True
    capacity_building: Probability = 0.0
    standards: Probability = 0.0
    treaty: Probability = 0.0


#: Levers a ``policy`` event may set, with the kind of value each takes.
LEVERS: dict[str, type] = {
    "funding_pool": float,
    "open_data": float,
    "export_controls": bool,
    "capacity_building": float,
    "standards": float,
    "treaty": float,
}


class UnderWaySpec(_Frozen):
    """A mission already under way at the start year (a legacy programme such as the ISS).

    It started in ``started``, before the run, with ``members`` paying
    ``shares`` of the catalog cost (equal shares when omitted); what the years
    before the run cost is counted as paid.
    """

    kind: str
    members: Annotated[list[str], Field(min_length=1)]
    started: Year
    shares: list[Annotated[float, Field(gt=0.0)]] | None = None
    note: str = ""


class ValidationSpec(_Frozen):
    """How the scenario is checked against the record, and what calibration may vary.

    ``patterns`` names stylized facts of ``sim.patterns``; ``calibrate`` maps a
    dotted numeric field (as ``--set`` takes it) to the ``[low, high]`` range
    that ``spacecoop calibrate`` samples.
    """

    patterns: list[str] = []
    calibrate: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = {}
