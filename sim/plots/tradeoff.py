"""Trade-off figures: what a lever buys and what it costs, and the Pareto front of policies."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import (
    _LABEL_SIZE,
    _SUPTITLE_SIZE,
    _TITLE_SIZE,
    _end_label,
    _one_axis,
    _param_label,
    _param_value,
    _small_multiples,
    _style,
)
from sim.summary import BETTER, pareto_front

__all__ = ["pareto_plot", "tradeoff_lines"]


def _wide(summary: pd.DataFrame, lever: str) -> pd.DataFrame:
    return summary.pivot_table(
        index=lever, columns="metric", values=["mean", "ci_low", "ci_high"], sort=False
    )


def tradeoff_lines(
    summary: pd.DataFrame, lever: str, metrics: Sequence[str], title: str = ""
) -> Figure:
    """Each metric against the lever's value: mean over runs and its 95 % band.

    Parameters
    ----------
    summary : DataFrame
        Long output of :func:`sim.summary.summarize` grouped by ``lever``.
    lever : str
        The lever's column (e.g. ``policies_funding_pool``).
    metrics : list of str
        Metrics to draw, one panel each.
    """
    fig, axes = _small_multiples(len(metrics), sharex=True)
    numeric = pd.api.types.is_numeric_dtype(summary[lever])
    values = list(dict.fromkeys(summary[lever]))
    xs = np.asarray(values, float) if numeric else np.arange(len(values))
    for ax, metric in zip(axes, metrics, strict=True):
        rows = summary[summary.metric == metric].set_index(lever).loc[values]
        ax.fill_between(xs, rows.ci_low, rows.ci_high, alpha=0.25, color="tab:blue", gid="ci_band")
        ax.plot(xs, rows["mean"], marker="o", color="tab:blue", linewidth=2)
        better = {1: "higher is better", -1: "lower is better"}.get(BETTER.get(metric, 0), "")
        ax.set_title(textwrap.fill(_end_label(metric), 38), fontsize=_TITLE_SIZE)  # no overlap
        if better:
            ax.text(0.99, 0.02, better, transform=ax.transAxes, ha="right", va="bottom",
                    fontsize=10, color="0.4")  # fmt: skip
        ax.set_xlabel(_param_label(lever), fontsize=_LABEL_SIZE)
        if not numeric:
            ax.set_xticks(xs, [_param_value(v) for v in values])
        _style(ax)
    n = int(summary["n"].min()) if len(summary) else 0
    fig.suptitle(
        title or f"What the lever buys and costs (mean and 95 % CI over {n} runs per value)",
        fontsize=_SUPTITLE_SIZE,
    )
    return fig


def pareto_plot(summary: pd.DataFrame, lever: str, x: str, y: str, title: str = "") -> Figure:
    """Policy points (one per lever value) on two metrics, the Pareto front marked.

    A point is on the front when no other lever value does at least as well on
    both metrics and better on one (directions from :data:`sim.summary.BETTER`).
    """
    wide = _wide(summary, lever)
    points = pd.DataFrame({x: wide[("mean", x)], y: wide[("mean", y)]})
    front = pareto_front(points, x, y)
    fig, ax = _one_axis((9, 7))
    xerr = [points[x] - wide[("ci_low", x)], wide[("ci_high", x)] - points[x]]
    yerr = [points[y] - wide[("ci_low", y)], wide[("ci_high", y)] - points[y]]
    ax.errorbar(points[x], points[y], xerr=xerr, yerr=yerr, fmt="none", ecolor="0.6", zorder=1)
    ax.scatter(points.loc[~front, x], points.loc[~front, y], s=70, color="0.55",
               label="dominated", zorder=2, gid="dominated")  # fmt: skip
    on = points[front].sort_values(x)
    ax.plot(on[x], on[y], "-o", color="tab:red", markersize=9, linewidth=2,
            label="Pareto front", zorder=3, gid="front")  # fmt: skip
    for value, row in points.iterrows():
        ax.annotate(f"{_param_value(value)}", (row[x], row[y]), xytext=(7, 7),
                    textcoords="offset points", fontsize=11)  # fmt: skip
    ax.set_xlabel(_end_label(x), fontsize=_LABEL_SIZE)
    ax.set_ylabel(_end_label(y), fontsize=_LABEL_SIZE)
    ax.legend(fontsize=11, loc="best", title=f"labels: {_param_label(lever)}",
              title_fontsize=11)  # fmt: skip
    _style(ax)
    arrows = {1: "→ better", -1: "← better"}
    ax.set_title(
        title
        or f"Policy points: {arrows[BETTER.get(x, 1)]} on x, "
        f"{'up' if BETTER.get(y, 1) > 0 else 'down'} is better on y",
        fontsize=_TITLE_SIZE,
    )
    return fig
