"""What a mission is worth to each member of a coalition, given who builds what.

All values are money-equivalent (constant US$ billion). A member's payoff from
a joint mission is ``rate * rights + fixed - pay``: ``pay`` is what its
elements cost it; ``rights`` (summing to one over members) is its part of the
rival benefits (utilisation, crew time, data priority), worth ``rate`` to it;
``fixed`` is what it gets whatever the rights: the non-rival part of the
science and prestige and the diplomatic prestige of flying with a rival (the
joint-products model of alliances, Olson and Zeckhauser 1966; Sandler 1977).
See ``docs/ODD.md`` (7.2, 7.3).

References
----------
Olson, M. and Zeckhauser, R. (1966). An economic theory of alliances. Review
of Economics and Statistics 48(3), 266-279.
Sandler, T. (1977). Impurity of defense: an application to the economics of
alliances. Kyklos 30(3), 443-460.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.domestic import cut_chance, foreign_partners, survival
from sim.elements import Assignment, assign, can_build
from sim.mission import Proposal
from sim.terms import NegotiationTable, Terms

__all__ = [
    "Stakes",
    "coalition_cost",
    "coverage",
    "depends_on",
    "foreign_policy",
    "price_of_points",
    "requirement_fit",
    "stakes",
    "success_chance",
]


@dataclass(frozen=True, slots=True)
class Stakes:
    """What one coalition's mission is worth to each member, before rights are split."""

    members: tuple[int, ...]
    assignment: Assignment
    cost: float  # what the members pay between them, each at its own prices
    subsidy: float  # what the funding pool pays on top
    chance: float  # of success
    rate: np.ndarray  # (m,) money per unit of rights
    fixed: np.ndarray  # (m,) money whatever the rights
    pay: np.ndarray  # (m,) what each member's elements cost it
    dependence: np.ndarray  # (m,) share of the cost built by others that it could not build

    @property
    def coverage(self) -> float:
        """The mission's build quality: cost-weighted fit of each element's builder."""
        return self.assignment.quality

    def payoff(self, rights: np.ndarray, payments: np.ndarray | None = None) -> np.ndarray:
        """Each member's payoff for these rights (and these payments, if not its elements')."""
        pay = self.pay if payments is None else payments
        return self.rate * rights + self.fixed - pay


def requirement_fit(capabilities: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """How far each agency meets each needed domain: ``min(c / r, 1)``, shape (n, k)."""
    need = requires > 0
    return np.minimum(capabilities[:, need] / requires[need], 1.0)


def coverage(capabilities: np.ndarray, requires: np.ndarray) -> float:
    """Share of a capability vector's requirements met by the best member in each domain.

    Used to rank partners and by proposals; a mission's own coverage is the
    build quality of its elements (:attr:`Stakes.coverage`).

    >>> coverage(np.array([[1.0, 0.0], [0.0, 0.5]]), np.array([0.5, 1.0]))
    0.75
    """
    return float(requirement_fit(capabilities, requires).max(axis=0).mean())


def success_chance(cov: float, risk: float, exponent: float = 1.0) -> float:
    """Chance that a mission succeeds: ``(1 - risk) * coverage ** exponent``."""
    return (1.0 - risk) * cov**exponent


def coalition_cost(
    proposal: Proposal, size: int, terms: Terms, pool: float = 0.0
) -> tuple[float, float]:
    """What the members pay, and what the funding pool pays, for a coalition.

    Integration overhead makes the whole ``cost * (1 + overhead * (size -
    1))``; a joint mission may draw up to ``pool_cap`` of it from the pool.
    """
    gross = proposal.cost * (1.0 + terms.overhead * (size - 1))
    subsidy = min(pool, terms.pool_cap * gross) if size > 1 else 0.0
    return gross - subsidy, subsidy


def depends_on(members: list[int], builder: np.ndarray, fit: np.ndarray) -> list[list[int]]:
    """Whom each member depends on: the builders of elements it could not build itself.

    ``fit`` is the members' build fit (rows in ``members`` order); the ISS
    partners' reliance on Soyuz for crew after 2011 is the textbook case.

    >>> depends_on([7, 9], np.array([0, 1]), np.array([[1.0, 0.5], [0.2, 1.0]]))
    [[9], [7]]
    """
    out = []
    for k in range(len(members)):
        lacks = (builder != k) & ~can_build(fit[k])
        out.append(sorted({members[b] for b in builder[lacks]}))
    return out


def stakes(
    members: list[int],
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    fit: np.ndarray,
) -> Stakes | None:
    """The coalition's mission, who builds what, and its worth to each member.

    ``fit`` is :func:`sim.elements.build_fit` of all agencies for this
    proposal. None when the coalition cannot fly it (a critical element
    nobody can build, or more members than elements, or too little money).

    A member's value in points is the expected science (more members carry
    more instruments) and prestige (worth more in a race with a peer rival)
    of the whole mission. ``rival_share`` of it is divided by rights, the
    rest every member enjoys; the diplomatic prestige of bridging tension is
    every member's too. Lost autonomy (the share of the mission built by
    others that it could not build), distrust of its partners (Axelrod 1984)
    and the political cost of each partner (tension times the mission's
    security sensitivity) discount it, and so does the chance that its
    government cuts the programme before the end (:mod:`sim.domestic`:
    larger for a heavier part, smaller with foreign partners). Its government's
    foreign policy adds to it (:func:`foreign_policy`: leading a club, engaging
    a former rival). Points become money at the member's
    price of a point (from its best forgone use of money) over its cost motive.
    """
    idx = np.asarray(members)
    m = len(members)
    kind = proposal.kind
    cost, subsidy = coalition_cost(proposal, m, terms, table.pool)
    money = table.uncommitted[idx] * kind.duration  # the most each can commit in total
    plan = assign(
        fit[idx],
        kind.elements,
        money,
        cost,
        factor=table.cost_factor[idx],
        lead_keeps_core=terms.lead_keeps_core,
        weakest_link=terms.weakest_link,
    )
    if plan is None:
        return None
    chance = success_chance(plan.quality, kind.risk, terms.success_exponent)
    w = table.motives[idx]
    price = table.price[idx] / w[:, 3]
    science = proposal.science * (1.0 + terms.instrument_bonus * (m - 1))
    prestige = proposal.prestige * (1.0 + table.rivalry[idx])
    whole = price * chance * (w[:, 0] * science + w[:, 1] * prestige)
    factor = np.ones(m)
    diplomatic = np.zeros(m)
    dependence = np.zeros(m)
    if m > 1:
        rows, cols = idx[:, None], idx[None, :]
        tension = table.tension[rows, cols]
        distrust = 1.0 - table.trust[rows, cols]  # diagonal: trust 1, distrust 0
        diplomatic = price * chance * w[:, 1] * kind.joint_prestige * tension.max(axis=1)
        others = plan.builder[None, :] != np.arange(m)[:, None]
        lacks = fit[idx] < 1.0 - 1e-9
        dependence = (others & lacks) @ kind.elements.share
        political = np.maximum(1.0 - terms.political_cost * kind.sensitivity * tension, 0.0)
        factor = (
            (1.0 - w[:, 2] * dependence)
            * (1.0 - terms.distrust * distrust.sum(axis=1) / (m - 1))
            * political.prod(axis=1)
        )
    pay = plan.parts * cost  # each at its own prices
    # each expects the value only if its government pays to the end (docs/ODD.md 7.19)
    foreign = foreign_partners(table.country[idx])
    weight = pay / kind.duration / np.maximum(table.envelope[idx], 1e-9)
    cut = cut_chance(
        terms.cancellation_hazard,
        terms.commitment_protection,
        table.support[idx],
        weight,
        foreign,
    )
    factor = factor * survival(cut, kind.duration, terms.sunk_cost)
    if m > 1 and (proposal.flagship or table.engages is not None):  # leading, engaging (7.21)
        esteem = price * chance * w[:, 1] * prestige
        diplomatic = diplomatic + foreign_policy(idx, proposal, table, terms, esteem, pay, foreign)
    rival = terms.rival_share
    return Stakes(
        members=tuple(members),
        assignment=plan,
        cost=float(pay.sum()),
        subsidy=subsidy,
        chance=chance,
        rate=factor * rival * whole,
        fixed=factor * ((1.0 - rival) * whole + diplomatic),
        pay=pay,
        dependence=dependence,
    )


def foreign_policy(
    idx: np.ndarray,
    proposal: Proposal,
    table: NegotiationTable,
    terms: Terms,
    esteem: np.ndarray,
    pay: np.ndarray,
    foreign: np.ndarray,
) -> np.ndarray:
    """What each member's government values beyond the mission itself, in money.

    The lead of a flagship (a programme its government leads as a club,
    ``agencies.X.leads``) gains ``club_leadership`` times ``esteem`` (the
    mission's prestige in its money) for each partner of another country:
    leading a club is influence and standing abroad (Nye 1990; the Artemis
    Accords count their signatories). A member that seeks to engage a former
    rival (``agencies.X.engages``) gains ``engagement`` times what that rival
    pays for its elements: work that keeps the rival's engineers at home on
    a joint programme (the US after 1993, which also paid Russia directly for
    Mir visits and Zarya). ``idx`` are the members, the lead first when in;
    ``foreign`` counts each member's partners of another country
    (:func:`sim.domestic.foreign_partners`); tests/test_motives.py checks both.
    """
    out = np.zeros(len(idx))
    if proposal.flagship and idx[0] == proposal.lead:
        out[0] = terms.club_leadership * foreign[0] * esteem[0]
    if table.engages is not None:
        pairs = table.engages[idx][:, idx]
        if pairs.any():
            out += terms.engagement * (pairs @ pay)
    return out


def price_of_points(
    proposals: list[Proposal],
    fit_alone: list[float],
    motives: np.ndarray,
    rivalry: np.ndarray,
    free: np.ndarray,
    value_of_money: float,
    factor: np.ndarray | None = None,
) -> np.ndarray:
    """What a point is worth in money to each agency: its best forgone use of money.

    Each agency ranks its own proposals of the year by points per US$ bn
    (flown alone at its own build quality ``fit_alone``) and funds them in
    that order out of its free yearly money ``free``; the first that no
    longer fits sets its price of money, the shadow price of its budget (the
    dual of the fractional knapsack); a proposal costs its lead ``factor``
    (its cost factor, default one) times its catalog cost. An agency whose proposals all fit has
    money to spare: a point is worth ``value_of_money`` to it. Wealth thus
    counts once, through what a budget leaves unfunded, not as a multiplier.

    Returns US$ bn per point, before the cost motive, shape (n,).

    >>> price_of_points([], [], np.ones((1, 4)), np.zeros(1), np.ones(1), 1.0).tolist()
    [1.0]
    """
    price = np.full(len(free), value_of_money)
    ratios: dict[int, list[tuple[float, float]]] = {}
    for proposal, quality in zip(proposals, fit_alone, strict=True):
        w = motives[proposal.lead]
        chance = success_chance(quality, proposal.kind.risk)
        points = chance * (
            w[0] * proposal.science + w[1] * proposal.prestige * (1.0 + rivalry[proposal.lead])
        )
        cost = proposal.cost * (1.0 if factor is None else float(factor[proposal.lead]))
        yearly = cost / proposal.kind.duration
        ratios.setdefault(proposal.lead, []).append((points / cost, yearly))
    for i, options in ratios.items():
        spent = 0.0
        for ratio, yearly in sorted(options, key=lambda o: -o[0]):
            spent += yearly
            if spent > free[i] + 1e-9:
                if ratio > 0:
                    price[i] = min(value_of_money, 1.0 / ratio)
                break
    return price
