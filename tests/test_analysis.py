"""Analyses the command line, notebooks and dashboard share: batch summaries, sweeps, trade-offs."""

import pandas as pd
import pytest

from sim.analysis import PRINTED_METRICS, summarize_batch, sweep, tradeoff
from sim.batch import grid, run_batch
from sim.summary import run_metrics, summarize, tradeoff_metrics

ARGS = {"seed": 3, "workers": 1, "progress": False}
LEVER = "policies.funding_pool"


@pytest.fixture(scope="module")
def pool():
    return tradeoff("iss_era", LEVER, [0.0, 0.2], ["science_per_dollar", "autonomy"], 2, **ARGS)


def test_tradeoff_is_the_batch_and_summary_the_command_printed(pool):
    batch = run_batch("iss_era", 2, params=grid({LEVER: [0.0, 0.2]}), **ARGS)
    runs = tradeoff_metrics(batch.model, batch.missions)
    pd.testing.assert_frame_equal(pool.runs, runs)
    assert pool.column == "policies_funding_pool"
    assert list(dict.fromkeys(pool.summary.metric))[:3] == [
        "science_per_dollar",
        "autonomy",
        "cooperation_rate",
    ]
    expected = summarize(runs, [pool.column], list(dict.fromkeys(pool.summary.metric)))
    pd.testing.assert_frame_equal(pool.summary, expected)


def test_tradeoff_pareto_marks_the_undominated_lever_values(pool):
    front = pool.pareto()
    assert list(front.columns) == ["science_per_dollar", "autonomy", "front"]
    assert front.index.tolist() == [0.0, 0.2]
    assert front.front.any()  # of two points at least one is never dominated


def test_sweep_puts_fixed_overrides_first_and_summarizes_each_point():
    axes = {"negotiation.candidates": [2, 3]}
    fixed = {"policies.treaty": 0.1}
    done = sweep("cold_war", axes, 2, fixed=fixed, metrics=["cooperation_rate"], **ARGS)
    batch = run_batch("cold_war", 2, params=[{**fixed, **p} for p in grid(axes)], **ARGS)
    pd.testing.assert_frame_equal(done.runs, run_metrics(batch.model))
    assert done.columns == ["negotiation_candidates"]
    assert done.by == ["scenario", "policies_treaty", "negotiation_candidates"]
    assert len(done.summary) == 2 and set(done.summary.metric) == {"cooperation_rate"}


def test_summarize_batch_prints_the_first_reported_metrics():
    batch = run_batch("cold_war", 2, **ARGS)
    done = summarize_batch(batch)
    assert list(done.summary.metric.unique()) == list(PRINTED_METRICS)
    assert done.by == ["scenario"]
