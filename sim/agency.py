"""The Agency agent: a space agency with a budget, capabilities and motives."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mission import MissionKind, Proposal
from sim.proposing import own_coverage, proposal_mix, proposals_per_year
from sim.scenario import DOMAINS, AgencySpec, DynamicsSpec

if TYPE_CHECKING:
    from sim.model import SpaceCooperationModel

__all__ = ["Agency"]


class Agency(mesa.Agent):
    """A space agency.

    Its capability vector is a row of the model's ``capabilities`` matrix (a
    view), so negotiation can read all agencies' capabilities at once.

    Attributes
    ----------
    budget : float
        Yearly budget, constant 2020 US$ billion.
    growth : float
        Yearly budget trend (0.03 is +3 % a year).
    committed_share : float
        Share of the budget bound to operations, workforce and infrastructure.
    committed : float
        That base, plus payments due this year on missions under way and the
        contribution to the funding pool.
    science, prestige : float
        Accumulated from successful missions.
    net_benefit : float
        Accumulated expected surplus at agreement, per unit of budget.
    """

    def __init__(
        self, model: SpaceCooperationModel, index: int, name: str, spec: AgencySpec
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.country = spec.country
        self.bloc = spec.bloc
        self.founded = spec.founded
        self.dissolved = spec.dissolved
        self.budget = spec.budget * model.spec.dynamics.budget_scale
        self.growth = spec.budget_growth
        self.committed_share = spec.committed_share
        self.cost_factor = spec.cost_factor
        self.succeeds = tuple(spec.succeeds)  # agencies it takes over when founded
        self.support = spec.support  # domestic support this year
        self.support_level = spec.support  # what it returns to after a shock
        self.tolerance = spec.tolerance
        self.leads = tuple(spec.leads)  # foreign-policy motives (docs/ODD.md 7.21)
        self.engages = tuple(spec.engages)
        self.motives = np.array(
            [
                spec.motives.science,
                spec.motives.prestige,
                spec.motives.autonomy,
                spec.motives.cost,
            ]
        )
        self.capabilities = model.capabilities[index]
        self.capabilities[:] = [spec.capabilities.get(d, 0.0) for d in DOMAINS]
        self.committed = 0.0
        self.pool_contribution = 0.0
        self.science = 0.0
        self.prestige = 0.0
        self.net_benefit = 0.0
        self.solo_started = 0
        self.joint_started = 0

    def is_active(self, year: int) -> bool:
        """Founded by ``year`` and not yet dissolved."""
        return self.founded <= year and (self.dissolved is None or year < self.dissolved)

    @property
    def envelope(self) -> float:
        """Its mission budget: the budget less the committed base."""
        return self.budget * (1.0 - self.committed_share)

    @property
    def uncommitted(self) -> float:
        """Budget free this year for new missions (may be negative after a cut)."""
        return self.budget - self.committed

    def propose(
        self, kinds: list[MissionKind], year: int, dynamics: DynamicsSpec
    ) -> list[Proposal]:
        """Draw this year's mission proposals from the catalog.

        An agency puts forward about as many missions as its mission budget
        (its budget less the committed base) funds in steady state, times
        ``proposal_rate``, the oversubscription (more ideas than money, so a
        new mission displaces another): the count is Poisson with mean
        ``proposal_rate * envelope / mean cost of what it proposes``, at its own
        prices (its ``cost_factor`` times the catalog cost; in steady state
        a year's envelope pays for that many missions, whatever their duration).
        It proposes more often what it could nearly lead itself and afford
        (weight times ``0.25 + own coverage`` times the share of the cost its
        envelope would pay over the mission's duration). Cost and value carry
        lognormal noise.

        A programme its government leads as a club (``leads``) is a flagship:
        while in force it is proposed every year the agency has no mission of
        that kind under way, drawn or not (a government's initiative stays on
        the table until it is agreed: docs/ODD.md 7.21).

        It does not propose a lasting kind (``service_life``: a station) while
        it is a member of one under way: no agency ran two stations at once
        (docs/ODD.md 7.22).
        """
        rng = self.model.rng
        envelope = self.envelope
        stations = self._in_service()
        open_kinds = [
            k
            for k in kinds
            if (k.available_from is None or k.available_from <= year) and k.kind not in stations
        ]
        if envelope <= 0 or not open_kinds:
            return []
        drawn = self._draw(open_kinds, envelope, dynamics)
        flagships = self._flagships(year)
        if not flagships:
            return drawn
        out = [replace(p, flagship=True) if p.kind.kind in flagships else p for p in drawn]
        have = {p.kind.kind for p in drawn}
        for kind in open_kinds:
            if kind.kind in flagships and kind.kind not in have:
                c, sc, pr = rng.lognormal(
                    0.0, [dynamics.cost_noise, dynamics.value_noise, dynamics.value_noise]
                )
                out.append(
                    Proposal(
                        kind=kind,
                        lead=self.index,
                        cost=kind.cost * c,
                        science=kind.science * sc,
                        prestige=kind.prestige * pr,
                        flagship=True,
                    )
                )
        return out

    def engages_with(self, name: str, year: int) -> bool:
        """Whether its government seeks to engage agency ``name`` in ``year`` (``engages``)."""
        return any(e.agency == name and e.holds(year) for e in self.engages)

    def _in_service(self) -> set[str]:
        """Lasting kinds (a station) it is a member of one of under way: it builds no second."""
        return {
            m.proposal.kind.kind
            for m in self.model.ongoing
            if m.proposal.kind.service_life and self.index in m.members
        }

    def leading(self, year: int) -> set[str]:
        """Kinds of programme its government leads as a club in ``year`` (``leads``)."""
        return {lead.mission for lead in self.leads if lead.holds(year)}

    def _flagships(self, year: int) -> set[str]:
        """Kinds it leads as a club this year and has no mission of under way."""
        leading = self.leading(year)
        if not leading:
            return set()
        busy = {m.proposal.kind.kind for m in self.model.ongoing if self.index in m.members}
        return leading - busy

    def _draw(
        self, open_kinds: list[MissionKind], envelope: float, dynamics: DynamicsSpec
    ) -> list[Proposal]:
        rng = self.model.rng
        cost = np.array([k.cost for k in open_kinds]) * self.cost_factor  # at its own prices
        own = np.array([self._own_coverage(k) for k in open_kinds])
        weight = np.array([k.weight for k in open_kinds])
        duration = np.array([k.duration for k in open_kinds])
        p = proposal_mix(weight, own, cost, duration, envelope)
        if p is None:
            return []
        count = rng.poisson(proposals_per_year(dynamics.proposal_rate, envelope, p, cost))
        if count == 0:
            return []
        picks = rng.choice(len(open_kinds), size=count, p=p)
        noise = rng.lognormal(
            0.0,
            [[dynamics.cost_noise, dynamics.value_noise, dynamics.value_noise]] * count,
        )
        return [
            Proposal(
                kind=open_kinds[k],
                lead=self.index,
                cost=open_kinds[k].cost * c,
                science=open_kinds[k].science * s,
                prestige=open_kinds[k].prestige * p,
            )
            for k, (c, s, p) in zip(picks, noise, strict=True)
        ]

    def _own_coverage(self, kind: MissionKind) -> float:
        caps = dict(enumerate(self.capabilities.tolist()))
        return own_coverage(caps, dict(enumerate(kind.requires.tolist())))

    def learn(self, requires: np.ndarray, rate: float) -> None:
        """Learning by doing: capability grows toward 1 in the domains used."""
        used = requires > 0
        self.capabilities[used] += rate * (1.0 - self.capabilities[used])
