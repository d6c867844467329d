"""Tension and trust between agencies: symmetric matrices and their updates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

__all__ = ["Relations", "rivalry"]


def _bloc_value(table: dict[str, float], a: str, b: str, default: float) -> float:
    return table.get(f"{a}/{b}", table.get(f"{b}/{a}", default))


@dataclass(slots=True)
class Relations:
    """Tension ``T``, its baseline, trust ``tau``, bans and joint-mission counts.

    All matrices are ``(n, n)`` over the scenario's agencies, symmetric, with
    zero tension and full trust on the diagonal. Values stay in ``[0, 1]``.
    """

    tension: np.ndarray
    baseline: np.ndarray
    trust: np.ndarray
    banned: np.ndarray
    joint: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Relations:
        """Initial relations: bloc rule, then pair overrides.

        Trust is ``relations.default_trust`` (``1 - T`` when not given), then
        ``bloc_trust``, then the pair overrides of ``relations.trust``.
        """
        names = list(scenario.agencies)
        blocs = [a.bloc for a in scenario.agencies.values()]
        rel = scenario.relations
        n = len(names)
        tension = np.array(
            [
                [
                    _bloc_value(rel.bloc_tension, blocs[i], blocs[j], rel.default_tension)
                    for j in range(n)
                ]
                for i in range(n)
            ]
        )
        pos = {name: i for i, name in enumerate(names)}
        for a, row in rel.tension.items():
            for b, value in row.items():
                tension[pos[a], pos[b]] = tension[pos[b], pos[a]] = value
        tension = np.minimum(tension * rel.tension_scale, 1.0)  # a what-if knob, 1 = as declared
        np.fill_diagonal(tension, 0.0)
        default = rel.default_trust
        trust = 1.0 - tension if default is None else np.full((n, n), default)
        if rel.bloc_trust:
            trust = np.array(
                [
                    [_bloc_value(rel.bloc_trust, blocs[i], blocs[j], trust[i, j]) for j in range(n)]
                    for i in range(n)
                ]
            )
        for a, row in rel.trust.items():
            for b, value in row.items():
                trust[pos[a], pos[b]] = trust[pos[b], pos[a]] = value
        np.fill_diagonal(trust, 1.0)
        return cls(
            tension=tension,
            baseline=tension.copy(),
            trust=trust,
            banned=np.zeros((n, n), bool),
            joint=np.zeros((n, n), np.int64),
        )

    def shift_tension(self, mask: np.ndarray, delta: float, baseline: bool = True) -> None:
        """Move tension, and its baseline unless it is a passing shock, by ``delta`` on ``mask``."""
        for m in (self.tension, self.baseline) if baseline else (self.tension,):
            m[mask] = np.clip(m[mask] + delta, 0.0, 1.0)

    def shift_trust(self, mask: np.ndarray, delta: float) -> None:
        """Move trust by ``delta`` on the pairs in ``mask``."""
        self.trust[mask] = np.clip(self.trust[mask] + delta, 0.0, 1.0)

    def set_ban(self, a: int, b: int, banned: bool) -> None:
        """Forbid (or allow again) joint missions between ``a`` and ``b``."""
        self.banned[a, b] = self.banned[b, a] = banned

    def inherit(self, heir: int, predecessors: list[int]) -> None:
        """``heir`` takes over its predecessors' standing with every other agency.

        Trust becomes the predecessors' mean, the count of joint missions
        their sum, and a ban on any of them binds the heir (Roscosmos inherits
        the USSR's record, JAXA that of NASDA and ISAS). Tension, a relation
        between governments that events have moved for the heir too, stays.
        """
        old = np.asarray(predecessors)
        others = np.ones(len(self.tension), bool)
        others[[heir, *predecessors]] = False
        trust = self.trust[np.ix_(old, others)].mean(axis=0)
        self.trust[heir, others] = self.trust[others, heir] = trust
        joint = self.joint[np.ix_(old, others)].sum(axis=0)
        self.joint[heir, others] = self.joint[others, heir] = joint
        banned = self.banned[np.ix_(old, others)].any(axis=0)
        self.banned[heir, others] = self.banned[others, heir] = banned

    def record_joint(self, members: list[int]) -> None:
        """Count a joint mission started by ``members``."""
        idx = np.asarray(members)
        block = np.ix_(idx, idx)
        self.joint[block] += 1
        self.joint[idx, idx] -= 1

    def _pairs(self, members: list[int]) -> tuple:
        idx = np.asarray(members)
        mask = ~np.eye(len(idx), dtype=bool)
        return np.ix_(idx, idx), mask

    def succeed(self, members: list[int], trust_gain: float, diplomacy: float) -> None:
        """A joint success: trust grows toward 1, tension falls (space diplomacy)."""
        block, off = self._pairs(members)
        t = self.trust[block]
        t[off] += trust_gain * (1.0 - t[off])
        self.trust[block] = t
        s = self.tension[block]
        s[off] -= diplomacy * s[off]
        self.tension[block] = s

    def fail(self, members: list[int], loss: float) -> None:
        """A joint failure: trust falls by ``loss`` of its value."""
        block, off = self._pairs(members)
        t = self.trust[block]
        t[off] -= loss * t[off]
        self.trust[block] = t

    def withdraw(self, leaver: int, others: list[int], loss: float) -> None:
        """A member walks out: the others' trust in it falls by ``loss`` of its value."""
        idx = np.asarray(others)
        self.trust[leaver, idx] *= 1.0 - loss
        self.trust[idx, leaver] *= 1.0 - loss

    def drift(self, rate: float, target: np.ndarray | None = None) -> None:
        """Tension relaxes toward its baseline (or toward ``target``, e.g. under a treaty)."""
        goal = self.baseline if target is None else target
        self.tension += rate * (goal - self.tension)


def rivalry(tension: np.ndarray, budgets: np.ndarray, active: np.ndarray) -> np.ndarray:
    """How much each agency is in a race: tension toward its strongest peer rival.

    ``rivalry_i = max_j T_ij * min(B_i, B_j) / max(B_i, B_j)`` over other
    active agencies: a rival counts in proportion to how closely the two
    budgets match, so neither a superpower nor a small agency races the other.

    >>> rivalry(np.array([[0, .9, .9], [.9, 0, .2], [.9, .2, 0]]),
    ...         np.array([10.0, 10.0, 1.0]), np.array([True, True, True]))
    array([0.9 , 0.9 , 0.09])
    """
    b = np.maximum(budgets, 1e-12)
    ratio = np.minimum.outer(b, b) / np.maximum.outer(b, b)
    score = tension * ratio * np.outer(active, active)
    np.fill_diagonal(score, 0.0)
    return score.max(axis=1)
