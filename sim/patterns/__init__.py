"""Patterns of the historical record the model must reproduce (pattern-oriented modelling).

Each :class:`Pattern` is one stylized fact of space cooperation, checked on
one run at a time: ``check(run)`` returns the run's value of a statistic and
whether the fact holds in that run, within the tolerance the pattern states.
A pattern holds for a scenario when the share of seeded runs in which it
holds reaches its ``required`` share. The same checks serve the test suite
(``tests/test_stylized_facts.py``), calibration (``sim.calibrate``) and the
validation report (``spacecoop report``); a scenario names the patterns it is
checked against in its ``validation.patterns`` list.

Blocs, event years and tension are read from the run and its scenario, never
hard-coded as results: the patterns name only the agencies and periods the
historical claims are about (NASA, the Soviet and Russian agencies, ESA,
CNSA; the Cold War to 1991).

The package has four rooms: :mod:`~sim.patterns.view` (one run's tables and
small readers of them), :mod:`~sim.patterns.checks` (one statistic per
fact), :mod:`~sim.patterns.catalog` (the facts: claim, tolerance, check) and
this module (evaluating the catalog on a batch).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.patterns.catalog import PATTERNS, Pattern, Switch
from sim.patterns.view import RunView, runs_of
from sim.scenario import Scenario

__all__ = [
    "PATTERNS",
    "Pattern",
    "RunView",
    "Switch",
    "evaluate",
    "pass_shares",
    "runs_of",
]


def evaluate(batch, spec: Scenario, names: Sequence[str]) -> pd.DataFrame:
    """One row per run and pattern: ``point, run_id, seed, pattern, value, passed``."""
    rows = []
    for point, run in runs_of(batch, spec):
        for name in names:
            value, passed = PATTERNS[name].check(run)
            rows.append((point, run.run_id, run.seed, name, float(value), bool(passed)))
    return pd.DataFrame(rows, columns=["point", "run_id", "seed", "pattern", "value", "passed"])


def pass_shares(results: pd.DataFrame) -> pd.DataFrame:
    """Share of runs passing, per point and pattern, and whether it reaches ``required``."""
    out = (
        results.groupby(["point", "pattern"], sort=False)
        .agg(runs=("passed", "size"), pass_share=("passed", "mean"), value=("value", "median"))
        .reset_index()
    )
    out["required"] = out.pattern.map(lambda n: PATTERNS[n].required)
    out["holds"] = out.pass_share >= out.required - 1e-12
    return out
