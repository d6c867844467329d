"""SpaceCooperationModel: the yearly step of agencies negotiating joint missions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import mesa
import numpy as np

from sim import metrics
from sim.agency import Agency
from sim.events import apply_event
from sim.mission import Mission, Outcome, Proposal, catalog
from sim.negotiation import (
    Agreement,
    NegotiationTable,
    Terms,
    coverage,
    dependence,
    negotiate,
    requirement_fit,
    success_chance,
)
from sim.policy import EMERGING_CAPABILITY, Policies
from sim.registry import model_reporters
from sim.relations import Relations, rivalry
from sim.scenario import DOMAINS, Scenario

__all__ = ["SpaceCooperationModel", "YearLog"]


@dataclass(slots=True)
class YearLog:
    """What happened this year, for the metrics."""

    started: list[Mission] = field(default_factory=list)
    science: float = 0.0
    cost_saved: float = 0.0
    withdrawals: int = 0
    failures: int = 0
    failed_negotiations: int = 0


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
        self.spec = scenario
        self.year = scenario.start_year - 1
        self.kinds = catalog(scenario.missions)
        neg, dyn = scenario.negotiation, scenario.dynamics
        self.terms = Terms(
            rule=neg.cost_sharing_rule,
            power_by_budget=neg.bargaining_power == "budget",
            min_coverage=neg.min_coverage,
            overhead=neg.integration_overhead,
            political_cost=neg.political_cost,
            candidates=neg.candidates,
            trust_weight=neg.trust_weight,
            distrust=neg.distrust,
            instrument_bonus=dyn.instrument_bonus,
            success_exponent=dyn.success_exponent,
            value_of_money=dyn.value_of_money,
            reference_budget=dyn.reference_budget,
        )
        n = len(scenario.agencies)
        self.capabilities = np.zeros((n, len(DOMAINS)))
        self.agencies: list[Agency] = [
            Agency(self, i, name, spec) for i, (name, spec) in enumerate(scenario.agencies.items())
        ]
        self.index = {a.name: a.index for a in self.agencies}
        self.bloc_names = np.array([a.bloc for a in self.agencies])
        self.tolerance = np.array([a.tolerance for a in self.agencies])
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
        self.datacollector = mesa.DataCollector(
            model_reporters=model_reporters(),
            tables={"agencies": metrics.AGENCY_COLUMNS, "pairs": metrics.PAIR_COLUMNS},
        )
        self._start_under_way()

    def _start_under_way(self) -> None:
        """Missions already under way at the start year (``under_way``), partly paid."""
        kinds = {k.kind: k for k in self.kinds}
        for uw in self.spec.under_way:
            kind = kinds[uw.kind]
            members = [self.index[name] for name in uw.members]
            shares = np.asarray(uw.shares or [1.0 / len(members)] * len(members), float)
            elapsed = self.spec.start_year - uw.started
            cov = coverage(self.capabilities[members], kind.requires)
            mission = Mission(
                mission_id=len(self.missions),
                proposal=Proposal(kind, members[0], kind.cost, kind.science, kind.prestige),
                members=members,
                shares=shares,
                cost=kind.cost,
                coverage=cov,
                success_chance=success_chance(cov, kind.risk, self.spec.dynamics.success_exponent),
                start_year=uw.started,
                years_left=kind.duration - elapsed,
                values=np.zeros(len(members)),
                depends_on=dependence(requirement_fit(self.capabilities, kind.requires), members),
            )
            mission.paid = shares * kind.cost * elapsed / kind.duration
            self.missions.append(mission)
            self.ongoing.append(mission)
        self._recount_commitments()

    def agency(self, name: str) -> Agency:
        """The agency called ``name``."""
        return self.agencies[self.index[name]]

    @property
    def net_benefit(self) -> np.ndarray:
        """Each agency's accumulated net benefit per unit of budget."""
        return np.array([a.net_benefit for a in self.agencies])

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """One year: events, budgets, proposals and negotiation, missions, data."""
        self.year += 1
        self.log = YearLog()
        for agency in self.agencies:
            agency.solo_started = agency.joint_started = 0
        for event in self.events.get(self.year, ()):
            apply_event(event, self)
        self._update_budgets()
        self._negotiate_proposals()
        self._progress_missions()
        target = self.policies.drift_target(self.relations.baseline)
        self.relations.drift(self.spec.dynamics.tension_drift, target)
        self.datacollector.collect(self)
        metrics.record_tables(self)
        if self.year >= self.spec.end_year:
            self.running = False

    def _update_budgets(self) -> None:
        was_active = self.active.copy()
        for a in self.agencies:
            self.active[a.index] = a.is_active(self.year)
            if was_active[a.index] and self.active[a.index]:
                a.budget *= 1.0 + a.growth
        for i in np.nonzero(was_active & ~self.active)[0]:  # dissolved this year
            for mission in [m for m in self.ongoing if i in m.members]:
                self._withdraw(mission, int(i))
        for a in self.agencies:  # the funding pool takes its share of each active budget
            a.pool_contribution = self.policies.funding_pool * a.budget * self.active[a.index]
            self.policies.pool += a.pool_contribution
        self._recount_commitments()

    def _recount_commitments(self) -> None:
        committed = np.zeros(len(self.agencies))
        for m in self.ongoing:
            if m.outcome is not Outcome.ONGOING:
                continue
            np.add.at(committed, m.members, m.yearly_payments())
        for a in self.agencies:
            a.committed = committed[a.index] + a.pool_contribution

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
            pool_cap=policies.funding_pool_cap,
        )
        banned = (
            self.relations.banned
            if policies.export_controls
            else np.zeros_like(self.relations.banned)
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
            rivalry=self.spec.dynamics.rivalry
            * rivalry(self.relations.tension, budgets, self.active),
        )
        for k in self.rng.permutation(len(proposals)):
            proposal = proposals[k]
            if table.pool != policies.pool:
                table = replace(table, pool=policies.pool)
            deal = negotiate(proposal, table, terms)
            if deal.failed_talks and deal.agreement is not Agreement.JOINT:
                self.log.failed_negotiations += 1
            if deal.agreement is Agreement.NONE:
                continue
            mission = self._start(proposal, deal)
            uncommitted[list(deal.members)] -= mission.yearly_payments()
            np.maximum(uncommitted, 0.0, out=uncommitted)
        self._recount_commitments()

    def _start(self, proposal, deal) -> Mission:
        members = list(deal.members)
        mission = Mission(
            mission_id=len(self.missions),
            proposal=proposal,
            members=members,
            shares=np.asarray(deal.shares, float),
            cost=deal.cost,
            coverage=deal.coverage,
            success_chance=deal.success_chance,
            start_year=self.year,
            years_left=proposal.kind.duration,
            values=deal.values,
            subsidy=deal.subsidy,
            depends_on=dependence(
                requirement_fit(self.capabilities, proposal.kind.requires), members
            ),
        )
        self.policies.pool -= deal.subsidy
        self.missions.append(mission)
        self.ongoing.append(mission)
        self.log.started.append(mission)
        payoff = deal.values - mission.shares * deal.cost
        mission.gains = payoff
        for i, gain in zip(members, payoff, strict=True):
            agency = self.agencies[i]
            agency.net_benefit += gain / max(agency.budget, 1e-9)
            if mission.joint:
                agency.joint_started += 1
            else:
                agency.solo_started += 1
        if mission.joint:
            self.relations.record_joint(members)
            self.log.cost_saved += len(members) * proposal.cost - deal.cost
        return mission

    # --------------------------------------------------------------- missions

    def _progress_missions(self) -> None:
        """Withdrawals, then this year's payments, then completions."""
        self._withdraw_over_tension()
        self._withdraw_over_budget()
        for mission in list(self.ongoing):
            if mission.outcome is not Outcome.ONGOING:
                continue
            mission.paid += mission.yearly_payments()
            mission.years_left -= 1
            if mission.years_left == 0:
                self._complete(mission)
        self.ongoing = [m for m in self.ongoing if m.outcome is Outcome.ONGOING]
        self._recount_commitments()

    def _progress(self, mission: Mission) -> float:
        return float((mission.paid.sum() + sum(mission.withdrawn_paid)) / mission.cost)

    def _withdraw_over_tension(self) -> None:
        """A member leaves when tension with a partner passes its tolerance.

        Sunk cost and the partners it would let down raise the bar: tolerance
        + ``sunk_cost`` * share already paid + ``lock_in`` * partners beyond the first.
        """
        sunk, lock_in = self.spec.dynamics.sunk_cost, self.spec.dynamics.lock_in
        for mission in list(self.ongoing):
            if len(mission.members) < 2:
                continue
            bar = self._progress(mission) * sunk + lock_in * (len(mission.members) - 2)
            idx = np.asarray(mission.members)
            tension = self.relations.tension[idx[:, None], idx].max(axis=1)
            leavers = [
                int(i) for i, t in zip(idx, tension, strict=True) if t > self.tolerance[i] + bar
            ]
            for i in leavers:
                if mission.outcome is Outcome.ONGOING and i in mission.members:
                    self._withdraw(mission, i)

    def _withdraw_over_budget(self) -> None:
        """An agency whose payments exceed its budget drops its least advanced missions."""
        for agency in self.agencies:
            if agency.committed <= agency.budget + 1e-9:
                continue
            mine = sorted(
                (
                    m
                    for m in self.ongoing
                    if agency.index in m.members and m.outcome is Outcome.ONGOING
                ),
                key=lambda m: (self._progress(m), -m.mission_id),
            )
            for mission in mine:
                self._withdraw(mission, agency.index)
                self._recount_commitments()
                if agency.committed <= agency.budget + 1e-9:
                    break

    def _withdraw(self, mission: Mission, leaver: int) -> None:
        """Take ``leaver`` out of ``mission``; the rest carry on (a year late) or cancel."""
        pos = mission.members.index(leaver)
        stay = [k for k in range(len(mission.members)) if k != pos]
        others = [mission.members[k] for k in stay]
        if others:
            self.log.withdrawals += 1
            self.relations.withdraw(leaver, others, self.spec.dynamics.trust_loss_withdrawal)
        mission.withdrawn.append(leaver)
        mission.withdrawn_paid.append(float(mission.paid[pos]))
        mission.withdrawn_years.append(self.year)
        if mission.depends_on:
            mission.depends_on = [mission.depends_on[k] for k in stay]
        if len(mission.gains):
            mission.gains = mission.gains[stay]
        unpaid = mission.shares[pos] * mission.cost - mission.paid[pos]  # what it still owed
        shares = mission.shares[stay]
        viable = (
            bool(others)
            and shares.sum() > 0
            and coverage(self.capabilities[others], mission.proposal.requires)
            >= self.terms.min_coverage
        )
        if viable:
            weights = shares / shares.sum()
            extra = weights * unpaid
            years = mission.years_left + 1
            uncommitted = np.array([self.agencies[i].uncommitted for i in others])
            viable = bool(np.all(extra / years <= np.maximum(uncommitted, 0.0) + 1e-9))
        if not viable:
            mission.outcome = Outcome.CANCELLED
            mission.end_year = self.year
            mission.members = others
            mission.shares = mission.paid[stay] / mission.cost
            mission.paid = mission.paid[stay]
            return
        mission.shares = (shares * mission.cost + extra) / mission.cost
        mission.paid = mission.paid[stay]
        mission.members = others
        mission.years_left = years  # integration without the leaver costs a year

    def _complete(self, mission: Mission) -> None:
        members = mission.members
        dyn = self.spec.dynamics
        kind = mission.proposal.kind
        cov = coverage(self.capabilities[members], kind.requires)
        chance = success_chance(cov, kind.risk, dyn.success_exponent)
        success = self.rng.random() < chance
        mission.outcome = Outcome.SUCCESS if success else Outcome.FAILURE
        mission.end_year = self.year
        m = len(members)
        rate = dyn.learning_rate if success else dyn.learning_rate / 2
        for i in members:
            self.agencies[i].learn(kind.requires, rate)
        self._transfer(mission)
        if success:
            science = mission.proposal.science * (1.0 + dyn.instrument_bonus * (m - 1))
            self.log.science += science
            tension = (
                self.relations.tension[np.ix_(members, members)].max(axis=1) if m > 1 else [0.0]
            )
            for i, t in zip(members, tension, strict=True):
                self.agencies[i].science += science
                self.agencies[i].prestige += (
                    mission.proposal.prestige / m + kind.joint_prestige * t * (m > 1)
                )
            if self.policies.open_data > 0:  # open data: others read the results too
                for a in self.agencies:
                    if self.active[a.index] and a.index not in members:
                        a.science += self.policies.open_data * science
            if m > 1:
                self.relations.succeed(members, dyn.trust_gain, dyn.diplomacy)
        else:
            self.log.failures += 1
            if m > 1:
                self.relations.fail(members, dyn.trust_loss_failure)

    def _transfer(self, mission: Mission) -> None:
        """Technology transfer toward the best member, unless export controls forbid it.

        Each member closes ``transfer_rate`` of its gap to the best member in
        every domain used, plus ``capacity_building`` more when it is an
        emerging agency.
        """
        members = mission.members
        if len(members) < 2:
            return
        policies = self.policies
        kind = mission.proposal.kind
        used = np.nonzero(kind.requires > 0)[0]
        rows, cols = np.asarray(members)[:, None], used[None, :]
        caps = self.capabilities[rows, cols]
        best = caps.argmax(axis=0)
        controlled = (
            policies.export_controls
            and kind.sensitivity >= self.spec.negotiation.export_sensitivity
        )
        rate = np.full(len(members), self.spec.dynamics.transfer_rate)
        emerging = self.capabilities[members].mean(axis=1) < EMERGING_CAPABILITY
        rate[emerging] += policies.capacity_building
        gains = np.zeros_like(caps)
        for col, b in enumerate(best):
            src = members[b]
            for row, i in enumerate(members):
                if i == src:
                    continue
                if policies.export_controls and self.relations.banned[i, src]:
                    continue
                if controlled and self.bloc_names[i] != self.bloc_names[src]:
                    continue
                gains[row, col] = min(rate[row], 1.0) * (caps[b, col] - caps[row, col])
        self.capabilities[rows, cols] = caps + gains
