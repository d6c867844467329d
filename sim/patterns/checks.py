"""The per-run checks of the stylized facts: ``check(run) -> (value, passed)``, one each.

Each check reads one :class:`~sim.patterns.view.RunView` and returns the run's
value of a statistic and whether the fact holds in that run; the claims,
tolerances and required pass shares they serve are in
:mod:`sim.patterns.catalog`.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from sim.patterns.view import (
    RunView,
    between,
    bloc_tension,
    coop_rate,
    everyone,
    one_bloc,
    pair_tension,
    spans,
    station_kinds,
    with_agency,
)
from sim.scenario import Scenario

__all__ = [
    "COLD_WAR_END",
    "CRIMEA",
    "HIGH_TENSION",
    "SCAR_RATIO",
    "SCAR_YEARS",
    "SENSITIVE",
    "SHOCK",
    "club_survives_shocks",
    "coalition_sizes_skewed",
    "cold_war_cross_rare",
    "cooperation_rises",
    "cross_in_tension_dips",
    "esa_most_central",
    "high_tension_low_sensitivity",
    "more_agencies_smaller_superpowers",
    "russia_seeks_partners",
    "russia_worse_shares",
    "tension_drop_raises_agreements",
    "two_blocs",
    "withdrawal_scars",
    "within_bloc_ratio_falls",
]

COLD_WAR_END = 1991  # the Soviet Union dissolved on 26 December 1991
CRIMEA = 2014  # tension across blocs rises again from the annexation of Crimea
HIGH_TENSION = 0.4  # tension at which only low-sensitivity cooperation crosses blocs
SENSITIVE = 0.6  # launch- and crew-critical kinds (export-controlled at 0.6 in _common)
SHOCK = 0.15  # a rise in a pair's tension this large in one year is a shock (docs/ODD.md 4.3)
SCAR_YEARS = 5  # years after a withdrawal compared with the years before it
SCAR_RATIO = 0.8  # let-down partners' share of a leaver's joint missions, after / before


def cooperation_rises(run: RunView) -> tuple[float, bool]:
    """Cooperation rate 1992-2020 minus 1957-1971; passes when it rises era by era."""
    early = coop_rate(run, run.spec.start_year, 1971)
    detente = coop_rate(run, 1972, 1990)
    late = coop_rate(run, 1992, 2020)
    return late - early, bool(early < detente < late)


def cold_war_cross_rare(run: RunView) -> tuple[float, bool]:
    """Cross-bloc share of Cold War joint missions; passes when rare but not zero."""
    m = between(run.missions, "start_year", run.spec.start_year, COLD_WAR_END)
    joint = m[m.joint]
    if joint.empty:
        return float("nan"), False
    share = float(spans(joint, run.blocs(), "west", "east").mean())
    return share, bool(0 < share <= 0.15)


def cross_in_tension_dips(run: RunView) -> tuple[float, bool]:
    """Share of Cold War cross-bloc missions begun in the lowest-tension third of years."""
    tension = between(bloc_tension(run, "west", "east").reset_index(), "year", 0, COLD_WAR_END)
    tension = tension.set_index("year").tension
    low = set(tension[tension <= tension.quantile(1 / 3)].index)
    m = between(run.missions, "start_year", run.spec.start_year, COLD_WAR_END)
    cross = m[m.joint & spans(m, run.blocs(), "west", "east")]
    if cross.empty:
        return float("nan"), False
    share = float(cross.start_year.isin(low).mean())
    return share, share >= 0.5


def within_bloc_ratio_falls(run: RunView) -> tuple[float, bool]:
    """Log of the within/cross-bloc ratio before 1992 over 1992-2013; passes when it falls."""
    blocs = run.blocs()

    def ratio(first: int, last: int) -> float:
        m = between(run.missions, "start_year", first, last)
        m = m[m.joint]
        within = int(one_bloc(m, blocs).sum())
        cross = int(spans(m, blocs, "west", "east").sum())
        return (within + 1) / (cross + 1)

    before = ratio(run.spec.start_year, COLD_WAR_END)
    after = ratio(COLD_WAR_END + 1, CRIMEA - 1)
    return float(np.log(before / after)), bool(before > 1 and after < before)


def high_tension_low_sensitivity(run: RunView) -> tuple[float, bool]:
    """Highest sensitivity of a cross-bloc mission begun under high tension."""
    m = run.missions[run.missions.joint]
    m = m[spans(m, run.blocs(), "west", "east")]
    tension = pair_tension(run)
    worst = 0.0
    for year, who, sensitivity in zip(m.start_year, everyone(m), m.sensitivity, strict=True):
        high = max(tension.get((year, a, b), 0.0) for a, b in combinations(who, 2))
        if high >= HIGH_TENSION:
            worst = max(worst, float(sensitivity))
    return worst, worst < SENSITIVE


def _tension_drops(spec: Scenario) -> list[int]:
    return sorted(
        {
            e.year
            for e in spec.events
            if e.kind == "tension"
            and not e.agencies
            and {"west", "east"} <= set(e.blocs)
            and (e.delta or 0.0) <= -0.1
        }
    )


def tension_drop_raises_agreements(run: RunView) -> tuple[float, bool]:
    """Cross-bloc agreements in the 3 years after tension drops minus before."""
    m = run.missions[run.missions.joint]
    years = m[spans(m, run.blocs(), "west", "east")].start_year
    counts = years.value_counts()
    after = before = 0
    for y in _tension_drops(run.spec):
        after += int(sum(counts.get(y + k, 0) for k in (1, 2, 3)))
        before += int(sum(counts.get(y - k, 0) for k in (1, 2, 3)))
    return float(after - before), after > before


def _partners(missions: pd.DataFrame, agency: str) -> float:
    mine = with_agency(missions, agency)
    return float((everyone(mine).map(len) - 1).mean()) if len(mine) else float("nan")


def russia_seeks_partners(run: RunView) -> tuple[float, bool]:
    """Partners per mission of Roscosmos minus those of the USSR."""
    ussr, roscosmos = _partners(run.missions, "USSR"), _partners(run.missions, "Roscosmos")
    return roscosmos - ussr, bool(roscosmos > ussr + 0.5)


def _margin_gap(missions: pd.DataFrame, agency: str) -> float:
    """Median, over ``agency``'s joint missions, of its margin minus its partners' mean margin.

    A member's margin is its gain over what the mission is worth to it
    (``gains / (gains + share x cost)``): both in its own money, at its own
    price of money and motive weights, so no agency's utility is added to
    another's. Missions with withdrawals are left out.
    """
    m = missions[missions.joint & (missions.withdrawn.map(len) == 0)]
    gaps = []
    for members, shares, gains, cost in zip(m.members, m.shares, m.gains, m.cost, strict=True):
        if agency not in members:
            continue
        g = np.asarray(gains, float)
        worth = g + np.asarray(shares, float) * cost
        margin = np.divide(g, worth, out=np.full_like(g, np.nan), where=worth > 0)
        k = list(members).index(agency)
        others = np.delete(margin, k)
        if not np.isnan(margin[k]) and not np.isnan(others).all():
            gaps.append(margin[k] - np.nanmean(others))
    return float(np.median(gaps)) if gaps else float("nan")


def russia_worse_shares(run: RunView) -> tuple[float, bool]:
    """Roscosmos's margin minus its partners', in each one's own utility (median mission)."""
    ussr, roscosmos = _margin_gap(run.missions, "USSR"), _margin_gap(run.missions, "Roscosmos")
    passed = roscosmos < 0.0 and (np.isnan(ussr) or roscosmos < ussr)
    return roscosmos, bool(passed)


def _superpower_share(missions: pd.DataFrame, first: int, last: int) -> float:
    window = between(missions, "start_year", first, last)
    big = everyone(window).map(lambda x: bool({"NASA", "USSR", "Roscosmos"} & set(x)))
    return float(big.mean())


def more_agencies_smaller_superpowers(run: RunView) -> tuple[float, bool]:
    """Superpower share of missions from 2010 minus before 1970."""
    active = run.model.set_index("year").active_agencies
    early = _superpower_share(run.missions, run.spec.start_year, 1969)
    late = _superpower_share(run.missions, 2010, run.spec.end_year)
    more = active.loc[:1969].mean() < active.loc[2010:].mean()
    return late - early, bool(more and late < early - 0.2)


def withdrawal_scars(run: RunView) -> tuple[float, bool]:
    """How much of a leaver's joint work its let-down partners share: after over before.

    For every withdrawal (agency ``x`` leaves mission ``m`` in year ``y``) and
    every other signatory ``p`` of ``m``: among the joint missions ``x`` begins
    in the :data:`SCAR_YEARS` years before ``y`` (``m`` left out), the share
    that has ``p`` in it; likewise in the :data:`SCAR_YEARS` years after.
    Counts are pooled over the run's withdrawals, and the value is the share
    after over the share before: 1 when a withdrawal changes nothing, below 1
    when partners let down are avoided. Passes below :data:`SCAR_RATIO`.
    """
    m = run.missions
    signed = everyone(m)
    joint = [
        (set(who), start, mid)
        for who, start, mid in zip(signed, m.start_year, m.mission_id, strict=True)
        if len(who) > 1
    ]
    counts = np.zeros(4)  # with p before, all before, with p after, all after
    for who, left, years, mid in zip(signed, m.withdrawn, m.withdrawn_years, m.mission_id,
                                     strict=True):  # fmt: skip
        for x, y in zip(left, years, strict=True):
            for p in set(who) - {x}:
                for members, start, other in joint:
                    if other == mid or x not in members:
                        continue
                    if y - SCAR_YEARS <= start < y:
                        counts[:2] += (p in members, 1)
                    elif y < start <= y + SCAR_YEARS:
                        counts[2:] += (p in members, 1)
    with_before, before, with_after, after = counts
    if not (with_before and after):
        return float("nan"), False
    ratio = float((with_after / after) / (with_before / before))
    return ratio, ratio < SCAR_RATIO


def coalition_sizes_skewed(run: RunView) -> tuple[float, bool]:
    """Share of joint missions that are pairs; passes when sizes are skewed."""
    joint = run.missions[run.missions.joint]
    sizes = everyone(joint).map(len).value_counts()
    pairs, threes, large = sizes.get(2, 0), sizes.get(3, 0), sizes[sizes.index >= 4].sum()
    share = float(pairs / sizes.sum()) if sizes.sum() else float("nan")
    return share, bool(pairs > threes >= large and large > 0)


def esa_most_central(run: RunView) -> tuple[float, bool]:
    """ESA's distinct partners in the last year minus the best other agency's."""
    last = run.pairs[(run.pairs.year == run.pairs.year.max()) & (run.pairs.joint_missions > 0)]
    degree = pd.concat([last.agency_a, last.agency_b]).value_counts()
    esa = int(degree.get("ESA", 0))
    return float(esa - degree.drop("ESA", errors="ignore").max()), esa >= degree.max()


def club_survives_shocks(run: RunView) -> tuple[float, bool]:
    """Share of station clubs under way at a tension shock that keep the shocked pair.

    A station club is a joint mission of a station kind (:func:`station_kinds`)
    with three or more members. It is exposed to a shock when both agencies of
    a pair whose tension rose by ``SHOCK`` or more in one year are in it, and
    it began before. It loses the pair when either of them leaves it, or it is
    cancelled, in that year or the two after. Someone else leaving (a
    government cutting its part at home) is not the shock's doing. Passes when
    the oldest club exposed (the ISS, where there is one) keeps its pair: a
    young club begun a year or two before the shock may break, as young
    projects do.
    """
    p = run.pairs.sort_values(["agency_a", "agency_b", "year"])
    rise = p.groupby(["agency_a", "agency_b"]).tension.diff()
    shocks = p[rise >= SHOCK]
    m = run.missions[run.missions.joint & run.missions.kind.isin(station_kinds(run.spec))]
    who = everyone(m)
    m = m[who.map(len) >= 3]
    rows = list(
        zip(
            m.mission_id,
            who[m.index],
            m.start_year,
            m.end_year,
            m.outcome == "cancelled",
            m.withdrawn,
            m.withdrawn_years,
            strict=True,
        )
    )
    exposed = {}  # station club -> (start year, lost the shocked pair within 2 years)
    for year, a, b in zip(shocks.year, shocks.agency_a, shocks.agency_b, strict=True):
        for mission_id, members, start, end, ended, left, when in rows:
            under_way = start < year and (pd.isna(end) or end >= year)
            if mission_id in exposed or not under_way or a not in members or b not in members:
                continue
            soon = range(year, year + 3)
            gone = any(x in (a, b) and y in soon for x, y in zip(left, when, strict=True))
            exposed[mission_id] = (start, gone or bool(ended and end in soon))
    if not exposed:
        return float("nan"), False
    _, oldest_lost = exposed[min(exposed, key=lambda k: (exposed[k][0], k))]
    kept = 1.0 - float(np.mean([lost for _, lost in exposed.values()]))
    return kept, not oldest_lost


def two_blocs(run: RunView) -> tuple[float, bool]:
    """Normalised modularity of the joint-mission network of 2021 on (greedy communities).

    The communities are found from the network alone, without the scenario's
    bloc labels. Modularity ``Q`` is normalised by its ceiling for those
    communities, ``1 - sum(a_c^2)`` with ``a_c`` the share of tie ends in
    community ``c`` (Newman 2003, the assortativity coefficient of the
    partition): two perfectly separate blocs score 1 whatever their sizes,
    where ``Q`` itself cannot exceed ``2 f (1 - f)`` for blocs holding ``f``
    and ``1 - f`` of the ties, under 0.3 once the larger holds 82 %.
    At 0.5 the ties across communities are half what chance would give.
    """
    import networkx as nx
    from networkx.algorithms.community import greedy_modularity_communities, modularity

    m = run.missions[run.missions.start_year >= 2021]
    m = m[everyone(m).map(len).astype(int) > 1]  # agencies working together, national pairs too
    graph = nx.Graph()
    for who in everyone(m):
        for a, b in combinations(sorted(set(who)), 2):
            weight = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=weight + 1)
    if not {"NASA", "CNSA"} <= set(graph):
        return float("nan"), False
    communities = [set(c) for c in greedy_modularity_communities(graph, weight="weight")]
    q = float(modularity(graph, communities, weight="weight"))
    ends = 2.0 * graph.size(weight="weight")
    ceiling = 1.0 - sum(
        (sum(d for _, d in graph.degree(c, weight="weight")) / ends) ** 2 for c in communities
    )
    r = q / ceiling if ceiling > 0 else 0.0
    us = next(c for c in communities if "NASA" in c)
    china = next(c for c in communities if "CNSA" in c)
    both = [
        a for a in graph if any(n in us for n in graph[a]) and any(n in china for n in graph[a])
    ]
    passed = r >= 0.5 and us is not china and len(us) > len(china) and len(both) > 0
    return r, bool(passed)
