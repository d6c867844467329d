"""Batches: seeded replicates and sweeps on any executor, streamed to disk.

The runner owns the design, the seeding, the chunking, how many chunks are in
flight, per-run error capture and writing; an executor only sees ``submit``.
Each run gets a child of one root ``numpy.random.SeedSequence`` by its
position in the design, so results are identical, row for row, whatever the
worker count, the chunk size or the executor (serial, process pool, Dask).
"""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.arguments import check_batch_arguments
from sim.design import RunSpec, design, grid, param_column, parse_axis, run_seed
from sim.executors import (
    SerialExecutor,
    dask_executor,
    execute,
    process_pool,
    sigterm_as_interrupt,
)
from sim.run import TABLES, run
from sim.scenario import Scenario, apply_overrides, load_scenario
from sim.store import (
    ERRORS,
    BatchStore,
    IncompleteBatchError,
    check_chunks,
    load_table,
    read_manifest,
    warn_damaged,
)

__all__ = [
    "BatchResult",
    "RunSpec",
    "design",
    "grid",
    "load_batch",
    "param_column",
    "parse_axis",
    "run_batch",
    "run_seed",
]

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


def _label(scenario: str | Path | Scenario) -> str:
    if isinstance(scenario, Scenario):
        return scenario.name
    return str(scenario)


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
    return tables, _errors_frame(errors)


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


def _errors_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The errors table, typed even when empty (an untyped empty column breaks Arrow readers)."""
    return pd.DataFrame(rows, columns=ERROR_COLUMNS).astype(ERROR_DTYPES)


def _error_row(spec: RunSpec, message: str) -> dict[str, Any]:
    params = ";".join(f"{k}={v}" for k, v in spec.params)
    return {**_ident(spec, params=False), "params": params, "error": message}


class BatchResult:
    """The tables of a batch, with the identity and parameters of each run in every row.

    Attributes
    ----------
    model, agencies, pairs, missions : DataFrame
        The tables of :class:`sim.RunResult`, stacked, with ``run_id``,
        ``seed``, ``scenario``, ``point``, ``replicate`` and one column per
        parameter in front. A batch on disk loads each table on first use.
    errors : DataFrame
        One row per run that raised, with its error message.
    n_runs : int
        Runs in the design.
    out : Path or None
        The batch directory, when the batch was streamed to disk.
    points : list of mapping
        The parameter points of the design.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame] | None,
        n_runs: int,
        points: list[Mapping[str, Any]],
        out: Path | None = None,
        chunks: list[int] | None = None,
    ) -> None:
        self._tables = dict(tables or {})
        self.chunks = chunks
        self.n_runs = n_runs
        self.points = points
        self.out = out

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            if self.out is not None:
                frame = load_table(self.out, name, self.chunks)
            else:
                frame = pd.DataFrame()
            if name == ERRORS and frame.empty:
                frame = _errors_frame([])
            self._tables[name] = frame
        return self._tables[name]

    model = property(lambda self: self._table("model"), doc="Per-year metrics of every run.")
    agencies = property(lambda self: self._table("agencies"), doc="Per-agency rows.")
    pairs = property(lambda self: self._table("pairs"), doc="Per-pair rows.")
    missions = property(lambda self: self._table("missions"), doc="One row per mission.")
    errors = property(lambda self: self._table(ERRORS), doc="Runs that raised.")

    @property
    def n_failed(self) -> int:
        """Runs that raised."""
        return len(self.errors)


def load_batch(out: str | Path) -> BatchResult:
    """Open a batch directory; its finished chunks' tables load on first use.

    Chunks whose files fail the cheap check (present, of the size their
    marker records) are left out of every table, with one warning line on
    the ``sim.store`` logger; ``--resume`` reruns them.
    """
    out = Path(out)
    manifest = read_manifest(out)
    chunks, bad = check_chunks(out, manifest)
    if bad:
        warn_damaged(out, bad)
    plan = manifest["design"]
    return BatchResult(None, n_runs=plan["n_runs"], points=plan["points"], out=out, chunks=chunks)


# --------------------------------------------------------------------------
# The runner


def _chunks(specs: list[RunSpec], size: int) -> list[list[RunSpec]]:
    return [specs[i : i + size] for i in range(0, len(specs), size)]


def _auto_chunk_size(n_runs: int, workers: int) -> int:
    # About eight chunks per worker keeps workers busy to the end; at most 50
    # runs a chunk keeps memory and lost work small; Dask's ~10 ms per task is
    # then well under 1 % of a chunk's time.
    return max(1, min(50, math.ceil(n_runs / (8 * max(workers, 1)))))


def run_batch(
    scenarios: Sequence[str | Path | Scenario] | str | Path | Scenario,
    replicates: int,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    seed: int = 0,
    executor: Executor | str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = None,
    chunk_size: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> BatchResult:
    """Run replicates of scenarios at one or more parameter points.

    Parameters
    ----------
    scenarios : name, path or Scenario, or a sequence of them
        What to run.
    replicates : int
        Seeded runs per scenario and parameter point.
    params : mapping or sequence of mappings, optional
        Overrides by dotted path: one mapping for a batch at one point, or a
        list of mappings (see :func:`grid`) for a sweep.
    seed : int
        Root seed; run ``i`` gets ``run_seed(seed, i)``.
    executor : Executor, "process", "dask" or "serial", optional
        Any ``concurrent.futures.Executor``, or the name of one to make.
        Default: a local process pool with ``workers`` workers, or serial for
        one worker.
    out : path, optional
        Stream results to this batch directory as chunks finish (see
        :mod:`sim.store`); without it, results are kept in memory. The
        directory records the code and dependency versions, the command, the
        resolved scenarios and their hashes, the design, the chunk layout and
        the seeds, and is locked while the batch writes to it.
    resume : bool
        Finish only the chunks missing from ``out`` (or damaged there). The
        design and the resolved scenarios must be the ones the batch started
        with; the worker count may differ, and the batch keeps its chunks.
    workers : int, optional
        Worker processes (default: all cores).
    chunk_size : int, optional
        Runs per task (default: about eight tasks per worker, at most 50).
        It does not change the results.
    scheduler : str, optional
        Address of a Dask scheduler, with ``executor="dask"``; without it a
        ``LocalCluster`` of ``workers`` processes is started.
    progress : bool
        Show a progress bar (only on a terminal).

    Returns
    -------
    BatchResult

    Raises
    ------
    UsageError
        A bad argument (named like its command-line flag, e.g. ``--workers``)
        or an unreachable scheduler, before anything is written.
    ScenarioError
        A bad scenario or parameter, before anything is written.
    BatchDirectoryError
        ``out`` cannot be used (not a directory, another batch there, locked by
        another writer, or ``--resume`` with another design or scenario).
    IncompleteBatchError
        Some chunks could not run (workers or scheduler lost, after retries);
        finished chunks are kept and ``resume=True`` finishes the others.
    """
    check_batch_arguments(replicates, seed, executor, workers, chunk_size, scheduler)
    if isinstance(scenarios, (str, Path, Scenario)):
        scenarios = [scenarios]
    loaded = {_label(s): s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios}
    points: list[Mapping[str, Any]] = (
        [dict(params)] if isinstance(params, Mapping) else list(params or [{}])
    )
    for point in points:  # fail fast, before any worker starts, on a bad parameter
        for scenario in loaded.values():
            apply_overrides(scenario, point)
    specs = design(list(loaded), replicates, points, seed)
    workers = workers or os.cpu_count() or 1
    kind = executor if isinstance(executor, str) or executor is None else None
    if kind is None:
        kind = "serial" if workers == 1 else "process"
    default_size = _auto_chunk_size(len(specs), workers)

    with ExitStack() as stack:
        stack.enter_context(sigterm_as_interrupt())
        if isinstance(executor, Executor):
            pool, rebuild = executor, None
        elif kind == "dask":  # before the batch directory: an unreachable scheduler leaves nothing
            pool, rebuild = stack.enter_context(dask_executor(workers, scheduler)), None
        elif kind == "serial":
            pool, rebuild = SerialExecutor(), None
        else:
            pool, rebuild = process_pool(workers), partial(process_pool, workers)
        store = None
        if out is not None:
            store = _open_store(Path(out), loaded, points, replicates, seed, specs, resume,
                                chunk_size, default_size)  # fmt: skip
            stack.callback(store.close)
            store.begin(_provenance_of(specs, seed), _session(kind, workers))
        size = store.chunk_size if store else chunk_size or default_size
        lost, kept = _run_chunks(specs, size, loaded, store, pool, rebuild, workers, kind, progress)

    if lost:
        _raise_incomplete(lost, len(_chunks(specs, size)), store)
    if store is not None:
        return load_batch(store.root)
    return _collect(kept, len(specs), points)


def _open_store(out, loaded, points, replicates, seed, specs, resume, chunk_size, default_size):
    from sim.provenance import scenario_record

    plan = {
        "scenarios": list(loaded),
        "points": points,
        "replicates": replicates,
        "seed": seed,
        "n_runs": len(specs),
    }
    records = {label: scenario_record(sc) for label, sc in loaded.items()}
    return BatchStore(out, _jsonable(plan), records, chunk_size, default_size, resume=resume)


def _provenance_of(specs: list[RunSpec], seed: int) -> dict[str, Any]:
    from sim.provenance import provenance

    return {
        "seeds": {
            "root": seed,
            "rule": "run i gets SeedSequence(root, spawn_key=(i,)).generate_state(1, uint64) >> 1",
            "runs": [s.seed for s in specs],
        },
        "provenance": provenance(),
    }


def _session(kind: str, workers: int) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sim.provenance import code_version, command_line, dependency_versions

    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(),
        "executor": kind,
        "workers": workers,
        "code": code_version(),
        "dependencies": dependency_versions(),
    }


def _run_chunks(specs, size, loaded, store, pool, rebuild, workers, kind, progress):
    """Run every chunk not done yet; the chunks given up, and the results kept in memory."""
    chunks = _chunks(specs, size)
    done = store.done() if store is not None else set()
    todo = [c for c in range(len(chunks)) if c not in done]
    kept: dict[int, tuple[dict[str, pd.DataFrame], pd.DataFrame]] = {}
    bar = _progress_bar(len(specs), sum(len(chunks[c]) for c in done), progress)
    failed = 0

    def arguments(cid: int) -> tuple:
        needed = {s.scenario for s in chunks[cid]}
        return {k: v for k, v in loaded.items() if k in needed}, chunks[cid]

    def on_done(cid: int, result: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
        nonlocal failed
        tables, errors = result
        if store is not None:
            store.write(cid, tables, errors)
        else:
            kept[cid] = (tables, errors)
        failed += len(errors)
        bar.set_postfix(failed=failed, refresh=False)
        bar.update(len(chunks[cid]))

    in_flight = 1 if kind == "serial" else 2 * workers
    try:
        lost = execute(run_chunk, todo, arguments, pool, rebuild, in_flight, on_done)
    finally:
        bar.close()
    return {c: (chunks[c], why) for c, why in lost.items()}, kept


def _raise_incomplete(lost: dict, n_chunks: int, store: BatchStore | None) -> None:
    runs = sum(len(specs) for specs, _ in lost.values())
    first = min(lost)
    reason = lost[first][1]
    where = f"{store.root}: " if store else ""
    then = (
        "--resume will finish them"
        if store
        else "nothing was written; run again (with out=... to keep finished chunks)"
    )
    raise IncompleteBatchError(
        f"{where}{len(lost)} of {n_chunks} chunks ({runs} runs) were not run "
        f"(first: chunk {first}, {reason}); {then}"
    )


def _collect(kept: dict, n_runs: int, points: list[Mapping[str, Any]]) -> BatchResult:
    order = sorted(kept)
    tables = {}
    for t in TABLES:
        frames = [kept[c][0][t] for c in order]
        full = [f for f in frames if len(f)]
        tables[t] = (
            pd.concat(full, ignore_index=True).sort_values(
                "run_id", kind="stable", ignore_index=True
            )
            if full
            else (frames[0] if frames else pd.DataFrame())
        )
    errors = [kept[c][1] for c in order if len(kept[c][1])]
    tables[ERRORS] = pd.concat(errors, ignore_index=True) if errors else _errors_frame([])
    return BatchResult(tables, n_runs=n_runs, points=points)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    # disable=None: tqdm stays quiet when stderr is not a terminal (CI, pipes).
    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        desc="runs",
        disable=None if enabled else True,
        dynamic_ncols=True,
    )
