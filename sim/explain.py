"""Why two scenarios differ: a metric's difference shared out over the inputs that differ.

:func:`explain` takes two scenarios, ``a`` and ``b``, and cuts their inputs
into six *factors* (:data:`FACTORS`): which agencies exist, their budgets,
their capabilities, the tension between them, the other dated events, and the
rules. A *hybrid* is ``a`` with some factors taken from ``b``
(:func:`hybrid`); there are :math:`2^6 = 64`, from ``a`` itself to ``b``
itself (fewer when only some factors are told apart and the rest move
together as ``other``). Each hybrid runs over the same seeds, and the difference
:math:`m(b) - m(a)` in a metric (the cooperation rate by default) is split:

- one factor at a time: ``a`` with that factor alone from ``b``, and ``b``
  with that factor alone from ``a``;
- as Shapley values over the factors (Shapley 1953): each factor's effect
  averaged over every order in which the factors could be swapped. They sum to
  the whole difference, interactions included (Shorrocks 2013 uses the same
  decomposition for distributional analysis).

Both are computed per seed (every hybrid runs on the same seeds), so their
intervals are over seeds.

How two scenarios are aligned, since they may differ in years and agencies:

- **Years.** A hybrid runs on the calendar of its ``rules``. Every dated input
  of another factor (events, founding and dissolution years, the windows of
  ``leads`` and ``engages``, missions under way) moves by the difference of
  the start years: an input keeps its place relative to the start of its era.
  Events that fall outside the run are left out.
- **Agencies.** An agency of one scenario stands for one of the other
  (:func:`counterparts`): the same name; else one that succeeds the other
  (``succeeds``); else the same country; else the state that continues the
  other's (:data:`CONTINUATOR_STATES`: Russia the USSR); or as the caller
  says (``match``). The ``agencies`` factor chooses the roster; budgets and
  capabilities come from their factor's scenario through the counterpart,
  and an agency with none keeps its own. Relations and events naming an
  agency with no counterpart in the roster are left out.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from math import factorial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# run_batch is looked up in sim.batch at each call (``batches.run_batch``), so a
# runner replaced there (the command-line fuzz tests do) is the one used here.
from sim import batch as batches
from sim.arguments import check_batch_arguments
from sim.errors import UsageError
from sim.scenario import Scenario, load_scenario
from sim.scenario.checks import validated
from sim.summary import END_METRICS, METRIC_RANGES, mean_ci, run_metrics

__all__ = [
    "CONTINUATOR_STATES",
    "FACTORS",
    "OTHER",
    "Explanation",
    "counterparts",
    "explain",
    "hybrid",
    "shapley_weights",
    "shares",
]

#: The factors a difference is shared over, and what each carries.
FACTORS: dict[str, str] = {
    "agencies": (
        "which agencies exist and when, and what they are: country, bloc, motives, tolerance, "
        "committed share, cost factor, domestic support, succession, the programmes they lead "
        "and the rivals they engage"
    ),
    "budgets": "each agency's budget and its trend, and the dated budget events",
    "capabilities": "each agency's capabilities, and the dated milestones and losses",
    "tension": (
        "the relations: tension and trust by bloc and by pair, and the dated tension events"
    ),
    "events": (
        "the other dated events (bans, domestic support, policy changes, mission costs) "
        "and the missions under way at the start"
    ),
    "rules": (
        "the calendar, the mission catalog, and the negotiation, dynamics and policy settings"
    ),
}

#: Which factor each kind of event belongs to (any other kind: ``events``).
_EVENT_FACTOR = {
    "budget": "budgets",
    "capability": "capabilities",
    "capability_loss": "capabilities",
    "tension": "tension",
}

#: A country whose agencies stand for another's: Russia continues the USSR's
#: seat and treaties (UN Security Council, December 1991).
CONTINUATOR_STATES: dict[str, str] = {"USSR": "Russia"}

_FIRST_YEAR, _LAST_YEAR = 1900, 2200  # sim.scenario.fields.Year


def counterparts(
    a: Scenario, b: Scenario, match: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Which agency of ``b`` stands for each agency of ``a`` (names of ``a`` to names of ``b``).

    One to one. ``match`` pairs names first; then, for agencies still
    unpaired, in this order over all of them: the same name, succession, the
    same country, the continuing state. The first free agency of ``b``, in its
    order, is taken.

    Raises
    ------
    UsageError
        ``match`` names an agency that is not there, or one twice.
    """
    pairs: dict[str, str] = {}
    for x, y in (match or {}).items():
        for name, sc in ((x, a), (y, b)):
            if name not in sc.agencies:
                known = ", ".join(sc.agencies)
                raise UsageError("--match", f"no agency {name!r} in {sc.name} (known: {known})")
        if y in pairs.values():
            raise UsageError("--match", f"{y} is matched twice")
        pairs[x] = y

    def continues(p: str, q: str) -> bool:
        return CONTINUATOR_STATES.get(p) == q or CONTINUATOR_STATES.get(q) == p

    rules = (
        lambda x, y: x == y,
        lambda x, y: x in b.agencies[y].succeeds or y in a.agencies[x].succeeds,
        lambda x, y: a.agencies[x].country == b.agencies[y].country,
        lambda x, y: continues(a.agencies[x].country, b.agencies[y].country),
    )
    for same in rules:
        for x in a.agencies:
            if x in pairs:
                continue
            taken = set(pairs.values())
            found = next((y for y in b.agencies if y not in taken and same(x, y)), None)
            if found is not None:
                pairs[x] = found
    return pairs


@dataclass(frozen=True)
class _Pair:
    """Two scenarios and which agency of ``a`` stands for which of ``b``."""

    a: Scenario
    b: Scenario
    a_to_b: dict[str, str]

    def names(self, source: Scenario, roster: Scenario) -> dict[str, str]:
        """Names of ``source`` to the names that stand for them in ``roster``."""
        if source is roster:
            return {n: n for n in source.agencies}
        return dict(self.a_to_b) if source is self.a else {y: x for x, y in self.a_to_b.items()}


def _year(y: int) -> int:
    return min(max(y, _FIRST_YEAR), _LAST_YEAR)


def _shifted_window(entry: dict, shift: int) -> dict:
    until = entry.get("until")
    return {
        **entry,
        "since": _year(entry["since"] + shift),
        "until": None if until is None else _year(until + shift),
    }


def _agencies(pair: _Pair, source: dict[str, Scenario], rules: Scenario) -> dict[str, dict]:
    roster = source["agencies"]
    shift = rules.start_year - roster.start_year
    taken = (
        (source["budgets"], ("budget", "budget_growth")),
        (source["capabilities"], ("capabilities",)),
    )
    # Roster names to the names that stand for them where each factor comes from.
    theirs = [(sc, pair.names(roster, sc), fields) for sc, fields in taken]
    out: dict[str, dict] = {}
    for name, spec in roster.agencies.items():
        d = spec.model_dump()
        d["founded"] = _year(spec.founded + shift)
        if spec.dissolved is not None:
            d["dissolved"] = _year(spec.dissolved + shift)
        d["leads"] = [
            _shifted_window(x, shift) for x in d["leads"] if x["mission"] in rules.missions
        ]
        d["engages"] = [_shifted_window(x, shift) for x in d["engages"]]
        for sc, names, fields in theirs:
            if name in names:
                spec_there = sc.agencies[names[name]].model_dump()
                d.update({f: spec_there[f] for f in fields})
        out[name] = d
    return out


def _relations(pair: _Pair, source: Scenario, roster: Scenario) -> dict:
    rel = source.relations.model_dump()
    names = pair.names(source, roster)
    blocs = set(roster.blocs)
    for section in ("tension", "trust"):
        rows = {
            names[x]: {names[y]: v for y, v in row.items() if y in names}
            for x, row in rel[section].items()
            if x in names
        }
        rel[section] = {x: row for x, row in rows.items() if row}
    for section in ("bloc_tension", "bloc_trust"):
        rel[section] = {key: v for key, v in rel[section].items() if set(key.split("/")) <= blocs}
    return rel


def _moved_event(
    event: Any, names: dict[str, str], shift: int, rules: Scenario, blocs: set[str]
) -> dict | None:
    """An event of one scenario in a hybrid, or None where it has no place there."""
    d = event.model_dump()
    d["year"] = event.year + shift
    if not rules.start_year <= d["year"] <= rules.end_year:
        return None
    if d.get("blocs") and not set(d["blocs"]) <= blocs:
        return None
    if "agencies" in d:
        kept = [names[x] for x in d["agencies"] if x in names]
        whole = len(kept) == len(d["agencies"])
        if d.get("against"):  # one side against the other: each keeps who has a place here
            d["against"] = [names[x] for x in d["against"] if x in names]
            if not (kept and d["against"]):
                return None
        elif event.kind in ("ban", "lift_ban") or (event.kind == "tension" and d["blocs"]):
            if not whole:
                return None
        elif len(kept) < (2 if event.kind == "tension" else 1):
            return None
        d["agencies"] = kept
    if event.kind == "mission_cost" and d["missions"]:
        d["missions"] = [m for m in d["missions"] if m in rules.missions]
        if not d["missions"]:
            return None
    return d


def _active_at_start(spec: dict, start: int) -> bool:
    return spec["founded"] <= start and (spec["dissolved"] is None or start < spec["dissolved"])


def _under_way(
    pair: _Pair, source: Scenario, roster: Scenario, rules: Scenario, agencies: dict[str, dict]
) -> list[dict]:
    names = pair.names(source, roster)
    shift = rules.start_year - source.start_year
    out = []
    for uw in source.under_way:
        members = [names.get(m) for m in uw.members]
        if uw.kind not in rules.missions or None in members:
            continue
        if not all(_active_at_start(agencies[m], rules.start_year) for m in members if m):
            continue
        out.append({**uw.model_dump(), "members": members, "started": uw.started + shift})
    return out


def hybrid(
    a: Scenario, b: Scenario, take: Collection[str], match: Mapping[str, str] | None = None
) -> Scenario:
    """``a`` with the factors in ``take`` (names from :data:`FACTORS`) taken from ``b``.

    ``hybrid(a, b, [])`` runs as ``a`` does and ``hybrid(a, b, FACTORS)`` as
    ``b`` does, seed for seed. See the module's docstring for how years and
    agencies are aligned.

    Raises
    ------
    ValueError
        An unknown factor.
    UsageError
        A bad ``match``.
    ScenarioError
        The hybrid is not a valid scenario.
    """
    unknown = [f for f in take if f not in FACTORS]
    if unknown:
        raise ValueError(f"unknown factor {unknown[0]!r} (known: {', '.join(FACTORS)})")
    return _hybrid(_Pair(a, b, counterparts(a, b, match)), frozenset(take))


def _label(pair: _Pair, take: frozenset[str]) -> str:
    if not take:
        return pair.a.name
    if take == frozenset(FACTORS):
        return pair.b.name
    return f"{pair.a.name} with {'+'.join(f for f in FACTORS if f in take)} of {pair.b.name}"


def _hybrid(pair: _Pair, take: frozenset[str]) -> Scenario:
    source = {f: (pair.b if f in take else pair.a) for f in FACTORS}
    rules, roster = source["rules"], source["agencies"]
    agencies = _agencies(pair, source, rules)
    events = []
    blocs = set(roster.blocs)
    for sc in (pair.a, pair.b):
        names = pair.names(sc, roster)
        shift = rules.start_year - sc.start_year
        for event in sc.events:
            if source[_EVENT_FACTOR.get(event.kind, "events")] is sc:
                moved = _moved_event(event, names, shift, rules, blocs)
                if moved is not None:
                    events.append(moved)
    data = {
        "name": _label(pair, take),
        "title": rules.title,
        "description": f"{pair.a.name} with {', '.join(sorted(take)) or 'nothing'} "
        f"from {pair.b.name} (spacecoop explain)",
        "start_year": rules.start_year,
        "end_year": rules.end_year,
        "agencies": agencies,
        "relations": _relations(pair, source["tension"], roster),
        "missions": {k: v.model_dump() for k, v in rules.missions.items()},
        "negotiation": rules.negotiation.model_dump(),
        "dynamics": rules.dynamics.model_dump(),
        "policies": rules.policies.model_dump(),
        "events": events,
        "under_way": _under_way(pair, source["events"], roster, rules, agencies),
    }
    return validated(data, {}, f"explain {pair.a.name} -> {pair.b.name} ({_label(pair, take)})")


def shapley_weights(n: int) -> np.ndarray:
    """Weight of a coalition of ``s`` other factors, for ``s = 0 .. n - 1``: s!(n-s-1)!/n!.

    >>> shapley_weights(2).tolist()
    [0.5, 0.5]
    >>> float(sum(w * factorial(2) / (factorial(s) * factorial(2 - s))
    ...           for s, w in enumerate(shapley_weights(3))))
    1.0
    """
    return np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])


def _subsets(factors: Sequence[str]) -> list[frozenset[str]]:
    """Every subset, in order of its bit mask (factor ``k`` is bit ``k``)."""
    n = len(factors)
    return [frozenset(f for k, f in enumerate(factors) if mask >> k & 1) for mask in range(2**n)]


def shares(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shapley values and the two one-at-a-time effects, per factor and per seed.

    ``values[mask, s]`` is the metric of the hybrid whose factors from ``b``
    are the bits of ``mask``, in seed ``s``. Returns three arrays of shape
    (factors, seeds): the Shapley values (they sum to
    ``values[-1] - values[0]``), the effect of taking the factor alone into
    ``a``, and that of taking it alone out of ``b``.

    >>> v = np.array([[0.0], [1.0], [2.0], [5.0]])  # factor 0: +1, factor 1: +2, together +2 more
    >>> [x[:, 0].tolist() for x in shares(v)]
    [[2.0, 3.0], [1.0, 2.0], [3.0, 4.0]]
    """
    masks, _ = values.shape
    n = masks.bit_length() - 1
    weights = shapley_weights(n)
    full = masks - 1
    phi = np.zeros((n, values.shape[1]))
    for k in range(n):
        bit = 1 << k
        for mask in range(masks):
            if not mask & bit:
                phi[k] += weights[mask.bit_count()] * (values[mask | bit] - values[mask])
    alone_in = np.array([values[1 << k] - values[0] for k in range(n)])
    alone_out = np.array([values[full] - values[full ^ (1 << k)] for k in range(n)])
    return phi, alone_in, alone_out


@dataclass(frozen=True)
class Explanation:
    """A metric's difference between two scenarios, shared over the factors.

    Attributes
    ----------
    a, b : str
        The two scenarios' names.
    metric : str
        The end-of-run metric explained.
    runs : DataFrame
        One row per hybrid and seed: ``hybrid`` (its label), the ``from_b``
        factors, ``replicate``, ``seed`` and the metric's ``value``.
    factors : DataFrame
        One row per factor told apart (and ``other``, the rest taken
        together): ``shapley``, ``alone_into_a`` and ``alone_out_of_b``, each
        with ``_low`` and ``_high`` 95 % bounds over seeds, what the factor
        carries (``what``) and the factors it is made of (``members``).
    totals : DataFrame
        Mean [95 % CI] over seeds of the metric in ``a``, in ``b``, and of
        their difference (``b - a``).
    seeds : int
        Seeds every factor's values are averaged over (seeds where any hybrid
        left the metric undefined are left out).
    """

    a: str
    b: str
    metric: str
    runs: pd.DataFrame
    factors: pd.DataFrame
    totals: pd.DataFrame
    seeds: int
    failed: int = 0


def _interval(
    x: np.ndarray, bounds: tuple[float, float] = (-np.inf, np.inf)
) -> tuple[float, float, float]:
    ci = mean_ci(pd.Series(x), bounds=bounds)
    return float(ci["mean"]), float(ci["ci_low"]), float(ci["ci_high"])


#: The name of the factors not asked for, taken together.
OTHER = "other"


def _groups(factors: Sequence[str] | None) -> dict[str, tuple[str, ...]]:
    """The factors to tell apart, each alone, and the rest together as ``other``.

    >>> _groups(["budgets", "tension"])["other"]
    ('agencies', 'capabilities', 'events', 'rules')
    """
    if factors is None:
        return {f: (f,) for f in FACTORS}
    asked = list(factors)
    unknown = [f for f in asked if f not in FACTORS]
    if unknown or not asked or len(set(asked)) < len(asked):
        why = f"unknown factor {unknown[0]!r}" if unknown else "name each factor once"
        raise UsageError("--factors", f"{why} (known: {', '.join(FACTORS)})")
    groups: dict[str, tuple[str, ...]] = {f: (f,) for f in FACTORS if f in asked}
    rest = tuple(f for f in FACTORS if f not in asked)
    return {**groups, OTHER: rest} if rest else groups


@contextmanager
def _executor(executor: Executor | str | None, workers: int, scheduler: str | None) -> Iterator:
    """One executor for every hybrid's batch: workers start once, not 64 times."""
    from sim.executors import SerialExecutor, dask_executor, process_pool

    if isinstance(executor, Executor):
        yield executor
    elif executor == "dask":
        with dask_executor(workers, scheduler) as ex:
            yield ex
    elif executor == "serial" or workers == 1:
        yield SerialExecutor()
    else:
        pool = process_pool(workers)
        try:
            yield pool
        except BaseException:
            pool.kill()  # type: ignore[attr-defined]  # our _Pool: stop workers, do not wait
            raise
        pool.shutdown()


def explain(
    a: str | Path | Scenario,
    b: str | Path | Scenario,
    metric: str = "cooperation_rate",
    replicates: int = 10,
    *,
    factors: Sequence[str] | None = None,
    seed: int = 0,
    match: Mapping[str, str] | None = None,
    workers: int | None = None,
    executor: Executor | str | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Explanation:
    """Share ``metric(b) - metric(a)`` over the factors, one at a time and by Shapley values.

    Parameters
    ----------
    a, b : name, path or Scenario
        The scenarios; the difference is ``b`` minus ``a``.
    metric : str
        An end-of-run metric (:data:`sim.summary.END_METRICS`).
    replicates : int
        Seeds each hybrid runs on (the same seeds for all).
    factors : sequence of str, optional
        The factors to tell apart (names from :data:`FACTORS`); the others
        move together as one more, ``other``. Default: all six, 64 hybrids;
        two factors and ``other`` need 8.
    seed : int
        Root seed: replicate ``i`` of every hybrid runs on ``run_seed(seed, i)``.
    match : mapping, optional
        Agencies of ``a`` paired with agencies of ``b`` before the automatic
        rules (:func:`counterparts`).
    workers, executor, scheduler, progress
        As for :func:`sim.batch.run_batch`.

    Raises
    ------
    UsageError
        A bad metric, factor, count, seed, executor or ``match``, before any run.
    ScenarioError
        A bad scenario, or a hybrid that is not a valid scenario, before any run.
    """
    from tqdm.auto import tqdm

    if metric not in END_METRICS:
        raise UsageError("--metric", f"unknown metric {metric!r} (known: {', '.join(END_METRICS)})")
    check_batch_arguments(replicates, seed, executor, workers, None, scheduler)
    sa = a if isinstance(a, Scenario) else load_scenario(a)
    sb = b if isinstance(b, Scenario) else load_scenario(b)
    groups = _groups(factors)
    pair = _Pair(sa, sb, counterparts(sa, sb, match))
    names = list(groups)
    subsets = _subsets(names)
    taken = [frozenset(f for g in subset for f in groups[g]) for subset in subsets]
    hybrids = [_hybrid(pair, t) for t in taken]  # all checked before any run
    values = np.full((len(subsets), replicates), np.nan)
    rows, failed = [], 0
    bar = tqdm(total=len(subsets) * replicates, unit="run", desc="hybrids",
               disable=None if progress else True, dynamic_ncols=True)  # fmt: skip
    with bar, _executor(executor, workers or os.cpu_count() or 1, scheduler) as pool:
        for i, (subset, scenario) in enumerate(zip(subsets, hybrids, strict=True)):
            batch = batches.run_batch(
                scenario, replicates, seed=seed, executor=pool, progress=False
            )
            failed += batch.n_failed
            done = run_metrics(batch.model)
            values[i, done["replicate"].to_numpy()] = done[metric].to_numpy(float)
            from_b = "+".join(g for g in names if g in subset) or "none"
            for r, s, x in zip(done["replicate"], done["seed"], done[metric], strict=True):
                rows.append((scenario.name, from_b, int(r), int(s), float(x)))
            bar.update(replicates)
    runs = pd.DataFrame(rows, columns=["hybrid", "from_b", "replicate", "seed", "value"])
    return _explanation(sa.name, sb.name, metric, values, runs, groups, failed)


def _explanation(
    a: str,
    b: str,
    metric: str,
    values: np.ndarray,
    runs: pd.DataFrame,
    groups: Mapping[str, tuple[str, ...]],
    failed: int,
) -> Explanation:
    usable = ~np.isnan(values).any(axis=0)
    v = values[:, usable]
    phi, alone_in, alone_out = shares(v)
    table = []
    for k, (name, members) in enumerate(groups.items()):
        row: dict[str, Any] = {"factor": name}
        for col, x in (("shapley", phi[k]), ("alone_into_a", alone_in[k]),
                       ("alone_out_of_b", alone_out[k])):  # fmt: skip
            row[col], row[f"{col}_low"], row[f"{col}_high"] = _interval(x)
        what = [f"{f}: {FACTORS[f]}" if name == OTHER else FACTORS[f] for f in members]
        row["what"] = "; ".join(what)
        row["members"] = "+".join(members)
        table.append(row)
    bounds = METRIC_RANGES.get(metric, (-np.inf, np.inf))
    totals = pd.DataFrame(
        [
            (a, *_interval(v[0], bounds)),
            (b, *_interval(v[-1], bounds)),
            ("b - a", *_interval(v[-1] - v[0])),
        ],
        columns=["what", "mean", "low", "high"],
    )
    return Explanation(a, b, metric, runs, pd.DataFrame(table), totals, int(usable.sum()), failed)
