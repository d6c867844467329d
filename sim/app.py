"""The browser dashboard: a Mesa SolaraViz app of the model, for class use.

Start it with ``spacecoop app`` (or ``solara run sim/app.py --no-check-version``).
A teacher picks a scenario, moves the policy levers, presses Reset to apply
them, then Step or Play; the cooperation network and the time series update
each year. "Compare to baseline" runs the bundled scenario with the same seed
beside the lever's run and draws it dashed.

Each browser session (each tab) gets its own model, created when it opens:
one pupil's Step, Play, levers or Reset never move another's run. A run stops
at its scenario's last year. Serving is hardened in :mod:`sim.serve`
(no telemetry, read-only asset cache).
"""

from __future__ import annotations

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim.model import SpaceCooperationModel
from sim.plots.network import cooperation_network
from sim.plots.style import _LABEL_SIZE, _TITLE_SIZE, _label, _style
from sim.registry import DASHBOARD
from sim.scenario import apply_overrides, bundled_scenarios, load_scenario
from sim.serve import harden_solara

__all__ = ["SERIES", "DashboardModel", "Page", "model_params", "page"]

# Solara's server loads this file before it serves the first page: the
# earliest point where ``solara run sim/app.py`` runs our code.
harden_solara()

#: The time series the dashboard draws, one panel each.
SERIES = list(DASHBOARD)


class DashboardModel(SpaceCooperationModel):
    """The model with the dashboard's controls as plain keyword parameters.

    Parameters
    ----------
    scenario_name : str
        A bundled scenario.
    seed : int
        Seed of the run (and of the baseline run).
    treaty, funding_pool, standards, open_data, capacity_building : float
        Policy levers (``policies.*``).
    export_controls : bool
        Policy lever: bans and export controls enforced.
    cost_sharing_rule : str
        ``nash``, ``proportional`` or ``shapley``.
    tension_scale, budget_scale : float
        Multiply every initial tension (capped at 1) or every budget.
    compare_baseline : bool
        Also run the bundled scenario, same seed, for an overlay.
    """

    def __init__(
        self,
        scenario_name: str = "iss_era",
        seed: int = 0,
        treaty: float = 0.0,
        funding_pool: float = 0.0,
        standards: float = 0.0,
        open_data: float = 0.0,
        capacity_building: float = 0.0,
        export_controls: bool = True,
        cost_sharing_rule: str = "nash",
        tension_scale: float = 1.0,
        budget_scale: float = 1.0,
        compare_baseline: bool = False,
        rng=None,
    ) -> None:
        bundled = load_scenario(scenario_name)
        scenario = apply_overrides(
            bundled,
            {
                "policies.treaty": float(treaty),
                "policies.funding_pool": float(funding_pool),
                "policies.standards": float(standards),
                "policies.open_data": float(open_data),
                "policies.capacity_building": float(capacity_building),
                "policies.export_controls": bool(export_controls),
                "negotiation.cost_sharing_rule": cost_sharing_rule,
                "relations.tension_scale": float(tension_scale),
                "dynamics.budget_scale": float(budget_scale),
            },
        )
        super().__init__(scenario=scenario, rng=int(seed) if rng is None else rng)
        self.baseline_model = (
            SpaceCooperationModel(scenario=bundled, rng=int(seed)) if compare_baseline else None
        )

    def step(self) -> None:
        """One year of the lever's run, and of the baseline run beside it.

        Nothing after the scenario's last year: SolaraViz's Step runs "Render
        Interval" steps per click without looking at ``running`` in between.
        """
        if not self.running:
            return
        super().step()
        if self.baseline_model is not None and self.baseline_model.running:
            self.baseline_model.step()


def series_figure(model: SpaceCooperationModel, baseline=None) -> Figure:
    """The dashboard's time series so far, with the baseline run dashed."""
    fig = Figure(figsize=(9, 6))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    table = model.datacollector.get_model_vars_dataframe()
    base = baseline.datacollector.get_model_vars_dataframe() if baseline is not None else None
    for ax, metric in zip(axes, SERIES, strict=True):
        if len(table):
            ax.plot(table["year"], table[metric], "-o", color="tab:blue", markersize=3,
                    label="this run", gid="series")  # fmt: skip
        if base is not None and len(base):
            ax.plot(base["year"], base[metric], "--", color="0.45", label="baseline",
                    gid="baseline")  # fmt: skip
        ax.set_title(_label(metric), fontsize=_TITLE_SIZE - 1)
        _style(ax)
    for ax in axes[2:]:
        ax.set_xlabel("Year", fontsize=_LABEL_SIZE)
    if base is not None:
        axes[0].legend(fontsize=10)
    if not len(table):
        axes[0].text(0.5, 0.5, "press Step", transform=axes[0].transAxes, ha="center")
    return fig


def network_figure(model: SpaceCooperationModel) -> Figure:
    """The cooperation network so far (joint missions started up to this year)."""
    dc = model.datacollector
    agencies = dc.get_table_dataframe("agencies")
    pairs = dc.get_table_dataframe("pairs")
    if agencies.empty:
        fig = Figure(figsize=(7, 6))
        ax = fig.subplots()
        ax.text(0.5, 0.5, "press Step to start the run", ha="center", fontsize=14)
        ax.set_axis_off()
        return fig
    return cooperation_network(agencies, pairs, title=model.spec.name)


def YearView(model: SpaceCooperationModel):
    """The current year, large, for projection."""
    return solara.Markdown(f"## {model.spec.title}\n### {year_line(model)}")


def year_line(model: SpaceCooperationModel) -> str:
    """``Year: 1997``, ``Year: not started``, or the last year with how to go on."""
    if model.year < model.spec.start_year:
        return "Year: not started"
    if not model.running:
        return f"Year: {model.year}, the last year of this scenario (Reset to run again)"
    return f"Year: {model.year}"


def NetworkView(model: SpaceCooperationModel):
    """The cooperation network component."""
    return solara.FigureMatplotlib(network_figure(model), format="png")


def SeriesView(model: SpaceCooperationModel):
    """The time series component."""
    return solara.FigureMatplotlib(series_figure(model, model.baseline_model), format="png")


def _slider(label: str, value: float, lo: float, hi: float, step: float) -> dict:
    return {"type": "SliderFloat", "label": label, "value": value, "min": lo, "max": hi,
            "step": step}  # fmt: skip


#: The sidebar: scenario, seed, levers and key parameters (apply with Reset).
model_params = {
    "scenario_name": {
        "type": "Select",
        "label": "Scenario",
        "value": "iss_era",
        "values": bundled_scenarios(),
    },
    "seed": {"type": "SliderInt", "label": "Seed", "value": 0, "min": 0, "max": 99, "step": 1},
    "treaty": _slider("Treaty: lower baseline tension", 0.0, 0.0, 1.0, 0.05),
    "funding_pool": _slider("Funding pool: share of budgets", 0.0, 0.0, 0.5, 0.025),
    "standards": _slider("Common standards: less overhead", 0.0, 0.0, 1.0, 0.05),
    "open_data": _slider("Open data: science spillover", 0.0, 0.0, 1.0, 0.05),
    "capacity_building": _slider("Capacity building", 0.0, 0.0, 1.0, 0.05),
    "export_controls": {"type": "Checkbox", "label": "Export controls and bans", "value": True},
    "cost_sharing_rule": {
        "type": "Select",
        "label": "Cost-sharing rule",
        "value": "nash",
        "values": ["nash", "proportional", "shapley"],
    },
    "tension_scale": _slider("Tension scale", 1.0, 0.5, 1.5, 0.05),
    "budget_scale": _slider("Budget scale", 1.0, 0.5, 2.0, 0.05),
    "compare_baseline": {"type": "Checkbox", "label": "Compare to baseline", "value": False},
}


def make_page(model: DashboardModel):
    """The SolaraViz page around ``model``."""
    return SolaraViz(
        model,
        components=[(YearView, 0), (NetworkView, 0), (SeriesView, 0)],
        model_params=model_params,
        name="spacecoop: space agencies negotiating joint missions",
        play_interval=400,
    )


@solara.component
def Page():
    """The dashboard of one browser session, around a model of its own.

    ``use_memo`` runs once per session (Solara renders the page in a kernel
    per tab), so sessions never share a model; a module-level model would be
    shared by every browser until someone pressed Reset.
    """
    model = solara.use_memo(DashboardModel, dependencies=[])
    return make_page(model)


#: Solara looks for ``Page`` first; ``page`` is kept for older imports.
page = Page
