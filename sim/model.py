"""SpaceCooperationModel: the yearly step of agencies negotiating joint missions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import mesa
import numpy as np

from sim import lifecycle, metrics
from sim.agency import Agency
from sim.deals import deal_rows
from sim.events import apply_event
from sim.lifecycle import LifecycleParams, YearLog
from sim.mission import Mission, catalog
from sim.negotiation import Agreement, NegotiationTable, Terms, negotiate
from sim.policy import Policies
from sim.registry import model_reporters
from sim.relations import Relations, rivalry
from sim.scenario import DOMAINS, Scenario
from sim.valuation import price_of_points

__all__ = ["SpaceCooperationModel", "YearLog"]


class SpaceCooperationModel(mesa.Model):
    """Space agencies that propose, negotiate, fund and fly missions, one year a step.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`sim.load_scenario`).
    rng : int or numpy.random.SeedSequence, optional
        Seed of the run's one random generator, ``self.rng``.

    Notes
    -----
    Mesa 3.5 reserves ``Model.scenario`` for its experimental parameter
    object, so the space scenario lives in ``self.spec``.
    """

    def __init__(self, scenario: Scenario, rng=None) -> None:
        super().__init__(rng=rng)
        if not scenario.relations.bloc_labels:
            scenario = scenario.without_blocs()  # blocs must then emerge (docs/ODD.md 7.24)
        self.spec = scenario
        self.year = scenario.start_year - 1
        self.kinds = catalog(scenario.missions)
        self.terms = Terms.from_scenario(scenario)
        self.params = LifecycleParams.from_scenario(scenario)
        n = len(scenario.agencies)
        self.capabilities = np.zeros((n, len(DOMAINS)))
        self.agencies: list[Agency] = [
            Agency(self, i, name, spec) for i, (name, spec) in enumerate(scenario.agencies.items())
        ]
        self.index = {a.name: a.index for a in self.agencies}
        self.bloc_names = np.array([a.bloc for a in self.agencies])
        self.tolerance = np.array([a.tolerance for a in self.agencies])
        self.cost_factor = np.array([a.cost_factor for a in self.agencies])
        countries = {c: k for k, c in enumerate(dict.fromkeys(a.country for a in self.agencies))}
        self.country = np.array([countries[a.country] for a in self.agencies])
        self.motives = np.stack([a.motives for a in self.agencies])
        self.relations = Relations.from_scenario(scenario)
        self.policies = Policies.from_spec(scenario.policies)
        self.events = defaultdict(list)
        for event in scenario.events:
            self.events[event.year].append(event)
        self.active = np.zeros(n, bool)
        self.ongoing: list[Mission] = []
        self.missions: list[Mission] = []
        self.log = YearLog()
        self.deals: list[dict] = []  # rows of the deals table (sim.deals)
        self.negotiations = 0
        self.datacollector = mesa.DataCollector(
            model_reporters=model_reporters(),
            tables={"agencies": metrics.AGENCY_COLUMNS, "pairs": metrics.PAIR_COLUMNS},
        )
        lifecycle.start_under_way(self, scenario, self.kinds, self.params)

    def agency(self, name: str) -> Agency:
        """The agency called ``name``."""
        return self.agencies[self.index[name]]

    @property
    def net_benefit(self) -> np.ndarray:
        """Each agency's accumulated net benefit per unit of budget."""
        return np.array([a.net_benefit for a in self.agencies])

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """One year: events, budgets, proposals and negotiation, missions, tension, data.

        The missions' part (withdrawals, payments, completions) is
        :mod:`sim.lifecycle`, in the order of docs/ODD.md, step 5.
        """
        self._new_year()
        self._move_support()
        self._apply_events()
        lifecycle.take_over(self, self.params)
        self._update_budgets()
        self._negotiate_proposals()
        lifecycle.withdraw_over_tension(self, self.params)
        lifecycle.withdraw_over_budget(self, self.params)
        lifecycle.cut_at_home(self, self.params, self.rng)
        lifecycle.pay(self)
        lifecycle.complete_due(self, self.params, self.rng)
        lifecycle.settle(self)
        self._drift_tension()
        self._collect()
        if self.year >= self.spec.end_year:
            self.running = False

    def _new_year(self) -> None:
        """A fresh year log, and no mission started yet this year."""
        self.year += 1
        self.log = YearLog()
        for agency in self.agencies:
            agency.solo_started = agency.joint_started = 0

    def _move_support(self) -> None:
        """Domestic support returns toward its level, with noise (docs/ODD.md 7.19)."""
        dyn = self.spec.dynamics
        shocks = self.rng.normal(0.0, 1.0, len(self.agencies))
        for agency, shock in zip(self.agencies, shocks, strict=True):
            gap = agency.support_level - agency.support
            moved = agency.support + dyn.support_reversion * gap + dyn.support_volatility * shock
            agency.support = min(max(moved, 0.0), 1.0)

    def _apply_events(self) -> None:
        """Apply the dated events of the year, in scenario order."""
        for event in self.events.get(self.year, ()):
            apply_event(event, self)

    def _collect(self) -> None:
        """Record the year's row of the model table, and of the agency and pair tables."""
        self.datacollector.collect(self)
        metrics.record_tables(self)

    def _drift_tension(self) -> None:
        """Tension relaxes toward its baseline, or toward a treaty's lower target."""
        target = self.policies.drift_target(self.relations.baseline)
        self.relations.drift(self.spec.dynamics.tension_drift, target)

    def _update_budgets(self) -> None:
        was_active = self.active.copy()
        for a in self.agencies:
            self.active[a.index] = a.is_active(self.year)
            if was_active[a.index] and self.active[a.index]:
                a.budget *= 1.0 + a.growth
        if self.year > self.spec.start_year:  # founded during the run: it inherits
            for a in self.agencies:
                if a.succeeds and a.founded == self.year:
                    self._take_over(a)
        for i in np.nonzero(was_active & ~self.active)[0]:  # dissolved this year
            for mission in [m for m in self.ongoing if i in m.members]:
                lifecycle.withdraw(self, mission, int(i), self.params)
        for a in self.agencies:  # the funding pool takes its share of each active budget
            a.pool_contribution = (
                self.policies.levers.funding_pool * a.budget * self.active[a.index]
            )
            self.policies.pool += a.pool_contribution
        lifecycle.recount_commitments(self)

    def _take_over(self, heir: Agency) -> None:
        """A successor agency, founded this year, inherits from its predecessors.

        Their relations (:meth:`Relations.inherit`), the best of what they
        had learned (each domain's capability at least theirs) and their
        places in missions under way (:func:`lifecycle.hand_over`).
        See docs/ODD.md 7.20.
        """
        old = [self.agency(name).index for name in heir.succeeds]
        self.relations.inherit(heir.index, old)
        for i in old:
            np.maximum(heir.capabilities, self.agencies[i].capabilities, out=heir.capabilities)
            for mission in self.ongoing:
                if i in mission.members:
                    lifecycle.hand_over(mission, i, heir.index)

    def _negotiate_proposals(self) -> None:
        proposals = []
        for a in self.agencies:
            if self.active[a.index]:
                proposals.extend(a.propose(self.kinds, self.year, self.spec.dynamics))
        if not proposals:
            return
        budgets = np.array([a.budget for a in self.agencies])
        uncommitted = np.array([max(a.uncommitted, 0.0) for a in self.agencies])
        policies = self.policies
        terms = replace(
            self.terms,
            overhead=policies.overhead(self.terms.overhead),
            pool_cap=policies.levers.funding_pool_cap,
        )
        banned = (
            self.relations.banned
            if policies.levers.export_controls
            else np.zeros_like(self.relations.banned)
        )
        rivalries = self.spec.dynamics.rivalry * rivalry(
            self.relations.tension, budgets, self.active
        )
        alone = [
            lifecycle.build_quality(self, [p.lead], p.kind, self.params.weakest_link)
            for p in proposals
        ]
        price = price_of_points(
            proposals,
            alone,
            self.motives,
            rivalries,
            uncommitted,
            self.spec.dynamics.value_of_money,
            self.cost_factor,
        )
        table = NegotiationTable(
            capabilities=self.capabilities,
            budgets=budgets,
            uncommitted=uncommitted,
            motives=self.motives,
            tolerance=self.tolerance,
            tension=self.relations.tension,
            trust=self.relations.trust,
            banned=banned,
            active=self.active,
            rivalry=rivalries,
            price=price,
            cost_factor=self.cost_factor,
            support=np.array([a.support for a in self.agencies]),
            envelope=np.array([a.envelope for a in self.agencies]),
            country=self.country,
            engages=self._engages(),
        )
        names = [a.name for a in self.agencies]
        for k in self.rng.permutation(len(proposals)):
            proposal = proposals[k]
            if table.pool != policies.pool:
                table = replace(table, pool=policies.pool)
            deal = negotiate(proposal, table, terms)
            if deal.failed_talks and deal.agreement is not Agreement.JOINT:
                self.log.failed_negotiations += 1
            mission_id = -1
            if deal.agreement is not Agreement.NONE:
                mission = lifecycle.start(self, proposal, deal, self.params)
                mission_id = mission.mission_id
                uncommitted[list(deal.members)] -= mission.yearly_payments()
                np.maximum(uncommitted, 0.0, out=uncommitted)
            self.deals.extend(
                deal_rows(self.negotiations, self.year, proposal, deal, mission_id, names)
            )
            self.negotiations += 1
        lifecycle.recount_commitments(self)

    def _engages(self) -> np.ndarray | None:
        """Who seeks to engage whom this year (None: nobody), from the agencies' ``engages``."""
        pairs = [
            (a.index, self.index[e.agency])
            for a in self.agencies
            for e in a.engages
            if e.holds(self.year)
        ]
        if not pairs:
            return None
        out = np.zeros((len(self.agencies), len(self.agencies)), bool)
        for i, j in pairs:
            out[i, j] = True
        return out
