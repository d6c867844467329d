"""The design of a batch: which runs, in which order, with which seeds and parameters.

Pure and cheap: nothing here runs a model or touches the disk. A run's seed
depends only on the root seed and its position in the design, which is what
makes a batch identical whatever the executor, the workers or the chunking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.scenario.reading import read_value

__all__ = ["RunSpec", "design", "grid", "param_column", "parse_axis", "run_seed"]


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


def parse_axis(text: str, flag: str = "--param") -> tuple[str, list[Any]]:
    """Parse a sweep axis: ``name=start:stop:num`` (evenly spaced) or ``name=a,b,c``.

    Malformed text is a :class:`~sim.errors.UsageError` naming ``flag`` (the
    command-line option it came from: ``--param``, ``--lever``).

    >>> parse_axis("negotiation.integration_overhead=0:0.4:3")
    ('negotiation.integration_overhead', [0.0, 0.2, 0.4])
    >>> parse_axis("negotiation.cost_sharing_rule=nash,shapley")
    ('negotiation.cost_sharing_rule', ['nash', 'shapley'])
    >>> parse_axis("policies.funding_pool=0:1", "--lever")
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --lever: policies.funding_pool: bad range '0:1'
    """
    name, sep, spec = text.partition("=")
    if not sep or not name or not spec:
        raise UsageError(flag, f"{text!r}: write name=start:stop:num or name=a,b,c")
    if ":" in spec:
        parts = spec.split(":")
        try:
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise UsageError(flag, f"{name}: bad range {spec!r}") from None
        if len(parts) != 3 or num < 1:
            raise UsageError(flag, f"{name}: bad range {spec!r}")
        values = [round(float(v), 12) for v in np.linspace(start, stop, num)]
        if all("." not in p and "e" not in p.lower() for p in parts[:2]) and all(
            v.is_integer() for v in values
        ):
            return name, [int(v) for v in values]  # an integer field stays integer
        return name, values
    return name, [read_value(v) for v in spec.split(",")]


def design(
    scenarios: Sequence[str],
    replicates: int,
    points: Sequence[Mapping[str, Any]] = ({},),
    seed: int = 0,
) -> list[RunSpec]:
    """Every run of a batch, in order: scenario, then parameter point, then replicate."""
    specs: list[RunSpec] = []
    for name in scenarios:
        for p, point in enumerate(points):
            for r in range(replicates):
                run_id = len(specs)
                specs.append(
                    RunSpec(run_id, name, p, r, run_seed(seed, run_id), tuple(point.items()))
                )
    return specs
