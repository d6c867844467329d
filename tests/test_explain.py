"""spacecoop explain: hybrids of two scenarios, and a difference shared over factors."""

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.explain import FACTORS, counterparts, explain, hybrid, shares
from sim.run import run
from sim.scenario import Scenario, apply_overrides, load_scenario

NOT_RUN = ("name", "title", "description", "validation")


def _inputs(scenario) -> dict:
    """What a run reads: everything but the names and the validation section."""
    data = scenario.model_dump()
    return {k: v for k, v in data.items() if k not in NOT_RUN}


@pytest.fixture(scope="module")
def eras():
    return load_scenario("cold_war"), load_scenario("iss_era")


def test_agencies_stand_for_their_counterparts(eras):
    cold, iss = eras
    pairs = counterparts(cold, iss)
    assert pairs["NASA"] == "NASA"  # the same name
    assert pairs["ESRO"] == "ESA" and pairs["ISAS"] == "JAXA"  # the same country
    assert pairs["USSR"] == "Roscosmos"  # Russia continues the USSR
    assert "Intercosmos" not in pairs  # no counterpart
    assert len(set(pairs.values())) == len(pairs)  # one to one
    assert counterparts(cold, iss, {"Intercosmos": "CSA"})["Intercosmos"] == "CSA"
    with pytest.raises(UsageError, match="--match: no agency 'KGB' in cold_war"):
        counterparts(cold, iss, {"KGB": "NASA"})


@pytest.mark.parametrize(
    "a, b", [("cold_war", "iss_era"), ("iss_era", "artemis_vs_ilrs"), ("detente", "full_history")]
)
def test_nothing_taken_is_a_and_everything_taken_is_b(a, b):
    sa, sb = load_scenario(a), load_scenario(b)
    assert _inputs(hybrid(sa, sb, [])) == _inputs(sa)
    assert _inputs(hybrid(sa, sb, FACTORS)) == _inputs(sb)


def test_a_hybrid_with_nothing_taken_runs_as_its_scenario(eras):
    cold, iss = eras
    ours, theirs = run(hybrid(cold, iss, []), seed=4), run(cold, seed=4)
    assert ours.model.equals(theirs.model) and ours.missions.equals(theirs.missions)


def test_dated_inputs_keep_their_place_in_their_era(eras):
    cold, iss = eras
    # iss_era's Wolf Amendment (2011, NASA-CNSA) in the Cold War: 18 years in, NASA-China.
    h = hybrid(cold, iss, ["events"])
    bans = [e for e in h.events if e.kind == "ban"]
    assert [(e.year, e.agencies) for e in bans] == [(1975, ["NASA", "China"])]
    # The Cold War's calendar with iss_era's rules: Gagarin (1961) comes 4 years in.
    h = hybrid(cold, iss, ["rules"])
    assert (h.start_year, h.end_year) == (1993, 2020)
    crew = [e for e in h.events if e.kind == "capability" and e.note.startswith("Gagarin")]
    assert [e.year for e in crew] == [1997]
    assert h.agencies["ESRO"].dissolved == 1976 + 36


def test_budgets_and_capabilities_come_through_the_counterpart(eras):
    cold, iss = eras
    h = hybrid(cold, iss, ["budgets"])
    assert list(h.agencies) == list(cold.agencies)  # the roster stays the Cold War's
    assert h.agencies["USSR"].budget == iss.agencies["Roscosmos"].budget
    assert h.agencies["Intercosmos"].budget == cold.agencies["Intercosmos"].budget  # no counterpart
    assert h.agencies["USSR"].capabilities == cold.agencies["USSR"].capabilities
    crash = [e for e in h.events if e.kind == "budget" and e.factor == 0.7]  # the 1998 rouble
    assert [(e.year, e.agencies) for e in crash] == [(1962, ["USSR"])]
    h = hybrid(iss, cold, ["tension"])
    assert h.relations.tension["CNSA"]["Roscosmos"] == cold.relations.tension["China"]["USSR"]
    assert h.relations.trust["NASA"]["Roscosmos"] == cold.relations.trust["NASA"]["USSR"]


def test_an_unknown_factor_is_refused(eras):
    with pytest.raises(ValueError, match="unknown factor 'money'"):
        hybrid(*eras, ["money"])


def test_shapley_values_add_up_and_a_null_factor_gets_nothing():
    rng = np.random.default_rng(0)
    values = rng.random((2**4, 5))
    values[:, :] = values[np.arange(16) & ~(1 << 2), :]  # factor 2 never matters
    phi, alone_in, alone_out = shares(values)
    np.testing.assert_allclose(phi.sum(axis=0), values[-1] - values[0])
    assert np.all(phi[2] == 0) and np.all(alone_in[2] == 0) and np.all(alone_out[2] == 0)
    additive = np.array([[m & 1, 3 * (m >> 1 & 1)] for m in range(4)], float).sum(axis=1)
    assert shares(additive[:, None])[0][:, 0].tolist() == [1.0, 3.0]


def _tension_apart() -> tuple[Scenario, Scenario]:
    """Seven years of the ISS era, and the same at Cold War levels of tension."""
    data = load_scenario("iss_era").model_dump()
    data["end_year"] = 1999  # seven years: short runs
    data["events"] = [e for e in data["events"] if e["year"] <= 1999]
    a = Scenario.model_validate(data)
    return a, apply_overrides(a, {"relations.tension_scale": 2.2})


def test_factors_not_asked_for_move_together_as_other():
    a, b = _tension_apart()
    done = explain(a, b, "cooperation_rate", 1, factors=["tension"], seed=1,
                   executor="serial", progress=False)  # fmt: skip
    f = done.factors.set_index("factor")
    assert list(f.index) == ["tension", "other"] and len(done.runs) == 4  # 4 hybrids
    assert f.loc["other", "members"] == "agencies+budgets+capabilities+events+rules"
    assert (f.loc["other", ["shapley", "alone_into_a", "alone_out_of_b"]] == 0).all()
    total = done.totals.set_index("what").loc["b - a", "mean"]
    assert total != 0 and f.loc["tension", "shapley"] == pytest.approx(total)


@pytest.mark.parametrize(
    "factors, said",
    [(["money"], "unknown factor 'money'"), ([], "name each"), (["rules", "rules"], "name each")],
)
def test_factors_are_named_once_from_the_six(factors, said):
    with pytest.raises(UsageError, match=f"--factors: {said}"):
        explain("cold_war", "iss_era", factors=factors, replicates=1, progress=False)


@pytest.mark.slow  # 64 short runs
def test_when_only_tension_differs_only_tension_explains():
    """Hybrids that take any other factor are the same world, run for run: their shares are 0."""
    a, b = _tension_apart()
    done = explain(a, b, replicates=1, seed=1, executor="serial", progress=False)
    f = done.factors.set_index("factor")
    total = done.totals.set_index("what").loc["b - a", "mean"]
    assert total < -0.05  # Cold War levels of tension: less cooperation
    assert f.loc["tension", "shapley"] == pytest.approx(total)
    others = f.drop(index="tension")
    assert (others[["shapley", "alone_into_a", "alone_out_of_b"]] == 0).all().all()
    assert f["shapley"].sum() == pytest.approx(total)


def test_bad_input_is_refused_before_any_run(tmp_path, capsys):
    for argv, said in (
        (["explain", "cold_war", "iss_era", "--metric", "cooperashun"], "unknown metric"),
        (["explain", "cold_war", "iss_era", "--match", "USSR"], "write AGENCY_A=AGENCY_B"),
        (["explain", "cold_war", "iss_era", "--match", "USSR=Soviets"], "no agency 'Soviets'"),
        (["explain", "cold_war", "iss_eraa"], "no such scenario"),
        (["explain", "cold_war", "iss_era", "--factors", "budget"], "unknown factor 'budget'"),
    ):
        assert main([*argv, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_explain_writes_its_table_and_figure(tmp_path, capsys):
    out = tmp_path / "ex"
    argv = ["explain", "cold_war", "detente", "--replicates", "1", "--workers", "2"]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "Shapley value" in printed and "detente - cold_war" in printed
    assert {p.name for p in out.iterdir()} == {"explain.csv", "explain_runs.csv", "explain.png"}
