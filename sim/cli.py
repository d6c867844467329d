"""The ``spacecoop`` command: a thin layer over the public API."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.arguments import check_command_line
from sim.errors import UsageError
from sim.files import write_atomically
from sim.run import RunResult, run, to_arrow
from sim.scenario import (
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    parse_assignments,
)
from sim.store import BatchDirectoryError, IncompleteBatchError

__all__ = ["main", "write_tables"]


def write_tables(
    result: RunResult, out: Path, fmt: str = "parquet", about: dict | None = None
) -> list[Path]:
    """Write the run's four tables and ``run.json`` into ``out``, each file complete or absent.

    Every file is written under a temporary name and renamed into place, so an
    interrupted write never leaves a half-written table that looks complete.
    ``run.json`` holds the scenario name and seed, and ``about`` (see
    :func:`sim.provenance.run_record`: overrides, resolved scenario and its
    hash, code and dependency versions, command line).
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in result.tables().items():
        if fmt == "parquet":
            path = write_atomically(out / f"{name}.parquet", partial(_parquet, table))
        else:
            path = write_atomically(out / f"{name}.csv", partial(_csv, table))
        paths.append(path)
    record = {"scenario": result.scenario, "seed": result.seed, **(about or {})}
    text = json.dumps(record, indent=1, sort_keys=True)
    paths.append(write_atomically(out / "run.json", lambda tmp: tmp.write_text(text)))
    return paths


def _parquet(table: pd.DataFrame, path: Path) -> None:
    pq.write_table(to_arrow(table), path)


def _csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def _read_run(out: Path) -> RunResult:
    try:
        about = json.loads((out / "run.json").read_text())
        missing = {"scenario", "seed"} - set(about)  # older run.json files hold only these
        if missing:
            raise KeyError(", ".join(sorted(missing)))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BatchDirectoryError(
            f"{out / 'run.json'}: not a readable run record ({err})"
        ) from None
    tables = {}
    for name in ("model", "agencies", "pairs", "missions"):
        found = [p for p in (out / f"{name}.parquet", out / f"{name}.csv") if p.exists()]
        if not found:
            raise BatchDirectoryError(f"{out}: no {name}.parquet or {name}.csv")
        path = found[0]
        tables[name] = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return RunResult(scenario=about["scenario"], seed=about["seed"], **tables)


def _cmd_plot(args: argparse.Namespace) -> int:
    out = Path(args.directory)
    if (out / "manifest.json").exists():
        from sim.batch import load_batch
        from sim.report import write_summaries

        paths = write_summaries(load_batch(out), out, title=f"Batch report: {out.name}")
    elif (out / "run.json").exists():
        from sim.plots import save_run_plots

        paths = save_run_plots(_read_run(out), out)
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
    status = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
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


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replicates", type=int, default=30, help="seeded runs per scenario and point")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="fixed override (repeatable)"
    )
    p.add_argument("--seed", type=int, default=0, help="root seed of the batch (default 0)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=["process", "dask", "serial"],
        help="process pool (default), Dask distributed, or serial in this process",
    )
    p.add_argument("--scheduler", help="address of a Dask scheduler (with --executor dask)")
    p.add_argument("--chunk-size", type=int, help="runs per task (does not change results)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted batch in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_batch(args: argparse.Namespace, scenarios: list[str], points: list[dict]):
    from sim.batch import run_batch

    fixed = parse_assignments(args.set or [])
    points = [{**fixed, **p} for p in points]
    return run_batch(
        scenarios,
        args.replicates,
        params=points,
        seed=args.seed,
        executor=args.executor,
        out=args.out,
        resume=args.resume,
        workers=args.workers,
        chunk_size=args.chunk_size,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )


def _report(batch, args: argparse.Namespace, title: str) -> int:
    from sim.report import REPORT_METRICS, _group_columns, format_summary, write_summaries
    from sim.summary import run_metrics, summarize

    runs = run_metrics(batch.model)
    by = _group_columns(runs)
    summary = summarize(runs, by, REPORT_METRICS[:6])
    print(f"{batch.n_runs} runs, {batch.n_failed} failed; mean [95 % CI] over replicates:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(format_summary(summary, by).to_string())
    if args.out:
        command = "spacecoop " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""
        paths = write_summaries(batch, Path(args.out), command=command, title=title)
        print(f"\nwrote {len(paths)} summary files and the batch dataset to {args.out}/")
    if batch.n_failed:
        print(f"{batch.n_failed} runs failed; see errors in the output", file=sys.stderr)
        return 1
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    batch = _run_batch(args, args.scenarios, [{}])
    return _report(batch, args, f"Batch: {', '.join(args.scenarios)}")


def _cmd_compare(args: argparse.Namespace) -> int:
    batch = _run_batch(args, args.scenarios, [{}])
    return _report(batch, args, f"Scenario comparison: {', '.join(args.scenarios)}")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.batch import grid, param_column, parse_axis

    axes = dict(parse_axis(p) for p in args.param)
    batch = _run_batch(args, [args.scenario], grid(axes))
    code = _report(batch, args, f"Sweep of {args.scenario}: {', '.join(axes)}")
    if args.out and len(axes) == 2:
        from sim.plots import save_figure, sweep_heatmap
        from sim.summary import run_metrics

        x, y = (param_column(a) for a in axes)
        fig = sweep_heatmap(run_metrics(batch.model), x, y, args.metric)
        print(f"wrote {save_figure(fig, Path(args.out) / f'sweep_{args.metric}.png')}")
    return code


def _cmd_tradeoff(args: argparse.Namespace) -> int:
    from sim.batch import grid, param_column, parse_axis
    from sim.plots import pareto_plot, save_figure, tradeoff_lines
    from sim.report import format_summary
    from sim.summary import TRADEOFF_METRICS, summarize, tradeoff_metrics

    name, values = parse_axis(args.lever, "--lever")
    metrics = args.metrics.split(",")  # names checked up front (_check_metrics)
    batch = _run_batch(args, [args.scenario], grid({name: values}))
    runs = tradeoff_metrics(batch.model, batch.missions)
    lever = param_column(name)
    shown = list(dict.fromkeys([*metrics, "cooperation_rate", *TRADEOFF_METRICS]))
    summary = summarize(runs, [lever], shown)
    print(f"{batch.n_runs} runs, {batch.n_failed} failed; mean [95 % CI] per value of {name}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(format_summary(summary, [lever]).to_string())
    if args.out:
        out = Path(args.out)
        write_atomically(out / "tradeoff.csv", partial(_csv, summary))
        lines = save_figure(tradeoff_lines(summary, lever, metrics), out / "tradeoff_lines.png")
        if len(metrics) >= 2:
            pareto = pareto_plot(summary, lever, metrics[0], metrics[1])
            save_figure(pareto, out / "tradeoff_pareto.png")
        print(f"\nwrote tradeoff.csv, {lines.name} and tradeoff_pareto.png to {out}/")
    return 1 if batch.n_failed else 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.plots import save_figure, sensitivity_bars
    from sim.sensitivity import UndefinedMetricError, parse_bounds

    bounds = dict(parse_bounds(p) for p in args.param)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = _sensitivity(args, bounds)
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
        write_atomically(out / "indices.csv", partial(_csv, result.indices))
        fig = sensitivity_bars(result.indices, args.method, args.metric)
        print(f"wrote indices.csv and {save_figure(fig, out / 'sensitivity.png').name} to {out}/")
    return 1 if result.batch.n_failed else 0


def _sensitivity(args: argparse.Namespace, bounds: dict):
    from sim.sensitivity import sensitivity

    return sensitivity(
        args.scenario,
        args.method,
        bounds,
        args.metric,
        args.n,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        chunk_size=args.chunk_size,
        out=args.out,
        resume=args.resume,
        progress=not args.no_progress,
    )


def _batch_kwargs(args: argparse.Namespace) -> dict:
    return {
        "workers": args.workers,
        "executor": args.executor,
        "scheduler": args.scheduler,
        "chunk_size": args.chunk_size,
        "progress": not args.no_progress,
    }


def _validation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument(
        "--patterns", help="comma-separated (default: the scenario's validation.patterns)"
    )
    _batch_options(p)


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
    from sim.validation import calibrate, calibration_summary, write_calibration

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


def _check_listen_address(host: str, port: int) -> None:
    """Raise a one-line UsageError now rather than a server traceback later."""
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror:
        raise UsageError("--host", f"unknown host {host!r}") from None
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except OSError as err:
        why = os.strerror(err.errno) if err.errno else str(err)
        raise UsageError("--port", f"cannot listen on {host}:{port} ({why})") from None


def _cmd_app(args: argparse.Namespace) -> int:

    from sim.serve import server_command, server_environment

    _check_listen_address(args.host, args.port)
    app = Path(__file__).with_name("app.py")
    print(f"spacecoop dashboard on http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    # exec, not a child process: the server is this process, so nothing
    # outlives the command whatever signal stops it.
    cmd = server_command(app, args.host, args.port)
    os.execve(cmd[0], cmd, server_environment())
    return 0  # pragma: no cover  (execve does not return)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spacecoop",
        description="Space agencies negotiating joint missions: an agent-based model.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run one scenario once and write its tables and plots")
    p.add_argument(
        "scenario",
        help="a bundled scenario name (see 'spacecoop scenarios') or a YAML path",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the run's random generator (default 0)",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="change a scalar field by dotted path, e.g. agencies.NASA.budget=30 (repeatable)",
    )
    p.add_argument("--out", help="directory for the tables (Parquet) and PNG plots")
    p.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("batch", help="seeded replicates of one or more scenarios")
    p.add_argument("scenarios", nargs="+", help="bundled names or YAML paths")
    p.add_argument("--out", help="batch directory: streamed tables, summaries, plots, report")
    _batch_options(p)
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("sweep", help="replicates over a full-factorial grid of parameters")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="NAME=START:STOP:NUM|NAME=A,B,C",
        help="a swept field by dotted path (repeatable; the grid is full factorial)",
    )
    p.add_argument("--metric", default="cooperation_rate", help="end-of-run metric of the heatmap")
    p.add_argument("--out", help="batch directory")
    _batch_options(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("tradeoff", help="what a policy lever buys and costs, with a Pareto front")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument(
        "--lever",
        required=True,
        metavar="NAME=START:STOP:NUM|NAME=A,B,C",
        help="the lever and its values, e.g. policies.funding_pool=0:0.2:5",
    )
    p.add_argument(
        "--metrics",
        default="science_per_dollar,autonomy",
        help="two or more end-of-run metrics, comma-separated (first two: the Pareto plot)",
    )
    p.add_argument("--out", help="directory for the batch, tradeoff.csv and the plots")
    _batch_options(p)
    p.set_defaults(func=_cmd_tradeoff)

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of a metric (SALib)")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="NAME=LO:HI",
        help="a varied field and its range, e.g. policies.treaty=0:0.5 (repeatable)",
    )
    p.add_argument("--metric", default="cooperation_rate", help="end-of-run metric to explain")
    p.add_argument("--n", type=int, default=64, help="Sobol base sample N, or Morris trajectories")
    p.add_argument("--out", help="directory for the batch, indices.csv and sensitivity.png")
    _batch_options(p)
    p.set_defaults(func=_cmd_sensitivity, replicates=1)

    p = sub.add_parser("compare", help="scenarios side by side: bands, bars and a report")
    p.add_argument("scenarios", nargs="+", help="bundled names or YAML paths")
    p.add_argument("--out", required=True, help="directory for the batch, plots and report.md")
    _batch_options(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("report", help="validation report: each stylized fact and its pass share")
    _validation_options(p)
    p.add_argument("--out", required=True, help="directory for report.md, report.html and plots")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("calibrate", help="rejection ABC over the ranges a scenario declares")
    _validation_options(p)
    p.add_argument("--n", type=int, default=40, help="parameter points to sample (default 40)")
    p.add_argument("--out", help="directory for samples.csv, accepted.csv, posterior.csv")
    p.set_defaults(func=_cmd_calibrate, replicates=10)

    p = sub.add_parser("app", help="the dashboard in the browser (Mesa SolaraViz)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="localhost", help="host to listen on (default localhost)")
    p.set_defaults(func=_cmd_app)

    p = sub.add_parser("plot", help="redraw the plots (and report) of a run or batch directory")
    p.add_argument("directory", help="written by 'spacecoop run --out' or a batch verb's --out")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("validate", help="check scenario files; exit 2 if any is invalid")
    p.add_argument("files", nargs="+", help="scenario YAML files (or bundled names)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(func=_cmd_scenarios)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code.

    0: done; 1: some runs failed (or a pattern failed); 2: bad input, nothing
    started; 3: a batch left incomplete by lost workers or a lost scheduler
    (``--resume`` finishes it); 130: interrupted.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # argparse: --help (0) or a usage error (2), printed
        return done.code if isinstance(done.code, int) else 2
    try:
        check_command_line(args)
        return args.func(args)
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
