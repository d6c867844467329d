"""Batches: seeded replicates and sweeps on any executor, streamed to disk.

The runner plans the batch (:mod:`sim.plan`: the design, the seeding, the
chunking), executes its chunks (:mod:`sim.executors`, each chunk's runs in
:mod:`sim.chunk`, per-run error capture) and writes or keeps what they return
(:class:`ChunkSink`); an executor only sees ``submit``.
Each run gets a child of one root ``numpy.random.SeedSequence`` by its
position in the design, so results are identical, row for row, whatever the
worker count, the chunk size or the executor (serial, process pool, Dask).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.chunk import ERROR_COLUMNS, ERROR_DTYPES, errors_frame, run_chunk
from sim.design import RunSpec, design, grid, param_column, parse_axis, run_seed
from sim.executors import (
    SerialExecutor,
    dask_executor,
    execute,
    process_pool,
    sigterm_as_interrupt,
)
from sim.plan import (
    BatchOptions,
    BatchPlan,
    Points,
    ScenarioSet,
    plan_batch,
    provenance_of,
    session_record,
)
from sim.run import TABLES
from sim.scenario import Scenario
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
    "ERROR_COLUMNS",
    "ERROR_DTYPES",
    "BatchOptions",
    "BatchPlan",
    "BatchResult",
    "ChunkLayout",
    "ChunkSink",
    "RunSpec",
    "design",
    "grid",
    "load_batch",
    "param_column",
    "parse_axis",
    "plan_batch",
    "run_batch",
    "run_chunk",
    "run_seed",
]


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
                frame = errors_frame([])
            self._tables[name] = frame
        return self._tables[name]

    model = property(lambda self: self._table("model"), doc="Per-year metrics of every run.")
    agencies = property(lambda self: self._table("agencies"), doc="Per-agency rows.")
    pairs = property(lambda self: self._table("pairs"), doc="Per-pair rows.")
    missions = property(lambda self: self._table("missions"), doc="One row per mission.")
    deals = property(lambda self: self._table("deals"), doc="One row per negotiation and party.")
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
# The runner: plan, then execute, then write (or keep) each chunk as it lands


def run_batch(
    scenarios: ScenarioSet,
    replicates: int,
    *,
    params: Points = None,
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

    Three pieces, in order: :func:`sim.plan.plan_batch` checks the arguments
    and lays out every run; :func:`sim.executors.execute` runs the chunks not
    done yet; a :class:`ChunkSink` writes each finished chunk to ``out`` (or
    keeps it in memory). Every argument after ``replicates`` is keyword-only.

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
    options = BatchOptions(
        params=params,
        seed=seed,
        executor=executor,
        workers=workers,
        chunk_size=chunk_size,
        scheduler=scheduler,
    )
    plan = plan_batch(scenarios, replicates, options)
    with ExitStack() as stack:
        stack.enter_context(sigterm_as_interrupt())
        # The executor before the batch directory: an unreachable scheduler leaves nothing.
        pool, rebuild = _open_executor(stack, executor, plan, scheduler)
        store = None if out is None else _open_store(stack, plan, Path(out), resume)
        size = store.chunk_size if store else plan.chunk_size or plan.default_chunk_size
        chunks = ChunkLayout(plan.scenarios, _chunks(plan.specs, size))
        sink = ChunkSink(chunks, store, len(plan.specs), progress)
        try:
            lost = execute(
                run_chunk,
                sink.todo(),
                chunks.arguments,
                pool,
                rebuild,
                plan.in_flight,
                sink.on_done,
            )
        finally:
            sink.close()
    if lost:
        given_up = {c: (chunks.chunks[c], why) for c, why in lost.items()}
        _raise_incomplete(given_up, len(chunks.chunks), store)
    return sink.result(plan)


def _open_executor(
    stack: ExitStack, executor: Executor | str | None, plan: BatchPlan, scheduler: str | None
) -> tuple[Executor, Callable[[], Executor] | None]:
    """The executor to submit to, and how to rebuild it if it breaks (process pools only)."""
    if isinstance(executor, Executor):
        return executor, None
    if plan.kind == "dask":
        return stack.enter_context(dask_executor(plan.workers, scheduler)), None
    if plan.kind == "serial":
        return SerialExecutor(), None
    return process_pool(plan.workers), partial(process_pool, plan.workers)


def _open_store(stack: ExitStack, plan: BatchPlan, out: Path, resume: bool) -> BatchStore:
    """Open (or reopen, to resume) the batch directory and record what this session runs."""
    from sim.provenance import scenario_record

    records = {label: scenario_record(sc) for label, sc in plan.scenarios.items()}
    store = BatchStore(
        out, plan.record(), records, plan.chunk_size, plan.default_chunk_size, resume=resume
    )
    stack.callback(store.close)
    store.begin(provenance_of(plan.specs, plan.seed), session_record(plan.kind, plan.workers))
    return store


@dataclass(frozen=True)
class ChunkLayout:
    """The runs of a batch cut into chunks, and what a worker needs for each."""

    scenarios: dict[str, Scenario]
    chunks: list[list[RunSpec]]

    def arguments(self, cid: int) -> tuple[dict[str, Scenario], list[RunSpec]]:
        """The arguments of :func:`run_chunk` for chunk ``cid``: only the scenarios it runs."""
        needed = {s.scenario for s in self.chunks[cid]}
        return {k: v for k, v in self.scenarios.items() if k in needed}, self.chunks[cid]


class ChunkSink:
    """Where finished chunks go: written to the batch directory, or kept in memory.

    One object with a method for :func:`sim.executors.execute` to call as each
    chunk lands (rather than a closure over the runner's locals), which also
    keeps the progress bar and the count of failed runs.
    """

    def __init__(
        self, layout: ChunkLayout, store: BatchStore | None, n_runs: int, progress: bool
    ) -> None:
        self.layout = layout
        self.store = store
        self.kept: dict[int, tuple[dict[str, pd.DataFrame], pd.DataFrame]] = {}
        self.failed = 0
        done = store.done() if store is not None else set()
        self._todo = [c for c in range(len(layout.chunks)) if c not in done]
        initial = sum(len(layout.chunks[c]) for c in done)
        self.bar = _progress_bar(n_runs, initial, progress)

    def todo(self) -> list[int]:
        """Chunks not finished yet (all of them, unless resuming)."""
        return self._todo

    def on_done(self, cid: int, result: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
        """Write or keep chunk ``cid``'s tables, and move the progress bar."""
        tables, errors = result
        if self.store is not None:
            self.store.write(cid, tables, errors)
        else:
            self.kept[cid] = (tables, errors)
        self.failed += len(errors)
        self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(len(self.layout.chunks[cid]))

    def close(self) -> None:
        """Close the progress bar."""
        self.bar.close()

    def result(self, plan: BatchPlan) -> BatchResult:
        """The batch: read back from its directory, or stacked from the chunks kept."""
        if self.store is not None:
            return load_batch(self.store.root)
        return _collect(self.kept, len(plan.specs), plan.points)


def _chunks(specs: list[RunSpec], size: int) -> list[list[RunSpec]]:
    return [specs[i : i + size] for i in range(0, len(specs), size)]


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
    tables[ERRORS] = pd.concat(errors, ignore_index=True) if errors else errors_frame([])
    return BatchResult(tables, n_runs=n_runs, points=points)


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
