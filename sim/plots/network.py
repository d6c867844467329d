"""The cooperation network and the pairwise heat map of one run, at a chosen year."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.plots.style import (
    _LABEL_SIZE,
    _PAIR_CMAPS,
    _PAIR_LABELS,
    _SUPTITLE_SIZE,
    _TICK_SIZE,
    _bloc_colors,
    _cell_grid,
    _label,
    _one_axis,
)


def _pick_year(table: pd.DataFrame, year: int | None, what: str) -> int:
    if table.empty:
        raise ValueError(f"the {what} table is empty")
    years = table["year"]
    if year is None:
        return int(years.max())
    if not (years == year).any():
        raise ValueError(f"year {year} not in the {what} table ({years.min()}-{years.max()})")
    return int(year)


def _side_legend(ax, handles: list[Line2D], title: str, top: float, **extra: Any) -> Legend:
    """A frameless legend right of ``ax``, its top ``top`` of the way up the axis."""
    return ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.0, top),
        fontsize=_TICK_SIZE,
        title_fontsize=_LABEL_SIZE,
        frameon=False,
        **extra,
    )


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

    fig, ax = _one_axis((10, 8.5))

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
    legend = _side_legend(ax, bloc_handles, "Bloc", top=1.0)
    if len(now_pairs):
        ax.add_artist(legend)
        samples = sorted({1, max(1, round(most / 2)), most})
        edge_handles = [
            Line2D([], [], color="0.45", alpha=0.7, linewidth=width(s), label=str(s))
            for s in samples
        ]
        _side_legend(ax, edge_handles, "Joint missions", top=0.62, handlelength=2.5)
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

    The matrix is symmetric, a pair's value in both of its cells, and its
    diagonal is blank; tension and trust are coloured on their 0-1 scale.

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
        values when there are at most 12 agencies.
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
    fig, ax = _one_axis((side + 1.5, side))
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0.0, vmax=vmax, aspect="equal")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.85)
    colorbar.set_label(_PAIR_LABELS.get(value, _label(value)), fontsize=_LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=_TICK_SIZE)
    if value == "joint_missions":
        colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    ax.set_xticks(range(n), names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), names)
    _cell_grid(ax, n, n, 1.5)

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
