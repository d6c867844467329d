"""What a mission is worth to each member of a coalition: coverage, dependence, value.

All values are money-equivalent (constant US$ billion): what a member would
pay at most for its part of the mission. See ``docs/ODD.md`` (Submodels).
"""

from __future__ import annotations

import numpy as np

from sim.mission import Proposal
from sim.terms import NegotiationTable, Terms

__all__ = [
    "coverage",
    "dependence",
    "member_values",
    "own_coverage",
    "requirement_fit",
    "success_chance",
]

_EPS = 1e-9


def coverage(capabilities: np.ndarray, requires: np.ndarray) -> float:
    """Share of a mission's requirements met by the best member in each domain.

    Parameters
    ----------
    capabilities : ndarray, shape (m, K)
        Capability vectors of the coalition's members.
    requires : ndarray, shape (K,)
        Required level per domain (0 where the domain is not needed).

    >>> coverage(np.array([[1.0, 0.0], [0.0, 0.5]]), np.array([0.5, 1.0]))
    0.75
    """
    need = requires > 0
    combined = capabilities[:, need].max(axis=0)
    return float(np.minimum(combined / requires[need], 1.0).mean())


def own_coverage(capabilities: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """Coverage of each agency alone: ``coverage`` row by row."""
    return requirement_fit(capabilities, requires).mean(axis=1)


def requirement_fit(capabilities: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """How far each agency meets each needed domain: ``min(c / r, 1)``, shape (n, k).

    The coverage of a coalition is the mean over domains of its members' best
    fit, so one matrix per proposal serves every coalition tried for it.
    """
    need = requires > 0
    return np.minimum(capabilities[:, need] / requires[need], 1.0)


def dependence(fit: np.ndarray, members: list[int]) -> list[list[int]]:
    """Whom each member depends on: the partners that supply what it lacks.

    A member depends on a partner when, in a needed domain where the member
    falls short of the requirement, that partner is the coalition's best.
    (The ISS's reliance on Soyuz for crew after 2011 is the textbook case.)

    >>> dependence(np.array([[1.0, 0.2], [0.3, 1.0], [1.0, 1.0]]), [0, 1])
    [[1], [0]]
    >>> dependence(np.array([[1.0, 0.2], [0.3, 1.0], [1.0, 1.0]]), [0, 2])
    [[2], []]
    """
    sub = fit[members]
    best = sub.argmax(axis=0)
    out = []
    for k in range(len(members)):
        short = np.nonzero(sub[k] < 1.0)[0]
        out.append(sorted({members[best[d]] for d in short if sub[best[d], d] > sub[k, d]}))
    return out


def success_chance(cov: float, risk: float, exponent: float = 1.0) -> float:
    """Chance that a mission succeeds: ``(1 - risk) * coverage ** exponent``."""
    return (1.0 - risk) * cov**exponent


def member_values(
    members: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Money-equivalent value of the mission to each member, and the coverage.

    ``fit`` is :func:`requirement_fit` of all agencies for this proposal.

    Each member's value in points is the expected science (more members carry
    more instruments) and its share of prestige (worth more in a race with a
    peer rival), plus a diplomatic prestige
    that grows with the tension the mission bridges, reduced by lost autonomy
    (the part of the mission it depends on partners for), by distrust of its
    partners (Axelrod 1984: cooperation needs a shadow of the future), and by
    the political cost of each partner (tension times the mission's security
    sensitivity). Points become money in proportion to the square root of the
    member's budget (a dollar matters less to a rich agency, with diminishing
    returns) and inversely to its cost motive.
    """
    idx = np.asarray(members)
    m = len(members)
    kind = proposal.kind
    cov = float(fit[idx].max(axis=0).sum() / fit.shape[1])
    chance = success_chance(cov, kind.risk, terms.success_exponent)
    science = proposal.science * (1.0 + terms.instrument_bonus * (m - 1))
    w = table.motives[idx]
    prestige = (proposal.prestige / m) * (1.0 + table.rivalry[idx])
    factor = np.ones(m)
    if m > 1:
        rows, cols = idx[:, None], idx[None, :]
        tension = table.tension[rows, cols]
        distrust = 1.0 - table.trust[rows, cols]  # diagonal: trust 1, distrust 0
        prestige += kind.joint_prestige * tension.max(axis=1)
        own = fit[idx].sum(axis=1) / fit.shape[1]
        dependence = np.maximum(1.0 - own / max(cov, _EPS), 0.0)  # own <= cov: at most 1
        political = np.maximum(1.0 - terms.political_cost * kind.sensitivity * tension, 0.0)
        factor = (
            (1.0 - w[:, 2] * dependence)
            * (1.0 - terms.distrust * distrust.sum(axis=1) / (m - 1))
            * political.prod(axis=1)
        )
    points = chance * (w[:, 0] * science + w[:, 1] * prestige) * factor
    budget_scale = np.sqrt(table.budgets[idx] * terms.reference_budget)
    money = points * budget_scale * terms.value_of_money / w[:, 3]
    return money, cov
