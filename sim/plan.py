"""Planning a batch: arguments checked, scenarios loaded, runs laid out, before any work.

Everything :func:`sim.batch.run_batch` decides before a worker starts or a file
is written: the validated scenarios and parameter points, every run with its
seed (:func:`sim.design.design`), the executor kind and the chunk size, and
what the batch directory's manifest records about the design and the session.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.arguments import check_batch_arguments
from sim.design import RunSpec, design
from sim.scenario import Scenario, apply_overrides, load_scenario

__all__ = [
    "BatchOptions",
    "BatchPlan",
    "Points",
    "ScenarioSet",
    "plan_batch",
    "provenance_of",
    "session_record",
]

#: What a batch runs: a scenario (bundled name, YAML path or Scenario) or several.
ScenarioSet = Sequence[str | Path | Scenario] | str | Path | Scenario

#: Its parameter points: one mapping of overrides by dotted path, or a list of them.
Points = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass(frozen=True)
class BatchOptions:
    """How a batch is asked to run: the arguments of :func:`~sim.batch.run_batch` for its plan.

    Each field is the keyword argument of :func:`~sim.batch.run_batch` of the
    same name, with the same default; ``run_batch`` builds one from its own
    arguments, so the two cannot disagree on a name or a default.
    """

    params: Points = None
    seed: int = 0
    executor: Executor | str | None = None
    workers: int | None = None
    chunk_size: int | None = None
    scheduler: str | None = None


@dataclass(frozen=True)
class BatchPlan:
    """Everything decided before a worker starts: the design, its seeds, where it runs.

    Attributes
    ----------
    scenarios : dict of str to Scenario
        The validated scenarios, by label (name or path as given).
    points : list of dict
        The parameter points, each checked against every scenario.
    replicates, seed : int
        Runs per scenario and point, and the root seed.
    specs : list of RunSpec
        Every run, in design order, with its seed.
    workers : int
        Worker processes.
    kind : str
        ``"process"``, ``"dask"`` or ``"serial"`` (for the manifest and the
        number of chunks in flight).
    chunk_size : int or None
        Runs per chunk as asked; ``None`` for :attr:`default_chunk_size`.
    default_chunk_size : int
        About eight chunks per worker, at most 50 runs a chunk.
    """

    scenarios: dict[str, Scenario]
    points: list[Mapping[str, Any]]
    replicates: int
    seed: int
    specs: list[RunSpec]
    workers: int
    kind: str
    chunk_size: int | None
    default_chunk_size: int

    @property
    def in_flight(self) -> int:
        """Chunks submitted ahead of the results: enough to keep every worker busy."""
        return 1 if self.kind == "serial" else 2 * self.workers

    def record(self) -> dict[str, Any]:
        """The design as the manifest stores it (what ``resume`` must find again)."""
        plan = {
            "scenarios": list(self.scenarios),
            "points": self.points,
            "replicates": self.replicates,
            "seed": self.seed,
            "n_runs": len(self.specs),
        }
        return _jsonable(plan)


def plan_batch(
    scenarios: ScenarioSet, replicates: int, options: BatchOptions | None = None
) -> BatchPlan:
    """Check the arguments, load the scenarios and lay out every run, before any work.

    Nothing runs and nothing is written; the arguments are those of
    :func:`sim.batch.run_batch` (the options in one :class:`BatchOptions`,
    by default its defaults), and so are the errors: a
    :class:`~sim.errors.UsageError` for a bad count, seed, executor or
    scheduler, a :class:`~sim.scenario.ScenarioError` for a bad scenario or
    parameter.
    """
    options = options or BatchOptions()
    check_batch_arguments(
        replicates,
        options.seed,
        options.executor,
        options.workers,
        options.chunk_size,
        options.scheduler,
    )
    if isinstance(scenarios, (str, Path, Scenario)):
        scenarios = [scenarios]
    loaded = {_label(s): s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios}
    params = options.params
    points: list[Mapping[str, Any]] = (
        [dict(params)] if isinstance(params, Mapping) else list(params or [{}])
    )
    for point in points:  # fail fast, before any worker starts, on a bad parameter
        for scenario in loaded.values():
            apply_overrides(scenario, point)
    specs = design(list(loaded), replicates, points, options.seed)
    workers = options.workers or os.cpu_count() or 1
    kind = options.executor if isinstance(options.executor, str) else None
    if kind is None:  # no name, or an Executor given: named after the worker count
        kind = "serial" if workers == 1 else "process"
    return BatchPlan(
        scenarios=loaded,
        points=points,
        replicates=replicates,
        seed=options.seed,
        specs=specs,
        workers=workers,
        kind=kind,
        chunk_size=options.chunk_size,
        default_chunk_size=_auto_chunk_size(len(specs), workers),
    )


def _auto_chunk_size(n_runs: int, workers: int) -> int:
    # About eight chunks per worker keeps workers busy to the end; at most 50
    # runs a chunk keeps memory and lost work small; Dask's ~10 ms per task is
    # then well under 1 % of a chunk's time.
    return max(1, min(50, math.ceil(n_runs / (8 * max(workers, 1)))))


def _label(scenario: str | Path | Scenario) -> str:
    if isinstance(scenario, Scenario):
        return scenario.name
    return str(scenario)


def provenance_of(specs: list[RunSpec], seed: int) -> dict[str, Any]:
    """What the manifest records once per batch: the seeds of every run, code and data."""
    from sim.provenance import provenance

    return {
        "seeds": {
            "root": seed,
            "rule": "run i gets SeedSequence(root, spawn_key=(i,)).generate_state(1, uint64) >> 1",
            "runs": [s.seed for s in specs],
        },
        "provenance": provenance(),
    }


def session_record(kind: str, workers: int) -> dict[str, Any]:
    """What the manifest records per session (a resume is a new one): when, how, where."""
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
