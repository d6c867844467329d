"""Heat maps of a two-parameter sweep: one metric over a grid of parameter points."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import (
    _LABEL_SIZE,
    _SUPTITLE_SIZE,
    _TICK_SIZE,
    END_METRIC_LABELS,
    METRIC_LABELS,
    _cell_grid,
    _end_label,
    _one_axis,
    _ordered,
    _param_label,
    _param_value,
    _span,
)
from sim.summary import mean_ci


def _cell_format(matrix: np.ndarray) -> str:
    """Decimals for three significant digits of the largest value."""
    top = float(np.nanmax(np.abs(matrix), initial=0.0))
    decimals = 2 if top == 0 or not np.isfinite(top) else 2 - math.floor(math.log10(top))
    return f",.{min(max(decimals, 0), 4)}f"


def sweep_heatmap(
    run_table: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    title: str = "",
) -> Figure:
    """Mean of an end-of-run metric over replicates for each cell of a 2-D sweep.

    Parameters
    ----------
    run_table : DataFrame
        One row per run, e.g. :func:`sim.summary.run_metrics` of a sweep made
        with :func:`sim.batch.grid`.
    x, y : str
        Swept parameter columns (e.g. ``"negotiation_integration_overhead"``),
        numeric (sorted, ``y`` increasing upwards) or categorical (e.g.
        ``"negotiation_cost_sharing_rule"``, in order of appearance).
    metric : str
        Column to average, e.g. ``"cooperation_rate"``.
    title : str
        Figure title; by default the metric and the two parameters.

    Returns
    -------
    Figure
        The heat map axis and its colorbar axis. Every cell carries its mean as
        text (gid ``"cell_value"``; ``"n/a"`` when no run has a value), with
        the half-width of its 95 % t-interval below it when cells hold several
        runs and there are at most 8 rows. Runs
        that differ in other columns (another parameter, several scenarios) are
        pooled into the cell, as the subtitle says.
    """
    missing = [c for c in (x, y, metric) if c not in run_table.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    if x == y:
        raise ValueError(f"x and y are the same column: {x!r}")
    xs, ys = _ordered(run_table[x]), _ordered(run_table[y])
    if not xs or not ys:
        raise ValueError("the run table is empty")
    values = pd.to_numeric(run_table[metric], errors="coerce")
    col = {v: i for i, v in enumerate(xs)}
    row = {v: i for i, v in enumerate(ys)}
    matrix = np.full((len(ys), len(xs)), np.nan)
    half = np.full((len(ys), len(xs)), np.nan)
    runs = np.zeros((len(ys), len(xs)), int)
    for (yv, xv), cell in values.groupby([run_table[y], run_table[x]], sort=False):
        stat = mean_ci(cell)
        matrix[row[yv], col[xv]] = stat["mean"]
        half[row[yv], col[xv]] = stat["ci_high"] - stat["mean"] if stat["n"] > 1 else np.nan
        runs[row[yv], col[xv]] = len(cell)

    nx, ny = len(xs), len(ys)
    fig, ax = _one_axis((min(max(7.5, 1.3 * nx + 4.0), 18.0), min(max(5.0, 0.8 * ny + 2.8), 14.0)))
    cmap = mpl.colormaps["viridis"].with_extremes(bad="whitesmoke")
    masked = np.ma.masked_invalid(matrix)
    image = ax.imshow(masked, cmap=cmap, aspect="auto", origin="lower")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.9)
    colorbar.set_label(_end_label(metric), fontsize=_LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=_TICK_SIZE)

    ax.set_xticks(range(nx), [_param_value(v) for v in xs])
    ax.set_yticks(range(ny), [_param_value(v) for v in ys])
    ax.set_xlabel(_param_label(x), fontsize=_LABEL_SIZE)
    ax.set_ylabel(_param_label(y), fontsize=_LABEL_SIZE)
    _cell_grid(ax, nx, ny, 2)

    fmt = _cell_format(matrix)
    size = _LABEL_SIZE if nx <= 8 else _TICK_SIZE - 1
    with_ci = ny <= 8 and not np.isnan(half).all()
    for i in range(ny):
        for j in range(nx):
            v = matrix[i, j]
            if np.isnan(v):
                text, color = "n/a", "0.4"
            else:
                shade = cmap(image.norm(v))
                luminance = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
                text, color = format(v, fmt), "white" if luminance < 0.5 else "black"
                if with_ci and not np.isnan(half[i, j]):
                    text += f"\n± {format(half[i, j], fmt)}"
            ax.text(j, i, text, ha="center", va="center", fontsize=size, color=color,
                    gid="cell_value")  # fmt: skip

    ids = {"run_id", "seed", "point", "replicate", "year", x, y, metric}
    known = set(END_METRIC_LABELS) | set(METRIC_LABELS)
    pooled = [
        c
        for c in run_table.columns
        if c not in ids and c not in known and run_table[c].nunique(dropna=False) > 1
    ]
    n_cell = _span(runs[runs > 0].tolist() or [0])
    if with_ci:
        note = f"each cell: mean ± half-width of its 95 % CI over {n_cell} runs"
    else:
        note = f"each cell: mean of {n_cell} runs"
    if pooled:
        note += "; pooled over " + ", ".join(_param_label(c) for c in pooled)
    ax.set_title(note, fontsize=_TICK_SIZE, color="0.3")
    fig.suptitle(title or _end_label(metric).split(" (")[0], fontsize=_SUPTITLE_SIZE)
    return fig
