"""Plots: each figure builds headless, with the axes, edges and bands expected."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

import sim
from sim.batch import grid, run_batch
from sim.plots import (
    DEFAULT_METRICS,
    END_METRIC_LABELS,
    METRIC_LABELS,
    compare_bars,
    compare_series,
    cooperation_network,
    metric_series,
    pair_heatmap,
    save_batch_plots,
    save_figure,
    save_run_plots,
    sweep_heatmap,
)
from sim.summary import END_METRICS, run_metrics

ERAS = ["cold_war", "detente", "iss_era"]


@pytest.fixture(scope="module")
def result():
    return sim.run("cold_war", seed=0)


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def edges(fig):
    return [line for line in fig.axes[0].lines if line.get_gid() == "edge"]


# ------------------------------------------------------------ metric_series


def test_metric_series_one_titled_axis_per_default_metric(result):
    fig = metric_series(result.model, title="cold_war")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(DEFAULT_METRICS)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [METRIC_LABELS[m] for m in DEFAULT_METRICS]
    assert fig.get_suptitle() == "cold_war"


def test_metric_series_single_run_has_no_band(result):
    fig = metric_series(result.model)
    for ax in fig.axes:
        assert bands(ax) == []
        assert len(ax.lines) == 1


def test_metric_series_skips_missing_years(result):
    fig = metric_series(result.model, ["cooperation_rate"])
    (line,) = fig.axes[0].lines
    expected = result.model["cooperation_rate"].notna().sum()
    assert len(line.get_xdata()) == expected
    assert pd.notna(line.get_ydata()).all()


def test_metric_series_draws_band_for_several_seeds(result):
    batch = pd.concat(
        [result.model.assign(seed=0), result.model.assign(seed=1, science_output=0.0)]
    )
    fig = metric_series(batch, ["science_output", "mean_tension"])
    assert len(fig.axes) == 2
    for ax in fig.axes:
        (band,) = bands(ax)
        assert band.get_gid() == "ci_band"
    # The mean line of two runs: the halfway point of their values.
    (line,) = fig.axes[0].lines
    assert line.get_ydata().max() == pytest.approx(result.model["science_output"].max() / 2)


def test_metric_series_band_also_from_run_id(result):
    batch = pd.concat([result.model.assign(run_id=k) for k in range(3)])
    fig = metric_series(batch, ["mean_trust"])
    assert len(bands(fig.axes[0])) == 1


def test_metric_series_layout_drops_empty_cells(result):
    fig = metric_series(result.model, ["mean_tension", "cost_saved", "failures"] * 2)
    assert len(fig.axes) == 6
    fig = metric_series(result.model, ["mean_tension"] * 5)
    assert len(fig.axes) == 5


def test_metric_series_rejects_unknown_metric(result):
    with pytest.raises(ValueError, match="no_such_metric"):
        metric_series(result.model, ["no_such_metric"])


# ------------------------------------------------------- cooperation_network


def test_network_one_edge_per_pair_with_joint_missions(result):
    fig = cooperation_network(result.agencies, result.pairs, title="cold_war")
    last = result.pairs[result.pairs["year"] == result.pairs["year"].max()]
    assert len(fig.axes) == 1
    assert len(edges(fig)) == int((last["joint_missions"] > 0).sum())
    # Edges follow the pairs table's order; more joint missions, thicker line.
    counts = [c for c in last["joint_missions"] if c > 0]
    widths = [line.get_linewidth() for line in edges(fig)]
    by_count = [w for _, w in sorted(zip(counts, widths, strict=True))]
    assert by_count == sorted(by_count)
    assert len(set(widths)) == len(set(counts))


def test_network_labels_every_active_agency(result):
    year = int(result.agencies["year"].max())
    fig = cooperation_network(result.agencies, result.pairs, year=year)
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "node_label"]
    active = result.agencies.loc[result.agencies["year"] == year, "agency"]
    assert sorted(label.split("\n")[0] for label in labels) == sorted(active)
    assert str(year) in fig.get_suptitle()
    legend_titles = [
        c.get_title().get_text()
        for c in fig.axes[0].get_children()
        if c.__class__.__name__ == "Legend"
    ]
    assert "Bloc" in legend_titles


def test_network_early_year_without_joint_missions(result):
    first = int(result.agencies["year"].min())
    fig = cooperation_network(result.agencies, result.pairs, year=first)
    early = result.pairs[result.pairs["year"] == first]
    assert len(edges(fig)) == int((early["joint_missions"] > 0).sum())


def test_network_is_deterministic(result):
    def positions():
        fig = cooperation_network(result.agencies, result.pairs)
        return [tuple(line.get_xydata().ravel()) for line in edges(fig)]

    assert positions() == positions()


def test_network_rejects_year_outside_run(result):
    with pytest.raises(ValueError, match="1900"):
        cooperation_network(result.agencies, result.pairs, year=1900)


# ------------------------------------------------------------- pair_heatmap


@pytest.mark.parametrize("value", ["joint_missions", "tension", "trust"])
def test_heatmap_symmetric_matrix_with_labels(result, value):
    fig = pair_heatmap(result.pairs, value, title="cold_war")
    assert len(fig.axes) == 2  # heat map and colorbar
    ax, cbar = fig.axes
    year = result.pairs["year"].max()
    names = set(result.agencies.loc[result.agencies["year"] == year, "agency"])
    assert {t.get_text() for t in ax.get_xticklabels()} == names
    assert {t.get_text() for t in ax.get_yticklabels()} == names
    assert cbar.get_ylabel()
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    matrix = image.get_array()
    assert (matrix == matrix.T).all()
    n = len(names)
    cells = [t for t in ax.texts if t.get_gid() == "cell_value"]
    assert len(cells) == n * (n - 1)  # every cell but the diagonal


def test_heatmap_no_annotations_above_twelve_agencies():
    names = [f"A{i:02d}" for i in range(13)]
    rows = [
        {
            "year": 2000,
            "agency_a": a,
            "agency_b": b,
            "joint_missions": 1,
            "tension": 0.5,
            "trust": 0.5,
        }
        for k, a in enumerate(names)
        for b in names[k + 1 :]
    ]
    fig = pair_heatmap(pd.DataFrame(rows), "trust")
    assert not [t for t in fig.axes[0].texts if t.get_gid() == "cell_value"]
    assert len(fig.axes[0].get_xticklabels()) == 13


def test_heatmap_rejects_unknown_value(result):
    with pytest.raises(ValueError, match="budget"):
        pair_heatmap(result.pairs, "budget")


# ----------------------------------------------------------- save_run_plots


def test_save_run_plots_writes_four_pngs_and_no_temp_files(result, tmp_path):
    out = tmp_path / "plots"
    paths = save_run_plots(result, out)
    names = [
        "metrics.png",
        "network.png",
        "heatmap_joint_missions.png",
        "heatmap_tension.png",
    ]
    assert paths == [out / name for name in names]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 1000
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


# ---------------------------------------------------------------- batches


@pytest.fixture(scope="module")
def eras():
    """Three replicates of each era: the batch ``model`` table."""
    return run_batch(ERAS, 3, seed=0, workers=1, progress=False).model


@pytest.fixture(scope="module")
def sweep():
    """A 2 x 2 x 2 sweep of cold_war, one run per point: its run table."""
    points = grid(
        {
            "negotiation.cost_sharing_rule": ["nash", "shapley"],
            "negotiation.integration_overhead": [0.0, 0.3],
            "dynamics.value_of_money": [0.5, 1.0],
        }
    )
    return run_metrics(run_batch("cold_war", 1, params=points, workers=1, progress=False).model)


def tagged(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def cells(fig):
    return [t for t in fig.axes[0].texts if t.get_gid() == "cell_value"]


# ------------------------------------------------------------ compare_series


def test_compare_series_one_band_and_line_per_scenario_per_axis(eras):
    metrics = ["cooperation_rate", "mean_tension", "science_output"]
    fig = compare_series(eras, metrics, title="eras")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(metrics)
    assert [ax.get_title() for ax in fig.axes] == [METRIC_LABELS[m] for m in metrics]
    for ax in fig.axes:
        assert len([b for b in bands(ax) if b.get_gid() == "ci_band"]) == len(ERAS)
        assert len(tagged(ax, "scenario_line")) == len(ERAS)
    assert fig.get_suptitle() == "eras"


def test_compare_series_shares_one_calendar_year_axis(eras):
    fig = compare_series(eras)
    assert len(fig.axes) == len(DEFAULT_METRICS)
    low, high = fig.axes[0].get_xlim()
    assert low <= eras["year"].min() and high >= eras["year"].max()
    assert all(ax.get_xlim() == (low, high) for ax in fig.axes)
    # Each scenario's line spans its own years.
    lines = tagged(fig.axes[0], "scenario_line")
    for scenario, line in zip(ERAS, lines, strict=True):
        years = eras.loc[eras["scenario"] == scenario, "year"]
        assert line.get_xdata().min() >= years.min()
        assert line.get_xdata().max() == years.max()


def test_compare_series_mean_line_and_clipped_band(eras):
    fig = compare_series(eras, ["mean_trust", "cooperation_rate"])
    line = tagged(fig.axes[0], "scenario_line")[0]
    cold = eras[eras["scenario"] == "cold_war"]
    expected = cold.groupby("year")["mean_trust"].mean().dropna()  # no pairs yet: NaN
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    for band in bands(fig.axes[1]):  # a share: its band stays within 0-1
        y = band.get_paths()[0].vertices[:, 1]
        assert y.min() >= 0.0 and y.max() <= 1.0


def test_compare_series_one_legend_naming_scenarios_and_band(eras):
    fig = compare_series(eras, ["mean_tension"])
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert [t.split(" (")[0] for t in texts[:3]] == ERAS
    assert "cold_war (1957-1975)" in texts
    assert "95 % CI" in texts[-1] and "3 runs" in texts[-1]


def test_compare_series_no_band_with_one_run_per_scenario(eras):
    fig = compare_series(eras[eras["replicate"] == 0], ["mean_trust"])
    assert bands(fig.axes[0]) == []
    assert len(tagged(fig.axes[0], "scenario_line")) == len(ERAS)


def test_compare_series_rejects_unknown_metric(eras):
    with pytest.raises(ValueError, match="no_such_metric"):
        compare_series(eras, ["no_such_metric"])


# -------------------------------------------------------------- compare_bars


def test_compare_bars_one_bar_with_error_bar_per_group(eras):
    runs = run_metrics(eras)
    metrics = ["cooperation_rate", "science_output", "mean_tension", "joint_missions_started"]
    fig = compare_bars(runs, metrics, title="eras")
    assert len(fig.axes) == len(metrics)
    for ax, metric in zip(fig.axes, metrics, strict=True):
        assert ax.get_title() == END_METRIC_LABELS[metric]
        bars = [p for p in ax.patches if p.get_gid() == "mean_bar"]
        assert len(bars) == len(ERAS)
        means = runs.groupby("scenario", sort=False)[metric].mean()
        np.testing.assert_allclose([b.get_height() for b in bars], means[ERAS].to_numpy())
        (errorbars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        (whiskers,) = errorbars.lines[2]
        assert len(whiskers.get_segments()) == len(ERAS)
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert [label.split("\n")[0] for label in labels] == ERAS
        assert all("n = 3" in label for label in labels)
    assert fig.get_suptitle() == "eras"


def test_compare_bars_one_dot_per_run_deterministic(eras):
    runs = run_metrics(eras)

    def dots():
        ax = compare_bars(runs, ["science_output"]).axes[0]
        found = [c for c in tagged(ax, "run_dots") if isinstance(c, PathCollection)]
        return np.vstack([c.get_offsets() for c in found])

    first = dots()
    assert len(first) == len(runs)
    np.testing.assert_array_equal(first, dots())


def test_compare_bars_end_labels_cover_end_metrics():
    assert set(END_METRICS) <= set(END_METRIC_LABELS)


def test_compare_bars_by_a_parameter_sorts_numbers(sweep):
    fig = compare_bars(sweep, ["cooperation_rate"], by="negotiation_integration_overhead")
    ax = fig.axes[0]
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["0", "0.3"]
    assert ax.get_xlabel() == "negotiation · integration overhead"


def test_compare_bars_rejects_unknown_group_column(eras):
    with pytest.raises(ValueError, match="nowhere"):
        compare_bars(run_metrics(eras), ["cooperation_rate"], by="nowhere")


# ------------------------------------------------------------- sweep_heatmap


def test_sweep_heatmap_one_annotated_cell_per_grid_point(sweep):
    x, y = "negotiation_integration_overhead", "dynamics_value_of_money"
    fig = sweep_heatmap(sweep, x, y, "cooperation_rate")
    assert len(fig.axes) == 2  # heat map and colorbar
    ax, cbar = fig.axes
    assert len(cells(fig)) == 2 * 2
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    expected = sweep.groupby([y, x])["cooperation_rate"].mean().unstack().to_numpy()
    np.testing.assert_allclose(image.get_array(), expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.5", "1"]
    assert ax.get_xlabel() == "negotiation · integration overhead"
    assert ax.get_ylabel() == "dynamics · value of money"
    assert cbar.get_ylabel() == END_METRIC_LABELS["cooperation_rate"]
    assert "cost sharing rule" in ax.get_title()  # the third parameter is pooled


@pytest.mark.parametrize("categorical", ["x", "y"])
def test_sweep_heatmap_categorical_axis(sweep, categorical):
    rule, overhead = "negotiation_cost_sharing_rule", "negotiation_integration_overhead"
    x, y = (rule, overhead) if categorical == "x" else (overhead, rule)
    fig = sweep_heatmap(sweep, x, y, "science_output", title="rules")
    ax = fig.axes[0]
    ticks = ax.get_xticklabels() if categorical == "x" else ax.get_yticklabels()
    assert [t.get_text() for t in ticks] == ["nash", "shapley"]
    assert len(cells(fig)) == 4
    assert fig.get_suptitle() == "rules"


def test_sweep_heatmap_marks_empty_cells(sweep):
    x, y = "negotiation_integration_overhead", "negotiation_cost_sharing_rule"
    partial = sweep[~((sweep[x] == 0.3) & (sweep[y] == "shapley"))]
    fig = sweep_heatmap(partial, x, y, "cooperation_rate")
    texts = [t.get_text() for t in cells(fig)]
    assert len(texts) == 4 and texts.count("n/a") == 1


def test_sweep_heatmap_rejects_unknown_column(sweep):
    with pytest.raises(ValueError, match="no_such_param"):
        sweep_heatmap(sweep, "no_such_param", "dynamics_value_of_money", "cooperation_rate")


# ---------------------------------------------------------- save_batch_plots


def test_save_batch_plots_writes_two_pngs_and_no_temp_files(eras, tmp_path):
    out = tmp_path / "batch"
    paths = save_batch_plots(eras, run_metrics(eras), out, metrics=["cooperation_rate"])
    assert paths == [out / "compare_series.png", out / "compare_bars.png"]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 1000
    assert sorted(p.name for p in out.iterdir()) == ["compare_bars.png", "compare_series.png"]


def test_save_figure_creates_directory(sweep, tmp_path):
    fig = sweep_heatmap(
        sweep,
        "negotiation_integration_overhead",
        "negotiation_cost_sharing_rule",
        "cooperation_rate",
    )
    path = save_figure(fig, tmp_path / "new" / "sweep.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in path.parent.iterdir()] == ["sweep.png"]


def test_tradeoff_figures_mark_the_pareto_front():
    import pandas as pd

    from sim.plots import pareto_plot, tradeoff_lines

    summary = pd.DataFrame({
        "lever": [0.0, 0.0, 0.5, 0.5, 1.0, 1.0],
        "metric": ["autonomy", "science_per_dollar"] * 3,
        "mean": [0.9, 1.0, 0.8, 2.0, 0.7, 1.5], "sd": [0.1] * 6, "n": [5] * 6,
        "ci_low": [0.85, 0.9, 0.75, 1.9, 0.65, 1.4], "ci_high": [0.95, 1.1, 0.85, 2.1, 0.75, 1.6],
    })  # fmt: skip
    fig = tradeoff_lines(summary, "lever", ["autonomy", "science_per_dollar"])
    assert len(fig.axes) == 2
    assert all(any(c.get_gid() == "ci_band" for c in ax.collections) for ax in fig.axes)
    fig = pareto_plot(summary, "lever", "science_per_dollar", "autonomy")
    (front,) = [line for line in fig.axes[0].lines if line.get_gid() == "front"]
    assert len(front.get_xdata()) == 2  # 0.0 and 0.5 are on the front, 1.0 is dominated
