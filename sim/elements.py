"""Missions made of elements, and who builds which (pure functions on arrays).

A mission is a list of elements (a core or bus, instruments, a launch, crew
transport, modules, a robotic arm...), each with the capability domain and
level it needs and its share of the cost. In a joint mission every member
builds and pays for the elements it is given, in kind (ESA's Columbus, Canada's
arm, Russia's Soyuz). :func:`assign` decides who builds what:

1. the lead keeps the core (the first element) when it can build it, and
   takes any element it builds as well as a partner (it is the prime);
2. every member builds at least one element (a partner that brings nothing
   is not a partner in a barter);
3. a critical element (a launch, crew transport) goes only to a member able
   to build it: without one the mission cannot fly, however well the rest is
   covered (a weakest link, Hirshleifer 1983); one that a single member can
   build is that member's before anything else is shared out;
4. the rest go by comparative advantage: a linear assignment (Kuhn 1955)
   gives each member without an element the one it does best relative to the
   others, then each element left goes to the member that builds it best,
   and among those equally good the cheapest (ties: the lead, then the
   earlier partner);
5. a member pays for what it builds at its own prices (its ``cost_factor``
   times the element's catalog cost: Russia's Zarya and Soyuz, India's
   Mangalyaan at a fraction of US prices), and nobody pays more than its
   money allows, except a critical element built by a member that cannot pay
   for it, which the member with the most money left buys at the builder's
   price (NASA bought Zarya in 1994 and Soyuz seats from 2006).

All of it is polynomial in the number of members and elements: no split is
ever enumerated. See docs/ODD.md, 7.3.

References
----------
Hirshleifer, J. (1983). From weakest-link to best-shot: the voluntary
provision of public goods. Public Choice 41(3), 371-386.
Kuhn, H. W. (1955). The Hungarian method for the assignment problem. Naval
Research Logistics Quarterly 2(1-2), 83-97.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment

if TYPE_CHECKING:
    from sim.scenario.schema import ElementSpec

__all__ = ["CRITICAL_DOMAINS", "Assignment", "Elements", "assign", "build_fit", "can_build"]

#: Domains whose element is critical when elements are derived from ``requires``:
#: a mission cannot fly without a launch, crew transport or a link home.
CRITICAL_DOMAINS = ("launch", "crew", "deep_space_comms")

_EPS = 1e-9
_NEVER = -1e9  # score of an element a member must not be given


@dataclass(frozen=True, slots=True)
class Elements:
    """A mission kind's elements as arrays; element 0 is the core.

    ``domain`` indexes the capability vector; ``share`` sums to one.
    """

    names: tuple[str, ...]
    domain: np.ndarray  # (E,) int
    level: np.ndarray  # (E,) capability needed to build it
    share: np.ndarray  # (E,) share of the cost
    critical: np.ndarray  # (E,) bool

    @classmethod
    def declared(cls, elements: Mapping[str, ElementSpec], domains: tuple[str, ...]) -> Elements:
        """From a scenario's ``elements`` (records with domain, level, share, critical)."""
        names = tuple(elements)
        specs = [elements[n] for n in names]
        share = np.array([s.share for s in specs])
        return cls(
            names=names,
            domain=np.array([domains.index(s.domain) for s in specs]),
            level=np.array([s.level for s in specs]),
            share=share / share.sum(),
            critical=np.array([s.critical for s in specs], bool),
        )

    @classmethod
    def derived(cls, requires: Mapping[str, float], domains: tuple[str, ...]) -> Elements:
        """One element per required domain, when a kind gives ``requires`` only.

        Shares are in proportion to the required level; the core is the most
        demanding domain (ties in domain order); launch, crew and deep-space
        communications are critical.

        >>> domains = ("launch", "crew", "science_instruments")
        >>> e = Elements.derived({"launch": 0.3, "science_instruments": 0.6}, domains)
        >>> e.names, e.share.round(3).tolist(), e.critical.tolist()
        (('science_instruments', 'launch'), [0.667, 0.333], [False, True])
        """
        needed = [d for d in domains if requires.get(d, 0.0) > 0]
        needed.sort(key=lambda d: -requires[d])  # stable: ties keep domain order
        level = np.array([requires[d] for d in needed])
        return cls(
            names=tuple(needed),
            domain=np.array([domains.index(d) for d in needed]),
            level=level,
            share=level / level.sum(),
            critical=np.array([d in CRITICAL_DOMAINS for d in needed], bool),
        )

    def requires(self, n_domains: int) -> np.ndarray:
        """The capability vector the mission needs: the highest level per domain."""
        out = np.zeros(n_domains)
        np.maximum.at(out, self.domain, self.level)
        return out


def build_fit(capabilities: np.ndarray, elements: Elements) -> np.ndarray:
    """How well each agency builds each element: ``min(capability / level, 1)``, shape (n, E)."""
    return np.minimum(capabilities[:, elements.domain] / elements.level, 1.0)


def can_build(fit: np.ndarray) -> np.ndarray:
    """Where a build fit is full: the agency can build the element (a weakest link's test)."""
    return fit >= 1.0 - _EPS


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who builds each element of one coalition's mission.

    ``builder[e]`` is the position in the coalition of the member building
    element ``e``; ``quality`` is the cost-weighted build fit (the mission's
    coverage); ``built[k]`` the share of the mission (by catalog cost) member
    ``k`` builds, summing to one; ``parts[k]`` what it pays, in units of the
    mission's catalog cost: what it builds at its own prices, and the critical
    elements it buys at their builder's price from a member that cannot pay
    (NASA's Soyuz seats, Zarya).
    """

    builder: np.ndarray  # (E,) int, positions in the coalition
    quality: float
    parts: np.ndarray  # (m,)
    payer: np.ndarray  # (E,) int: the builder, or the member that bought it from the builder
    built: np.ndarray  # (m,) share of the mission each builds, at catalog cost

    def elements_of(self, k: int, elements: Elements) -> list[str]:
        """Names of the elements member ``k`` builds, in catalog order."""
        return [elements.names[e] for e in np.nonzero(self.builder == k)[0]]


def assign(
    fit: np.ndarray,
    elements: Elements,
    money: np.ndarray,
    cost: float,
    *,
    factor: np.ndarray | None = None,
    lead_keeps_core: bool = True,
    weakest_link: bool = True,
    every_member_builds: bool = True,
) -> Assignment | None:
    """Give each element of a coalition's mission to one member, or None when it cannot fly.

    Parameters
    ----------
    fit : ndarray, shape (m, E)
        :func:`build_fit` of the coalition's members; row 0 is the lead.
    elements : Elements
        The mission's elements.
    money : ndarray, shape (m,)
        The most each member can spend on the mission in total.
    cost : float
        The mission's catalog cost (with integration overhead, less any
        subsidy): an element costs its share of it.
    factor : ndarray, shape (m,), optional
        Each member's cost factor: it pays ``factor`` times an element's cost
        (default: one for all).
    lead_keeps_core, weakest_link : bool
        The mechanisms of steps 1 and 3 (switched off only to test them).
    every_member_builds : bool
        Step 2; false to judge how a coalition already flying builds its mission.

    >>> el = Elements.derived({"launch": 0.5, "crew": 0.5}, ("launch", "crew"))
    >>> fit = np.array([[1.0, 0.6], [0.2, 1.0]])  # the lead has no crew transport
    >>> a = assign(fit, el, np.array([10.0, 10.0]), 4.0)
    >>> a.builder.tolist(), a.parts.tolist()
    ([0, 1], [0.5, 0.5])
    >>> assign(fit[:1], el, np.array([10.0]), 4.0) is None  # alone it cannot fly
    True
    """
    m, n_el = fit.shape
    if every_member_builds and m > n_el:
        return None  # somebody would bring nothing
    # Plain lists: a dozen elements and a handful of members, where numpy's
    # per-call overhead would cost more than the arithmetic (a run makes
    # thousands of these).
    fits = fit.tolist()
    funds = money.tolist()
    share = elements.share.tolist()
    critical = elements.critical.tolist()
    factors = [1.0] * m if factor is None else factor.tolist()
    price = [[sh * cost * f for sh in share] for f in factors]  # (m, E): at the builder's prices
    able = [[f >= 1.0 - _EPS for f in row] for row in fits]
    # who may be given an element: an able member for a critical one (which a
    # richer member may buy from it), else one that can pay for it
    builds = [
        [
            (able[k][e] or not (weakest_link and critical[e]))
            and (price[k][e] <= funds[k] + _EPS or (critical[e] and able[k][e]))
            for e in range(n_el)
        ]
        for k in range(m)
    ]
    if weakest_link and any(
        critical[e] and not any(builds[k][e] for k in range(m)) for e in range(n_el)
    ):
        return None  # a critical element nobody here can build
    builder = [-1] * n_el
    payer = [-1] * n_el
    spent = [0.0] * m

    def give(e: int, k: int) -> bool:
        """``k`` builds ``e``; it pays, or (a critical element) the richest member buys it."""
        cost_e = price[k][e]
        if spent[k] + cost_e <= funds[k] + _EPS:
            buyer = k
        elif critical[e]:
            buyers = [j for j in range(m) if spent[j] + cost_e <= funds[j] + _EPS]
            if not buyers:
                return False
            buyer = max(buyers, key=lambda j: (funds[j] - spent[j], -j))
        else:
            return False
        builder[e], payer[e] = k, buyer
        spent[buyer] += cost_e
        return True

    if lead_keeps_core and able[0][0] and builds[0][0]:
        give(0, 0)
    for e in range(n_el):  # a critical element only one member can build is its
        only = [k for k in range(m) if builds[k][e] and able[k][e]]
        if critical[e] and builder[e] < 0 and len(only) == 1 and not give(e, only[0]):
            return None
    need = [k for k in range(m) if every_member_builds and k not in builder]
    open_ = [e for e in range(n_el) if builder[e] < 0]
    if len(need) > len(open_):
        return None  # too few elements left for the members still without one
    if need:
        score = [[share[e] * fits[k][e] if builds[k][e] else _NEVER for e in open_] for k in need]
        if len(need) == 1:
            row = score[0]
            pairs = [(0, max(range(len(open_)), key=lambda c: (row[c], -c)))]
        else:
            rows, cols = linear_sum_assignment(np.array(score), maximize=True)
            pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
        if any(score[r][c] <= _NEVER / 2 for r, c in pairs):
            return None
        for r, c in pairs:
            if not give(open_[c], need[r]):
                return None
    rest = [e for e in range(n_el) if builder[e] < 0]
    rest.sort(key=lambda e: -share[e])  # the biggest first; ties in catalog order
    for e in rest:
        ranked = sorted(
            (k for k in range(m) if builds[k][e]),
            # the best, then the cheapest; ties: the lead (the prime contractor),
            # or without it the one with most money left
            key=lambda k: (
                -fits[k][e],
                factors[k],
                k if lead_keeps_core else spent[k] - funds[k],
            ),
        )
        if not any(give(e, k) for k in ranked):  # the best builder that it can be paid for
            return None
    parts = [0.0] * m
    built = [0.0] * m
    quality = 0.0
    for e in range(n_el):
        k = builder[e]
        parts[payer[e]] += share[e] * factors[k]
        built[k] += share[e]
        quality += share[e] * fits[k][e]
    return Assignment(np.array(builder), quality, np.array(parts), np.array(payer), np.array(built))
