"""Sensitivity analysis: the SALib wrapper checked on Ishigami, then on the model."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from SALib.test_functions import Ishigami

from sim.cli import main
from sim.errors import UsageError
from sim.sensitivity import (
    SmallSampleWarning,
    evaluate_function,
    parse_bounds,
    sensitivity,
    small_sample_problem,
)

ISHIGAMI = {f"x{i}": (-np.pi, np.pi) for i in (1, 2, 3)}
# Analytic indices of Ishigami (a = 7, b = 0.1): Sobol (1990); Saltelli et al. (2008).
S1 = [0.3139, 0.4424, 0.0]
ST = [0.5576, 0.4424, 0.2437]


def test_sobol_wrapper_recovers_ishigami_indices():
    result = evaluate_function("sobol", ISHIGAMI, Ishigami.evaluate, 2048, seed=3)
    assert len(result.x) == 2048 * (2 * 3 + 2)
    assert_allclose(result.indices.S1, S1, atol=0.05)
    assert_allclose(result.indices.ST, ST, atol=0.05)
    assert (result.indices.ST_conf > 0).all()


def test_morris_wrapper_finds_ishigamis_interaction_term():
    result = evaluate_function("morris", ISHIGAMI, Ishigami.evaluate, 200, seed=3)
    idx = result.indices.set_index("param")
    assert len(result.x) == 200 * 4
    # x3 acts only through its interaction with x1: its effects vary most.
    assert idx.sigma.idxmax() == "x3"
    assert idx.mu_star["x3"] < max(idx.mu_star["x1"], idx.mu_star["x2"])


def test_parse_bounds():
    assert parse_bounds("policies.treaty=0:0.5") == ("policies.treaty", (0.0, 0.5))
    with pytest.raises(UsageError):
        parse_bounds("policies.treaty=0.5:0")


def test_model_sensitivity_runs_through_the_batch_runner():
    bounds = {"policies.treaty": (0.0, 0.6), "negotiation.candidates": (1, 6)}
    result = sensitivity("cold_war", "morris", bounds, "mean_tension", 4, workers=1, progress=False)
    assert list(result.indices.param) == list(bounds)
    assert result.batch.model.negotiation_candidates.map(type).eq(int).all()  # integer field
    # Tension is moved by the treaty, not by how many partners are approached.
    mu = result.indices.set_index("param").mu_star
    assert mu["policies.treaty"] > mu["negotiation.candidates"]


@pytest.mark.slow
def test_cli_sensitivity_writes_indices_and_plot(tmp_path, capsys):
    out = tmp_path / "s"
    args = [
        "sensitivity",
        "cold_war",
        "--method",
        "morris",
        "--param",
        "policies.treaty=0:0.6",
        "--param",
        "policies.standards=0:1",
        "--n",
        "3",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert "mu_star" in capsys.readouterr().out
    assert (out / "indices.csv").exists() and (out / "sensitivity.png").stat().st_size > 0


def test_a_small_sobol_sample_warns_and_names_the_n_to_use():
    with pytest.warns(SmallSampleWarning, match=r"at N=8 have 95 % intervals up to \+-") as got:
        evaluate_function("sobol", ISHIGAMI, Ishigami.evaluate, 8, seed=3)
    advice = int(str(got[0].message).rsplit("--n ", 1)[1])
    assert advice >= 256 and advice & (advice - 1) == 0  # a power of two


def test_a_large_enough_sobol_sample_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleWarning)
        evaluate_function("sobol", {"a": (0, 1), "b": (0, 1)}, lambda x: x[:, 0], 256, seed=3)


def test_small_sample_rule_on_hand_made_intervals():
    wide = pd.DataFrame({"S1_conf": [0.93], "ST_conf": [0.3]})
    narrow = pd.DataFrame({"S1_conf": [0.05], "ST_conf": [0.16]})  # as the README's N=256
    assert "use --n 1024" in small_sample_problem("sobol", 8, wide)  # 8 * 9.3**2 = 692
    assert small_sample_problem("sobol", 256, narrow) is None
    assert "use --n 128" in small_sample_problem("sobol", 32, narrow)  # 32 * 1.6**2 = 82
    assert "use --n 10" in small_sample_problem("morris", 4, narrow)
    assert small_sample_problem("morris", 20, narrow) is None


@pytest.mark.parametrize("text", ["x=0:inf", "x=-inf:0", "x=nan:1", "x=0:1:2", "=0:1"])
def test_parse_bounds_refuses_non_finite_or_malformed(text):
    with pytest.raises(UsageError, match="--param"):
        parse_bounds(text)


def test_cli_prints_the_small_sample_warning_on_one_line(capsys):
    args = ["sensitivity", "cold_war", "--param", "policies.treaty=0:0.6", "--n", "2",
            "--executor", "serial", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    warning = [line for line in err.splitlines() if "N=2" in line]
    assert len(warning) == 1 and warning[0].startswith("warning: Sobol indices at N=2")
    assert "Traceback" not in err and "warnings.warn" not in err
