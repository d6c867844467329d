"""A run's directory on disk: its five tables and ``run.json``, each file complete or absent."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.files import write_atomically
from sim.run import TABLES, RunResult, to_arrow
from sim.store import BatchDirectoryError

__all__ = ["read_run", "write_csv", "write_tables"]


def write_tables(
    result: RunResult, out: Path, fmt: str = "parquet", about: dict | None = None
) -> list[Path]:
    """Write the run's five tables and ``run.json`` into ``out``, each file complete or absent.

    Every file is written under a temporary name and renamed into place, so an
    interrupted write never leaves a half-written table that looks complete.
    ``run.json`` holds the scenario name and seed, and ``about`` (see
    :func:`sim.provenance.run_record`: overrides, resolved scenario and its
    hash, code and dependency versions, command line).
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in result.tables().items():
        if fmt == "parquet":
            path = write_atomically(out / f"{name}.parquet", partial(_parquet, table))
        else:
            path = write_atomically(out / f"{name}.csv", partial(write_csv, table))
        paths.append(path)
    record = {"scenario": result.scenario, "seed": result.seed, **(about or {})}
    text = json.dumps(record, indent=1, sort_keys=True)
    paths.append(write_atomically(out / "run.json", lambda tmp: tmp.write_text(text)))
    return paths


def _parquet(table: pd.DataFrame, path: Path) -> None:
    pq.write_table(to_arrow(table), path)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV, without the index (pass to ``write_atomically``)."""
    table.to_csv(path, index=False)


def read_run(out: Path) -> RunResult:
    """The run written to ``out`` by :func:`write_tables` (Parquet or CSV tables)."""
    try:
        about = json.loads((out / "run.json").read_text())
        missing = {"scenario", "seed"} - set(about)  # older run.json files hold only these
        if missing:
            raise KeyError(", ".join(sorted(missing)))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BatchDirectoryError(
            f"{out / 'run.json'}: not a readable run record ({err})"
        ) from None
    tables = {}
    for name in TABLES:
        found = [p for p in (out / f"{name}.parquet", out / f"{name}.csv") if p.exists()]
        if not found:
            raise BatchDirectoryError(f"{out}: no {name}.parquet or {name}.csv")
        path = found[0]
        tables[name] = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return RunResult(scenario=about["scenario"], seed=about["seed"], **tables)
