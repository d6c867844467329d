"""The spacecoop command: run writes tables and plots; same seed, same bytes."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main


def test_run_writes_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "cw"
    assert main(["run", "cold_war", "--seed", "7", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cooperation rate" in printed and "NASA" in printed
    for name in ("model", "agencies", "pairs", "missions"):
        table = pd.read_parquet(out / f"{name}.parquet")
        assert len(table) > 0
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) >= 3
    assert not list(out.glob(".*tmp"))


def test_same_seed_gives_byte_identical_parquet(tmp_path):
    for d in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "cold_war",
                    "--seed",
                    "7",
                    "--no-plots",
                    "--out",
                    str(tmp_path / d),
                ]
            )
            == 0
        )
    for name in ("model", "agencies", "pairs", "missions"):
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert a == b, name


def test_set_changes_the_run(tmp_path):
    out = tmp_path / "x"
    main(
        [
            "run",
            "iss_era",
            "--seed",
            "1",
            "--no-plots",
            "--out",
            str(out),
            "--set",
            "agencies.NASA.budget=5",
        ]
    )
    table = pd.read_parquet(out / "agencies.parquet")
    assert table.loc[table.agency == "NASA", "budget"].iloc[0] < 6


def test_csv_on_request(tmp_path):
    assert main(["run", "cold_war", "--csv", "--no-plots", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "missions.csv").exists()


def test_bad_set_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    code = main(["run", "cold_war", "--set", "agencies.NASA.budget=-1", "--out", str(out)])
    assert code == 2
    assert "agencies.NASA.budget" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_console_script_has_no_traceback_on_bad_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart_year: 1990\nend_year: 1980\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:" in proc.stderr


def test_scenarios_lists_the_eras(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("cold_war", "detente", "iss_era", "full_history", "artemis_vs_ilrs"):
        assert name in out


@pytest.mark.slow
def test_compare_writes_report_plots_and_dataset(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = [
        "compare",
        "cold_war",
        "detente",
        "--replicates",
        "3",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "cold_war" in printed and "detente" in printed and "[" in printed
    report = (out / "report.md").read_text()
    assert "| cold_war |" in report and "compare_series.png" in report
    for name in ("runs.csv", "summary.csv", "yearly.csv", "compare_series.png", "compare_bars.png"):
        assert (out / name).stat().st_size > 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.scenario) == {"cold_war", "detente"}
    assert (summary.n == 3).all()


@pytest.mark.slow
def test_batch_twice_into_one_directory_needs_resume(tmp_path, capsys):
    out = tmp_path / "b"
    args = ["batch", "cold_war", "--replicates", "2", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0


@pytest.mark.slow
def test_sweep_writes_a_heatmap_for_two_parameters(tmp_path):
    out = tmp_path / "sw"
    args = [
        "sweep",
        "cold_war",
        "--param",
        "negotiation.integration_overhead=0:0.4:2",
        "--param",
        "negotiation.cost_sharing_rule=nash,proportional",
        "--replicates",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert (out / "sweep_cooperation_rate.png").stat().st_size > 0
    runs = pd.read_csv(out / "runs.csv")
    assert runs.groupby(
        ["negotiation_integration_overhead", "negotiation_cost_sharing_rule"]
    ).size().tolist() == [2, 2, 2, 2]


def test_bad_sweep_parameter_exits_2(tmp_path, capsys):
    code = main(
        [
            "sweep",
            "cold_war",
            "--param",
            "agencies.NASA.budget=-5:-1:2",
            "--replicates",
            "2",
            "--workers",
            "1",
        ]
    )
    assert code == 2
    assert "agencies.NASA.budget" in capsys.readouterr().err


def test_plot_redraws_a_run_directory(tmp_path):
    out = tmp_path / "r"
    assert main(["run", "cold_war", "--no-plots", "--out", str(out)]) == 0
    assert not list(out.glob("*.png"))
    assert main(["plot", str(out)]) == 0
    assert (out / "network.png").stat().st_size > 0


@pytest.mark.slow
def test_plot_redraws_a_batch_directory(tmp_path):
    out = tmp_path / "b"
    assert (
        main(["batch", "cold_war", "--replicates", "2", "--workers", "1", "--out", str(out)]) == 0
    )
    (out / "report.md").unlink()
    assert main(["plot", str(out)]) == 0
    assert (out / "report.md").exists()


def test_plot_of_an_unknown_directory_exits_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert "neither a batch" in capsys.readouterr().err


@pytest.mark.slow
def test_tradeoff_writes_lines_pareto_and_table(tmp_path, capsys):
    out = tmp_path / "t"
    args = [
        "tradeoff",
        "cold_war",
        "--lever",
        "policies.treaty=0,0.5",
        "--replicates",
        "3",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert "policies_treaty" in capsys.readouterr().out
    for name in ("tradeoff.csv", "tradeoff_lines.png", "tradeoff_pareto.png"):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "tradeoff.csv")
    assert set(table.policies_treaty) == {0.0, 0.5}
    assert {"science_per_dollar", "autonomy"} <= set(table.metric)


@pytest.mark.slow
def test_report_writes_markdown_html_and_a_plot_per_pattern(tmp_path, capsys):
    out = tmp_path / "report"
    patterns = "lead_pays_most,withdrawal_scars"
    code = main(["report", "full_history", "--replicates", "3", "--workers", "1",
                 "--patterns", patterns, "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "lead_pays_most" in printed and "holds" in printed
    md = (out / "report.md").read_text()
    assert "## lead_pays_most" in md and "img/withdrawal_scars.png" in md
    assert "<h2 id='withdrawal_scars'>" in (out / "report.html").read_text()
    assert sorted(p.name for p in (out / "img").glob("*.png")) == [
        "lead_pays_most.png",
        "withdrawal_scars.png",
    ]
    shares = pd.read_csv(out / "patterns.csv")
    assert list(shares.pattern) == ["lead_pays_most", "withdrawal_scars"]
    assert len(pd.read_csv(out / "runs.csv")) == 6  # 3 runs x 2 patterns


@pytest.mark.slow
def test_report_exits_1_when_a_pattern_fails(tmp_path, capsys):
    # With all of a mission's value shared (nothing rival), ESA and JAXA rarely fly
    # alone (tests/test_who_pays.py): the fact fails.
    code = main(["report", "iss_era", "--replicates", "2", "--workers", "1",
                 "--patterns", "juniors_lead_own", "--set", "negotiation.rival_share=0",
                 "--out", str(tmp_path / "r")])  # fmt: skip
    assert code == 1
    assert "FAILS" in capsys.readouterr().out


def test_report_of_an_unknown_pattern_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["report", "full_history", "--patterns", "nope", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown pattern" in err and "Traceback" not in err
    assert not out.exists()  # nothing half-written


@pytest.mark.slow
def test_calibrate_keeps_points_where_every_pattern_holds(tmp_path, capsys):
    out = tmp_path / "cal"
    code = main(["calibrate", "full_history", "--n", "3", "--replicates", "2", "--workers", "1",
                 "--patterns", "russia_worse_shares,high_tension_low_sensitivity",
                 "--seed", "4", "--out", str(out)])  # fmt: skip
    assert code == 0
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 4 and samples.defaults.tolist() == [True, False, False, False]
    ranges = {"negotiation_political_cost": (0.5, 1.5), "dynamics_trust_gain": (0.05, 0.2)}
    for column, (low, high) in ranges.items():
        assert samples[column][1:].between(low, high).all()
    passes = samples[["pass_russia_worse_shares", "pass_high_tension_low_sensitivity"]]
    assert (samples.accepted == (passes >= [0.9, 0.95]).all(axis=1)).all()
    posterior = pd.read_csv(out / "posterior.csv")
    assert set(posterior.param) == {
        "negotiation.political_cost",
        "negotiation.integration_overhead",
        "negotiation.rival_share",
        "dynamics.value_of_money",
        "negotiation.distrust",
        "dynamics.trust_gain",
        "dynamics.trust_loss_withdrawal",
        "negotiation.club_leadership",
    }
    assert (posterior.accepted == samples.accepted[1:].sum()).all()
    assert "Accepted:" in (out / "calibration.md").read_text()


def test_calibrate_needs_declared_ranges(capsys):
    assert main(["calibrate", "iss_era", "--n", "2"]) == 2
    assert "validation.calibrate" in capsys.readouterr().err


# --------------------------------------------------------------------------
# Bad command lines: one line, exit 2, before any scenario is loaded or run


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a scenario is loaded or a batch or run starts."""

    def refuse(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    import sim.batch
    import sim.cli

    monkeypatch.setattr(sim.batch, "run_batch", refuse)
    monkeypatch.setattr(sim.cli, "load_scenario", refuse)
    monkeypatch.setattr(sim.cli, "run", refuse)


def _read_only_folder(tmp_path):
    """A folder this process cannot write in (root writes anywhere chmod allows)."""
    if os.geteuid() == 0:
        return Path("/sys")  # sysfs refuses new entries, even to root
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


SENS = ["sensitivity", "cold_war", "--param", "policies.treaty=0:0.5"]
SWEEP = ["sweep", "cold_war", "--param", "policies.treaty=0:0.5:2"]
TRADE = ["tradeoff", "cold_war", "--lever", "policies.treaty=0:0.5:2"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["batch", "cold_war", "--workers", "-1"], "error: --workers: must be at least 1 (got -1)"),
        (["batch", "cold_war", "--workers", "0"], "error: --workers: must be at least 1"),
        (["batch", "cold_war", "--chunk-size", "-1"], "error: --chunk-size: must be at least 1"),
        (["batch", "cold_war", "--seed", "-1"], "error: --seed: must be a whole number from 0"),
        (["run", "cold_war", "--seed", "-1"], "error: --seed: must be a whole number from 0"),
        (["batch", "cold_war", "--replicates", "0"], "error: --replicates: must be at least 1"),
        (
            ["batch", "cold_war", "--replicates", "1000000000"],
            "at most 100,000 (got 1,000,000,000)",
        ),
        ([*SENS, "--replicates", "0"], "error: --replicates: must be at least 1 (got 0)"),
        ([*SENS, "--n", "0"], "error: --n: must be at least 1 (got 0)"),
        (["calibrate", "cold_war", "--n", "0"], "error: --n: must be at least 1 (got 0)"),
        ([*SWEEP, "--metric", "bogus"], "error: --metric: unknown metric 'bogus' (known: "),
        ([*SENS, "--metric", "bogus"], "error: --metric: unknown metric 'bogus' (known: "),
        ([*TRADE, "--metrics", "autonomy,bogus"], "error: --metrics: unknown metric 'bogus'"),
        (["batch", "cold_war", "--scheduler", "tcp://x:1"], "--scheduler: needs --executor dask"),
        (["batch", "cold_war", "--resume"], "error: --resume: needs --out"),
        (["report", "cold_war", "--out", "r", "--resume"], "'report' keeps its runs in memory"),
        (["app", "--port", "70000"], "error: --port: must be between 1 and 65535"),
        (["sweep", "cold_war", "--param", "x=0:1:100000"], "100,000 values in 'x=0:1:100000'"),
        (["batch", "cold_war", "--set", "x=&a [*a]"], "--set: x: anchors (&name) are not allowed"),
        (["batch", "cold_war", "--set", "x=" + "[" * 60 + "]" * 60], "nested too deeply"),
        (["tradeoff", "cold_war", "--lever", "x=" + "[" * 60 + "]" * 60], "--lever: x: nested"),
        (["sweep", "cold_war", "--param", "x=0:1"], "error: --param: x: bad range '0:1'"),
        (["sweep", "cold_war", "--param", "novalue"], "error: --param: 'novalue': write name="),
        (["tradeoff", "cold_war", "--lever", "x=0:1"], "error: --lever: x: bad range '0:1'"),
        (["sensitivity", "cold_war", "--param", "x=1:0"], "error: --param: 'x=1:0': write"),
    ],
)
def test_bad_flags_are_one_line_errors_before_any_work(no_work, capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err


def test_out_an_existing_file_is_refused(no_work, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for argv in (["batch", "cold_war"], ["run", "cold_war"], SWEEP):
        assert main([*argv, "--out", str(afile)]) == 2
        assert capsys.readouterr().err == f"error: --out: {afile} is a file, not a folder\n"
        assert main([*argv, "--out", str(afile / "sub")]) == 2
        assert "is a file, not a folder" in capsys.readouterr().err
    assert afile.read_text() == "keep me"


def test_out_in_a_read_only_folder_is_refused(no_work, tmp_path, capsys):
    out = _read_only_folder(tmp_path) / "spacecoop-out"
    assert main(["batch", "cold_war", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out: cannot write in {out}: ") and err.count("\n") == 1
    assert not out.exists()


def test_the_out_probe_leaves_nothing(tmp_path, capsys):
    assert main(["batch", "cold_war", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert main(["batch", "cold_war", "--scheduler", "x", "--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_argparse_errors_return_2_without_a_traceback(capsys):
    assert main(["batch", "cold_war", "--workers", "abc"]) == 2
    assert main(["no-such-verb"]) == 2
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "invalid int value: 'abc'" in err and "Traceback" not in err


def test_a_corrected_command_runs_after_a_refused_one(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["batch", "cold_war", "--replicates", "0", "--out", str(out)]) == 2
    assert not out.exists()
    argv = ["batch", "cold_war", "--replicates", "1", "--executor", "serial", "--no-progress"]
    assert main([*argv, "--out", str(out)]) == 0


def test_run_json_keeps_the_overrides_the_resolved_scenario_and_provenance(tmp_path):
    import hashlib
    import json

    from sim import load_scenario
    from sim.provenance import canonical_json

    out = tmp_path / "x"
    argv = ["run", "cold_war", "--seed", "3", "--no-plots", "--out", str(out)]
    assert main([*argv, "--set", "agencies.NASA.budget=5"]) == 0
    about = json.loads((out / "run.json").read_text())
    assert about["seed"] == 3 and about["overrides"] == {"agencies.NASA.budget": 5}
    resolved = about["resolved_scenario"]
    assert resolved["agencies"]["NASA"]["budget"] == 5.0  # after --set, not the file's value
    assert resolved == load_scenario("cold_war", {"agencies.NASA.budget": 5}).model_dump(
        mode="json"
    )
    digest = hashlib.sha256(canonical_json(resolved).encode()).hexdigest()
    assert about["scenario_sha256"] == digest
    versions = about["provenance"]["dependencies"]
    assert versions["mesa"] and versions["numpy"] and versions["python"]
    assert about["provenance"]["code"]["version"]


@pytest.mark.slow
def test_same_outputs_script_finds_this_tree_identical_to_head():
    # The refactoring guard of issue #12: it must run from a clean checkout.
    script = Path(__file__).resolve().parent.parent / "scripts" / "same_outputs.py"
    done = subprocess.run(
        [sys.executable, str(script), "HEAD", "--seeds", "0", "--scenarios", "cold_war"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "cold_war seed 0: same" in done.stdout
