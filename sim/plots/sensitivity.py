"""Sensitivity figures: Sobol indices or Morris effects per parameter, with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import _LABEL_SIZE, _TITLE_SIZE, _end_label, _one_axis, _param_label, _style

__all__ = ["sensitivity_bars"]


def sensitivity_bars(indices: pd.DataFrame, method: str, metric: str, title: str = "") -> Figure:
    """Horizontal bars per parameter: Sobol ``S1`` and ``ST``, or Morris ``mu_star``.

    Error bars are the 95 % confidence intervals SALib reports (bootstrap).
    """
    fig, ax = _one_axis((10, 1.2 + 0.7 * len(indices)))
    labels = [_param_label(p.replace(".", "_")) for p in indices["param"]]
    y = np.arange(len(indices))
    if method == "sobol":
        ax.barh(y - 0.2, indices["ST"], 0.4, xerr=indices["ST_conf"], color="tab:red",
                alpha=0.8, label="total effect ST", capsize=3)  # fmt: skip
        ax.barh(y + 0.2, indices["S1"], 0.4, xerr=indices["S1_conf"], color="tab:blue",
                alpha=0.8, label="first order S1", capsize=3)  # fmt: skip
        ax.set_xlabel("Sobol index (share of output variance)", fontsize=_LABEL_SIZE)
        ax.axvline(0, color="0.3", linewidth=0.8)
    else:
        ax.barh(y, indices["mu_star"], 0.6, xerr=indices["mu_star_conf"], color="tab:blue",
                alpha=0.8, label="mean |elementary effect| (mu*)", capsize=3)  # fmt: skip
        ax.plot(indices["sigma"], y, "D", color="tab:orange", label="sigma (interactions)")
        ax.set_xlabel(f"Morris effect on {metric}", fontsize=_LABEL_SIZE)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.legend(fontsize=11, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _style(ax)
    ax.set_title(
        title or f"What moves {_end_label(metric)}? ({method}, 95 % CI)", fontsize=_TITLE_SIZE
    )
    return fig
