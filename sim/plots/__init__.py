"""Matplotlib figures of a run's or a batch's tables, built without pyplot so they work headless."""

from sim.plots.compare import compare_bars, compare_series, save_batch_plots
from sim.plots.explain import explain_bars
from sim.plots.network import cooperation_network, pair_heatmap
from sim.plots.patterns import pattern_plot
from sim.plots.sensitivity import sensitivity_bars
from sim.plots.single import metric_series, save_run_plots
from sim.plots.style import DEFAULT_METRICS, END_METRIC_LABELS, METRIC_LABELS, save_figure
from sim.plots.sweep import sweep_heatmap
from sim.plots.tradeoff import pareto_plot, tradeoff_lines

__all__ = [
    "DEFAULT_METRICS",
    "END_METRIC_LABELS",
    "METRIC_LABELS",
    "compare_bars",
    "compare_series",
    "cooperation_network",
    "explain_bars",
    "metric_series",
    "pair_heatmap",
    "pareto_plot",
    "pattern_plot",
    "save_batch_plots",
    "save_figure",
    "save_run_plots",
    "sensitivity_bars",
    "sweep_heatmap",
    "tradeoff_lines",
]
