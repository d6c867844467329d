"""Figures of batches: scenarios compared year by year and at the end of the run."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.plots.style import (
    _COUNTS,
    _LABEL_SIZE,
    _SUPTITLE_SIZE,
    _TICK_SIZE,
    _TITLE_SIZE,
    _UNIT_INTERVAL,
    DEFAULT_METRICS,
    _end_label,
    _group_colors,
    _metrics_to_draw,
    _ordered,
    _param_label,
    _param_value,
    _run_column,
    _save_pngs,
    _small_multiples,
    _span,
    _style,
    _year_axis,
)
from sim.summary import END_METRICS, mean_ci


def _row_major(items: list, ncols: int) -> list:
    """Reorder legend entries so that a legend, filled column by column, reads by rows."""
    rows = math.ceil(len(items) / ncols)
    return [
        items[r * ncols + c]
        for c in range(ncols)
        for r in range(rows)
        if r * ncols + c < len(items)
    ]


def compare_series(
    model: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    title: str = "",
) -> Figure:
    """Yearly metrics of several scenarios on one calendar-year timeline.

    The batch counterpart of :func:`metric_series`, with its arguments and its
    layout: one line (and band) per scenario rather than one for all the runs.

    Parameters
    ----------
    model : DataFrame
        A batch ``model`` table (:func:`sim.batch.run_batch`): one row per run
        and year, with ``scenario`` and ``run_id`` (or ``seed``) columns.
        Without a ``scenario`` column all runs form one group.
    metrics, title
        As in :func:`metric_series`.

    Returns
    -------
    Figure
        One axis per metric, laid out like :func:`metric_series`, on a shared
        year axis. Each scenario has its colour: the mean over its runs per
        year (``Line2D``, gid ``"scenario_line"``) and, with two or more runs,
        a shaded 95 % t-interval of that mean (gid ``"ci_band"``, see
        :func:`sim.summary.mean_ci`), clipped to the metric's range (0-1 for
        shares, at 0 for metrics never negative). Runs at several parameter points of a
        scenario are pooled. One legend names the scenarios and their years.
    """
    metrics = _metrics_to_draw(model, metrics, "year")
    if model.empty:
        raise ValueError("the model table is empty")

    key = model["scenario"] if "scenario" in model.columns else pd.Series("all runs", model.index)
    groups = _ordered(key)
    colors = _group_colors(len(groups))
    run_col = _run_column(model)
    subsets = {g: model[key == g] for g in groups}
    n_runs = {g: int(sub[run_col].nunique()) if run_col else 1 for g, sub in subsets.items()}

    fig, axes = _small_multiples(len(metrics), sharex=True)
    banded = False
    for ax, metric in zip(axes, metrics, strict=True):
        # A mean cannot leave the metric's range: clip the band to it.
        observed = pd.to_numeric(model[metric], errors="coerce")
        low = 0.0 if (observed.dropna() >= 0).all() else -np.inf
        high = 1.0 if metric in _UNIT_INTERVAL else np.inf
        empty = True
        for group, color in zip(groups, colors, strict=True):
            sub = subsets[group]
            values = pd.to_numeric(sub[metric], errors="coerce")
            stats = values.groupby(sub["year"]).apply(mean_ci).unstack()
            stats = stats.dropna(subset=["mean"]).sort_index()
            if stats.empty:
                continue
            empty = False
            years = stats.index.to_numpy(float)
            if stats["n"].max() > 1:
                banded = True
                ax.fill_between(
                    years,
                    stats["ci_low"].clip(lower=low).to_numpy(float),
                    stats["ci_high"].clip(upper=high).to_numpy(float),
                    color=color,
                    alpha=0.25,
                    linewidth=0,
                    gid="ci_band",
                )
            ax.plot(
                years,
                stats["mean"].to_numpy(float),
                color=color,
                linewidth=2,
                marker="o",
                markersize=3,
                gid="scenario_line",
            )
        _year_axis(ax, metric, empty)
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))

    handles: list[tuple[Patch, Line2D] | Patch] = []
    labels: list[str] = []
    for group, color in zip(groups, colors, strict=True):
        years = subsets[group]["year"]
        handles.append(
            (
                Patch(facecolor=color, alpha=0.25),
                Line2D([], [], color=color, linewidth=2, marker="o", markersize=3),
            )
        )
        labels.append(f"{group} ({int(years.min())}-{int(years.max())})")
    if banded:
        handles.append(Patch(facecolor="0.55", alpha=0.35))
        each = " each" if len(groups) > 1 else ""
        labels.append(f"band: 95 % CI of mean, {_span(list(n_runs.values()))} runs{each}")
    # One row if it fits the 12-inch width (about 135 characters at 11 pt).
    one_row = sum(len(label) + 10 for label in labels) <= 135
    ncols = len(handles) if one_row else math.ceil(len(handles) / 2)
    fig.legend(
        _row_major(handles, ncols),
        _row_major(labels, ncols),
        handler_map={tuple: HandlerTuple(ndivide=1)},
        loc="outside lower center",
        ncols=ncols,
        fontsize=_TICK_SIZE,
        frameon=False,
        handlelength=2.5,
        columnspacing=2.0,
    )
    if title:
        fig.suptitle(title, fontsize=_SUPTITLE_SIZE)
    return fig


def compare_bars(
    run_table: pd.DataFrame,
    metrics: Sequence[str],
    by: str = "scenario",
    title: str = "",
) -> Figure:
    """End-of-run metrics per group: mean bars, 95 % intervals and every run.

    Parameters
    ----------
    run_table : DataFrame
        One row per run, e.g. :func:`sim.summary.run_metrics` of a batch.
    metrics : list of str
        Columns to draw, one axis each (titles from :data:`END_METRIC_LABELS`).
    by : str
        Column whose values form the groups (bars): ``"scenario"`` or a
        parameter column. Numbers are sorted; other values keep their order.
    title : str
        Figure title.

    Returns
    -------
    Figure
        One axis per metric with one bar per group (``Rectangle``, gid
        ``"mean_bar"``) at the mean over its runs, a black error bar for the
        95 % t-interval of the mean (gid ``"ci_bar"``, see
        :func:`sim.summary.mean_ci`) and each run as a faint dot (gid
        ``"run_dots"``), spread evenly across the bar (no random jitter).
        Tick labels give each group's number of runs (with more than four
        groups or long names, slanted names and the counts in the caption).
    """
    metrics = _metrics_to_draw(run_table, metrics, by)
    groups = _ordered(run_table[by])
    if not groups:
        raise ValueError("the run table is empty")
    colors = _group_colors(len(groups))
    x = np.arange(len(groups), dtype=float)
    masks = [(run_table[by] == g).to_numpy() for g in groups]
    names = [_param_value(g) for g in groups]
    rotate = len(groups) > 4 or sum(len(n) for n in names) > 30
    sizes = [int(pd.to_numeric(run_table[m], errors="coerce")[mask].notna().sum())
             for m in metrics for mask in masks]  # fmt: skip

    fig, axes = _small_multiples(len(metrics), sharex=False)
    for ax, metric in zip(axes, metrics, strict=True):
        values = pd.to_numeric(run_table[metric], errors="coerce")
        stats = pd.DataFrame([mean_ci(values[mask]) for mask in masks])
        means = stats["mean"].to_numpy(float)
        ax.bar(
            x,
            np.nan_to_num(means),
            width=0.62,
            color=[to_rgba(c, 0.3) for c in colors],
            edgecolor=colors,
            linewidth=1.5,
            zorder=2,
            gid="mean_bar",
        )
        for j, mask in enumerate(masks):
            runs = values[mask].dropna().to_numpy(float)
            offsets = np.linspace(-0.2, 0.2, len(runs)) if len(runs) > 1 else np.zeros(len(runs))
            ax.scatter(
                x[j] + offsets,
                runs,
                s=18,
                color=[0.6 * c for c in to_rgba(colors[j])[:3]],
                alpha=0.5,
                linewidths=0,
                zorder=3,
                gid="run_dots",
            )
        known = ~np.isnan(means)
        ax.errorbar(
            x[known],
            means[known],
            yerr=np.vstack(
                [
                    (stats["mean"] - stats["ci_low"]).to_numpy(float)[known],
                    (stats["ci_high"] - stats["mean"]).to_numpy(float)[known],
                ]
            ),
            fmt="none",
            ecolor="black",
            elinewidth=1.8,
            capsize=7,
            capthick=1.8,
            zorder=4,
            gid="ci_bar",
        )
        for k in np.flatnonzero(~known):
            ax.text(x[k], 0, "no data", ha="center", va="bottom", fontsize=_TICK_SIZE, color="0.5")
        counts = stats["n"].astype(int)
        if rotate:  # slanted names; the run counts go to the caption
            ax.set_xticks(x, names)
        else:
            ax.set_xticks(x, [f"{name}\n(n = {n})" for name, n in zip(names, counts, strict=True)])
        if rotate:
            ax.tick_params(axis="x", labelrotation=30)
            for label in ax.get_xticklabels():
                label.set_ha("right")
                label.set_rotation_mode("anchor")
        ax.set_title(_end_label(metric), fontsize=_TITLE_SIZE)
        _style(ax)
        ax.xaxis.grid(False)
        ax.tick_params(axis="x", length=0)
        ax.set_xlim(-0.6, len(groups) - 0.4)
        if not (values < 0).any():
            ax.set_ylim(bottom=0)
        if metric in _COUNTS:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))
        if by != "scenario" and ax.get_subplotspec().is_last_row():
            ax.set_xlabel(_param_label(by), fontsize=_LABEL_SIZE)
    runs = "n per group" if not rotate else f"{_span(sizes)} per group"
    caption = (
        "bar = mean over runs; black whisker = 95 % confidence interval of the mean; "
        f"dots = single runs ({runs})"
    )
    if by == "scenario" and any("total" in END_METRICS.get(m, "") for m in metrics):
        caption += "\ntotals add up each scenario's own years, so eras of different length differ"
    fig.supxlabel(
        caption,
        fontsize=_TICK_SIZE,
        color="0.3",
    )
    if title:
        fig.suptitle(title, fontsize=_SUPTITLE_SIZE)
    return fig


def save_batch_plots(
    model: pd.DataFrame,
    run_table: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    metrics: Sequence[str] | None = None,
) -> list[Path]:
    """Write the standard figures of a batch as PNG files.

    Parameters
    ----------
    model : DataFrame
        The batch ``model`` table.
    run_table : DataFrame
        Its end-of-run metrics, :func:`sim.summary.run_metrics` of ``model``.
    out_dir : path
        Directory to write into (created if needed).
    metrics : list of str, optional
        Metrics to draw; by default :data:`DEFAULT_METRICS`. Those not in
        ``run_table`` are left out of the bars.

    Returns
    -------
    list of Path
        ``compare_series.png`` (:func:`compare_series`) and, if any metric is
        in ``run_table``, ``compare_bars.png`` (:func:`compare_bars` by
        scenario), each written to a temporary file and renamed into place.
    """
    metrics = list(DEFAULT_METRICS if metrics is None else metrics)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if "scenario" in run_table.columns and len(run_table):
        names = ", ".join(str(s) for s in _ordered(run_table["scenario"]))
        sizes = run_table.groupby("scenario", sort=False).size().tolist()
        name = f"{names} ({_span(sizes)} runs each)"
    else:
        name = f"{len(run_table)} runs"
    figures = {"compare_series.png": compare_series(model, metrics, title=f"{name}: yearly")}
    bar_metrics = [m for m in metrics if m in run_table.columns]
    if bar_metrics and "scenario" in run_table.columns:
        figures["compare_bars.png"] = compare_bars(
            run_table, bar_metrics, title=f"{name}: end of run"
        )
    return _save_pngs(figures, out)
