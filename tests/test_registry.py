"""The metric registry: one declaration per metric, read by every consumer."""

import math

import numpy as np
import pandas as pd

from sim.plots.style import _COUNTS, _UNIT_INTERVAL, END_METRIC_LABELS, METRIC_LABELS
from sim.registry import DASHBOARD, PLOTTED, REGISTRY, REPORTED, end_of_run, model_reporters
from sim.summary import BETTER, END_METRICS, METRIC_RANGES, run_metrics


def test_every_metric_is_fully_declared():
    for name, metric in REGISTRY.items():
        assert metric.name == name and metric.label
        if metric.over_run:  # one value per run: it needs a title, a description
            assert metric.run_label and metric.formed, name
        if metric.over_run in ("ratio", "weighted"):
            assert set(metric.of) <= set(model_reporters()), name
        low, high = metric.bounds
        assert low < high


def test_consumers_read_the_registry():
    yearly = [n for n in model_reporters() if n != "year"]
    assert list(METRIC_LABELS) == yearly
    assert list(END_METRICS) == [m.name for m in end_of_run()]
    assert set(END_METRICS) <= set(END_METRIC_LABELS)
    assert {n for n, m in REGISTRY.items() if m.better} == set(BETTER)
    assert {n for n, m in REGISTRY.items() if m.integer} == _COUNTS
    assert {n for n, r in METRIC_RANGES.items() if r == (0.0, 1.0)} >= _UNIT_INTERVAL
    for view in (PLOTTED, REPORTED, DASHBOARD):
        assert set(view) <= set(REGISTRY)


def test_each_metric_folds_its_years_as_declared():
    # Two years of one run, by hand: 4 then 0 missions started, 2 then 0 joint,
    # so a ratio over the run is 2/4, a weighted share counts only year one.
    model = pd.DataFrame(
        {
            "run_id": [0, 0],
            "year": [2000, 2001],
            **{n: [1.0, 3.0] for n in model_reporters() if n != "year"},
        }
    )
    model["missions_started"] = [4, 0]
    model["joint_missions_started"] = [2, 0]
    model["cooperation_rate"] = [0.5, np.nan]
    model["cross_bloc_share"] = [0.25, np.nan]
    model["mean_tension"] = [0.2, np.nan]  # last: the last defined value
    row = run_metrics(model).iloc[0]
    assert row["missions_started"] == 4 and row["science_output"] == 4.0  # sum
    assert row["mean_trust"] == 3.0 and row["mean_tension"] == 0.2  # last
    assert row["network_density"] == 2.0  # mean
    assert row["cooperation_rate"] == 0.5  # ratio of totals
    assert math.isclose(row["cross_bloc_share"], 0.25)  # weighted by joint missions
