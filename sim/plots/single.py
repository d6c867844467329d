"""Figures of one run: yearly metrics, and every figure of a run saved as PNG."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from scipy.stats import t as t_dist

from sim.plots.network import cooperation_network, pair_heatmap
from sim.plots.style import (
    _SUPTITLE_SIZE,
    _TICK_SIZE,
    _metrics_to_draw,
    _run_column,
    _save_pngs,
    _small_multiples,
    _year_axis,
)
from sim.run import RunResult


def metric_series(
    model: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    title: str = "",
) -> Figure:
    """Small multiples of yearly metrics, one axis per metric on a shared year axis.

    Parameters
    ----------
    model : DataFrame
        The ``model`` table of a run (one row per year), or several such tables
        stacked with a ``run_id`` or ``seed`` column telling the runs apart.
    metrics : list of str, optional
        Columns to draw; by default :data:`DEFAULT_METRICS`.
    title : str
        Figure title.

    Returns
    -------
    Figure
        One axis per metric. With several runs each axis shows the mean over
        runs and a shaded 95% band (t-interval of the mean per year); with one run,
        a single line. Years with no value (e.g. no mission started) are skipped
        and every value is marked, so gaps do not hide data.

    Examples
    --------
    >>> table = pd.DataFrame({"year": [2000, 2001, 2002],
    ...                       "mean_tension": [0.2, 0.3, 0.25]})
    >>> len(metric_series(table, ["mean_tension"]).axes)
    1
    """
    metrics = _metrics_to_draw(model, metrics, "year")
    fig, axes = _small_multiples(len(metrics), sharex=True)

    run_col = _run_column(model)
    n_runs = int(model[run_col].nunique()) if run_col else 1
    for i, (ax, metric) in enumerate(zip(axes, metrics, strict=False)):
        color = mpl.colormaps["tab10"](i % 10)
        values = pd.to_numeric(model[metric], errors="coerce")
        if run_col:
            stats = values.groupby(model["year"]).agg(["mean", "std", "count"])
            # The same t-interval as every summary table (sim.summary.mean_ci).
            tq = stats["count"].map(lambda n: t_dist.ppf(0.975, n - 1) if n > 1 else np.nan)
            half = tq * stats["std"] / np.sqrt(stats["count"])
            band = stats.assign(half=half).dropna(subset=["mean", "half"])
            ax.fill_between(
                band.index.to_numpy(float),
                (band["mean"] - band["half"]).to_numpy(float),
                (band["mean"] + band["half"]).to_numpy(float),
                color=color,
                alpha=0.25,
                linewidth=0,
                gid="ci_band",
            )
            line = stats["mean"].dropna()
        else:
            line = pd.Series(values.to_numpy(), index=model["year"]).dropna()
        ax.plot(
            line.index.to_numpy(float),
            line.to_numpy(float),
            color=color,
            linewidth=2,
            marker="o",
            markersize=4,
            gid="metric_line",
        )
        _year_axis(ax, metric, empty=line.empty)
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))

    if run_col:
        handles = [
            Line2D([], [], color="0.3", linewidth=2, marker="o", markersize=4),
            Patch(facecolor="0.3", alpha=0.25),
        ]
        fig.legend(
            handles,
            [f"mean of {n_runs} runs", "95% confidence band of the mean"],
            loc="outside lower center",
            ncols=2,
            fontsize=_TICK_SIZE,
            frameon=False,
        )
    if title:
        fig.suptitle(title, fontsize=_SUPTITLE_SIZE)
    return fig


def save_run_plots(result: RunResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the standard figures of one run as PNG files.

    Parameters
    ----------
    result : RunResult
        A run, as returned by :func:`sim.run`.
    out_dir : path
        Directory to write into (created if needed).

    Returns
    -------
    list of Path
        ``metrics.png``, ``network.png``, ``heatmap_joint_missions.png`` and
        ``heatmap_tension.png``, each written to a temporary file first and
        renamed into place, so no half-written file is left.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{result.scenario} (seed {result.seed})"
    figures = {
        "metrics.png": metric_series(result.model, title=name),
        "network.png": cooperation_network(result.agencies, result.pairs, title=name),
        "heatmap_joint_missions.png": pair_heatmap(result.pairs, "joint_missions", title=name),
        "heatmap_tension.png": pair_heatmap(result.pairs, "tension", title=name),
    }
    return _save_pngs(figures, out)
