"""Global sensitivity analysis (SALib): which parameters move a metric, and how much.

Sobol indices (Saltelli/Sobol sampling; first-order ``S1`` and total ``ST``
with bootstrap confidence intervals) or Morris elementary effects (``mu_star``,
``sigma``). The model runs go through :func:`sim.batch.run_batch`, so they
are seeded, parallel, streamed and resumable like any batch.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181(2), 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33(2), 161-174.
Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening
design for sensitivity analysis of large models. Environmental Modelling &
Software 22(10), 1509-1518.
Herman, J. & Usher, W. (2017). SALib: an open-source Python library for
sensitivity analysis. Journal of Open Source Software 2(9), 97.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import BatchResult, run_batch
from sim.errors import UsageError
from sim.summary import tradeoff_metrics

__all__ = [
    "SensitivityResult",
    "SmallSampleWarning",
    "UndefinedMetricError",
    "analyze",
    "evaluate_function",
    "parse_bounds",
    "sample",
    "sensitivity",
    "small_sample_problem",
]

METHODS = ("sobol", "morris")
#: Widest acceptable 95 % half-width of a Sobol index: indices live in [0, 1],
#: so wider intervals cannot tell a parameter that matters from one that does
#: not. N=8 gives 0.6-0.9; N=256 gives 0.15-0.2 (README: S1 0.91 +- 0.16).
MAX_HALF_WIDTH = 0.25
#: The half-width the advice aims at: enough to rank parameters.
TARGET_HALF_WIDTH = 0.1
#: Smallest Sobol base sample worth reading (Saltelli et al. 2010 use 2**10 and more).
MIN_SOBOL_N = 64
#: Fewest Morris trajectories; Campolongo et al. (2007) use 10 to 50.
MIN_MORRIS_N = 10


class SmallSampleWarning(UserWarning):
    """The sample is too small for the confidence intervals of its indices."""


class UndefinedMetricError(ValueError):
    """Some sample points have no value of the metric (failed runs, or undefined)."""


def parse_bounds(text: str) -> tuple[str, tuple[float, float]]:
    """Parse ``name=lo:hi`` into ``(name, (lo, hi))``.

    Malformed text is a bad ``--param``, a :class:`~sim.errors.UsageError`
    (not a scenario error: no scenario file is wrong).

    >>> parse_bounds("policies.treaty=0:0.5")
    ('policies.treaty', (0.0, 0.5))
    >>> parse_bounds("policies.treaty=0.5:0")
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --param: 'policies.treaty=0.5:0': write name=lo:hi with lo < hi
    """
    name, sep, spec = text.partition("=")
    parts = spec.split(":")
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        lo = hi = float("nan")
    if not sep or not name or len(parts) != 2 or not lo < hi:
        raise UsageError("--param", f"{text!r}: write name=lo:hi with lo < hi")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError("--param", f"{text!r}: the bounds must be finite numbers")
    return name, (lo, hi)


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [list(map(float, b)) for b in bounds.values()],
    }


def sample(
    method: str, bounds: Mapping[str, tuple[float, float]], n: int, seed: int = 0
) -> tuple[dict[str, Any], np.ndarray]:
    """The SALib problem and its sample matrix (one row per model evaluation).

    Sobol: ``n * (2 D + 2)`` rows (Saltelli's scheme with second-order terms);
    Morris: ``n`` trajectories of ``D + 1`` rows.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = _problem(bounds)
    if method == "sobol":
        return problem, sobol_sample.sample(problem, n, calc_second_order=True, seed=seed)
    if method == "morris":
        return problem, morris_sample.sample(problem, n, seed=seed)
    raise ValueError(f"unknown method {method!r} (sobol or morris)")


def analyze(
    method: str, problem: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """Sensitivity indices with 95 % confidence intervals, one row per parameter.

    Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; Morris: ``mu_star``,
    ``mu_star_conf``, ``sigma``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    if method == "sobol":
        res = sobol_analyze.analyze(problem, y, calc_second_order=True, seed=seed)
        keys = ["S1", "S1_conf", "ST", "ST_conf"]
    elif method == "morris":
        res = morris_analyze.analyze(problem, x, y, seed=seed)
        keys = ["mu_star", "mu_star_conf", "sigma"]
    else:
        raise ValueError(f"unknown method {method!r} (sobol or morris)")
    return pd.DataFrame({"param": problem["names"], **{k: np.asarray(res[k]) for k in keys}})


@dataclass
class SensitivityResult:
    """Indices of one metric, with the design and the runs behind them."""

    method: str
    metric: str
    indices: pd.DataFrame
    problem: dict[str, Any]
    x: np.ndarray
    y: np.ndarray
    batch: BatchResult | None = None


def evaluate_function(
    method: str,
    bounds: Mapping[str, tuple[float, float]],
    function: Callable[[np.ndarray], np.ndarray],
    n: int,
    seed: int = 0,
) -> SensitivityResult:
    """Sensitivity of a plain function of the sample matrix (used to check the wrapper)."""
    problem, x = sample(method, bounds, n, seed)
    y = np.asarray(function(x), float)
    indices = analyze(method, problem, x, y, seed)
    _warn_if_small(method, n, indices)
    return SensitivityResult(method, "y", indices, problem, x, y)


def small_sample_problem(method: str, n: int, indices: pd.DataFrame) -> str | None:
    """Why ``n`` is too small for these indices, with the ``n`` to use; or None.

    Sobol: ``n`` below :data:`MIN_SOBOL_N`, or a 95 % half-width of ``S1`` or
    ``ST`` above :data:`MAX_HALF_WIDTH`. Half-widths shrink as ``1/sqrt(n)``,
    so the advice is the power of two that brings the widest one to
    :data:`TARGET_HALF_WIDTH`. Morris: fewer than :data:`MIN_MORRIS_N` trajectories.

    >>> idx = pd.DataFrame({"S1_conf": [0.93, 0.2], "ST_conf": [0.5, 0.1]})
    >>> small_sample_problem("sobol", 8, idx)
    'Sobol indices at N=8 have 95 % intervals up to +-0.93: too few samples; for +-0.1 use --n 1024'
    >>> small_sample_problem("sobol", 256, idx.assign(S1_conf=0.05, ST_conf=0.04)) is None
    True
    """
    if method == "morris":
        if n >= MIN_MORRIS_N:
            return None
        return f"Morris with {n} trajectories is too few to rank parameters; use --n {MIN_MORRIS_N}"
    widest = float(np.nanmax(indices[["S1_conf", "ST_conf"]].to_numpy(float), initial=0.0))
    if n >= MIN_SOBOL_N and widest <= MAX_HALF_WIDTH:
        return None
    needed = max(MIN_SOBOL_N, n * (widest / TARGET_HALF_WIDTH) ** 2)
    advice = 2 ** math.ceil(math.log2(needed))
    return (
        f"Sobol indices at N={n} have 95 % intervals up to +-{widest:.2f}: "
        f"too few samples; for +-{TARGET_HALF_WIDTH:g} use --n {advice}"
    )


def _warn_if_small(method: str, n: int, indices: pd.DataFrame) -> None:
    problem = small_sample_problem(method, n, indices)
    if problem:
        warnings.warn(problem, SmallSampleWarning, stacklevel=3)


def sensitivity(
    scenario: str | Path,
    method: str,
    bounds: Mapping[str, tuple[float, float]],
    metric: str,
    n: int,
    replicates: int = 1,
    seed: int = 0,
    **batch_options: Any,
) -> SensitivityResult:
    """Sensitivity of an end-of-run metric of ``scenario`` to scenario fields.

    Parameters
    ----------
    scenario : name or path
        The scenario to vary.
    method : "sobol" or "morris"
    bounds : mapping
        Dotted field path to ``(low, high)``; integer fields get rounded values.
    metric : str
        An end-of-run metric (see :func:`sim.summary.tradeoff_metrics`).
    n : int
        Base sample size (Sobol ``N``) or number of Morris trajectories.
    replicates : int
        Seeded runs per sample point; the metric is their mean.
    seed : int
        Seeds the sampler and the batch.
    **batch_options
        Passed to :func:`sim.batch.run_batch` (``workers``, ``executor``,
        ``out``, ``resume``, ``progress`` ...).
    """
    from sim.scenario import load_scenario

    problem, x = sample(method, bounds, n, seed)
    base = load_scenario(scenario)
    points = [_point(base, dict(zip(problem["names"], row, strict=True))) for row in x]
    batch = run_batch(scenario, replicates, params=points, seed=seed, **batch_options)
    runs = tradeoff_metrics(batch.model, batch.missions)
    if metric not in runs.columns:
        raise UsageError("--metric", f"unknown end-of-run metric {metric!r}")
    y = runs.groupby("point")[metric].mean().reindex(range(len(points))).to_numpy()
    if np.isnan(y).any():
        raise UndefinedMetricError(
            f"{int(np.isnan(y).sum())} sample points have no value of {metric} "
            "(failed runs or an undefined metric); see the batch's errors"
        )
    indices = analyze(method, problem, x, y, seed)
    _warn_if_small(method, n, indices)
    return SensitivityResult(method, metric, indices, problem, x, y, batch)


def _point(base, values: dict[str, float]) -> dict[str, Any]:
    """Cast sampled values to the type of the field they set (integers stay integers)."""
    out = {}
    dumped = base.model_dump()
    for path, value in values.items():
        node: Any = dumped
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[path] = (
            round(float(value))
            if isinstance(node, int) and not isinstance(node, bool)
            else float(value)
        )
    return out
