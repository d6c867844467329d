"""Stylized facts of the whole space age (full_history, 1957-2030), over 30 seeds.

A first slice of issue #7's suite: each fact is checked on the mean over
seeds with a stated tolerance, and on the share of seeds in which it holds.
"""

import numpy as np
import pytest

import sim

SEEDS = 30


@pytest.fixture(scope="module")
def history():
    return sim.run_batch("full_history", SEEDS, seed=0, workers=1, progress=False)


def _with(missions, agency):
    return missions[
        missions.members.map(lambda x: agency in x) | missions.withdrawn.map(lambda x: agency in x)
    ]


def _per_run(history, f) -> np.ndarray:
    return np.array([f(m) for _, m in history.missions.groupby("run_id")])


def test_after_the_soviet_collapse_the_russian_agency_seeks_partners(history):
    def partners(m, agency):
        mine = _with(m, agency)
        return float((mine.members.map(len) + mine.withdrawn.map(len) - 1).mean())

    ussr = _per_run(history, lambda m: partners(m, "USSR"))
    roscosmos = _per_run(history, lambda m: partners(m, "Roscosmos"))
    # Tolerance: at least half a partner more per mission, in at least 90 % of seeds.
    assert roscosmos.mean() > ussr.mean() + 0.5
    assert np.mean(roscosmos > ussr) >= 0.9


def test_more_agencies_and_a_falling_superpower_share(history):
    active = history.model.groupby(history.model.year // 10 * 10).active_agencies.mean()
    assert active[1960] < active[1980] <= active[2010] + 1  # the field fills up, then holds

    def superpower_share(m, first, last):
        window = m[(m.start_year >= first) & (m.start_year <= last)]
        big = window.members.map(lambda x: bool({"NASA", "USSR", "Roscosmos"} & set(x)))
        return float(big.mean())

    early = _per_run(history, lambda m: superpower_share(m, 1957, 1969))
    late = _per_run(history, lambda m: superpower_share(m, 2010, 2030))
    assert late.mean() < early.mean() - 0.2
    assert np.mean(late < early) >= 0.9


def test_cooperation_rises_from_the_race_to_the_station_years(history):
    m = history.model
    rate = m.groupby(m.year // 10 * 10).apply(
        lambda d: d.joint_missions_started.sum() / d.missions_started.sum()
    )
    assert rate[1960] + 0.3 < rate[2000]


def test_coalition_sizes_are_skewed_pairs_most_common(history):
    joint = history.missions[history.missions.joint]
    sizes = (joint.members.map(len) + joint.withdrawn.map(len)).value_counts()
    # Pairs are the most common joint mission, and large clubs are a thin tail.
    assert sizes.idxmax() == 2
    assert sizes.get(2, 0) > sizes.get(3, 0) > sizes[sizes.index >= 4].sum()


def test_trust_breaks_fast_and_recovers_slowly(history):
    pairs = history.pairs.sort_values(["run_id", "agency_a", "agency_b", "year"])
    change = pairs.groupby(["run_id", "agency_a", "agency_b"]).trust.diff().dropna()
    drops, rises = -change[change < 0], change[change > 0]
    # A typical fall is at least twice a typical rise (withdrawals and crises
    # cut trust by a share; each joint success adds a tenth of what is left).
    assert drops.median() > 2 * rises.median()
    assert drops.max() > 2 * rises.max()
