"""Checks of who builds what and who pays (issue #13): ``check(run) -> (value, passed)``.

The record: the owner of a mission funds its core and most of its cost
(Hubble, Cassini, JWST, the ISS); budgets are mostly committed; agencies fly
missions of their own as well as joint ones; a crewed mission flies with
someone who can carry crew, which after the Shuttle's retirement in 2011 left
NASA's crews on Soyuz until Crew Dragon (2020); the ISS partnership formed
as a club of five agencies in the 1990s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.patterns.view import RunView, everyone, station_kinds

__all__ = [
    "SHUTTLE_GAP",
    "STATION_YEARS",
    "budgets_committed",
    "crew_on_soyuz",
    "juniors_lead_own",
    "lead_pays_most",
    "station_club",
    "station_outlasts_2014",
]

SHUTTLE_GAP = (2011, 2019)  # Shuttle retired July 2011; Crew Dragon Demo-2 in May 2020
STATION_YEARS = (1993, 2000)  # Gore-Chernomyrdin (1993) to the first crew aboard (2000)


def _in_run(run: RunView):
    """Missions negotiated during the run (not those declared under way at its start)."""
    m = run.missions
    return m[m.start_year >= run.spec.start_year]


def lead_pays_most(run: RunView) -> tuple[float, bool]:
    """Share of joint missions (no withdrawals) whose lead pays the largest share."""
    m = _in_run(run)
    m = m[m.joint & (m.withdrawn.map(len) == 0)]
    if m.empty:
        return float("nan"), False
    most = [
        members[int(np.argmax(shares))] == lead or max(shares) - shares[members.index(lead)] < 1e-9
        for lead, members, shares in zip(m.lead, m.members, m.shares, strict=True)
    ]
    share = float(np.mean(most))
    return share, share > 0.5


def budgets_committed(run: RunView) -> tuple[float, bool]:
    """Median share of the largest agency's budget committed, over the run's years."""
    spec = run.spec
    largest = max(spec.agencies, key=lambda name: spec.agencies[name].budget)
    a = run.agencies[run.agencies.agency == largest]
    if a.empty:
        return float("nan"), False
    committed = float(np.median(1.0 - a.uncommitted_budget / a.budget))
    return committed, committed > 0.5


def juniors_lead_own(
    run: RunView, juniors: tuple[str, ...] = ("ESA", "JAXA", "CNSA")
) -> tuple[float, bool]:
    """How many of ``juniors`` lead at least one solo and one joint mission."""
    m = _in_run(run)
    present = [j for j in juniors if j in run.spec.agencies]
    both = sum(
        bool(((m.lead == j) & ~m.joint).any() and ((m.lead == j) & m.joint).any()) for j in present
    )
    return float(both), both == len(present)


def _needs_crew(run: RunView) -> set[str]:
    kinds = run.spec.missions
    return {
        name
        for name, k in kinds.items()
        if (k.elements and any(e.domain == "crew" for e in k.elements.values()))
        or (k.requires and k.requires.get("crew", 0.0) > 0)
    }


def crew_on_soyuz(run: RunView) -> tuple[float, bool]:
    """Years of the Shuttle gap NASA's crews fly on Soyuz; passes when every such year does.

    A year counts when NASA is a member of a mission that needs crew under
    way at the year's end. The run passes when in each such year NASA depends
    on Roscosmos for crew (the ``agencies`` table's ``depends_on``), there is
    at least one (a run where NASA flies no crew in the gap has nothing to
    show), and every crewed mission or station term NASA begins in the gap
    has Roscosmos in it: NASA planned no crewed flight without Soyuz.
    """
    first, last = SHUTTLE_GAP
    m = run.missions
    crewed = m[m.kind.isin(_needs_crew(run))]
    nasa = run.agencies[run.agencies.agency == "NASA"].set_index("year").depends_on
    flown = on_soyuz = 0
    for year in range(first, last + 1):
        if any(
            row.start_year <= year
            and (pd.isna(row.end_year) or row.end_year > year)  # under way at the year's end
            and _member_in(row, "NASA", year)
            for row in crewed.itertuples()
        ):
            flown += 1
            on_soyuz += year in nasa.index and "Roscosmos (crew)" in nasa.loc[year]
    planned = [
        _member_in(row, "Roscosmos", row.term_from)
        for row in crewed[crewed.term_from.between(first, last)].itertuples()
        if _member_in(row, "NASA", row.term_from)
    ]
    return float(on_soyuz), flown > 0 and on_soyuz == flown and all(planned)


def _member_in(row, agency: str, year: int) -> bool:
    """Whether ``agency`` was a member of the mission ``row`` at the end of ``year``."""
    if agency in row.members:
        return True
    return any(
        a == agency and y > year for a, y in zip(row.withdrawn, row.withdrawn_years, strict=True)
    )


def _stations(run: RunView):
    """Missions of a station kind a club can build (three or more partners, a station element)."""
    m = _in_run(run)
    return m[m.kind.isin(station_kinds(run.spec))]


def station_club(run: RunView) -> tuple[float, bool]:
    """Largest station coalition with Roscosmos begun 1993-2000; passes at four or more."""
    m = _stations(run)
    first, last = STATION_YEARS
    club = everyone(m[m.start_year.between(first, last)])
    size = max((len(c) for c in club if "Roscosmos" in c), default=0)
    return float(size), size >= 4


def station_outlasts_2014(run: RunView) -> tuple[float, bool]:
    """Years after 2014 NASA and Roscosmos spend in a station together; passes at one or more.

    A station both are members of (neither has left) counts for each year it
    is under way from 2015 to the end of the run: the partnership outlasted
    the Crimea shock, as the ISS did.
    """
    m = _stations(run)
    end = run.spec.end_year
    years: set[int] = set()
    for members, start, stop in zip(m.members, m.start_year, m.end_year, strict=True):
        if "NASA" in members and "Roscosmos" in members:
            last = end if pd.isna(stop) else int(stop)  # still under way at the end
            years.update(range(max(int(start), 2015), last + 1))
    return float(len(years)), bool(years)
