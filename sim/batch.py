"""Batches: seeded replicates and sweeps on any executor, streamed to disk.

The runner owns the design, the seeding, the chunking, how many chunks are in
flight, per-run error capture and writing; an executor only sees ``submit``.
Each run gets a child of one root ``numpy.random.SeedSequence`` by its
position in the design, so results are identical, row for row, whatever the
worker count, the chunk size or the executor (serial, process pool, Dask).
"""

from __future__ import annotations

import json
import math
import os
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.executors import (
    SerialExecutor,
    dask_executor,
    execute,
    process_pool,
    sigterm_as_interrupt,
)
from sim.run import TABLES, run
from sim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from sim.store import ERRORS, BatchDirectoryError, BatchStore, load_table

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

ERROR_COLUMNS = ["run_id", "seed", "scenario", "point", "replicate", "params", "error"]


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a batch: which scenario, which parameter point, which seed."""

    run_id: int
    scenario: str
    point: int
    replicate: int
    seed: int
    params: tuple[tuple[str, Any], ...] = ()


def run_seed(root_seed: int, run_id: int) -> int:
    """The seed of run ``run_id``: a child of ``SeedSequence(root_seed)`` by position.

    Equal to ``SeedSequence(root_seed).spawn(n)[run_id]`` drawn as one 63-bit
    integer, so a single run can be repeated with ``sim.run(scenario, seed=...)``.

    >>> run_seed(0, 0) == run_seed(0, 0) != run_seed(0, 1)
    True
    """
    child = np.random.SeedSequence(root_seed, spawn_key=(run_id,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def param_column(path: str) -> str:
    """Column name of a dotted parameter: ``agencies.NASA.budget`` -> ``agencies_nasa_budget``.

    >>> param_column("negotiation.cost_sharing_rule")
    'negotiation_cost_sharing_rule'
    """
    return path.replace(".", "_").replace("-", "_").lower()


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Full-factorial grid of parameter points, the last axis varying fastest.

    >>> grid({"a": [1, 2], "b": ["x", "y"]})
    [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    names = list(axes)
    return [dict(zip(names, values, strict=True)) for values in product(*axes.values())]


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """Parse a sweep axis: ``name=start:stop:num`` (evenly spaced) or ``name=a,b,c``.

    >>> parse_axis("negotiation.integration_overhead=0:0.4:3")
    ('negotiation.integration_overhead', [0.0, 0.2, 0.4])
    >>> parse_axis("negotiation.cost_sharing_rule=nash,shapley")
    ('negotiation.cost_sharing_rule', ['nash', 'shapley'])
    """
    import yaml

    name, sep, spec = text.partition("=")
    if not sep or not name or not spec:
        raise ScenarioError([("--param", None, text, "write name=start:stop:num or name=a,b,c")])
    if ":" in spec:
        parts = spec.split(":")
        try:
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise ScenarioError([("--param", None, name, f"bad range {spec!r}")]) from None
        if len(parts) != 3 or num < 1:
            raise ScenarioError([("--param", None, name, f"bad range {spec!r}")])
        values = [round(float(v), 12) for v in np.linspace(start, stop, num)]
        if all("." not in p and "e" not in p.lower() for p in parts[:2]) and all(
            v.is_integer() for v in values
        ):
            return name, [int(v) for v in values]  # an integer field stays integer
        return name, values
    return name, [yaml.safe_load(v) for v in spec.split(",")]


def design(
    scenarios: Sequence[str],
    replicates: int,
    points: Sequence[Mapping[str, Any]] = ({},),
    seed: int = 0,
) -> list[RunSpec]:
    """Every run of a batch, in order: scenario, then parameter point, then replicate."""
    specs = []
    for name in scenarios:
        for p, point in enumerate(points):
            for r in range(replicates):
                run_id = len(specs)
                specs.append(
                    RunSpec(run_id, name, p, r, run_seed(seed, run_id), tuple(point.items()))
                )
    return specs


def _label(scenario: str | Path | Scenario) -> str:
    if isinstance(scenario, Scenario):
        return scenario.name
    return str(scenario)


def run_chunk(
    scenarios: dict[str, Scenario], specs: list[RunSpec]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Run a chunk of runs in a worker; a run that raises is recorded, not fatal.

    Workers get validated scenarios, parameters and seeds, and return tables
    (never a model). Each row carries its run's identity and parameters.
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
        ident = {
            "run_id": spec.run_id,
            "seed": spec.seed,
            "scenario": spec.scenario,
            "point": spec.point,
            "replicate": spec.replicate,
            **{param_column(k): v for k, v in params.items()},
        }
        for table in TABLES:
            frame = getattr(result, table)
            front = pd.DataFrame({k: [v] * len(frame) for k, v in ident.items()})
            frames[table].append(pd.concat([front, frame.reset_index(drop=True)], axis=1))
    tables = {
        t: pd.concat(f, ignore_index=True) if f else pd.DataFrame() for t, f in frames.items()
    }
    return tables, pd.DataFrame(errors, columns=ERROR_COLUMNS)


def _error_row(spec: RunSpec, message: str) -> dict[str, Any]:
    params = ";".join(f"{k}={v}" for k, v in spec.params)
    return {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "scenario": spec.scenario,
        "point": spec.point,
        "replicate": spec.replicate,
        "params": params,
        "error": message,
    }


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
    points : list of dict
        The parameter points of the design.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame] | None,
        n_runs: int,
        points: list[dict[str, Any]],
        out: Path | None = None,
    ) -> None:
        self._tables = dict(tables or {})
        self.n_runs = n_runs
        self.points = points
        self.out = out

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            frame = load_table(self.out, name) if self.out is not None else pd.DataFrame()
            if name == ERRORS and frame.empty:
                frame = pd.DataFrame(columns=ERROR_COLUMNS)
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
    """Open a batch directory; its finished chunks' tables load on first use."""
    out = Path(out)
    if not (out / "manifest.json").exists():
        raise BatchDirectoryError(f"{out} holds no batch (no manifest.json)")
    plan = json.loads((out / "manifest.json").read_text())["design"]
    return BatchResult(None, n_runs=plan["n_runs"], points=plan["points"], out=out)


# --------------------------------------------------------------------------
# The runner


def _chunks(specs: list[RunSpec], size: int) -> list[list[RunSpec]]:
    return [specs[i : i + size] for i in range(0, len(specs), size)]


def _auto_chunk_size(n_runs: int, workers: int) -> int:
    # About eight chunks per worker keeps workers busy to the end; at most 50
    # runs a chunk keeps memory and lost work small; Dask's ~10 ms per task is
    # then well under 1 % of a chunk's time.
    return max(1, min(50, math.ceil(n_runs / (8 * max(workers, 1)))))


def _failed(specs: list[RunSpec], message: str) -> pd.DataFrame:
    return pd.DataFrame([_error_row(s, message) for s in specs], columns=ERROR_COLUMNS)


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
        :mod:`sim.store`); without it, results are kept in memory.
    resume : bool
        Finish only the chunks missing from ``out``.
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
    """
    if isinstance(scenarios, (str, Path, Scenario)):
        scenarios = [scenarios]
    loaded = {_label(s): s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios}
    points = [dict(params)] if isinstance(params, Mapping) else list(params or [{}])
    for point in points:  # fail fast, before any worker starts, on a bad parameter
        for scenario in loaded.values():
            apply_overrides(scenario, point)
    specs = design(list(loaded), replicates, points, seed)
    workers = workers or os.cpu_count() or 1
    size = chunk_size or _auto_chunk_size(len(specs), workers)
    chunks = _chunks(specs, size)

    store = None
    done: set[int] = set()
    if out is not None:
        plan = {
            "scenarios": list(loaded),
            "points": points,
            "replicates": replicates,
            "seed": seed,
            "chunk_size": size,
            "n_runs": len(specs),
        }
        store = BatchStore(Path(out), _jsonable(plan), resume=resume)
        done = store.done()
    todo = [c for c in range(len(chunks)) if c not in done]

    kept: dict[int, tuple[dict[str, pd.DataFrame], pd.DataFrame]] = {}
    bar = _progress_bar(len(specs), sum(len(chunks[c]) for c in done), progress)
    failed = 0

    def arguments(cid: int) -> tuple:
        needed = {s.scenario for s in chunks[cid]}
        return {k: v for k, v in loaded.items() if k in needed}, chunks[cid]

    def on_lost(cid: int, message: str) -> None:
        on_done(cid, ({}, _failed(chunks[cid], message)))

    def on_done(cid: int, result: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
        nonlocal failed
        tables, errors = result
        if store is not None:
            store.write(cid, tables or {t: pd.DataFrame() for t in TABLES}, errors)
        else:
            kept[cid] = (tables, errors)
        failed += len(errors)
        bar.set_postfix(failed=failed, refresh=False)
        bar.update(len(chunks[cid]))

    kind = executor if isinstance(executor, str) or executor is None else None
    if kind is None:
        kind = "serial" if workers == 1 else "process"
    try:
        with sigterm_as_interrupt():
            run = partial(execute, run_chunk, todo, arguments, on_done=on_done, on_lost=on_lost)
            if isinstance(executor, Executor):
                run(executor, None, 2 * workers)
            elif kind == "serial":
                run(SerialExecutor(), None, 1)
            elif kind == "process":
                run(process_pool(workers), lambda: process_pool(workers), 2 * workers)
            elif kind == "dask":
                with dask_executor(workers, scheduler) as dask:
                    run(dask, None, 2 * workers)
            else:
                raise ValueError(f"unknown executor {kind!r} (process, dask or serial)")
    finally:
        bar.close()

    if store is not None:
        return load_batch(store.root)
    return _collect(kept, len(specs), points)


def _collect(kept: dict, n_runs: int, points: list[dict]) -> BatchResult:
    order = sorted(kept)
    tables = {}
    for t in TABLES:
        frames = [kept[c][0][t] for c in order if t in kept[c][0] and len(kept[c][0][t])]
        tables[t] = (
            pd.concat(frames, ignore_index=True).sort_values(
                "run_id", kind="stable", ignore_index=True
            )
            if frames
            else pd.DataFrame()
        )
    errors = [kept[c][1] for c in order if len(kept[c][1])]
    tables[ERRORS] = (
        pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    )
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
