"""One run as the patterns read it: its four tables and scenario, and small readers of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from sim.scenario import Scenario

__all__ = [
    "RunView",
    "between",
    "bloc_tension",
    "coop_rate",
    "everyone",
    "one_bloc",
    "pair_tension",
    "runs_of",
    "spans",
    "station_kinds",
    "with_agency",
]


@dataclass(frozen=True)
class RunView:
    """The four tables of one run, and the scenario it ran."""

    run_id: int
    seed: int
    model: pd.DataFrame
    agencies: pd.DataFrame
    pairs: pd.DataFrame
    missions: pd.DataFrame
    spec: Scenario

    def blocs(self) -> dict[str, str]:
        """Bloc of every agency of the scenario."""
        return {name: a.bloc for name, a in self.spec.agencies.items()}


_TABLES = ("model", "agencies", "pairs", "missions")


def runs_of(batch, spec: Scenario) -> Iterator[tuple[int, RunView]]:
    """``(point, run)`` for every run of ``batch`` (a :class:`sim.BatchResult`) that finished."""
    if batch.model.empty:
        return
    groups = {name: dict(iter(getattr(batch, name).groupby("run_id"))) for name in _TABLES}
    empty = {name: getattr(batch, name).iloc[0:0] for name in _TABLES}
    for run_id, model in groups["model"].items():
        yield (
            int(model.point.iloc[0]),
            RunView(
                run_id=int(run_id),
                seed=int(model.seed.iloc[0]),
                model=model,
                **{n: groups[n].get(run_id, empty[n]) for n in _TABLES if n != "model"},
                spec=spec,
            ),
        )


# --------------------------------------------------------------------------
# Small readers of one run's tables


def everyone(missions: pd.DataFrame) -> pd.Series:
    """Every agency that signed each mission (members and those that withdrew)."""
    return pd.Series(
        [list(m) + list(w) for m, w in zip(missions.members, missions.withdrawn, strict=True)],
        index=missions.index,
        dtype=object,
    )


def station_kinds(spec: Scenario) -> set[str]:
    """Mission kinds a club can build a station of: three or more partners and a station element."""
    return {
        name
        for name, kind in spec.missions.items()
        if kind.max_partners >= 3
        and kind.elements
        and any(e.domain == "station" for e in kind.elements.values())
    }


def spans(missions: pd.DataFrame, blocs: dict[str, str], a: str, b: str) -> pd.Series:
    """Whether each mission has members in both bloc ``a`` and bloc ``b``."""
    return everyone(missions).map(lambda x: {a, b} <= {blocs[i] for i in x})


def one_bloc(missions: pd.DataFrame, blocs: dict[str, str]) -> pd.Series:
    """Whether all of each mission's members are in one bloc."""
    return everyone(missions).map(lambda x: len({blocs[i] for i in x}) == 1)


def between(frame: pd.DataFrame, column: str, first: int, last: int) -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` lies in ``[first, last]``."""
    return frame[(frame[column] >= first) & (frame[column] <= last)]


def bloc_tension(run: RunView, a: str, b: str) -> pd.Series:
    """Mean tension across blocs ``a`` and ``b`` by year (pairs of active agencies)."""
    blocs = run.blocs()
    p = run.pairs
    ba, bb = p.agency_a.map(blocs), p.agency_b.map(blocs)
    cross = ((ba == a) & (bb == b)) | ((ba == b) & (bb == a))
    return p[cross].groupby("year").tension.mean()


def pair_tension(run: RunView) -> dict[tuple[int, str, str], float]:
    """Tension of every pair by year, keyed both ways: ``(year, a, b)``."""
    p = run.pairs
    out = {}
    for year, a, b, t in zip(p.year, p.agency_a, p.agency_b, p.tension, strict=True):
        out[(year, a, b)] = out[(year, b, a)] = t
    return out


def coop_rate(run: RunView, first: int, last: int) -> float:
    """Joint share of the missions started from ``first`` to ``last`` (nan if none)."""
    m = between(run.model, "year", first, last)
    started = m.missions_started.sum()
    return float(m.joint_missions_started.sum() / started) if started else float("nan")


def with_agency(missions: pd.DataFrame, agency: str) -> pd.DataFrame:
    """Missions that ``agency`` signed (as a member or one that withdrew)."""
    return missions[everyone(missions).map(lambda x: agency in x)]
