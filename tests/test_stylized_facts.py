"""Stylized facts of the record (issue #7), each over 30 seeded replicates.

The eras share one mission catalog and one rule set (scenarios/_common.yaml);
they differ only in agencies, budgets, capabilities, tension, bans and events.
So an ordering found here comes from those mechanisms, not from a knob.

Most facts are patterns of ``sim.patterns``, checked per run with a stated
tolerance; each test asserts that the share of seeds that pass reaches the
pattern's required share, and records that share (printed at the end of the
session: "stylized facts: share of seeds that pass").
"""

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, run
from sim.patterns import PATTERNS
from sim.validation import validate

pytestmark = pytest.mark.slow  # many seeded runs per fact

ODD = Path(__file__).parent.parent / "docs" / "ODD.md"
SEEDS = range(30)
REPLICATES = 30

#: Patterns of the record the model no longer reproduces since issue #13;
#: coalition_sizes_skewed in iss_era since #14's defence of the club a
#: government leads, and high_tension_low_sensitivity in full_history since
#: #14's one tension across files (67-87 % at root seeds 0-3 since the 2020s
#: are told alike, 70-83 % since the 2014 suspension, 77-93 % before it, needs
#: 95; docs/ODD.md, Known limitations 14);
#: two_blocs holds again since #14 measures it by normalised modularity, and is
#: declared in artemis_vs_ilrs. Each is checked to still fail, so the
#: documentation cannot go stale; a change that makes one hold again fails here
#: and should declare it in its scenario instead.
NO_LONGER_HOLD = {
    "full_history": ["russia_worse_shares", "high_tension_low_sensitivity"],
    "iss_era": ["coalition_sizes_skewed"],
}

#: Patterns of the record that sit at their required share: they pass on some
#: roots and miss on others (docs/ODD.md, Known limitations 14), so they are
#: neither declared nor asserted to fail: withdrawal_scars in iss_era since
#: #14's one tension across files (70, 83, 83, 87 % at root seeds 0-3 since the
#: 2020s are told alike, 93, 70, 80, 80 % since the 2014 suspension, needs 80): Roscosmos leaves
#: often and its partners, who need its crew transport, keep flying with it.
#: Each must be named in the documentation.
AT_THE_LINE = {
    "iss_era": ["withdrawal_scars"],
}


def _fails(validation, name, record_property) -> bool:
    """Record the pattern's pass share; whether it misses its required share."""
    row = validation.shares.set_index("pattern").loc[name]
    record_property("pass_share", f"{validation.scenario.name}:{name}={row.pass_share:.2f}")
    return bool(row.pass_share < PATTERNS[name].required)


def _holds(validation, name, record_property) -> str | None:
    """Record the pattern's pass share; return why it fails, or None."""
    row = validation.shares.set_index("pattern").loc[name]
    record_property("pass_share", f"{validation.scenario.name}:{name}={row.pass_share:.2f}")
    pattern = PATTERNS[name]
    assert row.runs == REPLICATES
    if row.pass_share >= pattern.required:
        return None
    return f"{name}: {row.pass_share:.0%} of seeds pass, needs {pattern.required:.0%}"


@pytest.fixture(scope="module")
def history():
    """30 seeds of the whole space age scored on every pattern it declares.

    Module-scoped: each test worker that runs one of the tests below builds it
    once (about 15 s), so every fact stays a test of its own.
    """
    spec = load_scenario("full_history")
    names = [*spec.validation.patterns, *NO_LONGER_HOLD["full_history"]]
    return validate(spec, REPLICATES, names, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def clubs():
    """30 seeds of Artemis and the ILRS (2020-2040), scored on their patterns."""
    spec = load_scenario("artemis_vs_ilrs")
    names = [*spec.validation.patterns, *NO_LONGER_HOLD.get("artemis_vs_ilrs", [])]
    return validate(spec, REPLICATES, names, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def station_era():
    """30 seeds of the ISS era, scored on its patterns (and any it no longer shows)."""
    spec = load_scenario("iss_era")
    names = [*spec.validation.patterns, *NO_LONGER_HOLD.get("iss_era", [])]
    return validate(spec, REPLICATES, names, seed=0, workers=1, progress=False)


@pytest.mark.parametrize("name", load_scenario("full_history").validation.patterns)
def test_the_space_age_reproduces(history, name, record_property):
    assert _holds(history, name, record_property) is None


@pytest.mark.parametrize("name", load_scenario("artemis_vs_ilrs").validation.patterns)
def test_after_2020(clubs, name, record_property):
    assert _holds(clubs, name, record_property) is None


@pytest.mark.parametrize("name", load_scenario("iss_era").validation.patterns)
def test_the_station_era_reproduces(station_era, name, record_property):
    assert _holds(station_era, name, record_property) is None


@pytest.mark.parametrize(
    ("scenario", "name"), [(sc, n) for sc, names in NO_LONGER_HOLD.items() for n in names]
)
def test_patterns_documented_as_lost_still_fail(
    history, clubs, station_era, scenario, name, record_property
):
    validation = {"full_history": history, "artemis_vs_ilrs": clubs, "iss_era": station_era}
    assert _fails(validation[scenario], name, record_property)


def test_the_two_clubs_have_a_community_structure_in_almost_every_run(clubs):
    # Normalised modularity (ODD 7.24): ties across the communities are at most half
    # what chance would give in 26 of 30 runs (median 0.76), even where the pattern
    # misses on NASA's community or a bridge; 27 of 30 (median 0.67) before the
    # Gateway served term after term and artemis_vs_ilrs took full_history's trust
    # of 2020, 29 and 0.77 with the club labels of before. With tension of no effect
    # the median is 0.3 (ODD 4.3).
    blocs = clubs.results[clubs.results.pattern == "two_blocs"]
    assert (blocs.value >= 0.5).mean() >= 0.8 and blocs.value.median() >= 0.6


def test_full_history_declares_every_pattern_about_its_period():
    declared = set(load_scenario("full_history").validation.patterns)
    lost = set(NO_LONGER_HOLD["full_history"])
    at_line = set(AT_THE_LINE.get("full_history", []))
    assert not declared & lost and not declared & at_line
    # ESA's centrality is a fact of iss_era; two blocs one of artemis_vs_ilrs
    others = {"esa_most_central", "two_blocs"}
    assert declared | lost | at_line == set(PATTERNS) - others


@pytest.mark.parametrize(
    ("scenario", "name"), [(sc, n) for sc, names in AT_THE_LINE.items() for n in names]
)
def test_patterns_at_their_line_are_undeclared_and_documented(scenario, name):
    assert name not in load_scenario(scenario).validation.patterns
    limitations = ODD.read_text().split("## Known limitations", 1)[1]
    assert f"`{name}`" in limitations and scenario in limitations


def _pooled_rate(result) -> float:
    m = result.model
    return m["joint_missions_started"].sum() / m["missions_started"].sum()


@pytest.fixture(scope="module")
def runs():
    return {name: [run(name, seed=s) for s in SEEDS] for name in ("cold_war", "detente", "iss_era")}


@pytest.fixture(scope="module")
def rates(runs):
    return {name: np.array([_pooled_rate(r) for r in results]) for name, results in runs.items()}


def test_cooperation_rate_rises_cold_war_detente_iss_era(rates):
    cw, de, iss = (rates[k].mean() for k in ("cold_war", "detente", "iss_era"))
    # Tolerance: each step up is at least 0.05 in mean cooperation rate.
    assert cw + 0.05 < de < iss - 0.05, (cw, de, iss)
    # Share of seeds in which each ordering holds when seeds are paired.
    assert np.mean(rates["cold_war"] < rates["detente"]) >= 0.8
    assert np.mean(rates["detente"] < rates["iss_era"]) >= 0.8


def _has(members, *names) -> bool:
    return all(n in members for n in names)


def test_cnsa_is_banned_from_nasa_but_cooperates_elsewhere(runs):
    after = [r.missions[r.missions.start_year >= 2011] for r in runs["iss_era"]]
    with_nasa = [int(m.members.map(lambda x: _has(x, "NASA", "CNSA")).sum()) for m in after]
    elsewhere = [
        int((m.joint & m.members.map(lambda x: "CNSA" in x and "NASA" not in x)).sum())
        for m in after
    ]
    assert sum(with_nasa) == 0  # the Wolf Amendment (2011) holds in every seed
    assert np.mean(elsewhere) >= 2.0  # CNSA still partners, mostly with ESA and CNES
    assert np.mean(np.array(elsewhere) > 0) >= 0.8


def test_cold_war_rivals_cooperate_rarely_but_not_never(runs):
    counts = np.array(
        [
            int(r.missions.members.map(lambda x: _has(x, "NASA", "USSR")).sum())
            for r in runs["cold_war"]
        ]
    )
    assert 0 < counts.mean() < 3  # Apollo-Soyuz-like events, not routine
    assert np.mean(counts == 0) > 0.2  # in many histories it never happens


def test_the_wolf_amendment_is_what_keeps_nasa_and_cnsa_apart():
    scenario = load_scenario("iss_era")
    no_ban = scenario.model_copy(update={"events": [e for e in scenario.events if e.kind != "ban"]})
    together = []
    for s in SEEDS:
        m = run(no_ban, seed=s).missions
        after = m[m.start_year >= 2011]
        together.append(int(after.members.map(lambda x: _has(x, "NASA", "CNSA")).sum()))
    # Without the ban they do fly together: about 0.5 a run since issue #13 (4.2
    # before), as a NASA-CNSA deal must now also pay for the lead (docs/ODD.md).
    assert np.mean(together) >= 0.3 and np.mean(np.array(together) > 0) >= 0.3
