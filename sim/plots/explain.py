"""The explain figure: a metric's difference between two scenarios, shared over factors."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.plots.style import _LABEL_SIZE, _TICK_SIZE, _TITLE_SIZE, _end_label, _one_axis, _style

__all__ = ["explain_bars"]

#: How each factor reads on the figure.
_FACTOR_LABELS = {
    "agencies": "agencies (who exists, what they want)",
    "budgets": "budgets",
    "capabilities": "capabilities",
    "tension": "tension and trust",
    "events": "other events (bans, support, ...)",
    "rules": "rules (catalog, calendar, settings)",
}


def explain_bars(done, title: str = "") -> Figure:
    """Shapley value of each factor as a bar with its 95 % interval, and the whole difference.

    ``done`` is a :class:`sim.explain.Explanation`. Markers show each factor
    taken alone: into the first scenario (diamond) and out of the second
    (circle); where they differ from the bar, the factor acts with others.
    """
    f = done.factors
    total = done.totals.set_index("what").loc["b - a"]
    n = len(f)
    fig, ax = _one_axis((12, 2.6 + 0.62 * (n + 1)))
    y = np.arange(n + 1)
    means = np.r_[total["mean"], f["shapley"]]
    low = np.r_[total["low"], f["shapley_low"]]
    high = np.r_[total["high"], f["shapley_high"]]
    colors = ["0.45"] + ["tab:blue" if m >= 0 else "tab:red" for m in f["shapley"]]
    ax.barh(y, means, 0.6, color=colors, alpha=0.85)
    ax.errorbar(means, y, xerr=[means - low, high - means], fmt="none", ecolor="0.15",
                capsize=4, linewidth=1.2)  # fmt: skip
    ax.plot(f["alone_into_a"], y[1:], "D", color="tab:orange", markersize=7,
            label=f"alone, into {done.a}")  # fmt: skip
    ax.plot(f["alone_out_of_b"], y[1:], "o", mfc="white", mec="tab:green", mew=2, markersize=8,
            label=f"alone, out of {done.b}")  # fmt: skip
    # Values in a column right of the axes, clear of bars, whiskers and markers.
    for yi, m, lo, hi in zip(y, means, low, high, strict=True):
        ax.text(1.01, float(yi), f"{m:+.3f}  [{lo:+.3f}, {hi:+.3f}]", va="center",
                transform=ax.get_yaxis_transform(), fontsize=_TICK_SIZE)  # fmt: skip
    span = max(np.nanmax(np.abs(np.r_[low, high, f["alone_into_a"], f["alone_out_of_b"]])), 1e-9)
    labels = [f"whole difference\n{done.a} → {done.b}"]
    labels += [
        _FACTOR_LABELS.get(x, f"{x}: {members.replace('+', ', ')}")
        for x, members in zip(f["factor"], f["members"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", linewidth=0.9)
    ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle=":")
    marks = np.r_[low, high, f["alone_into_a"], f["alone_out_of_b"]]
    ax.set_xlim(min(np.nanmin(marks), 0) - 0.08 * span, max(np.nanmax(marks), 0) + 0.08 * span)
    ax.set_xlabel(f"change in {_end_label(done.metric).lower()}", fontsize=_LABEL_SIZE)
    bar = Patch(facecolor="tab:blue", alpha=0.85, label="Shapley value, 95 % CI (red: lowers)")
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(
        handles=[bar, *handles],
        fontsize=11,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=3,
        frameon=False,
    )
    _style(ax)
    ax.set_title(
        title
        or f"Why the {_end_label(done.metric).lower()} differs: {done.a} → {done.b}\n"
        f"Shapley values over {n} factors, {done.seeds} seeds per hybrid, 95 % CI",
        fontsize=_TITLE_SIZE,
    )
    return fig
