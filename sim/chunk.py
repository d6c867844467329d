"""One chunk of a batch, run in a worker: tables with each run's identity in front.

Workers get validated scenarios, parameters and seeds, and return tables
(never a model). A run that raises is recorded with its identity, not fatal,
and every table keeps its full set of columns even when every run failed.
"""

from __future__ import annotations

import traceback
from functools import cache
from typing import Any

import pandas as pd

from sim.design import RunSpec, param_column
from sim.run import TABLES, run
from sim.scenario import Scenario

__all__ = ["ERROR_COLUMNS", "ERROR_DTYPES", "errors_frame", "run_chunk"]

ERROR_DTYPES = {
    "run_id": "int64",
    "seed": "int64",
    "scenario": "str",
    "point": "int64",
    "replicate": "int64",
    "params": "str",
    "error": "str",
}
ERROR_COLUMNS = list(ERROR_DTYPES)


def run_chunk(
    scenarios: dict[str, Scenario], specs: list[RunSpec]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Run a chunk of runs in a worker; a run that raises is recorded, not fatal.

    Workers get validated scenarios, parameters and seeds, and return tables
    (never a model). Each row carries its run's identity and parameters, and
    every table has its full set of columns even when every run failed.
    """
    frames: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    errors = []
    for spec in specs:
        params = dict(spec.params)
        try:
            result = run(scenarios[spec.scenario], seed=spec.seed, overrides=params)
        except Exception as exc:  # recorded with its run: one bad run never stops a batch
            message = "".join(traceback.format_exception_only(exc)).strip()
            errors.append(_error_row(spec, message))
            continue
        ident = _ident(spec)
        for table in TABLES:
            frame = getattr(result, table)
            front = pd.DataFrame({k: [v] * len(frame) for k, v in ident.items()})
            frames[table].append(pd.concat([front, frame.reset_index(drop=True)], axis=1))
    tables = {
        t: pd.concat(f, ignore_index=True) if f else _empty_table(t, specs[0])
        for t, f in frames.items()
    }
    return tables, errors_frame(errors)


def _ident(spec: RunSpec, params: bool = True) -> dict[str, Any]:
    """The columns in front of every row of a run: its identity, then its parameters."""
    ident = {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "scenario": spec.scenario,
        "point": spec.point,
        "replicate": spec.replicate,
    }
    return {**ident, **{param_column(k): v for k, v in spec.params}} if params else ident


@cache
def _result_columns() -> dict[str, pd.DataFrame]:
    # The columns of each table are the code's, not the scenario's: one short
    # bundled run gives them with their dtypes (a chunk whose runs all failed
    # has no result of its own to take them from).
    result = run("cold_war", seed=0)
    return {t: getattr(result, t).iloc[:0] for t in TABLES}


def _empty_table(table: str, spec: RunSpec) -> pd.DataFrame:
    """No rows, but every column of ``table`` with its dtype, identity and parameters first."""
    front = pd.DataFrame({k: pd.Series([v]).iloc[:0] for k, v in _ident(spec).items()})
    try:
        back = _result_columns()[table]
    except Exception:  # the bundled run itself failing must not hide the batch's own errors
        back = pd.DataFrame()
    return pd.concat([front, back.reset_index(drop=True)], axis=1)


def errors_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The errors table, typed even when empty (an untyped empty column breaks Arrow readers)."""
    return pd.DataFrame(rows, columns=ERROR_COLUMNS).astype(ERROR_DTYPES)


def _error_row(spec: RunSpec, message: str) -> dict[str, Any]:
    params = ";".join(f"{k}={v}" for k, v in spec.params)
    return {**_ident(spec, params=False), "params": params, "error": message}
