"""Shared look of the figures: labels, colours, font sizes, axes, layout and PNG saving."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.files import write_atomically
from sim.registry import PLOTTED, REGISTRY

#: Metrics drawn by :func:`metric_series` when none are named.
DEFAULT_METRICS = list(PLOTTED)

#: Readable axis titles, with units, of the columns of the ``model`` table
#: (from :data:`sim.registry.REGISTRY`, like the tables below).
METRIC_LABELS = {
    name: mt.label for name, mt in REGISTRY.items() if mt.reporter is not None and name != "year"
}

#: Readable axis titles, with units, of the end-of-run metrics of
#: :func:`sim.summary.run_metrics` (see :data:`sim.summary.END_METRICS`).
END_METRIC_LABELS = {name: mt.run_label for name, mt in REGISTRY.items() if mt.run_label}

_UNIT_INTERVAL = {
    name for name, mt in REGISTRY.items() if mt.reporter is not None and mt.bounds == (0.0, 1.0)
}
_COUNTS = {name for name, mt in REGISTRY.items() if mt.integer}

_PAIR_LABELS = {
    "joint_missions": "Joint missions (cumulative)",
    "tension": "Tension (0-1)",
    "trust": "Trust (0-1)",
}
_PAIR_CMAPS = {"joint_missions": "Blues", "tension": "Reds", "trust": "Greens"}

_BLOC_COLORS = {"west": "tab:blue", "east": "tab:red", "nonaligned": "tab:green"}
_SPARE_COLORS = [
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
]

_TICK_SIZE = 11
_LABEL_SIZE = 12
_TITLE_SIZE = 13
_SUPTITLE_SIZE = 15
_GRID = {"color": "0.85", "linewidth": 0.8}

#: Top-level sections of a scenario, the first part of a parameter column's name.
_SECTIONS = ("agencies", "missions", "relations", "negotiation", "dynamics", "events", "policies")


def _style(ax, grid: bool = True) -> None:
    ax.tick_params(labelsize=_TICK_SIZE)
    if grid:
        ax.grid(True, **_GRID)
        ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def _end_label(metric: str) -> str:
    return END_METRIC_LABELS.get(metric, _label(metric))


def _param_label(column: str) -> str:
    """``negotiation_integration_overhead`` -> ``negotiation · integration overhead``."""
    head, _, rest = column.partition("_")
    if head in _SECTIONS and rest:
        return f"{head} · {rest.replace('_', ' ')}"
    return column.replace("_", " ")


def _param_value(value) -> str:
    if isinstance(value, (bool, np.bool_, str)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def _bloc_colors(blocs: Sequence[str]) -> dict[str, str]:
    colors = {b: c for b, c in _BLOC_COLORS.items() if b in blocs}
    others = sorted(b for b in set(blocs) if b not in _BLOC_COLORS)
    for k, bloc in enumerate(others):
        colors[bloc] = _SPARE_COLORS[k % len(_SPARE_COLORS)]
    return colors


def _group_colors(n: int) -> list:
    return [mpl.colormaps["tab10"](k % 10) for k in range(n)]


def _run_column(model: pd.DataFrame) -> str | None:
    """Return the column telling runs apart, if the table holds several runs."""
    for col in ("run_id", "seed"):
        if col in model.columns and model[col].nunique() > 1:
            return col
    return None


def _metrics_to_draw(table: pd.DataFrame, metrics: Sequence[str] | None, *needed: str) -> list[str]:
    """The metrics to draw (by default :data:`DEFAULT_METRICS`), checked against ``table``.

    Refuses an empty list, and any metric or ``needed`` column (``"year"``, the
    grouping column) missing from ``table``, all named in one message.
    """
    metrics = list(DEFAULT_METRICS if metrics is None else metrics)
    if not metrics:
        raise ValueError("no metrics to draw")
    missing = [c for c in [*metrics, *needed] if c not in table.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    return metrics


def _year_axis(ax, metric: str, empty: bool) -> None:
    """Finish one axis of a metric over the years: title, look, y range, "Year" below.

    Shares stay in 0-1 and counts get whole-number ticks from 0; ``empty``
    writes "no data" in the middle, so a blank axis is not mistaken for zero.
    """
    if empty:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center",
                fontsize=_LABEL_SIZE, color="0.5")  # fmt: skip
    ax.set_title(_label(metric), fontsize=_TITLE_SIZE)
    _style(ax)
    if metric in _UNIT_INTERVAL:
        ax.set_ylim(-0.03, 1.03)
    elif metric in _COUNTS:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
    if ax.get_subplotspec().is_last_row():
        ax.set_xlabel("Year", fontsize=_LABEL_SIZE)


def _one_axis(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Figure with a single axis, laid out by the constrained engine."""
    fig = Figure(figsize=figsize)
    fig.set_layout_engine("constrained")
    return fig, fig.subplots()


def _small_multiples(n: int, sharex: bool) -> tuple[Figure, list]:
    """Figure with ``n`` axes in rows of 1, 2 or 3; empty cells of the last row dropped."""
    ncols = 1 if n == 1 else 2 if n in (2, 4) else 3
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(12, 7 if nrows == 2 else 3.6 * nrows + 0.4))
    fig.set_layout_engine("constrained")
    grid = fig.subplots(nrows, ncols, sharex=sharex, squeeze=False)
    axes = grid.ravel()
    for k in range(n, nrows * ncols):  # empty cells: drop, show years above
        fig.delaxes(axes[k])
        if sharex:
            grid[k // ncols - 1, k % ncols].tick_params(labelbottom=True)
            grid[k // ncols - 1, k % ncols].set_xlabel("Year", fontsize=_LABEL_SIZE)
    return fig, list(axes[:n])


def _save_png(fig: Figure, path: Path, dpi: int = 120) -> None:
    write_atomically(path, partial(fig.savefig, format="png", dpi=dpi, bbox_inches="tight"))


def _save_pngs(figures: Mapping[str, Figure], out: Path) -> list[Path]:
    """Write each figure as ``out / filename`` (see :func:`_save_png`); the paths, in order."""
    paths = []
    for filename, fig in figures.items():
        path = out / filename
        _save_png(fig, path)
        paths.append(path)
    return paths


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` as a PNG file atomically (temporary name, then rename).

    The parent directory is created if needed; returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_png(fig, path, dpi=dpi)
    return path


def _ordered(values: pd.Series) -> list:
    """Distinct values: sorted if numbers, else in order of first appearance."""
    distinct = list(pd.unique(values.dropna()))
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return sorted(distinct)
    return distinct


def _span(counts: Sequence[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


def _cell_grid(ax, nx: int, ny: int, linewidth: float) -> None:
    """Heat-map look: no ticks or spines, white lines between the cells."""
    ax.tick_params(labelsize=_TICK_SIZE, length=0)
    ax.set_xticks(np.arange(nx + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(ny + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=linewidth)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
