"""Matplotlib figures of a run's tables, built without pyplot so they work headless."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.run import RunResult
from sim.summary import END_METRICS, mean_ci

__all__ = [
    "DEFAULT_METRICS",
    "END_METRIC_LABELS",
    "METRIC_LABELS",
    "compare_bars",
    "compare_series",
    "cooperation_network",
    "metric_series",
    "pair_heatmap",
    "save_batch_plots",
    "save_figure",
    "save_run_plots",
    "sweep_heatmap",
]

#: Metrics drawn by :func:`metric_series` when none are named.
DEFAULT_METRICS = [
    "cooperation_rate",
    "joint_missions_started",
    "mean_tension",
    "mean_trust",
    "science_output",
    "network_density",
]

#: Readable axis titles, with units, of the columns of the ``model`` table.
METRIC_LABELS = {
    "active_agencies": "Active agencies (count)",
    "missions_started": "Missions started (per year)",
    "joint_missions_started": "Joint missions started (per year)",
    "cooperation_rate": "Cooperation rate (joint / all started)",
    "mean_tension": "Mean tension (0-1)",
    "mean_trust": "Mean trust (0-1)",
    "cross_bloc_share": "Cross-bloc share (of joint missions started)",
    "network_density": "Network density (0-1)",
    "network_clustering": "Network clustering (0-1)",
    "network_components": "Network components (count)",
    "science_output": "Science output (points / year)",
    "cost_saved": "Cost saved (2020 US$ bn / year)",
    "withdrawals": "Withdrawals from missions (per year)",
    "failures": "Mission failures (per year)",
    "failed_negotiations": "Failed negotiations (per year)",
    "duplication": "Duplicated solo missions (per year)",
    "fairness_gini": "Fairness: Gini of net benefit (0 = equal)",
}

#: Readable axis titles, with units, of the end-of-run metrics of
#: :func:`sim.summary.run_metrics` (see :data:`sim.summary.END_METRICS`).
END_METRIC_LABELS = {
    "missions_started": "Missions started (total)",
    "joint_missions_started": "Joint missions started (total)",
    "cooperation_rate": "Cooperation rate over the run (joint / all)",
    "cross_bloc_share": "Cross-bloc share of joint missions (run)",
    "mean_tension": "Mean tension (last year, 0-1)",
    "mean_trust": "Mean trust (last year, 0-1)",
    "network_density": "Network density (mean over years, 0-1)",
    "science_output": "Science output (points, total)",
    "cost_saved": "Cost saved (2020 US$ bn, total)",
    "withdrawals": "Withdrawals from missions (total)",
    "failures": "Mission failures (total)",
    "failed_negotiations": "Failed negotiations (total)",
    "duplication": "Duplicated solo missions (total)",
    "fairness_gini": "Fairness: Gini of net benefit (last year)",
}

_UNIT_INTERVAL = {
    "cooperation_rate",
    "mean_tension",
    "mean_trust",
    "cross_bloc_share",
    "network_density",
    "network_clustering",
    "fairness_gini",
}
_COUNTS = {
    "active_agencies",
    "missions_started",
    "joint_missions_started",
    "network_components",
    "withdrawals",
    "failures",
    "failed_negotiations",
    "duplication",
}

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


def _style(ax, grid: bool = True) -> None:
    ax.tick_params(labelsize=_TICK_SIZE)
    if grid:
        ax.grid(True, **_GRID)
        ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def _run_column(model: pd.DataFrame) -> str | None:
    """Return the column telling runs apart, if the table holds several runs."""
    for col in ("run_id", "seed"):
        if col in model.columns and model[col].nunique() > 1:
            return col
    return None


def _pick_year(table: pd.DataFrame, year: int | None, what: str) -> int:
    if table.empty:
        raise ValueError(f"the {what} table is empty")
    years = table["year"]
    if year is None:
        return int(years.max())
    if not (years == year).any():
        raise ValueError(f"year {year} not in the {what} table ({years.min()}-{years.max()})")
    return int(year)


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
        runs and a shaded 95% band (mean ± 1.96·sd/√n per year); with one run,
        a single line. Years with no value (e.g. no mission started) are skipped
        and every value is marked, so gaps do not hide data.

    Examples
    --------
    >>> table = pd.DataFrame({"year": [2000, 2001, 2002],
    ...                       "mean_tension": [0.2, 0.3, 0.25]})
    >>> len(metric_series(table, ["mean_tension"]).axes)
    1
    """
    metrics = list(DEFAULT_METRICS if metrics is None else metrics)
    if not metrics:
        raise ValueError("no metrics to draw")
    missing = [m for m in metrics if m not in model.columns]
    if missing or "year" not in model.columns:
        raise ValueError(f"columns not in the table: {missing or ['year']}")

    fig, axes = _small_multiples(len(metrics), sharex=True)

    run_col = _run_column(model)
    n_runs = int(model[run_col].nunique()) if run_col else 1
    for i, (ax, metric) in enumerate(zip(axes, metrics, strict=False)):
        color = mpl.colormaps["tab10"](i % 10)
        values = pd.to_numeric(model[metric], errors="coerce")
        if run_col:
            stats = values.groupby(model["year"]).agg(["mean", "std", "count"])
            half = 1.96 * stats["std"] / np.sqrt(stats["count"])
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
        if line.empty:
            ax.text(
                0.5,
                0.5,
                "no data",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=_LABEL_SIZE,
                color="0.5",
            )
        ax.set_title(_label(metric), fontsize=_TITLE_SIZE)
        _style(ax)
        if metric in _UNIT_INTERVAL:
            ax.set_ylim(-0.03, 1.03)
        elif metric in _COUNTS:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
        if ax.get_subplotspec().is_last_row():
            ax.set_xlabel("Year", fontsize=_LABEL_SIZE)
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


def _bloc_colors(blocs: Sequence[str]) -> dict[str, str]:
    colors = {b: c for b, c in _BLOC_COLORS.items() if b in blocs}
    others = sorted(b for b in set(blocs) if b not in _BLOC_COLORS)
    for k, bloc in enumerate(others):
        colors[bloc] = _SPARE_COLORS[k % len(_SPARE_COLORS)]
    return colors


def cooperation_network(
    agencies: pd.DataFrame,
    pairs: pd.DataFrame,
    year: int | None = None,
    title: str = "",
) -> Figure:
    """Agencies and their cumulative joint missions, drawn as a network.

    Parameters
    ----------
    agencies : DataFrame
        The ``agencies`` table of a run.
    pairs : DataFrame
        The ``pairs`` table of the same run.
    year : int, optional
        Year to draw; by default the last year of ``agencies``.
    title : str
        Title; the year is appended.

    Returns
    -------
    Figure
        One axis. Nodes are the agencies active in ``year`` on a circle grouped
        by bloc (deterministic), with area proportional to budget and colour by
        bloc. Each pair with at least one joint mission so far is one
        ``Line2D`` with gid ``"edge"``, its width proportional to the count.
    """
    year = _pick_year(agencies, year, "agencies")
    now = agencies[agencies["year"] == year].drop_duplicates("agency")
    colors = _bloc_colors(list(now["bloc"]))
    bloc_rank = {b: k for k, b in enumerate(colors)}
    now = now.assign(_rank=now["bloc"].map(bloc_rank)).sort_values("_rank", kind="stable")
    names = list(now["agency"])
    blocs = list(now["bloc"])
    budgets = pd.to_numeric(now["budget"], errors="coerce").fillna(0.0).to_numpy()
    node_of = {name: i for i, name in enumerate(names)}  # integer node ids
    n = len(names)

    # Circle, clockwise from the top, one empty slot between blocs.
    slots, slot = [], 0
    for i in range(n):
        if i and blocs[i] != blocs[i - 1]:
            slot += 1
        slots.append(slot)
        slot += 1
    n_slots = max(slot + (1 if len(colors) > 1 else 0), 1)
    angles = np.pi / 2 - 2 * np.pi * np.asarray(slots, float) / n_slots
    pos = np.column_stack([np.cos(angles), np.sin(angles)]) if n else np.zeros((0, 2))

    # Node area ∝ budget; the largest node no wider than ~3/4 of a slot's chord.
    pts_per_unit = 150.0
    chord = 2 * np.sin(np.pi / n_slots) if n_slots > 1 else 2.0
    max_diam = float(min(60.0, 0.75 * chord * pts_per_unit))
    max_area, min_area = max_diam**2, min(180.0, 0.3 * max_diam**2)
    top = budgets.max() if n and budgets.max() > 0 else 1.0
    sizes = np.maximum(min_area, max_area * budgets / top)

    fig = Figure(figsize=(10, 8.5))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()

    now_pairs = pairs[(pairs["year"] == year) & (pairs["joint_missions"] > 0)]
    now_pairs = now_pairs[now_pairs["agency_a"].isin(node_of) & now_pairs["agency_b"].isin(node_of)]
    most = int(now_pairs["joint_missions"].max()) if len(now_pairs) else 1

    def width(count: float) -> float:
        return 1.0 + 7.0 * count / most

    for row in now_pairs.itertuples(index=False):
        a, b = node_of[row.agency_a], node_of[row.agency_b]
        ax.plot(
            pos[[a, b], 0],
            pos[[a, b], 1],
            color="0.45",
            alpha=0.7,
            linewidth=width(row.joint_missions),
            solid_capstyle="round",
            zorder=1,
            gid="edge",
        )
    ax.scatter(
        pos[:, 0],
        pos[:, 1],
        s=sizes,
        c=[colors[b] for b in blocs],
        edgecolors="white",
        linewidths=1.5,
        zorder=2,
        gid="nodes",
    )
    for i, name in enumerate(names):
        direction = pos[i]
        offset = np.sqrt(sizes[i]) / 2 + 6
        ha = "center" if abs(direction[0]) < 0.3 else "left" if direction[0] > 0 else "right"
        va = "center" if abs(direction[1]) < 0.3 else "bottom" if direction[1] > 0 else "top"
        ax.annotate(
            f"{name}\n${budgets[i]:.1f}bn",
            xy=pos[i],
            xytext=direction * offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=_LABEL_SIZE,
            linespacing=1.1,
            annotation_clip=False,
            gid="node_label",
        )
    if not len(now_pairs):
        ax.text(0, 0, "no joint missions yet", ha="center", va="center",
                fontsize=_LABEL_SIZE, color="0.5")  # fmt: skip

    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.axis("off")

    bloc_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=12, color=c, label=b)
        for b, c in colors.items()
    ]
    legend = ax.legend(
        handles=bloc_handles,
        title="Bloc",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=_TICK_SIZE,
        title_fontsize=_LABEL_SIZE,
        frameon=False,
    )
    if len(now_pairs):
        ax.add_artist(legend)
        samples = sorted({1, max(1, round(most / 2)), most})
        edge_handles = [
            Line2D([], [], color="0.45", alpha=0.7, linewidth=width(s), label=str(s))
            for s in samples
        ]
        ax.legend(
            handles=edge_handles,
            title="Joint missions",
            loc="upper left",
            bbox_to_anchor=(1.0, 0.62),
            fontsize=_TICK_SIZE,
            title_fontsize=_LABEL_SIZE,
            frameon=False,
            handlelength=2.5,
        )
    fig.suptitle(  # not ax.set_title: the layout then clears the top label
        f"{title} — {year}" if title else f"Cooperation network, {year}",
        fontsize=_SUPTITLE_SIZE,
    )
    fig.supxlabel(
        "node area ∝ budget (2020 US$ bn / year); "
        "line width = joint missions flown together so far",
        fontsize=_TICK_SIZE,
        color="0.3",
    )
    return fig


def pair_heatmap(
    pairs: pd.DataFrame,
    value: str = "joint_missions",
    year: int | None = None,
    title: str = "",
) -> Figure:
    """Agency × agency matrix of one column of the ``pairs`` table.

    Parameters
    ----------
    pairs : DataFrame
        The ``pairs`` table of a run.
    value : str
        Column to show: ``"joint_missions"``, ``"tension"`` or ``"trust"``.
    year : int, optional
        Year to show; by default the last year of ``pairs``.
    title : str
        Title; the year is appended.

    Returns
    -------
    Figure
        The heat map axis and its colorbar axis; cells are annotated with their
        values when there are at most 12 agencies. The diagonal is left blank.
    """
    if value not in pairs.columns or value in ("year", "agency_a", "agency_b"):
        raise ValueError(f"not a value column of the pairs table: {value!r}")
    year = _pick_year(pairs, year, "pairs")
    now = pairs[pairs["year"] == year]
    names = list(dict.fromkeys([*now["agency_a"], *now["agency_b"]]))
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    matrix = np.full((n, n), np.nan)
    for a, b, v in zip(now["agency_a"], now["agency_b"], now[value], strict=True):
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = float(v)

    bounded = value in ("tension", "trust")
    cmap = mpl.colormaps[_PAIR_CMAPS.get(value, "viridis")].with_extremes(bad="whitesmoke")
    vmax = 1.0 if bounded else max(float(np.nanmax(matrix, initial=0.0)), 1.0)
    side = min(max(6.0, 0.6 * n + 3.5), 16.0)
    fig = Figure(figsize=(side + 1.5, side))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0.0, vmax=vmax, aspect="equal")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.85)
    colorbar.set_label(_PAIR_LABELS.get(value, _label(value)), fontsize=_LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=_TICK_SIZE)
    if value == "joint_missions":
        colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    ax.set_xticks(range(n), names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), names)
    ax.tick_params(labelsize=_TICK_SIZE, length=0)
    ax.set_xticks(np.arange(n + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

    if n <= 12:
        integer = value == "joint_missions"
        for i in range(n):
            for j in range(n):
                v = matrix[i, j]
                if np.isnan(v):
                    continue
                shade = cmap(image.norm(v))
                luminance = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
                ax.text(
                    j,
                    i,
                    f"{v:.0f}" if integer else f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=_LABEL_SIZE if n <= 9 else _TICK_SIZE - 1,
                    color="white" if luminance < 0.5 else "black",
                    gid="cell_value",
                )
    label = _PAIR_LABELS.get(value, _label(value)).split(" (")[0]
    ax.set_title(
        f"{title} — {label.lower()}, {year}" if title else f"{label}, {year}",
        fontsize=_SUPTITLE_SIZE,
    )
    return fig


def _save_png(fig: Figure, path: Path, dpi: int = 120) -> None:
    # Not mkstemp: its files are private (0600); "xb" keeps the umask's mode.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` as a PNG file atomically (temporary name, then rename).

    The parent directory is created if needed; returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_png(fig, path, dpi=dpi)
    return path


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
    paths = []
    for filename, fig in figures.items():
        path = out / filename
        _save_png(fig, path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------
# Batches: scenarios compared, parameter sweeps

#: Top-level sections of a scenario, the first part of a parameter column's name.
_SECTIONS = ("agencies", "missions", "relations", "negotiation", "dynamics", "events")


def _ordered(values: pd.Series) -> list:
    """Distinct values: sorted if numbers, else in order of first appearance."""
    distinct = list(pd.unique(values.dropna()))
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return sorted(distinct)
    return distinct


def _group_colors(n: int) -> list:
    return [mpl.colormaps["tab10"](k % 10) for k in range(n)]


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


def _end_label(metric: str) -> str:
    return END_METRIC_LABELS.get(metric, _label(metric))


def _span(counts: Sequence[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


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

    Parameters
    ----------
    model : DataFrame
        A batch ``model`` table (:func:`sim.batch.run_batch`): one row per run
        and year, with ``scenario`` and ``run_id`` (or ``seed``) columns.
        Without a ``scenario`` column all runs form one group.
    metrics : list of str, optional
        Columns to draw; by default :data:`DEFAULT_METRICS`.
    title : str
        Figure title.

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
    metrics = list(DEFAULT_METRICS if metrics is None else metrics)
    if not metrics:
        raise ValueError("no metrics to draw")
    missing = [m for m in [*metrics, "year"] if m not in model.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
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
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))

    handles, labels = [], []
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
    metrics = list(metrics)
    if not metrics:
        raise ValueError("no metrics to draw")
    missing = [c for c in [*metrics, by] if c not in run_table.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
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
        for j in np.flatnonzero(~known):
            ax.text(x[j], 0, "no data", ha="center", va="bottom", fontsize=_TICK_SIZE, color="0.5")
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
    fig = Figure(figsize=(min(max(7.5, 1.3 * nx + 4.0), 18.0), min(max(5.0, 0.8 * ny + 2.8), 14.0)))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
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
    ax.tick_params(labelsize=_TICK_SIZE, length=0)
    ax.set_xticks(np.arange(nx + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(ny + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

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
    paths = []
    for filename, fig in figures.items():
        path = out / filename
        _save_png(fig, path)
        paths.append(path)
    return paths
