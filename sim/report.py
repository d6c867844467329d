"""Summaries of a batch written next to it: CSV tables, plots and a Markdown report."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd

from sim.batch import BatchResult
from sim.files import write_atomically
from sim.registry import REPORTED
from sim.summary import END_METRICS, group_columns, run_metrics, summarize

__all__ = ["REPORT_METRICS", "format_summary", "write_summaries"]

#: End-of-run metrics shown in printed summaries and reports.
REPORT_METRICS = list(REPORTED)


def _cell(row: pd.Series) -> str:
    if row["n"] == 0:
        return "n/a"
    return f"{row['mean']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"


def format_summary(summary: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Wide table: one row per group, one ``mean [low, high]`` cell per metric."""
    if summary.empty:  # no run to summarize
        return pd.DataFrame(index=pd.Index([], name="group"))
    wide = summary.assign(cell=summary.apply(_cell, axis=1))
    table = wide.pivot_table(
        index=list(by), columns="metric", values="cell", aggfunc="first", sort=False
    )
    ordered = [m for m in summary["metric"].unique() if m in table.columns]
    return table[ordered]


def write_summaries(
    batch: BatchResult, out: Path, command: str = "", title: str = "Batch report"
) -> list[Path]:
    """Write ``runs.csv``, ``summary.csv``, ``yearly.csv``, plots and ``report.md``.

    ``runs.csv`` has one row of end-of-run metrics per run; ``summary.csv``
    their mean and 95 % t-interval per scenario and parameter point;
    ``yearly.csv`` the same per year; the report shows the table and the plots.
    """
    from sim.plots import DEFAULT_METRICS, save_batch_plots

    out = Path(out)
    runs = run_metrics(batch.model)
    by = group_columns(runs)
    summary = summarize(runs, by, REPORT_METRICS)
    ran = len(runs) > 0  # with every run failed there is nothing to summarize or draw
    yearly = summarize(batch.model, [*by, "year"], DEFAULT_METRICS) if ran else pd.DataFrame()
    paths = []
    for name, frame in (("runs", runs), ("summary", summary), ("yearly", yearly)):
        paths.append(write_atomically(out / f"{name}.csv", partial(frame.to_csv, index=False)))
    pngs = save_batch_plots(batch.model, runs, out) if ran else []
    paths += pngs
    table = format_summary(summary, by)
    n_per = runs.groupby(by, sort=False).size() if ran else pd.Series(dtype=int)
    lines = [
        f"# {title}",
        "",
        f"{batch.n_runs} runs ({int(n_per.min()) if len(n_per) else 0} or more per group), "
        f"{batch.n_failed} failed.",
    ]
    if command:
        lines += ["", "Reproduce with:", "", f"    {command}"]
    lines += [
        "",
        "End-of-run metrics: mean [95 % confidence interval of the mean] over replicates.",
        "",
        _markdown(table),
        "",
        "| metric | how it is formed |",
        "| --- | --- |",
        *[f"| `{m}` | {END_METRICS[m]} |" for m in REPORT_METRICS],
        "",
        *[f"![{p.stem}]({p.name})" for p in pngs],
        "",
    ]
    if batch.n_failed:
        lines += ["## Failed runs", "", "```", batch.errors.to_string(index=False), "```", ""]
    report = out / "report.md"
    write_atomically(report, lambda tmp: tmp.write_text("\n".join(lines)))
    return [*paths, report]


def _markdown(table: pd.DataFrame) -> str:
    """A pandas table as a Markdown table (index columns first)."""
    flat = table.reset_index()
    head = "| " + " | ".join(str(c) for c in flat.columns) + " |"
    rule = "| " + " | ".join("---" for _ in flat.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join([head, rule, *body])
