"""Analyses over batches, shared by the command line, notebooks and the dashboard.

Each function runs a batch (through :func:`sim.batch.run_batch`, so it is
seeded, parallel, streamed and resumable like any batch) and returns frozen
tables: what the ``batch``/``compare``, ``sweep`` and ``tradeoff`` commands
print and plot. Printing, plotting and writing stay with their callers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# run_batch is looked up in sim.batch at each call (``batches.run_batch``), so a
# runner replaced there (the command-line fuzz tests do) is the one used here.
from sim import batch as batches
from sim.batch import BatchResult, grid, param_column
from sim.registry import REPORTED
from sim.scenario import Scenario
from sim.summary import (
    TRADEOFF_METRICS,
    group_columns,
    pareto_front,
    run_metrics,
    summarize,
    tradeoff_metrics,
)

__all__ = [
    "PRINTED_METRICS",
    "BatchSummary",
    "SweepResult",
    "TradeoffResult",
    "summarize_batch",
    "sweep",
    "tradeoff",
]

#: End-of-run metrics a printed batch summary shows (a report shows them all).
PRINTED_METRICS: tuple[str, ...] = tuple(REPORTED)[:6]

ScenarioLike = str | Path | Scenario


@dataclass(frozen=True)
class BatchSummary:
    """A batch and the mean [95 % CI] of its end-of-run metrics per group of replicates.

    Attributes
    ----------
    batch : BatchResult
        The runs.
    runs : DataFrame
        One row of end-of-run metrics per run (:func:`sim.summary.run_metrics`).
    by : list of str
        The columns a group of replicates shares: scenario and parameters.
    summary : DataFrame
        Long table of :func:`sim.summary.summarize` over ``by``.
    """

    batch: BatchResult
    runs: pd.DataFrame
    by: list[str]
    summary: pd.DataFrame


def summarize_batch(batch: BatchResult, metrics: Sequence[str] = PRINTED_METRICS) -> BatchSummary:
    """End-of-run metrics of each run of ``batch``, and their mean [95 % CI] per group.

    Parameters
    ----------
    batch : BatchResult
        From :func:`sim.batch.run_batch` or :func:`sim.batch.load_batch`.
    metrics : sequence of str
        Metrics to summarize (default: those the ``batch`` command prints).

    Returns
    -------
    BatchSummary
    """
    runs = run_metrics(batch.model)
    by = group_columns(runs)
    return BatchSummary(batch, runs, by, summarize(runs, by, list(metrics)))


@dataclass(frozen=True)
class SweepResult(BatchSummary):
    """A full-factorial sweep: its batch, per-run metrics and summary per grid point.

    Attributes
    ----------
    axes : dict of str to list
        The swept fields by dotted path, and their values.
    """

    axes: dict[str, list[Any]]

    @property
    def columns(self) -> list[str]:
        """The table columns of the swept fields, in the order of :attr:`axes`."""
        return [param_column(a) for a in self.axes]


def sweep(
    scenario: ScenarioLike,
    axes: Mapping[str, Sequence[Any]],
    replicates: int,
    *,
    fixed: Mapping[str, Any] | None = None,
    metrics: Sequence[str] = PRINTED_METRICS,
    **batch_options: Any,
) -> SweepResult:
    """Replicates of ``scenario`` at every point of the full-factorial grid of ``axes``.

    Parameters
    ----------
    scenario : name, path or Scenario
        What to run.
    axes : mapping of str to sequence
        Swept fields by dotted path and their values (e.g. from
        :func:`sim.design.parse_axis`); the last varies fastest.
    replicates : int
        Seeded runs per grid point.
    fixed : mapping, optional
        Overrides held at one value at every point (``--set``).
    metrics : sequence of str
        Metrics of the summary.
    **batch_options
        Passed to :func:`sim.batch.run_batch` (``seed``, ``workers``,
        ``executor``, ``out``, ``resume``, ``progress`` ...).

    Returns
    -------
    SweepResult
    """
    swept = {name: list(values) for name, values in axes.items()}
    points = _points(fixed, grid(swept))
    batch = batches.run_batch(scenario, replicates, params=points, **batch_options)
    done = summarize_batch(batch, metrics)
    return SweepResult(done.batch, done.runs, done.by, done.summary, swept)


@dataclass(frozen=True)
class TradeoffResult:
    """What a policy lever buys and what it costs, per value of the lever.

    Attributes
    ----------
    batch : BatchResult
        The runs, one group of replicates per value of the lever.
    lever : str
        The lever by dotted path, e.g. ``policies.funding_pool``.
    metrics : list of str
        The metrics asked for; the first two span the Pareto front.
    runs : DataFrame
        One row per run: end-of-run and trade-off metrics
        (:func:`sim.summary.tradeoff_metrics`).
    summary : DataFrame
        Mean [95 % CI] per lever value of ``metrics``, then
        ``cooperation_rate`` and every trade-off metric.
    """

    batch: BatchResult
    lever: str
    metrics: list[str]
    runs: pd.DataFrame
    summary: pd.DataFrame

    @property
    def column(self) -> str:
        """The table column of the lever."""
        return param_column(self.lever)

    def pareto(self) -> pd.DataFrame:
        """Mean of the first two metrics per lever value, and whether it is on the Pareto front.

        A value is on the front when no other value does at least as well on
        both metrics and better on one (directions from :data:`sim.summary.BETTER`).
        """
        x, y = self.metrics[:2]
        means = self.summary.pivot_table(
            index=self.column, columns="metric", values="mean", sort=False
        )[[x, y]]
        return means.assign(front=pareto_front(means, x, y))


def tradeoff(
    scenario: ScenarioLike,
    lever: str,
    values: Sequence[Any],
    metrics: Sequence[str],
    replicates: int,
    *,
    fixed: Mapping[str, Any] | None = None,
    **batch_options: Any,
) -> TradeoffResult:
    """Replicates of ``scenario`` at each value of one policy lever, summarized per value.

    Parameters
    ----------
    scenario : name, path or Scenario
        What to run.
    lever : str
        The field by dotted path, e.g. ``policies.funding_pool``.
    values : sequence
        The lever's values (e.g. from :func:`sim.design.parse_axis`).
    metrics : sequence of str
        End-of-run or trade-off metrics (see :data:`sim.summary.METRICS`).
    replicates : int
        Seeded runs per value.
    fixed : mapping, optional
        Overrides held at one value throughout (``--set``).
    **batch_options
        Passed to :func:`sim.batch.run_batch`.

    Returns
    -------
    TradeoffResult
    """
    points = _points(fixed, grid({lever: list(values)}))
    batch = batches.run_batch(scenario, replicates, params=points, **batch_options)
    runs = tradeoff_metrics(batch.model, batch.missions)
    shown = list(dict.fromkeys([*metrics, "cooperation_rate", *TRADEOFF_METRICS]))
    summary = summarize(runs, [param_column(lever)], shown)
    return TradeoffResult(batch, lever, list(metrics), runs, summary)


def _points(
    fixed: Mapping[str, Any] | None, points: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    # Fixed overrides first: the order of a point's keys is the order of its columns.
    return [{**(fixed or {}), **p} for p in points]
