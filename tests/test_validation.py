"""Patterns, validation and calibration: exact checks on small inputs."""

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario
from sim.calibration import calibrate
from sim.patterns import PATTERNS, RunView


def _view(missions: pd.DataFrame) -> RunView:
    empty = pd.DataFrame()
    return RunView(0, 0, empty, empty, empty, missions, load_scenario("iss_era"))


def _missions(after: list[list[str]]) -> pd.DataFrame:
    """NASA leaves a mission with ESA in 2005; its joint missions before, and ``after``."""
    rows = [
        (["ESA"], ["NASA"], [2005], 2000),  # the mission NASA leaves
        (["NASA", "ESA"], [], [], 2002),
        (["NASA", "JAXA"], [], [], 2003),  # before: half of NASA's joint missions are with ESA
        *[(who, [], [], 2006 + k) for k, who in enumerate(after)],
    ]
    return pd.DataFrame(
        [(i, m, w, y, s) for i, (m, w, y, s) in enumerate(rows)],
        columns=["mission_id", "members", "withdrawn", "withdrawn_years", "start_year"],
    )


@pytest.mark.parametrize(
    "after,ratio",
    [
        ([["NASA", "JAXA"], ["NASA", "ESA"], ["NASA", "CSA"], ["NASA", "JAXA"]], 0.5),  # avoided
        ([["NASA", "ESA"], ["NASA", "JAXA"]], 1.0),  # as before: no scar
        # NASA's solo missions and missions without NASA do not count: all with ESA after
        ([["NASA", "ESA"], ["NASA"], ["ESA", "JAXA"], ["NASA", "ESA", "JAXA"]], 2.0),
    ],
)
def test_withdrawal_scars_compare_the_let_down_partner_share_after_and_before(after, ratio):
    value, passed = PATTERNS["withdrawal_scars"].check(_view(_missions(after)))
    assert value == pytest.approx(ratio)
    assert passed is (ratio < 0.8)


def test_withdrawal_scars_need_something_to_compare():
    value, passed = PATTERNS["withdrawal_scars"].check(_view(_missions([])))
    assert np.isnan(value) and not passed


def test_worse_terms_are_margins_in_each_agencys_own_utility():
    # Each pays 1: Roscosmos gains 1 on a mission worth 2 to it (margin 0.5), NASA 3 of 4 (0.75).
    missions = pd.DataFrame(
        {"mission_id": [0], "members": [["NASA", "Roscosmos"]], "withdrawn": [[]],
         "joint": [True], "shares": [[0.5, 0.5]], "gains": [[3.0, 1.0]], "cost": [2.0]}
    )  # fmt: skip
    value, passed = PATTERNS["russia_worse_shares"].check(_view(missions))
    assert value == pytest.approx(0.5 - 0.75) and passed
    missions["gains"] = [[1.0, 3.0]]  # now Roscosmos has the better margin
    value, passed = PATTERNS["russia_worse_shares"].check(_view(missions))
    assert value == pytest.approx(0.75 - 0.5) and not passed


def _shocked(missions: list[tuple], start_years: list[int] | None = None) -> RunView:
    """NASA-Roscosmos tension jumps by 0.45 in 2014, with ``missions`` under way.

    Each ``(kind, members, withdrawn, withdrawn_years)``, begun in 2010 unless
    ``start_years`` says otherwise, ending in 2030.
    """
    starts = start_years or [2010] * len(missions)
    pairs = pd.DataFrame(
        {"year": [2013, 2014], "agency_a": "NASA", "agency_b": "Roscosmos", "tension": [0.2, 0.65]}
    )
    frame = pd.DataFrame(
        [
            (i, k, m, w, y, start, 2030, "ongoing", True)
            for i, ((k, m, w, y), start) in enumerate(zip(missions, starts, strict=True))
        ],
        columns=["mission_id", "kind", "members", "withdrawn", "withdrawn_years",
                 "start_year", "end_year", "outcome", "joint"],
    )  # fmt: skip
    empty = pd.DataFrame()
    return RunView(0, 0, empty, empty, pairs, frame, load_scenario("iss_era"))


def test_club_survives_shocks_asks_the_oldest_station_club_to_keep_the_pair():
    station = ("modular_station", ["NASA", "Roscosmos", "ESA"], [], [])
    probe = ("planetary_probe", ["NASA", "ESA"], ["Roscosmos"], [2014])
    # a probe of three losing Roscosmos is not a station club: the station held
    assert PATTERNS["club_survives_shocks"].check(_shocked([station, probe])) == (1.0, True)
    left = ("modular_station", ["NASA", "ESA", "JAXA"], ["Roscosmos"], [2015])
    young = _shocked([station, left], start_years=[2000, 2012])
    assert PATTERNS["club_survives_shocks"].check(young) == (0.5, True)  # a young one broke
    old = _shocked([station, left], start_years=[2012, 2000])
    assert PATTERNS["club_survives_shocks"].check(old) == (0.5, False)  # the oldest broke
    # leaving after the two years that follow the shock is not the shock's doing
    late = ("modular_station", ["NASA", "ESA", "JAXA"], ["Roscosmos"], [2017])
    assert PATTERNS["club_survives_shocks"].check(_shocked([late])) == (1.0, True)
    # a station of two is a bilateral project, and no station club means nothing to score
    value, passed = PATTERNS["club_survives_shocks"].check(
        _shocked([("modular_station", ["NASA", "Roscosmos"], [], [])])
    )
    assert np.isnan(value) and not passed


@pytest.mark.slow
def test_calibration_is_the_same_serial_or_on_a_process_pool():
    kw = dict(n=2, replicates=2, patterns=["withdrawal_scars", "russia_worse_shares"], seed=3)
    serial = calibrate("full_history", workers=1, progress=False, **kw)
    pooled = calibrate("full_history", workers=2, progress=False, **kw)
    pd.testing.assert_frame_equal(serial.samples, pooled.samples)
    pd.testing.assert_frame_equal(serial.posterior, pooled.posterior)
    assert serial.samples.defaults.tolist() == [True, False, False]


def _network(ties: list[tuple[list[str], int]]) -> RunView:
    """Joint missions begun in 2021-2030: each ``(members, how many)``."""
    rows = [members for members, times in ties for _ in range(times)]
    missions = pd.DataFrame(
        {
            "mission_id": range(len(rows)),
            "members": rows,
            "withdrawn": [[] for _ in rows],
            "start_year": [2021 + k % 10 for k in range(len(rows))],
        }
    )
    return _view(missions)


def test_two_blocs_scores_separate_blocs_whatever_their_sizes():
    # A US-led bloc with 90 % of the ties and a Chinese one, ISRO in both: raw
    # modularity is 0.16 (its ceiling 2f(1-f) is 0.18 for f = 0.9), the normalised
    # one 0.77: ISRO's two western ties cross, under a quarter of what chance gives (ODD 7.24)
    west = [(["NASA", "ESA"], 12), (["NASA", "JAXA"], 12), (["ESA", "JAXA"], 10)]
    west += [(["NASA", "KARI"], 2), (["NASA", "ISRO"], 1), (["JAXA", "ISRO"], 1)]
    east = [(["CNSA", "Roscosmos"], 3), (["CNSA", "ISRO"], 1)]
    value, passed = PATTERNS["two_blocs"].check(_network(west + east))
    assert value > 0.7 and passed
    # the same agencies mixing at random: no blocs
    mixed = [(["NASA", "CNSA"], 0), (["NASA", "Roscosmos"], 4), (["ESA", "CNSA"], 4)]
    mixed += [(["JAXA", "CNSA"], 4), (["NASA", "ESA"], 4), (["CNSA", "Roscosmos"], 4)]
    value, passed = PATTERNS["two_blocs"].check(_network(mixed))
    assert value < 0.5 and not passed
