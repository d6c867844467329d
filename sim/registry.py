"""The metric registry: every metric declared once, and everything else reads it.

A :class:`Metric` says what a metric is called, how it is computed each year
(a reporter of :mod:`sim.metrics`) or per run (a trade-off metric of
:func:`sim.summary.tradeoff_metrics`), its label and unit, how a run's years
fold into one end-of-run value, which direction is better and which values it
can take. Data collection (the ``model`` table), run summaries and their
intervals, plots, reports, the dashboard and the command line's list of known
metrics are all derived from :data:`REGISTRY`, so adding a metric is one entry
here (plus its reporter function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim import metrics as m

__all__ = [
    "DASHBOARD",
    "PLOTTED",
    "REGISTRY",
    "REPORTED",
    "Metric",
    "end_of_run",
    "model_reporters",
    "run_level",
]

#: How a run's yearly values fold into its end-of-run value.
OverRun = Literal["sum", "last", "mean", "ratio", "weighted", "run", ""]

_COUNT = (0.0, np.inf)
_SHARE = (0.0, 1.0)
_ANY = (-np.inf, np.inf)


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: its name, computation, labels, aggregation, direction and range.

    Attributes
    ----------
    name : str
        The column name (``snake_case``), in the ``model`` table and in
        end-of-run tables.
    label : str
        Axis title, with its unit, of the yearly series.
    run_label : str
        Axis title, with its unit, of the end-of-run value ("" if none).
    over_run : {"sum", "last", "mean", "ratio", "weighted", "run", ""}
        How a run's years fold into one value: a total, the last year, the
        mean over years, ``sum(of[0]) / sum(of[1])``, the mean weighted by the
        yearly column ``of[0]``, computed per run from the ``missions`` table
        (``run``: a trade-off metric), or not at all (``""``: yearly only).
    formed : str
        How the end-of-run value is formed, in words (reports show it).
    better : int
        +1 if more is better, -1 if less is, 0 if neither.
    bounds : tuple of float
        The values the metric can take; intervals of a mean are clipped to them.
    integer : bool
        Yearly values are whole counts (plots use integer ticks).
    reporter : callable or None
        ``reporter(world)`` for the yearly ``model`` table (None for run-level metrics).
    of : tuple of str
        The columns a ``ratio`` or ``weighted`` aggregation reads.
    """

    name: str
    label: str
    run_label: str = ""
    over_run: OverRun = ""
    formed: str = ""
    better: int = 0
    bounds: tuple[float, float] = _ANY
    integer: bool = False
    reporter: Callable[[Any], Any] | None = None
    of: tuple[str, ...] = ()


def _yearly(reporter: Callable[[Any], Any], label: str, **kw: Any) -> Metric:
    return Metric(name=reporter.__name__, label=label, reporter=reporter, **kw)


_TOTAL = "total over the run"

#: Every metric, yearly ones in the column order of the ``model`` table.
REGISTRY: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        _yearly(m.year, "Year"),
        _yearly(m.active_agencies, "Active agencies (count)", bounds=_COUNT, integer=True),
        _yearly(
            m.missions_started, "Missions started (per year)", run_label="Missions started (total)",
            over_run="sum", formed=_TOTAL, bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.joint_missions_started, "Joint missions started (per year)",
            run_label="Joint missions started (total)", over_run="sum", formed=_TOTAL, better=1,
            bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.cooperation_rate, "Cooperation rate (joint / all started)",
            run_label="Cooperation rate over the run (joint / all)", over_run="ratio",
            of=("joint_missions_started", "missions_started"),
            formed="joint / all missions started over the run", better=1, bounds=_SHARE,
        ),
        _yearly(
            m.mean_tension, "Mean tension (0-1)", run_label="Mean tension (last year, 0-1)",
            over_run="last", formed="in the last year", better=-1, bounds=_SHARE,
        ),
        _yearly(
            m.mean_trust, "Mean trust (0-1)", run_label="Mean trust (last year, 0-1)",
            over_run="last", formed="in the last year", better=1, bounds=_SHARE,
        ),
        _yearly(
            m.cross_bloc_share, "Cross-bloc share (of joint missions started)",
            run_label="Cross-bloc share of joint missions (run)", over_run="weighted",
            of=("joint_missions_started",),
            formed="cross-bloc / all joint missions over the run", bounds=_SHARE,
        ),
        _yearly(
            m.network_density, "Network density (0-1)",
            run_label="Network density (mean over years, 0-1)", over_run="mean",
            formed="mean over the years", bounds=_SHARE,
        ),
        _yearly(m.network_clustering, "Network clustering (0-1)", bounds=_SHARE),
        _yearly(
            m.network_components, "Network components (count)", bounds=_COUNT, integer=True
        ),
        _yearly(
            m.science_output, "Science output (points / year)",
            run_label="Science output (points, total)", over_run="sum",
            formed="total over the run (points)", better=1, bounds=_COUNT,
        ),
        _yearly(
            m.cost_saved, "Cost saved (2020 US$ bn / year)",
            run_label="Cost saved (2020 US$ bn, total)", over_run="sum",
            formed="total over the run (US$ bn)", better=1,
        ),
        _yearly(
            m.withdrawals, "Withdrawals from missions (per year)",
            run_label="Withdrawals from missions (total)", over_run="sum", formed=_TOTAL,
            better=-1, bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.domestic_cuts, "Programmes cut at home (per year)",
            run_label="Programmes cut at home (total)", over_run="sum", formed=_TOTAL,
            better=-1, bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.failures, "Mission failures (per year)", run_label="Mission failures (total)",
            over_run="sum", formed=_TOTAL, better=-1, bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.failed_negotiations, "Failed negotiations (per year)",
            run_label="Failed negotiations (total)", over_run="sum", formed=_TOTAL, better=-1,
            bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.duplication, "Duplicated solo missions (per year)",
            run_label="Duplicated solo missions (total)", over_run="sum", formed=_TOTAL,
            better=-1, bounds=_COUNT, integer=True,
        ),
        _yearly(
            m.fairness_gini, "Fairness: Gini of net benefit (0 = equal)",
            run_label="Fairness: Gini of net benefit (last year)", over_run="last",
            formed="in the last year", better=-1, bounds=_SHARE,
        ),
        Metric(
            "science_per_dollar", "Science per dollar (points / US$ bn)",
            run_label="Science per dollar (points / US$ bn)", over_run="run",
            formed="science output per US$ bn spent on the missions started (points)",
            better=1, bounds=_COUNT,
        ),
        Metric(
            "autonomy", "Autonomy (share of places not depending on a partner)",
            run_label="Autonomy (share of places not depending on a partner)", over_run="run",
            formed="share of member places in missions started that depend on no partner",
            better=1, bounds=_SHARE,
        ),
        Metric(
            "rival_dependence", "Dependence on a rival (share of places)",
            run_label="Dependence on a rival (share of places)", over_run="run",
            formed="share of member places that depend on a partner of another bloc",
            better=-1, bounds=_SHARE,
        ),
        Metric(
            "disruption", "Disruption (withdrawals + cancellations)",
            run_label="Disruption (withdrawals + cancellations)", over_run="run",
            formed="withdrawals plus cancelled missions over the run", better=-1,
            bounds=_COUNT,
        ),
    )
}  # fmt: skip

#: What each view shows, in its order (names of :data:`REGISTRY`).
PLOTTED = (  # yearly series drawn when no metric is named
    "cooperation_rate", "joint_missions_started", "mean_tension", "mean_trust",
    "science_output", "network_density",
)  # fmt: skip
REPORTED = (  # end-of-run metrics in printed summaries and reports
    "cooperation_rate", "joint_missions_started", "cross_bloc_share", "mean_tension",
    "mean_trust", "science_output", "cost_saved", "withdrawals", "failed_negotiations",
    "fairness_gini",
)  # fmt: skip
DASHBOARD = ("cooperation_rate", "mean_tension", "mean_trust", "science_output")
#: Run-level metrics the trade-off analysis adds, and the yearly one it also reports.
TRADEOFF = ("science_per_dollar", "autonomy", "rival_dependence", "disruption", "fairness_gini")

for _view in (PLOTTED, REPORTED, DASHBOARD, TRADEOFF):  # a typo here fails at import
    assert set(_view) <= set(REGISTRY), set(_view) - set(REGISTRY)


def model_reporters() -> dict[str, Callable[[Any], Any]]:
    """Name -> reporter of the yearly ``model`` table, in column order."""
    return {name: mt.reporter for name, mt in REGISTRY.items() if mt.reporter is not None}


def end_of_run() -> list[Metric]:
    """The metrics with one value per run computed from the ``model`` table, in order."""
    return [mt for mt in REGISTRY.values() if mt.over_run not in ("", "run")]


def run_level() -> list[Metric]:
    """The metrics computed per run from the ``missions`` table (trade-off metrics)."""
    return [mt for mt in REGISTRY.values() if mt.over_run == "run"]
