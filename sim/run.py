"""One run of a scenario: ``run(scenario, seed) -> RunResult``, pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.deals import DEAL_COLUMNS
from sim.model import SpaceCooperationModel
from sim.scenario import Scenario, apply_overrides, load_scenario

__all__ = ["RunResult", "run", "to_arrow"]

TABLES = ("model", "agencies", "pairs", "missions", "deals")


@dataclass(frozen=True)
class RunResult:
    """The tidy tables of one run.

    Attributes
    ----------
    model : DataFrame
        One row per year, one column per metric of ``sim.metrics``.
    agencies : DataFrame
        One row per active agency per year.
    pairs : DataFrame
        One row per pair of active agencies per year.
    missions : DataFrame
        One row per mission started.
    deals : DataFrame
        One row per negotiation and party (``sim.deals``).
    """

    scenario: str
    seed: int
    model: pd.DataFrame
    agencies: pd.DataFrame
    pairs: pd.DataFrame
    missions: pd.DataFrame
    deals: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five tables by name."""
        return {name: getattr(self, name) for name in TABLES}


#: Columns of lists, typed so every Parquet file of a dataset has one schema
#: (an all-empty list column would otherwise be written as list<null>).
_LIST_TYPES = {
    "members": pa.list_(pa.string()),
    "withdrawn": pa.list_(pa.string()),
    "withdrawn_years": pa.list_(pa.int64()),
    "dependent": pa.list_(pa.string()),
    "rival_dependent": pa.list_(pa.string()),
    "depends_on": pa.list_(pa.string()),
    "paid_for": pa.list_(pa.string()),
    "rights": pa.list_(pa.float64()),
    "builders": pa.list_(pa.string()),
    "shares": pa.list_(pa.float64()),
    "gains": pa.list_(pa.float64()),
}


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table of ``frame`` with list columns given their element types."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if name in _LIST_TYPES:
            table = table.set_column(i, name, table.column(i).cast(_LIST_TYPES[name]))
    return table


def _missions_table(model: SpaceCooperationModel) -> pd.DataFrame:
    names = [a.name for a in model.agencies]
    blocs = [a.bloc for a in model.agencies]
    rows = []
    for m in model.missions:
        rows.append(
            {
                "mission_id": m.mission_id,
                "kind": m.proposal.kind.kind,
                "lead": names[m.proposal.lead],
                "members": [names[i] for i in m.members],
                "shares": [float(s) for s in m.shares],
                "gains": [float(g) for g in m.gains],
                "withdrawn": [names[i] for i in m.withdrawn],
                "withdrawn_years": [int(y) for y in m.withdrawn_years],
                "dependent": [
                    names[i] for i, on in zip(m.members, m.depends_on, strict=True) if on
                ],
                "rival_dependent": [
                    names[i]
                    for i, on in zip(m.members, m.depends_on, strict=True)
                    if any(blocs[j] != blocs[i] for j in on)
                ],
                "depends_on": [
                    f"{names[i]}:{names[j]}"
                    for i, on in zip(m.members, m.depends_on, strict=True)
                    for j in on
                ],
                "paid_for": [f"{names[i]}:{names[j]}" for i, j in m.paid_for],
                "rights": [float(r) for r in m.rights],
                "builders": [
                    f"{e}:{names[b]}"
                    for e, b in zip(m.proposal.kind.elements.names, m.builders, strict=True)
                ],
                "joint": m.joint,
                "start_year": m.start_year,
                "end_year": m.end_year,
                "cost": m.cost,
                "subsidy": m.subsidy,
                "sensitivity": m.proposal.kind.sensitivity,
                "coverage": m.coverage,
                "outcome": m.outcome.value,
                "in_service_from": m.in_service_from,
                "term_from": m.term_from,
            }
        )
    columns = [
        "mission_id", "kind", "lead", "members", "shares", "gains", "withdrawn", "withdrawn_years",
        "dependent",
        "rival_dependent", "depends_on", "paid_for", "rights", "builders", "joint",
        "start_year", "end_year", "cost", "subsidy", "sensitivity", "coverage", "outcome",
        "in_service_from", "term_from",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table["end_year"] = table["end_year"].astype("Int64")
    table["in_service_from"] = table["in_service_from"].astype("Int64")
    return table


def run(
    scenario: Scenario | str | Path,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run a scenario once from its start year to its end year.

    Parameters
    ----------
    scenario : Scenario, or a bundled name or path
        What to run. A :class:`Scenario` makes this a pure function.
    seed : int
        Seed of the run's one random generator.
    overrides : mapping, optional
        Dotted scalar fields to change, e.g. ``{"agencies.NASA.budget": 30}``.

    Returns
    -------
    RunResult
        The ``model``, ``agencies``, ``pairs`` and ``missions`` tables.

    Examples
    --------
    >>> result = run("cold_war", seed=1)
    >>> int(result.model["year"].iloc[0]), int(result.model["year"].iloc[-1])
    (1957, 1975)
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = apply_overrides(scenario, overrides)
    model = SpaceCooperationModel(scenario=scenario, rng=seed)
    while model.running:
        model.step()
    dc = model.datacollector
    table = dc.get_model_vars_dataframe().reset_index(drop=True)
    return RunResult(
        scenario=scenario.name,
        seed=seed,
        model=table,
        agencies=dc.get_table_dataframe("agencies"),
        pairs=dc.get_table_dataframe("pairs"),
        missions=_missions_table(model),
        deals=pd.DataFrame(model.deals, columns=list(DEAL_COLUMNS)),
    )
