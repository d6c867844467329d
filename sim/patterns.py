"""Patterns of the historical record the model must reproduce (pattern-oriented modelling).

Each :class:`Pattern` is one stylized fact of space cooperation, checked on
one run at a time: ``check(run)`` returns the run's value of a statistic and
whether the fact holds in that run, within the tolerance the pattern states.
A pattern holds for a scenario when the share of seeded runs in which it
holds reaches its ``required`` share. The same checks serve the test suite
(``tests/test_stylized_facts.py``), calibration (``sim.calibrate``) and the
validation report (``spacecoop report``); a scenario names the patterns it is
checked against in its ``validation.patterns`` list.

Blocs, event years and tension are read from the run and its scenario, never
hard-coded as results: the patterns name only the agencies and periods the
historical claims are about (NASA, the Soviet and Russian agencies, ESA,
CNSA; the Cold War to 1991).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from sim.scenario import Scenario

__all__ = [
    "PATTERNS",
    "Pattern",
    "RunView",
    "evaluate",
    "pass_shares",
    "runs_of",
]

COLD_WAR_END = 1991  # the Soviet Union dissolved on 26 December 1991
CRIMEA = 2014  # tension across blocs rises again from the annexation of Crimea
HIGH_TENSION = 0.4  # tension at which only low-sensitivity cooperation crosses blocs
SENSITIVE = 0.6  # launch- and crew-critical kinds (export-controlled at 0.6 in _common)


@dataclass(frozen=True)
class RunView:
    """The four tables of one run, and the scenario it ran."""

    run_id: int
    seed: int
    model: pd.DataFrame
    agencies: pd.DataFrame
    pairs: pd.DataFrame
    missions: pd.DataFrame
    spec: Scenario

    def blocs(self) -> dict[str, str]:
        """Bloc of every agency of the scenario."""
        return {name: a.bloc for name, a in self.spec.agencies.items()}


@dataclass(frozen=True)
class Pattern:
    """One stylized fact: a claim, a per-run check and the share of runs that must pass.

    Attributes
    ----------
    name : str
        Identifier used in scenarios, on the command line and in reports.
    claim : str
        The fact, in one sentence a historian would sign.
    tolerance : str
        What one run must show to pass, with its numbers.
    mechanism : str
        Why the model produces it (which rule does the work).
    required : float
        Share of runs that must pass for the pattern to hold.
    check : callable
        ``check(run) -> (value, passed)``.
    value_label : str
        What ``value`` measures (the axis of the report's plot).
    threshold : float or None
        The pass line on ``value``, drawn in the plot when there is one.
    agencies : tuple of str
        Agencies a scenario must have for the pattern to apply.
    """

    name: str
    claim: str
    tolerance: str
    mechanism: str
    required: float
    check: Callable[[RunView], tuple[float, bool]]
    value_label: str
    threshold: float | None = None
    agencies: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------
# Small readers of one run's tables


def _everyone(missions: pd.DataFrame) -> pd.Series:
    """Every agency that signed each mission (members and those that withdrew)."""
    return pd.Series(
        [list(m) + list(w) for m, w in zip(missions.members, missions.withdrawn, strict=True)],
        index=missions.index,
        dtype=object,
    )


def _spans(missions: pd.DataFrame, blocs: dict[str, str], a: str, b: str) -> pd.Series:
    """Whether each mission has members in both bloc ``a`` and bloc ``b``."""
    return _everyone(missions).map(lambda x: {a, b} <= {blocs[i] for i in x})


def _one_bloc(missions: pd.DataFrame, blocs: dict[str, str]) -> pd.Series:
    return _everyone(missions).map(lambda x: len({blocs[i] for i in x}) == 1)


def _between(frame: pd.DataFrame, column: str, first: int, last: int) -> pd.DataFrame:
    return frame[(frame[column] >= first) & (frame[column] <= last)]


def _bloc_tension(run: RunView, a: str, b: str) -> pd.Series:
    """Mean tension across blocs ``a`` and ``b`` by year (pairs of active agencies)."""
    blocs = run.blocs()
    p = run.pairs
    ba, bb = p.agency_a.map(blocs), p.agency_b.map(blocs)
    cross = ((ba == a) & (bb == b)) | ((ba == b) & (bb == a))
    return p[cross].groupby("year").tension.mean()


def _pair_tension(run: RunView) -> dict[tuple[int, str, str], float]:
    p = run.pairs
    out = {}
    for year, a, b, t in zip(p.year, p.agency_a, p.agency_b, p.tension, strict=True):
        out[(year, a, b)] = out[(year, b, a)] = t
    return out


def _coop_rate(run: RunView, first: int, last: int) -> float:
    m = _between(run.model, "year", first, last)
    started = m.missions_started.sum()
    return float(m.joint_missions_started.sum() / started) if started else float("nan")


def _with(missions: pd.DataFrame, agency: str) -> pd.DataFrame:
    return missions[_everyone(missions).map(lambda x: agency in x)]


# --------------------------------------------------------------------------
# The patterns


def _cooperation_rises(run: RunView) -> tuple[float, bool]:
    early = _coop_rate(run, run.spec.start_year, 1971)
    detente = _coop_rate(run, 1972, 1990)
    late = _coop_rate(run, 1992, 2020)
    return late - early, bool(early < detente < late)


def _cold_war_cross_rare(run: RunView) -> tuple[float, bool]:
    m = _between(run.missions, "start_year", run.spec.start_year, COLD_WAR_END)
    joint = m[m.joint]
    if joint.empty:
        return float("nan"), False
    share = float(_spans(joint, run.blocs(), "west", "east").mean())
    return share, bool(0 < share <= 0.15)


def _cross_in_tension_dips(run: RunView) -> tuple[float, bool]:
    tension = _between(_bloc_tension(run, "west", "east").reset_index(), "year", 0, COLD_WAR_END)
    tension = tension.set_index("year").tension
    low = set(tension[tension <= tension.quantile(1 / 3)].index)
    m = _between(run.missions, "start_year", run.spec.start_year, COLD_WAR_END)
    cross = m[m.joint & _spans(m, run.blocs(), "west", "east")]
    if cross.empty:
        return float("nan"), False
    share = float(cross.start_year.isin(low).mean())
    return share, share >= 0.5


def _within_bloc_ratio_falls(run: RunView) -> tuple[float, bool]:
    blocs = run.blocs()

    def ratio(first: int, last: int) -> float:
        m = _between(run.missions, "start_year", first, last)
        m = m[m.joint]
        within = int(_one_bloc(m, blocs).sum())
        cross = int(_spans(m, blocs, "west", "east").sum())
        return (within + 1) / (cross + 1)

    before = ratio(run.spec.start_year, COLD_WAR_END)
    after = ratio(COLD_WAR_END + 1, CRIMEA - 1)
    return float(np.log(before / after)), bool(before > 1 and after < before)


def _high_tension_low_sensitivity(run: RunView) -> tuple[float, bool]:
    m = run.missions[run.missions.joint]
    m = m[_spans(m, run.blocs(), "west", "east")]
    tension = _pair_tension(run)
    worst = 0.0
    for year, who, sensitivity in zip(m.start_year, _everyone(m), m.sensitivity, strict=True):
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


def _tension_drop_raises_agreements(run: RunView) -> tuple[float, bool]:
    m = run.missions[run.missions.joint]
    years = m[_spans(m, run.blocs(), "west", "east")].start_year
    counts = years.value_counts()
    after = before = 0
    for y in _tension_drops(run.spec):
        after += int(sum(counts.get(y + k, 0) for k in (1, 2, 3)))
        before += int(sum(counts.get(y - k, 0) for k in (1, 2, 3)))
    return float(after - before), after > before


def _partners(missions: pd.DataFrame, agency: str) -> float:
    mine = _with(missions, agency)
    return float((_everyone(mine).map(len) - 1).mean()) if len(mine) else float("nan")


def _russia_seeks_partners(run: RunView) -> tuple[float, bool]:
    ussr, roscosmos = _partners(run.missions, "USSR"), _partners(run.missions, "Roscosmos")
    return roscosmos - ussr, bool(roscosmos > ussr + 0.5)


def _gain_ratio(missions: pd.DataFrame, agency: str) -> float:
    """An agency's share of its coalitions' gains, over the equal split (1 = equal)."""
    m = missions[missions.joint & (missions.withdrawn.map(len) == 0)]
    ratios = []
    for members, gains in zip(m.members, m.gains, strict=True):
        if agency not in members:
            continue
        g = np.asarray(gains, float)
        if g.sum() > 0:
            ratios.append(g[list(members).index(agency)] / g.sum() * len(g))
    return float(np.mean(ratios)) if ratios else float("nan")


def _russia_worse_shares(run: RunView) -> tuple[float, bool]:
    ussr, roscosmos = _gain_ratio(run.missions, "USSR"), _gain_ratio(run.missions, "Roscosmos")
    passed = roscosmos < 1.0 and (np.isnan(ussr) or roscosmos < ussr)
    return roscosmos, bool(passed)


def _superpower_share(missions: pd.DataFrame, first: int, last: int) -> float:
    window = _between(missions, "start_year", first, last)
    big = _everyone(window).map(lambda x: bool({"NASA", "USSR", "Roscosmos"} & set(x)))
    return float(big.mean())


def _more_agencies_smaller_superpowers(run: RunView) -> tuple[float, bool]:
    active = run.model.set_index("year").active_agencies
    early = _superpower_share(run.missions, run.spec.start_year, 1969)
    late = _superpower_share(run.missions, 2010, run.spec.end_year)
    more = active.loc[:1969].mean() < active.loc[2010:].mean()
    return late - early, bool(more and late < early - 0.2)


def _trust_breaks_fast(run: RunView) -> tuple[float, bool]:
    pairs = run.pairs.sort_values(["agency_a", "agency_b", "year"])
    change = pairs.groupby(["agency_a", "agency_b"]).trust.diff().dropna()
    drops, rises = -change[change < 0], change[change > 0]
    if drops.empty or rises.empty:
        return float("nan"), False
    ratio = float(drops.median() / rises.median())
    return ratio, ratio > 2.0


def _coalition_sizes_skewed(run: RunView) -> tuple[float, bool]:
    joint = run.missions[run.missions.joint]
    sizes = _everyone(joint).map(len).value_counts()
    pairs, threes, large = sizes.get(2, 0), sizes.get(3, 0), sizes[sizes.index >= 4].sum()
    share = float(pairs / sizes.sum()) if sizes.sum() else float("nan")
    return share, bool(pairs > threes >= large and large > 0)


def _esa_most_central(run: RunView) -> tuple[float, bool]:
    last = run.pairs[(run.pairs.year == run.pairs.year.max()) & (run.pairs.joint_missions > 0)]
    degree = pd.concat([last.agency_a, last.agency_b]).value_counts()
    esa = int(degree.get("ESA", 0))
    return float(esa - degree.drop("ESA", errors="ignore").max()), esa >= degree.max()


SHOCK = 0.2  # a rise in a pair's tension this large in one year is a shock


def _club_survives_shocks(run: RunView) -> tuple[float, bool]:
    p = run.pairs.sort_values(["agency_a", "agency_b", "year"])
    rise = p.groupby(["agency_a", "agency_b"]).tension.diff()
    shocks = p[rise >= SHOCK]
    m = run.missions[run.missions.joint]
    rows = list(
        zip(m.mission_id, _everyone(m), m.start_year, m.end_year, m.withdrawn_years, strict=True)
    )
    exposed = {}  # mission -> (members, lost a member within 2 years of the shock)
    for year, a, b in zip(shocks.year, shocks.agency_a, shocks.agency_b, strict=True):
        for mission_id, who, start, end, left in rows:
            under_way = start < year and (pd.isna(end) or end >= year)
            if mission_id in exposed or not under_way or a not in who or b not in who:
                continue
            exposed[mission_id] = (len(who), any(year <= y <= year + 2 for y in left))
    clubs = [lost for n, lost in exposed.values() if n >= 3]
    pairs = [lost for n, lost in exposed.values() if n == 2]
    if not clubs:
        return float("nan"), False
    biggest = max((n, not lost) for n, lost in exposed.values())
    survives = biggest[1]
    rates_ok = not pairs or np.mean(pairs) >= np.mean(clubs)
    return 1.0 - float(np.mean(clubs)), bool(survives and rates_ok)


def _two_blocs(run: RunView) -> tuple[float, bool]:
    """Modularity of the joint-mission network of 2021 on (greedy communities)."""
    import networkx as nx
    from networkx.algorithms.community import greedy_modularity_communities, modularity

    m = run.missions[run.missions.joint & (run.missions.start_year >= 2021)]
    graph = nx.Graph()
    for who in _everyone(m):
        for a, b in combinations(sorted(set(who)), 2):
            weight = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=weight + 1)
    if not {"NASA", "CNSA"} <= set(graph):
        return float("nan"), False
    communities = [set(c) for c in greedy_modularity_communities(graph, weight="weight")]
    q = float(modularity(graph, communities, weight="weight"))
    us = next(c for c in communities if "NASA" in c)
    china = next(c for c in communities if "CNSA" in c)
    both = [
        a for a in graph if any(n in us for n in graph[a]) and any(n in china for n in graph[a])
    ]
    passed = q >= 0.3 and us is not china and len(us) > len(china) and len(both) > 0
    return q, bool(passed)


PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            name="cooperation_rises",
            claim="The cooperation rate rises from the Cold War to detente to the station era.",
            tolerance="joint share of missions started: 1957-1971 < 1972-1990 < 1992-2020",
            mechanism="tension falls across blocs (events), so the political cost of "
            "partners falls; more agencies with complementary capabilities enter",
            required=0.9,
            check=_cooperation_rises,
            value_label="cooperation rate 1992-2020 minus 1957-1971",
            threshold=0.0,
        ),
        Pattern(
            name="cold_war_cross_bloc_rare",
            claim="In the Cold War, joint missions across the Iron Curtain are rare but not zero.",
            tolerance="0 < share of joint missions 1957-1991 with both west and east members "
            "<= 0.15",
            mechanism="west-east tension of 0.5-0.9 discounts a partner's value by "
            "political_cost x sensitivity x tension; only low-sensitivity kinds clear it",
            required=0.8,
            check=_cold_war_cross_rare,
            value_label="cross-bloc share of joint missions, 1957-1991",
            threshold=0.15,
        ),
        Pattern(
            name="cross_bloc_in_tension_dips",
            claim="Cold War cross-bloc missions concentrate where tension dips "
            "(1972-1975, late 1980s).",
            tolerance=">= half of the 1957-1991 cross-bloc missions start in the third of "
            "years with the lowest west-east tension (a third if they were spread evenly)",
            mechanism="the value of a rival partner rises as tension falls; "
            "symbolic docking is worth more the more tension it bridges",
            required=0.75,
            check=_cross_in_tension_dips,
            value_label="share of Cold War cross-bloc missions in low-tension years",
            threshold=0.5,
        ),
        Pattern(
            name="within_bloc_ratio_falls",
            claim="Within-bloc cooperation exceeds cross-bloc cooperation under high tension, "
            "and the ratio falls after 1991.",
            tolerance="(within + 1)/(cross + 1) joint missions > 1 up to 1991, and lower in "
            "1992-2013 (before the 2014 Crimea shock raised tension again)",
            mechanism="bloc tension (0.1 within, 0.9 across) sets the political cost; the "
            "1985-1991 events lower it across blocs",
            required=0.9,
            check=_within_bloc_ratio_falls,
            value_label="log(within/cross ratio before 1992 / after)",
            threshold=0.0,
        ),
        Pattern(
            name="high_tension_low_sensitivity",
            claim="Under high tension the cross-bloc missions that happen are low-sensitivity "
            "ones (science, docking, tracking), never launch- or crew-critical hardware.",
            tolerance=f"no west-east mission begun at tension >= {HIGH_TENSION} between "
            f"two members has sensitivity >= {SENSITIVE}",
            mechanism="a partner's value is discounted by sensitivity x tension, and "
            "export controls bar sensitive kinds across rival blocs",
            required=0.95,
            check=_high_tension_low_sensitivity,
            value_label="highest sensitivity of a cross-bloc mission under high tension",
            threshold=SENSITIVE,
        ),
        Pattern(
            name="tension_drop_raises_agreements",
            claim="A drop in tension raises agreements within 1-3 years.",
            tolerance="cross-bloc agreements in the 3 years after west-east tension drops "
            "(events with delta <= -0.1) outnumber those in the 3 years before",
            mechanism="lower tension raises partner values at once; trust and the "
            "capabilities partners need follow over the next years",
            required=0.8,
            check=_tension_drop_raises_agreements,
            value_label="cross-bloc agreements after drops minus before",
            threshold=0.0,
        ),
        Pattern(
            name="russia_seeks_partners",
            claim="After the 1991 budget collapse the Russian agency takes more partners.",
            tolerance="Roscosmos has >= 0.5 more partners per mission than the USSR had",
            mechanism="a budget cut to 40 % makes solo missions unaffordable: sharing "
            "costs is the only way to fly, and its capabilities are in demand",
            required=0.9,
            check=_russia_seeks_partners,
            value_label="partners per mission: Roscosmos minus USSR",
            threshold=0.5,
            agencies=("USSR", "Roscosmos"),
        ),
        Pattern(
            name="russia_worse_shares",
            claim="After 1991 the Russian agency accepts worse cost shares.",
            tolerance="Roscosmos's share of its coalitions' gains is below an equal split "
            "(ratio < 1) and below the USSR's",
            mechanism="poverty: Nash bargaining power ~ sqrt(budget), and a poor agency's "
            "science and prestige are worth fewer dollars to it (value of money ~ "
            "sqrt(budget)); with a late-Soviet budget the pattern fails",
            required=0.9,
            check=_russia_worse_shares,
            value_label="Roscosmos's gain share / equal split",
            threshold=1.0,
            agencies=("USSR", "Roscosmos"),
        ),
        Pattern(
            name="more_agencies_smaller_superpowers",
            claim="The number of active agencies rises and the superpowers' share of "
            "missions falls.",
            tolerance="more active agencies after 2010 than before 1970, and the share of "
            "missions with NASA or the Soviet/Russian agency falls by > 0.2",
            mechanism="agencies enter at their founding years and learn by flying",
            required=0.9,
            check=_more_agencies_smaller_superpowers,
            value_label="superpower share of missions, 2010 on minus before 1970",
            threshold=-0.2,
            agencies=("NASA", "USSR", "Roscosmos"),
        ),
        Pattern(
            name="trust_breaks_fast",
            claim="Trust breaks fast and recovers slowly.",
            tolerance="the median yearly fall in a pair's trust is > 2x the median rise",
            mechanism="a withdrawal halves trust, a joint failure takes 15 %; "
            "a joint success closes only 10 % of the gap to 1",
            required=0.9,
            check=_trust_breaks_fast,
            value_label="median trust fall / median trust rise",
            threshold=2.0,
        ),
        Pattern(
            name="coalition_sizes_skewed",
            claim="Coalition sizes are skewed: pairs most common, a long tail of large clubs.",
            tolerance="joint missions of 2 > of 3 >= of 4 or more, and some of 4 or more",
            mechanism="each partner adds integration overhead and political cost; "
            "only big, modular kinds pay for many",
            required=0.7,
            check=_coalition_sizes_skewed,
            value_label="share of joint missions that are pairs",
        ),
        Pattern(
            name="esa_most_central",
            claim="The agency with low tension toward everyone (ESA) has the highest "
            "degree centrality.",
            tolerance="ESA has at least as many distinct partners by the last year as any agency",
            mechanism="ESA's low tension with both blocs keeps its partner values high",
            required=0.85,
            check=_esa_most_central,
            value_label="ESA's partners minus the best other agency's",
            threshold=0.0,
            agencies=("ESA",),
        ),
        Pattern(
            name="club_survives_shocks",
            claim="The ISS club survives shocks that end bilateral projects.",
            tolerance=f"over the missions under way with a pair whose tension jumps by >= {SHOCK}: "
            "the largest keeps all its members for 2 years, and two-member ones lose a member "
            "at least as often as those of 3 or more",
            mechanism="sunk cost (tolerance + 0.5 x share paid) and the partners a leaver "
            "lets down (+ lock_in per partner beyond the first) keep a long, many-member "
            "programme together when a young bilateral project is not worth the tension",
            required=0.8,
            check=_club_survives_shocks,
            value_label="share of clubs (3+ members) under way at a shock that keep everyone",
        ),
        Pattern(
            name="two_blocs",
            claim="After 2020 the cooperation network splits into two blocs, the US-led one "
            "larger, with a few agencies in both.",
            tolerance="joint-mission network of 2021 on: greedy modularity >= 0.3, NASA and "
            "CNSA in different communities, NASA's larger, and >= 1 agency with partners in both",
            mechanism="tension between the Artemis and ILRS clubs, the NASA-CNSA ban and the "
            "2022 break leave cross-club partnerships to agencies at low tension with both",
            required=0.5,
            check=_two_blocs,
            value_label="modularity of the 2021-on joint-mission network",
            threshold=0.3,
            agencies=("NASA", "CNSA"),
        ),
    )
}


# --------------------------------------------------------------------------
# Evaluating patterns on a batch


def runs_of(batch, spec: Scenario) -> Iterator[tuple[int, RunView]]:
    """``(point, run)`` for every run of ``batch`` (a :class:`sim.BatchResult`) that finished."""
    if batch.model.empty:
        return
    groups = {name: dict(iter(getattr(batch, name).groupby("run_id"))) for name in _TABLES}
    empty = {name: getattr(batch, name).iloc[0:0] for name in _TABLES}
    for run_id, model in groups["model"].items():
        yield (
            int(model.point.iloc[0]),
            RunView(
                run_id=int(run_id),
                seed=int(model.seed.iloc[0]),
                model=model,
                **{n: groups[n].get(run_id, empty[n]) for n in _TABLES if n != "model"},
                spec=spec,
            ),
        )


_TABLES = ("model", "agencies", "pairs", "missions")


def evaluate(batch, spec: Scenario, names: Sequence[str]) -> pd.DataFrame:
    """One row per run and pattern: ``point, run_id, seed, pattern, value, passed``."""
    rows = []
    for point, run in runs_of(batch, spec):
        for name in names:
            value, passed = PATTERNS[name].check(run)
            rows.append((point, run.run_id, run.seed, name, float(value), bool(passed)))
    return pd.DataFrame(rows, columns=["point", "run_id", "seed", "pattern", "value", "passed"])


def pass_shares(results: pd.DataFrame) -> pd.DataFrame:
    """Share of runs passing, per point and pattern, and whether it reaches ``required``."""
    out = (
        results.groupby(["point", "pattern"], sort=False)
        .agg(runs=("passed", "size"), pass_share=("passed", "mean"), value=("value", "median"))
        .reset_index()
    )
    out["required"] = out.pattern.map(lambda n: PATTERNS[n].required)
    out["holds"] = out.pass_share >= out.required - 1e-12
    return out
