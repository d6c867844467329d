"""Validation figures: one stylized fact, its value in every run and the pass line."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import _LABEL_SIZE, _TITLE_SIZE, _one_axis, _style

__all__ = ["pattern_plot"]


def pattern_plot(results: pd.DataFrame, pattern) -> Figure:
    """Per-run values of one pattern, passing runs in green, failing in red.

    ``results`` are the rows of :func:`sim.patterns.evaluate` for this pattern
    (one point). The dashed line is the pattern's threshold, when it has one;
    runs with no value (nothing to measure, counted as failing) are noted.
    """
    fig, ax = _one_axis((9, 3.6))
    values = results["value"].to_numpy(float)
    passed = results["passed"].to_numpy(bool)
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(values))  # layout only
    for mask, color, label in ((passed, "tab:green", "holds"), (~passed, "tab:red", "fails")):
        shown = mask & np.isfinite(values)
        ax.scatter(values[shown], jitter[shown], s=42, color=color, alpha=0.75,
                   edgecolor="white", linewidth=0.5,
                   label=f"{label} ({mask.sum()} run{'' if mask.sum() == 1 else 's'})")  # fmt: skip
    if pattern.threshold is not None:
        ax.axvline(pattern.threshold, color="0.25", linestyle="--", linewidth=1.2,
                   label=f"threshold {pattern.threshold:g}")  # fmt: skip
    finite = values[np.isfinite(values)]
    if len(finite):
        ax.axvline(np.median(finite), color="tab:blue", linewidth=1.5,
                   label=f"median {np.median(finite):.3g}")  # fmt: skip
    missing = int((~np.isfinite(values)).sum())
    if missing:
        runs = f"{missing} run{'' if missing == 1 else 's'}"
        ax.text(0.99, 0.04, f"{runs} with nothing to measure (fail)",
                transform=ax.transAxes, ha="right", fontsize=10, color="tab:red")  # fmt: skip
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlabel(pattern.value_label, fontsize=_LABEL_SIZE)
    _style(ax)
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    share = passed.mean() if len(passed) else float("nan")
    verdict = "holds" if share >= pattern.required - 1e-12 else "does NOT hold"
    title = textwrap.fill(pattern.claim, 80)
    needs = f"needs {pattern.required:.0%}"
    ax.set_title(
        f"{title}\n{verdict}: {share:.0%} of {len(passed)} runs pass ({needs})",
        fontsize=_TITLE_SIZE,
    )
    return fig
