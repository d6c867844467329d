"""Summaries of replicated runs: end-of-run metrics and means with 95 % intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.registry import REGISTRY, TRADEOFF, Metric, end_of_run

__all__ = [
    "BETTER",
    "END_METRICS",
    "METRICS",
    "METRIC_RANGES",
    "TRADEOFF_METRICS",
    "group_columns",
    "mean_ci",
    "pareto_front",
    "run_metrics",
    "summarize",
    "tradeoff_metrics",
]

#: End-of-run metrics of one run, from its ``model`` table: how each is formed
#: (derived from :data:`sim.registry.REGISTRY`, like every table below).
END_METRICS = {mt.name: mt.formed for mt in end_of_run()}

#: Trade-off metrics of one run, from its ``model`` and ``missions`` tables.
TRADEOFF_METRICS = {name: REGISTRY[name].formed for name in TRADEOFF}

#: Which way is better for each metric: +1 more is better, -1 less is better.
BETTER = {name: mt.better for name, mt in REGISTRY.items() if mt.better}

#: Every end-of-run metric a command can name (``--metric``, ``--metrics``).
METRICS: tuple[str, ...] = tuple(dict.fromkeys([*END_METRICS, *TRADEOFF_METRICS]))

#: The values each metric can take; intervals of a mean are clipped to them.
#: Metrics not listed (``cost_saved`` can be negative) are not clipped.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    name: mt.bounds for name, mt in REGISTRY.items() if mt.bounds != (-np.inf, np.inf)
}


def _id_columns(model: pd.DataFrame) -> list[str]:
    """Columns that identify a run: everything before ``year`` in a batch table."""
    cols = list(model.columns)
    return cols[: cols.index("year")] if "year" in cols else []


def group_columns(runs: pd.DataFrame) -> list[str]:
    """The columns a group of replicates shares: scenario and parameters, not the run's identity.

    >>> group_columns(pd.DataFrame(columns=["run_id", "seed", "scenario", "point",
    ...                                     "replicate", "policies_treaty", "missions_started"]))
    ['scenario', 'policies_treaty']
    """
    ids = ["run_id", "seed", "point", "replicate"]
    front = list(runs.columns[: list(runs.columns).index(next(iter(END_METRICS)))])
    return [c for c in front if c not in ids]


def run_metrics(model: pd.DataFrame) -> pd.DataFrame:
    """One row of end-of-run metrics per run of a batch ``model`` table.

    The identity and parameter columns of each run are kept in front.
    See :data:`END_METRICS` for how each metric is formed (each folds its
    years as its :class:`~sim.registry.Metric` declares).
    """
    if model.empty:  # every run failed: no rows (and perhaps no columns) to summarize
        return pd.DataFrame(columns=[*_id_columns(model), *END_METRICS])
    ids = _id_columns(model) or ["_run"]
    frame = model if ids != ["_run"] else model.assign(_run=0)
    weighted = {mt.name: mt.of[0] for mt in end_of_run() if mt.over_run == "weighted"}
    # A share of the year's missions counts as much as the year has of them (0 if none).
    frame = frame.assign(
        **{f"_w_{n}": frame[n].fillna(0.0) * frame[w] for n, w in weighted.items()}
    )
    grouped = frame.groupby(ids, sort=False, dropna=False)
    out = pd.DataFrame({mt.name: _fold(mt, grouped) for mt in end_of_run()})
    out = out.reset_index()
    return out.drop(columns="_run") if "_run" in out else out


def _fold(metric: Metric, grouped: Any) -> pd.Series:
    """One run's value of ``metric`` from its yearly rows, as :attr:`Metric.over_run` says."""
    name, how = metric.name, metric.over_run
    if how in ("sum", "last", "mean"):
        return getattr(grouped[name], how)()  # last: the last defined value
    num, den = (metric.of[0], metric.of[1]) if how == "ratio" else (f"_w_{name}", metric.of[0])
    total = grouped[den].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return grouped[num].sum() / total.where(total > 0)


def mean_ci(
    values: pd.Series,
    level: float = 0.95,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> pd.Series:
    """Mean, standard deviation, count and a t-interval of the mean.

    NaN values (e.g. a cooperation rate in a year with no mission) are left
    out. With one value the interval is the value itself. The interval is
    clipped to ``bounds``, the values the metric can take (see
    :data:`METRIC_RANGES`): a mean of counts is never negative and a mean of
    shares stays in [0, 1], so the t-interval's tail beyond them is empty.
    Inside the bounds the interval is the plain t-interval.

    >>> mean_ci(pd.Series([1.0, 2.0, 3.0]))[["mean", "ci_low", "ci_high"]].round(3).tolist()
    [2.0, -0.484, 4.484]
    >>> float(mean_ci(pd.Series([1.0, 2.0, 3.0]), bounds=(0, np.inf))["ci_low"])
    0.0
    """
    x = values.dropna().to_numpy(float)
    n = len(x)
    mean = x.mean() if n else np.nan
    sd = x.std(ddof=1) if n > 1 else 0.0
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n) if n > 1 else 0.0
    low, high = bounds
    return pd.Series(
        {
            "mean": mean,
            "sd": sd,
            "n": n,
            "ci_low": max(mean - half, low) if n else np.nan,
            "ci_high": min(mean + half, high) if n else np.nan,
        }
    )


def summarize(
    table: pd.DataFrame, by: Sequence[str], metrics: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """Long table of mean and confidence interval of each metric per group.

    Parameters
    ----------
    table : DataFrame
        A batch table (``model``, or :func:`run_metrics` of it).
    by : list of str
        Grouping columns, e.g. ``["scenario", "year"]``.
    metrics : list of str
        Columns to summarize.

    Returns
    -------
    DataFrame
        Columns ``by``, ``metric``, ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high``;
        each interval is clipped to the metric's range in :data:`METRIC_RANGES`.
    """
    rows = []
    for keys, group in table.groupby(list(by), sort=False, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        for metric in metrics:
            bounds = METRIC_RANGES.get(metric, (-np.inf, np.inf))
            stat = mean_ci(group[metric], level, bounds)
            rows.append({**dict(zip(by, keys, strict=True)), "metric": metric, **stat})
    out = pd.DataFrame(rows)
    if len(out):
        out["n"] = out["n"].astype(int)
    return out


def tradeoff_metrics(model: pd.DataFrame, missions: pd.DataFrame) -> pd.DataFrame:
    """:func:`run_metrics` plus the trade-off metrics of :data:`TRADEOFF_METRICS`.

    Metrics that pull against each other: what science costs, how much each
    agency depends on partners (and on rivals), how often missions are
    disrupted, and how evenly the benefit falls.
    """
    runs = run_metrics(model)
    m = missions.assign(
        _spend=missions["cost"] + missions["subsidy"],
        _slots=missions["members"].map(len),
        _dependent=missions["dependent"].map(len),
        _rival=missions["rival_dependent"].map(len),
        _cancelled=(missions["outcome"] == "cancelled").astype(int),
    )
    per_run = m.groupby("run_id")[["_spend", "_slots", "_dependent", "_rival", "_cancelled"]].sum()
    per_run = per_run.reindex(runs["run_id"]).fillna(0.0).reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        runs["science_per_dollar"] = runs["science_output"] / per_run["_spend"].where(
            per_run["_spend"] > 0
        )
        slots = per_run["_slots"].where(per_run["_slots"] > 0)
        runs["autonomy"] = 1.0 - per_run["_dependent"] / slots
        runs["rival_dependence"] = per_run["_rival"] / slots
    runs["disruption"] = runs["withdrawals"] + per_run["_cancelled"]
    return runs


def pareto_front(points: pd.DataFrame, x: str, y: str) -> pd.Series:
    """Which rows are not dominated on ``x`` and ``y`` (directions from :data:`BETTER`).

    >>> pts = pd.DataFrame({"autonomy": [0.9, 0.8, 0.7], "science_per_dollar": [1.0, 2.0, 1.5]})
    >>> pareto_front(pts, "autonomy", "science_per_dollar").tolist()
    [True, True, False]
    """
    sx, sy = BETTER.get(x, 1), BETTER.get(y, 1)
    a, b = points[x].to_numpy() * sx, points[y].to_numpy() * sy
    front = []
    for i in range(len(points)):
        dominated = np.any((a >= a[i]) & (b >= b[i]) & ((a > a[i]) | (b > b[i])))
        front.append(not dominated)
    return pd.Series(front, index=points.index)
