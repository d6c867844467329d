"""The dashboard: rendered with solara (no browser), stepped, levers applied."""

import socket

import ipyvuetify as v
import ipywidgets as w
import pytest
import solara

from sim.app import DashboardModel, Page, make_page, network_figure, series_figure
from sim.cli import main


@solara.component
def Dashboard(model):
    with solara.AppLayout():  # the sidebar (controls, levers) lives in the app layout
        make_page(model)


def _texts(rc) -> str:
    return " ".join(str(x.children) for x in rc.find(v.Html).widgets)


def _render(model):
    return solara.render(Dashboard(model), handle_error=False)


def test_page_renders_with_controls_levers_network_and_series():
    _box, rc = _render(DashboardModel(scenario_name="cold_war"))
    labels = [b.children[0] for b in rc.find(v.Btn).widgets]
    assert {"Reset", "Step"} <= set(labels)
    sliders = [s.label for s in rc.find(v.Slider).widgets]
    assert (
        "Treaty: lower baseline tension" in sliders and "Funding pool: share of budgets" in sliders
    )
    assert "Year: not started" in _texts(rc)


@pytest.mark.slow
def test_stepping_advances_the_year_and_draws():
    model = DashboardModel(scenario_name="cold_war")
    _box, rc = _render(model)
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(5):
        step.widget.click()
    assert "Year: 1961" in _texts(rc)
    images = [i for i in rc.find(w.Image).widgets if len(i.value) > 1000]
    assert len(images) >= 2  # network and time series are drawn


def test_a_lever_changes_the_run():
    base, lever = DashboardModel(seed=3), DashboardModel(seed=3, treaty=0.8)
    for _ in range(10):
        base.step()
        lever.step()
    assert (
        lever.datacollector.get_model_vars_dataframe().mean_tension.iloc[-1]
        < (base.datacollector.get_model_vars_dataframe().mean_tension.iloc[-1])
    )


def test_compare_to_baseline_overlays_the_bundled_run():
    model = DashboardModel(seed=1, funding_pool=0.2, compare_baseline=True)
    for _ in range(4):
        model.step()
    assert model.baseline_model.year == model.year
    fig = series_figure(model, model.baseline_model)
    assert sum(line.get_gid() == "baseline" for ax in fig.axes for line in ax.lines) == 4


def test_scales_apply_to_tension_and_budgets():
    plain, scaled = DashboardModel(), DashboardModel(tension_scale=0.5, budget_scale=2.0)
    assert scaled.relations.tension.max() == pytest.approx(plain.relations.tension.max() * 0.5)
    assert scaled.agency("NASA").budget == pytest.approx(plain.agency("NASA").budget * 2)


def test_network_figure_before_the_first_step_says_so():
    fig = network_figure(DashboardModel())
    assert "press Step" in fig.axes[0].texts[0].get_text()


@solara.component
def Session():
    with solara.AppLayout():
        Page()


@pytest.mark.slow
def test_each_session_gets_its_own_model():
    _box, first = solara.render(Session(), handle_error=False)
    _box, second = solara.render(Session(), handle_error=False)
    step = first.find(v.Btn, children=["Step"])
    for _ in range(3):
        step.widget.click()
    assert "Year: 1995" in _texts(first)  # iss_era starts in 1993
    assert "Year: not started" in _texts(second)
    second.find(v.Btn, children=["Step"]).widget.click()
    assert "Year: 1993" in _texts(second) and "Year: 1995" in _texts(first)
    first.find(v.Btn, children=["Reset"]).widget.click()
    assert "Year: not started" in _texts(first) and "Year: 1993" in _texts(second)


def test_step_stops_at_the_last_year_whatever_the_render_interval():
    model = DashboardModel(scenario_name="cold_war")  # 1957-1975
    _box, rc = _render(model)
    interval = rc.find(v.Slider, label="Render Interval (steps)")
    interval.widget.v_model = 100  # one click asks for 100 years
    step = rc.find(v.Btn, children=["Step"])
    step.widget.click()
    assert model.year == 1975 and not model.running
    assert "Year: 1975, the last year of this scenario" in _texts(rc)
    assert step.widget.disabled
    table = model.datacollector.get_model_vars_dataframe()
    assert table["year"].max() == 1975 and len(table) == 1975 - 1957 + 1


def test_the_model_does_not_step_past_its_last_year():
    model = DashboardModel(scenario_name="cold_war", compare_baseline=True)
    for _ in range(40):
        model.step()
    assert model.year == model.baseline_model.year == 1975
    assert len(model.datacollector.get_model_vars_dataframe()) == 19


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "error: --port: must be between 1 and 65535 (got 0)"),
        (["--port", "70000"], "error: --port: must be between 1 and 65535 (got 70000)"),
        (["--host", "nowhere.invalid"], "error: --host: unknown host 'nowhere.invalid'"),
    ],
)
def test_app_refuses_a_bad_address_in_one_line(argv, message, capsys):
    assert main(["app", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message and captured.out == ""


def test_app_refuses_a_port_in_use_in_one_line(capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["app", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --port: cannot listen on 127.0.0.1:{port} (Address already in use)"]
