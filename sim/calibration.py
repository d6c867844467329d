"""Rejection-ABC calibration: sampled parameter points, kept where every pattern holds.

``calibrate`` scores the patterns of :mod:`sim.patterns` at Latin-hypercube
points over the ranges a scenario declares in ``validation.calibrate`` and
keeps the points at which every pattern holds: rejection ABC with the
patterns as the summary statistics and their required pass shares as the
tolerance (Grimm et al. 2005; Beaumont et al. 2002). It goes through
:func:`sim.run_batch`, so it runs on any executor and gives the same numbers
for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import BatchResult, param_column, run_batch
from sim.files import write_atomically
from sim.patterns import evaluate, pass_shares
from sim.scenario import Scenario, ScenarioError, field_value
from sim.validation import at_least, checked_scenario, pattern_names

__all__ = [
    "Calibration",
    "calibrate",
    "calibration_summary",
    "latin_hypercube",
    "write_calibration",
]


# --------------------------------------------------------------------------
# Calibration: rejection ABC over declared ranges


@dataclass(frozen=True)
class Calibration:
    """Sampled points, their pass shares, and what the accepted points say."""

    scenario: Scenario
    patterns: list[str]
    ranges: dict[str, tuple[float, float]]
    samples: pd.DataFrame  # point, one column per parameter, one pass share per pattern
    posterior: pd.DataFrame  # one row per parameter
    results: pd.DataFrame  # per run and pattern
    batch: BatchResult

    @property
    def accepted(self) -> pd.DataFrame:
        """The points at which every pattern holds."""
        return self.samples[self.samples.accepted]


def latin_hypercube(
    ranges: dict[str, tuple[float, float]], n: int, seed: int, integers: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points over ``ranges``; fields in ``integers`` are rounded.

    >>> pts = latin_hypercube({"a": (0.0, 1.0)}, 4, seed=0)
    >>> sorted(int(p["a"] * 4) for p in pts)
    [0, 1, 2, 3]
    """
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(n)
    points = []
    for row in unit:
        point = {}
        for (name, (low, high)), u in zip(ranges.items(), row, strict=True):
            value = low + u * (high - low)
            point[name] = round(value) if name in integers else round(float(value), 6)
        points.append(point)
    return points


def calibrate(
    scenario: Scenario | str | Path,
    n: int,
    replicates: int = 10,
    patterns: Sequence[str] | None = None,
    seed: int = 0,
    **batch_options: Any,
) -> Calibration:
    """Sample ``n`` points in the declared ranges, run each, keep those where every pattern holds.

    Point 0 is the scenario's own defaults, so the result also says whether
    the bundled values are among the accepted ones. Points are drawn by a
    Latin hypercube seeded by ``seed``; runs are seeded by ``seed`` as in
    :func:`sim.run_batch`.
    """
    spec = checked_scenario(scenario)
    names = pattern_names(spec, patterns)
    ranges = {k: (float(v[0]), float(v[1])) for k, v in spec.validation.calibrate.items()}
    if not ranges:
        raise ScenarioError(
            [(spec.name, None, "validation.calibrate", "declare the ranges to sample, "
              "e.g. 'negotiation.political_cost: [0.5, 1.5]'")]
        )  # fmt: skip
    at_least(n, "n")
    defaults = {k: field_value(spec, k) for k in ranges}
    integers = [k for k, v in defaults.items() if isinstance(v, int)]
    points = [defaults, *latin_hypercube(ranges, n, seed, integers)]
    batch = run_batch(
        spec, at_least(replicates, "replicates"), params=points, seed=seed, **batch_options
    )
    results = evaluate(batch, spec, names)
    shares = pass_shares(results)
    wide = shares.pivot(index="point", columns="pattern", values="pass_share")[names]
    holds = shares.groupby("point").holds.all()
    samples = pd.DataFrame(points).rename(columns=param_column)
    samples.insert(0, "point", range(len(points)))
    samples["defaults"] = samples.point == 0
    samples = samples.join(wide.add_prefix("pass_"), on="point")
    samples["accepted"] = samples.point.map(holds).fillna(False).astype(bool)
    posterior = _posterior(samples, ranges, defaults)
    return Calibration(spec, names, ranges, samples, posterior, results, batch)


def _posterior(samples: pd.DataFrame, ranges: dict, defaults: dict) -> pd.DataFrame:
    drawn = samples[~samples.defaults]
    kept = drawn[drawn.accepted]
    rows = []
    for name, (low, high) in ranges.items():
        col = kept[param_column(name)].astype(float)
        q = col.quantile([0.05, 0.5, 0.95]) if len(col) else pd.Series([np.nan] * 3)
        inside = bool(len(col)) and col.min() <= defaults[name] <= col.max()
        rows.append(
            {
                "param": name,
                "prior_low": low,
                "prior_high": high,
                "default": defaults[name],
                "accepted": len(col),
                "drawn": len(drawn),
                "min": col.min() if len(col) else np.nan,
                "q05": q.iloc[0],
                "median": q.iloc[1],
                "q95": q.iloc[2],
                "max": col.max() if len(col) else np.nan,
                "default_inside": inside,
            }
        )
    return pd.DataFrame(rows)


def write_calibration(cal: Calibration, out: str | Path, command: str = "") -> list[Path]:
    """Write ``samples.csv``, ``accepted.csv``, ``posterior.csv`` and ``calibration.md``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        write_atomically(out / "samples.csv", partial(cal.samples.to_csv, index=False)),
        write_atomically(out / "accepted.csv", partial(cal.accepted.to_csv, index=False)),
        write_atomically(out / "posterior.csv", partial(cal.posterior.to_csv, index=False)),
    ]
    text = calibration_summary(cal, command)
    paths.append(write_atomically(out / "calibration.md", lambda t: t.write_text(text)))
    return paths


def calibration_summary(cal: Calibration, command: str = "") -> str:
    """A Markdown account of a calibration: what was varied, what passed, what is left."""
    drawn = cal.samples[~cal.samples.defaults]
    default_row = cal.samples[cal.samples.defaults].iloc[0]
    lines = [
        f"# Calibration of {cal.scenario.name}",
        "",
        f"Rejection ABC: {len(drawn)} Latin-hypercube points, "
        f"{cal.results.run_id.nunique() // len(cal.samples)} seeded runs each; a point is "
        f"accepted when every one of {len(cal.patterns)} patterns holds "
        f"({', '.join(cal.patterns)}).",
        "",
    ]
    if command:
        lines += ["```", command, "```", ""]
    lines += [
        f"**Accepted: {int(drawn.accepted.sum())} of {len(drawn)} points.** "
        f"The scenario's own defaults: {'accepted' if default_row.accepted else 'rejected'}.",
        "",
        "Share of points at which each pattern holds:",
        "",
        "| pattern | points where it holds | pass share at the defaults |",
        "|---|---|---|",
    ]
    shares = pass_shares(cal.results)
    for name in cal.patterns:
        here = shares[shares.pattern == name]
        lines.append(
            f"| {name} | {int(here[here.point > 0].holds.sum())} of {len(drawn)} "
            f"| {default_row[f'pass_{name}']:.0%} |"
        )
    lines += [
        "",
        "Posterior ranges (accepted points):",
        "",
        "| parameter | prior | default | accepted | 5 % | median | 95 % | default inside |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in cal.posterior.itertuples():
        lines.append(
            f"| {r.param} | [{r.prior_low:g}, {r.prior_high:g}] | {r.default:g} | {r.accepted} "
            f"| {r.q05:.3g} | {r.median:.3g} | {r.q95:.3g} "
            f"| {'yes' if r.default_inside else 'no'} |"
        )
    return "\n".join(lines) + "\n"
