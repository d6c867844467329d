"""Plots: each figure builds headless, with the axes, edges and bands expected."""

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

import sim
from sim.plots import (
    DEFAULT_METRICS,
    METRIC_LABELS,
    cooperation_network,
    metric_series,
    pair_heatmap,
    save_run_plots,
)


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
    legend_titles = [c.get_title().get_text() for c in fig.axes[0].get_children()
                     if c.__class__.__name__ == "Legend"]  # fmt: skip
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
        {"year": 2000, "agency_a": a, "agency_b": b, "joint_missions": 1,
         "tension": 0.5, "trust": 0.5}
        for k, a in enumerate(names) for b in names[k + 1:]
    ]  # fmt: skip
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
