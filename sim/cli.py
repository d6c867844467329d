"""The ``spacecoop`` command: parse (:mod:`sim.cli_parser`), call the library, print.

Analyses live in the library (:mod:`sim.analysis`, :mod:`sim.sensitivity`,
:mod:`sim.validation`) so notebooks and the dashboard share them; this module
turns flags into their arguments, and their results into text, files and plots.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pandas as pd

from sim.arguments import check_command_line, check_listen_address
from sim.cli_parser import build_parser
from sim.errors import UsageError
from sim.executors import sigterm_as_interrupt
from sim.files import write_atomically
from sim.run import RunResult, run
from sim.run_files import read_run, write_csv, write_tables
from sim.scenario import (
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    parse_assignments,
)
from sim.store import BatchDirectoryError, IncompleteBatchError

__all__ = ["main", "write_tables"]


def _cmd_plot(args: argparse.Namespace) -> int:
    out = Path(args.directory)
    if (out / "manifest.json").exists():
        from sim.batch import load_batch
        from sim.report import write_summaries

        paths = write_summaries(load_batch(out), out, title=f"Batch report: {out.name}")
    elif (out / "run.json").exists():
        from sim.plots import save_run_plots

        paths = save_run_plots(read_run(out), out)
    else:
        raise BatchDirectoryError(
            f"{out} holds neither a batch (manifest.json) nor a run (run.json)"
        )
    print(f"wrote {len(paths)} files to {out}/")
    return 0


def _span(series: pd.Series) -> str:
    """First and last defined values, e.g. ``0.93 -> 0.38``."""
    defined = series.dropna()
    return f"{defined.iloc[0]:.2f} -> {defined.iloc[-1]:.2f}" if len(defined) else "n/a"


def _summary(result: RunResult) -> str:
    m, ag, missions = result.model, result.agencies, result.missions
    started = int(m["missions_started"].sum())
    joint = int(m["joint_missions_started"].sum())
    rate = joint / started if started else float("nan")
    lines = [
        f"{result.scenario} (seed {result.seed}), "
        f"{int(m['year'].iloc[0])}-{int(m['year'].iloc[-1])}",
        f"  missions started {started}, joint {joint} (cooperation rate {rate:.2f}); "
        f"failed negotiations {int(m['failed_negotiations'].sum())}, "
        f"withdrawals {int(m['withdrawals'].sum())}, failures {int(m['failures'].sum())}",
        f"  mean tension {_span(m['mean_tension'])}, mean trust {_span(m['mean_trust'])}, "
        f"science output {m['science_output'].sum():.1f} points",
        "",
    ]
    last = ag.groupby("agency", sort=False).last()
    per = pd.DataFrame(
        {
            "bloc": last["bloc"],
            "budget_end": last["budget"].round(2),
            "solo": ag.groupby("agency", sort=False)["solo_missions"].sum(),
            "joint": ag.groupby("agency", sort=False)["joint_missions"].sum(),
            "science": last["science"].round(1),
        }
    )
    partners: dict[str, set[str]] = {}
    for members in missions.loc[missions["joint"], "members"]:
        for a in members:
            partners.setdefault(a, set()).update(set(members) - {a})
    per["partners"] = [len(partners.get(a, ())) for a in per.index]
    lines.append(per.to_string())
    return "\n".join(lines)


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_assignments(args.set or [])
    scenario = load_scenario(args.scenario, overrides)
    result = run(scenario, seed=args.seed)
    print(_summary(result))
    if args.out:
        out = Path(args.out)
        from sim.provenance import run_record

        about = run_record(scenario, overrides)
        paths = write_tables(result, out, "csv" if args.csv else "parquet", about)
        if not args.no_plots:
            from sim.plots import save_run_plots  # matplotlib only when plotting

            paths += save_run_plots(result, out)
        print(f"\nwrote {len(paths)} files to {out}/")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.validation import check_patterns  # pattern names are the analysis layer's

    status = 0
    for path in args.files:
        try:
            sc = check_patterns(load_scenario(path))
        except ScenarioError as err:
            print(err, file=sys.stderr)
            status = 2
            continue
        print(
            f"{path}: ok ({sc.name}: {sc.start_year}-{sc.end_year}, {len(sc.agencies)} agencies, "
            f"{len(sc.missions)} mission kinds, {len(sc.events)} events)"
        )
    return status


def _cmd_scenarios(args: argparse.Namespace) -> int:
    names = bundled_scenarios()
    width = max(map(len, names), default=0)
    for name in names:
        sc = load_scenario(name)
        print(
            f"{name:<{width}} {sc.start_year}-{sc.end_year}  {len(sc.agencies):>2} agencies  "
            f"{sc.title}"
        )
    return 0


def _batch_kwargs(args: argparse.Namespace) -> dict:
    """How to run a batch, from the flags every batch verb shares."""
    return {
        "workers": args.workers,
        "executor": args.executor,
        "scheduler": args.scheduler,
        "chunk_size": args.chunk_size,
        "progress": not args.no_progress,
    }


def _streamed(args: argparse.Namespace) -> dict:
    """:func:`_batch_kwargs`, plus the root seed and the batch directory to stream to."""
    return {**_batch_kwargs(args), "seed": args.seed, "out": args.out, "resume": args.resume}


def _fixed(args: argparse.Namespace) -> dict:
    return parse_assignments(args.set or [])


def _print_table(header: str, table: pd.DataFrame) -> None:
    print(header)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string())


def _report(done, args: argparse.Namespace, title: str) -> int:
    """Print a batch's summary, write its report to ``--out``; 1 if any run failed."""
    from sim.report import format_summary, write_summaries

    batch = done.batch
    header = f"{batch.n_runs} runs, {batch.n_failed} failed; mean [95 % CI] over replicates:"
    _print_table(header, format_summary(done.summary, done.by))
    if args.out:
        paths = write_summaries(batch, Path(args.out), command=_command(), title=title)
        print(f"\nwrote {len(paths)} summary files and the batch dataset to {args.out}/")
    if batch.n_failed:
        print(f"{batch.n_failed} runs failed; see errors in the output", file=sys.stderr)
        return 1
    return 0


def _batch(args: argparse.Namespace):
    from sim.analysis import summarize_batch
    from sim.batch import run_batch

    batch = run_batch(args.scenarios, args.replicates, params=[_fixed(args)], **_streamed(args))
    return summarize_batch(batch)


def _cmd_batch(args: argparse.Namespace) -> int:
    return _report(_batch(args), args, f"Batch: {', '.join(args.scenarios)}")


def _cmd_compare(args: argparse.Namespace) -> int:
    return _report(_batch(args), args, f"Scenario comparison: {', '.join(args.scenarios)}")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.analysis import sweep
    from sim.batch import parse_axis

    axes = dict(parse_axis(p) for p in args.param)
    done = sweep(args.scenario, axes, args.replicates, fixed=_fixed(args), **_streamed(args))
    code = _report(done, args, f"Sweep of {args.scenario}: {', '.join(axes)}")
    if args.out and len(axes) == 2:
        from sim.plots import save_figure, sweep_heatmap

        x, y = done.columns
        fig = sweep_heatmap(done.runs, x, y, args.metric)
        print(f"wrote {save_figure(fig, Path(args.out) / f'sweep_{args.metric}.png')}")
    return code


def _cmd_tradeoff(args: argparse.Namespace) -> int:
    from sim.analysis import tradeoff
    from sim.batch import parse_axis
    from sim.report import format_summary

    name, values = parse_axis(args.lever, "--lever")
    metrics = args.metrics.split(",")  # names checked up front (_check_metrics)
    done = tradeoff(
        args.scenario, name, values, metrics, args.replicates, fixed=_fixed(args), **_streamed(args)
    )
    batch = done.batch
    header = f"{batch.n_runs} runs, {batch.n_failed} failed; mean [95 % CI] per value of {name}:"
    _print_table(header, format_summary(done.summary, [done.column]))
    if args.out:
        _write_tradeoff(done, Path(args.out))
    return 1 if batch.n_failed else 0


def _write_tradeoff(done, out: Path) -> None:
    from sim.plots import pareto_plot, save_figure, tradeoff_lines

    write_atomically(out / "tradeoff.csv", partial(write_csv, done.summary))
    lines = tradeoff_lines(done.summary, done.column, done.metrics)
    lines_png = save_figure(lines, out / "tradeoff_lines.png")
    if len(done.metrics) >= 2:
        pareto = pareto_plot(done.summary, done.column, done.metrics[0], done.metrics[1])
        save_figure(pareto, out / "tradeoff_pareto.png")
    print(f"\nwrote tradeoff.csv, {lines_png.name} and tradeoff_pareto.png to {out}/")


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.plots import save_figure, sensitivity_bars
    from sim.sensitivity import UndefinedMetricError, parse_bounds, sensitivity

    bounds = dict(parse_bounds(p) for p in args.param)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = sensitivity(
                args.scenario,
                args.method,
                bounds,
                args.metric,
                args.n,
                replicates=args.replicates,
                **_streamed(args),
            )
    except UndefinedMetricError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for warning in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        print(f"warning: {warning}", file=sys.stderr)  # one line each, not file:line noise
    runs = len(result.x) * args.replicates
    print(f"{args.method} indices of {args.metric} over {runs} runs (95 % CI):")
    print(result.indices.round(3).to_string(index=False))
    if args.out:
        out = Path(args.out)
        write_atomically(out / "indices.csv", partial(write_csv, result.indices))
        fig = sensitivity_bars(result.indices, args.method, args.metric)
        print(f"wrote indices.csv and {save_figure(fig, out / 'sensitivity.png').name} to {out}/")
    return 1 if result.batch is not None and result.batch.n_failed else 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from sim.explain import explain
    from sim.plots import explain_bars, save_figure

    pairs = (t.split("=", 1) for t in args.match or [])  # shape checked up front
    done = explain(
        args.a,
        args.b,
        args.metric,
        args.replicates,
        factors=args.factors.split(",") if args.factors is not None else None,
        seed=args.seed,
        match={a.strip(): b.strip() for a, b in pairs},
        **{k: v for k, v in _batch_kwargs(args).items() if k != "chunk_size"},
    )
    runs = len(done.runs)
    seeds = f"{done.seeds} seed{'s' if done.seeds != 1 else ''}"
    hybrids = 2 ** len(done.factors)
    print(f"{done.metric}: {runs} runs, {hybrids} hybrids of {done.a} and {done.b} on {seeds} "
          "each; mean [95 % CI] over seeds:")  # fmt: skip
    for row in done.totals.itertuples():
        what = f"{done.b} - {done.a}" if row.what == "b - a" else row.what
        print(f"  {what:<24} {row.mean:+.3f} [{row.low:+.3f}, {row.high:+.3f}]")
    table = done.factors.set_index("factor")
    cols = {
        "shapley": "Shapley value",
        "alone_into_a": f"alone into {done.a}",
        "alone_out_of_b": f"alone out of {done.b}",
    }
    shown = pd.DataFrame(
        {
            label: [
                f"{r[c]:+.3f} [{r[c + '_low']:+.3f}, {r[c + '_high']:+.3f}]"
                for _, r in table.iterrows()
            ]
            for c, label in cols.items()
        },
        index=table.index,
    )
    _print_table("", shown)
    print(
        "Shapley values add up to the whole difference; 'alone' takes one factor from the "
        "other scenario and keeps the rest."
    )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_atomically(out / "explain.csv", partial(write_csv, done.factors))
        write_atomically(out / "explain_runs.csv", partial(write_csv, done.runs))
        png = save_figure(explain_bars(done), out / "explain.png")
        print(f"wrote explain.csv, explain_runs.csv and {png.name} to {out}/")
    if done.failed:
        print(f"{done.failed} runs failed; their seeds are left out", file=sys.stderr)
        return 1
    return 0


def _any_failed(batch, consequence: str) -> bool:
    if batch.n_failed:
        first = batch.errors.error.iloc[0]
        print(f"{batch.n_failed} runs failed (first: {first}); {consequence}", file=sys.stderr)
    return bool(batch.n_failed)


def _pattern_names(args: argparse.Namespace) -> list[str] | None:
    return [p for p in args.patterns.split(",") if p] if args.patterns else None


def _command() -> str:
    return "spacecoop " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.validation import validate, write_report

    scenario = load_scenario(args.scenario, parse_assignments(args.set or []))
    v = validate(scenario, args.replicates, _pattern_names(args), args.seed,
                 **_batch_kwargs(args))  # fmt: skip
    print(f"{v.scenario.name}: share of {args.replicates} seeded runs in which each pattern holds")
    for row in v.shares.itertuples():
        verdict = "holds" if row.holds else "FAILS"
        print(f"  {row.pattern:<36} {row.pass_share:>5.0%}  (needs {row.required:.0%})  {verdict}")
    if _any_failed(v.batch, "no report"):
        return 1
    paths = write_report(v, args.out, command=_command())
    print(f"wrote {len(paths)} files to {args.out}/ (report.md, report.html, img/)")
    return 0 if v.shares.holds.all() else 1


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration import calibrate, calibration_summary, write_calibration

    scenario = load_scenario(args.scenario, parse_assignments(args.set or []))
    cal = calibrate(scenario, args.n, args.replicates, _pattern_names(args), args.seed,
                    **_batch_kwargs(args))  # fmt: skip
    if _any_failed(cal.batch, "nothing written"):
        return 1
    print(calibration_summary(cal, _command()))
    if args.out:
        write_calibration(cal, args.out, command=_command())
        print(f"wrote samples.csv, accepted.csv, posterior.csv and calibration.md to {args.out}/")
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    from sim.serve import server_command, server_environment

    check_listen_address(args.host, args.port)
    app = Path(__file__).with_name("app.py")
    print(f"spacecoop dashboard on http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    # exec, not a child process: the server is this process, so nothing
    # outlives the command whatever signal stops it.
    cmd = server_command(app, args.host, args.port)
    os.execve(cmd[0], cmd, server_environment())
    return 0  # pragma: no cover  (execve does not return)


def _verbs() -> dict[str, Callable[[argparse.Namespace], int]]:
    # Built per call, not at import: a verb replaced in this module (tests do) is the one run.
    return {
        "run": _cmd_run,
        "batch": _cmd_batch,
        "sweep": _cmd_sweep,
        "tradeoff": _cmd_tradeoff,
        "sensitivity": _cmd_sensitivity,
        "compare": _cmd_compare,
        "explain": _cmd_explain,
        "report": _cmd_report,
        "calibrate": _cmd_calibrate,
        "app": _cmd_app,
        "plot": _cmd_plot,
        "validate": _cmd_validate,
        "scenarios": _cmd_scenarios,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code.

    0: done; 1: some runs failed (or a pattern failed); 2: bad input, nothing
    started; 3: a batch left incomplete by lost workers or a lost scheduler
    (``--resume`` finishes it); 130: interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # argparse: --help (0) or a usage error (2), printed
        return done.code if isinstance(done.code, int) else 2
    try:
        check_command_line(args)
        with sigterm_as_interrupt():  # SIGTERM stops any verb like Ctrl-C, with one line
            return _verbs()[args.command](args)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return 2
    except IncompleteBatchError as err:  # not bad input: lost workers; --resume finishes it
        print(f"error: {err}", file=sys.stderr)
        return 3
    except (BatchDirectoryError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
