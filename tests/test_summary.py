"""Summaries: confidence intervals and end-of-run metrics on hand-made tables."""

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.summary import END_METRICS, METRIC_RANGES, METRICS, mean_ci, run_metrics, summarize


def test_t_interval_on_known_values():
    x = pd.Series([2.0, 4.0, 6.0, 8.0])
    s = mean_ci(x)
    half = stats.t.ppf(0.975, 3) * np.std(x, ddof=1) / 2
    assert s["mean"] == 5.0 and s["n"] == 4
    assert s["ci_low"] == pytest.approx(5.0 - half) and s["ci_high"] == pytest.approx(5.0 + half)
    assert half == pytest.approx(4.108, abs=1e-3)


def test_nan_is_left_out_and_one_value_has_no_width():
    s = mean_ci(pd.Series([np.nan, 3.0]))
    assert s["n"] == 1 and s["ci_low"] == s["ci_high"] == 3.0


def test_summarize_groups():
    table = pd.DataFrame(
        {"scenario": ["a", "a", "b", "b"], "year": [1, 1, 1, 1], "m": [1.0, 3.0, 10.0, 10.0]}
    )
    out = summarize(table, ["scenario", "year"], ["m"])
    assert out["mean"].tolist() == [2.0, 10.0]
    assert out.loc[1, "ci_low"] == out.loc[1, "ci_high"] == 10.0
    assert list(out.columns) == [
        "scenario",
        "year",
        "metric",
        "mean",
        "sd",
        "n",
        "ci_low",
        "ci_high",
    ]


def test_run_metrics_pool_rates_over_the_run():
    model = pd.DataFrame(
        {
            "run_id": [0, 0, 1, 1],
            "scenario": ["s"] * 4,
            "year": [1, 2, 1, 2],
            "missions_started": [2, 2, 0, 4],
            "joint_missions_started": [0, 2, 0, 1],
            "cross_bloc_share": [np.nan, 0.5, np.nan, 1.0],
            "mean_tension": [0.5, 0.4, 0.5, 0.3],
            "mean_trust": [0.1, 0.2, 0.1, 0.3],
            "network_density": [0.0, 0.5, 0.0, 0.1],
            "science_output": [1.0, 2.0, 0.0, 3.0],
            "cost_saved": [0.0, 1.0, 0.0, 0.5],
            "withdrawals": [0, 1, 0, 0],
            "domestic_cuts": [0, 0, 0, 0],
            "failures": [0, 0, 1, 0],
            "failed_negotiations": [0, 0, 0, 2],
            "duplication": [1, 0, 0, 0],
            "fairness_gini": [0.0, 0.2, 0.0, 0.4],
        }
    )
    runs = run_metrics(model)
    assert runs.run_id.tolist() == [0, 1]
    assert runs.cooperation_rate.tolist() == [0.5, 0.25]
    assert runs.cross_bloc_share.tolist() == [0.5, 1.0]
    assert runs.mean_tension.tolist() == [0.4, 0.3]  # last year
    assert runs.science_output.tolist() == [3.0, 3.0]  # total
    assert runs.network_density.tolist() == [0.25, 0.05]  # mean over years


def test_tradeoff_metrics_on_a_hand_made_run():
    from sim.summary import pareto_front, tradeoff_metrics

    model = pd.DataFrame({
        "run_id": [0, 0], "scenario": ["s", "s"], "year": [1, 2],
        "missions_started": [1, 1], "joint_missions_started": [1, 0],
        "cross_bloc_share": [1.0, np.nan], "mean_tension": [0.5, 0.4],
        "mean_trust": [0.5, 0.5], "network_density": [0.5, 0.5],
        "science_output": [0.0, 6.0], "cost_saved": [1.0, 0.0],
        "withdrawals": [0, 1], "domestic_cuts": [0, 0], "failures": [0, 0],
        "failed_negotiations": [0, 0],
        "duplication": [0, 0], "fairness_gini": [0.0, 0.1],
    })  # fmt: skip
    missions = pd.DataFrame({
        "run_id": [0, 0], "cost": [2.0, 3.0], "subsidy": [1.0, 0.0],
        "members": [["A", "B"], ["A"]], "dependent": [["B"], []],
        "rival_dependent": [["B"], []], "outcome": ["success", "cancelled"],
    })  # fmt: skip
    runs = tradeoff_metrics(model, missions)
    assert runs.science_per_dollar.tolist() == [1.0]  # 6 points for 2 + 1 + 3 US$ bn
    assert runs.autonomy.tolist() == [1 - 1 / 3]
    assert runs.rival_dependence.tolist() == [1 / 3]
    assert runs.disruption.tolist() == [2]  # one withdrawal, one cancellation
    pts = pd.DataFrame({"autonomy": [0.9, 0.9], "disruption": [1.0, 2.0]})
    assert pareto_front(pts, "autonomy", "disruption").tolist() == [True, False]


def test_a_count_interval_never_goes_below_zero():
    counts = pd.Series([0.0, 0.0, 0.0, 5.0])  # t-interval of the mean: [-2.73, 5.23]
    s = mean_ci(counts, bounds=METRIC_RANGES["withdrawals"])
    assert s["ci_low"] == 0.0
    assert s["ci_high"] == pytest.approx(1.25 + stats.t.ppf(0.975, 3) * 2.5 / 2)


def test_a_share_interval_stays_in_the_unit_interval():
    shares = pd.Series([1.0, 1.0, 0.2])
    s = mean_ci(shares, bounds=METRIC_RANGES["cooperation_rate"])
    assert s["ci_low"] >= 0.0 and s["ci_high"] == 1.0
    low = mean_ci(pd.Series([0.0, 0.0, 0.3]), bounds=METRIC_RANGES["autonomy"])
    assert low["ci_low"] == 0.0 and low["ci_high"] < 1.0


def test_summarize_clips_by_metric_and_leaves_in_range_intervals_alone():
    runs = pd.DataFrame(
        {
            "g": ["a"] * 4,
            "failures": [0, 0, 0, 5],
            "cooperation_rate": [0.4, 0.5, 0.5, 0.6],
            "cost_saved": [-1.0, 0.0, 0.0, 5.0],
        }
    )
    out = summarize(runs, ["g"], ["failures", "cooperation_rate", "cost_saved"])
    by = out.set_index("metric")
    assert by.loc["failures", "ci_low"] == 0.0
    plain = mean_ci(runs["cooperation_rate"])
    assert by.loc["cooperation_rate", ["ci_low", "ci_high"]].tolist() == [
        plain["ci_low"],
        plain["ci_high"],
    ]
    assert by.loc["cost_saved", "ci_low"] < 0  # can be negative: not clipped


def test_every_metric_a_command_names_has_a_range_or_is_signed():
    signed = {"cost_saved"}
    assert set(METRICS) - set(METRIC_RANGES) == signed
    for low, high in METRIC_RANGES.values():
        assert low == 0.0 and high in (1.0, np.inf)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_share_intervals_are_in_range_and_hold_the_mean(values):
    s = mean_ci(pd.Series(values), bounds=(0.0, 1.0))
    assert 0.0 <= s["ci_low"] <= s["mean"] + 1e-12 and s["mean"] - 1e-12 <= s["ci_high"] <= 1.0


def test_a_batch_where_every_run_failed_still_summarizes(tmp_path):
    from sim.batch import BatchResult
    from sim.report import REPORT_METRICS, format_summary, write_summaries
    from sim.summary import group_columns

    for model in (pd.DataFrame(), pd.DataFrame(columns=["run_id", "scenario", "year"])):
        runs = run_metrics(model)
        assert runs.empty and set(END_METRICS) <= set(runs.columns)
        by = group_columns(runs)
        summary = summarize(runs, by, REPORT_METRICS)
        assert format_summary(summary, by).empty
    errors = pd.DataFrame({"run_id": [0], "error": ["ValueError: boom"]})
    batch = mock.Mock(spec=BatchResult, model=pd.DataFrame(), n_runs=1, n_failed=1, errors=errors)
    paths = write_summaries(batch, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "1 runs (0 or more per group), 1 failed." in report and "boom" in report
    assert all(p.exists() for p in paths)
