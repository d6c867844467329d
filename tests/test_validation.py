"""Patterns, validation and calibration: exact checks on small inputs."""

import pandas as pd
import pytest

from sim import load_scenario
from sim.calibration import calibrate
from sim.patterns import PATTERNS, RunView


def _view(pairs: pd.DataFrame) -> RunView:
    empty = pd.DataFrame()
    return RunView(0, 0, empty, empty, pairs, empty, load_scenario("iss_era"))


def _trust(path_ab):
    years = range(2000, 2000 + len(path_ab))
    return pd.DataFrame(
        {"year": years, "agency_a": "NASA", "agency_b": "ESA", "trust": path_ab,
         "tension": 0.1, "joint_missions": 0}
    )  # fmt: skip


@pytest.mark.parametrize(
    "path,holds",
    [
        ([0.5, 0.55, 0.6, 0.3, 0.35], True),  # falls by 0.3, rises by 0.05: breaks fast
        ([0.5, 0.6, 0.7, 0.6, 0.7], False),  # falls and rises alike
    ],
)
def test_trust_pattern_tells_fast_breaks_from_symmetric_change(path, holds):
    value, passed = PATTERNS["trust_breaks_fast"].check(_view(_trust(path)))
    assert passed is holds
    assert value == pytest.approx(6.0 if holds else 1.0)


@pytest.mark.slow
def test_calibration_is_the_same_serial_or_on_a_process_pool():
    kw = dict(n=2, replicates=2, patterns=["trust_breaks_fast", "russia_worse_shares"], seed=3)
    serial = calibrate("full_history", workers=1, progress=False, **kw)
    pooled = calibrate("full_history", workers=2, progress=False, **kw)
    pd.testing.assert_frame_equal(serial.samples, pooled.samples)
    pd.testing.assert_frame_equal(serial.posterior, pooled.posterior)
    assert serial.samples.defaults.tolist() == [True, False, False]
