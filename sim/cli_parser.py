"""The ``spacecoop`` command line's grammar: verbs, flags, defaults and help.

Parsing only: :mod:`sim.cli` runs the verb ``command`` names, and
:func:`sim.arguments.check_command_line` checks the values before any work.
"""

from __future__ import annotations

import argparse

__all__ = ["build_parser"]


def _where_to_run(p: argparse.ArgumentParser) -> None:
    """The root seed, and the workers, executor and scheduler the runs go to."""
    p.add_argument("--seed", type=int, default=0, help="root seed of the batch (default 0)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=["process", "dask", "serial"],
        help="process pool (default), Dask distributed, or serial in this process",
    )
    p.add_argument("--scheduler", help="address of a Dask scheduler (with --executor dask)")


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replicates", type=int, default=30, help="seeded runs per scenario and point")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="fixed override (repeatable)"
    )
    _where_to_run(p)
    p.add_argument("--chunk-size", type=int, help="runs per task (does not change results)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted batch in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


#: How a swept field and its values are written (see :func:`sim.design.parse_axis`).
AXIS = "NAME=START:STOP:NUM|NAME=A,B,C"


def _varied(
    p: argparse.ArgumentParser, flag: str, metavar: str, what: str, repeatable: bool = True
) -> None:
    """A required flag naming a field and the values it takes."""
    action = "append" if repeatable else "store"
    p.add_argument(flag, action=action, required=True, metavar=metavar, help=what)


def _validation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument(
        "--patterns", help="comma-separated (default: the scenario's validation.patterns)"
    )
    _batch_options(p)


def build_parser() -> argparse.ArgumentParser:
    """The ``spacecoop`` parser: one subcommand per verb, its name in ``command``."""
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

    p = sub.add_parser("batch", help="seeded replicates of one or more scenarios")
    p.add_argument("scenarios", nargs="+", help="bundled names or YAML paths")
    p.add_argument("--out", help="batch directory: streamed tables, summaries, plots, report")
    _batch_options(p)

    p = sub.add_parser("sweep", help="replicates over a full-factorial grid of parameters")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    _varied(
        p, "--param", AXIS, "a swept field by dotted path (repeatable; the grid is full factorial)"
    )
    p.add_argument("--metric", default="cooperation_rate", help="end-of-run metric of the heatmap")
    p.add_argument("--out", help="batch directory")
    _batch_options(p)

    p = sub.add_parser("tradeoff", help="what a policy lever buys and costs, with a Pareto front")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    lever = "the lever and its values, e.g. policies.funding_pool=0:0.2:5"
    _varied(p, "--lever", AXIS, lever, repeatable=False)
    p.add_argument(
        "--metrics",
        default="science_per_dollar,autonomy",
        help="two or more end-of-run metrics, comma-separated (first two: the Pareto plot)",
    )
    p.add_argument("--out", help="directory for the batch, tradeoff.csv and the plots")
    _batch_options(p)

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of a metric (SALib)")
    p.add_argument("scenario", help="a bundled name or a YAML path")
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol")
    _varied(
        p,
        "--param",
        "NAME=LO:HI",
        "a varied field and its range, e.g. policies.treaty=0:0.5 (repeatable)",
    )
    p.add_argument("--metric", default="cooperation_rate", help="end-of-run metric to explain")
    p.add_argument("--n", type=int, default=64, help="Sobol base sample N, or Morris trajectories")
    p.add_argument("--out", help="directory for the batch, indices.csv and sensitivity.png")
    _batch_options(p)
    p.set_defaults(replicates=1)

    p = sub.add_parser("compare", help="scenarios side by side: bands, bars and a report")
    p.add_argument("scenarios", nargs="+", help="bundled names or YAML paths")
    p.add_argument("--out", required=True, help="directory for the batch, plots and report.md")
    _batch_options(p)

    p = sub.add_parser(
        "explain", help="why a metric differs between two scenarios: its share per factor"
    )
    p.add_argument("a", help="the first scenario: a bundled name or a YAML path")
    p.add_argument("b", help="the second scenario; the difference explained is b minus a")
    p.add_argument("--metric", default="cooperation_rate", help="end-of-run metric to explain")
    p.add_argument(
        "--factors",
        help="comma-separated factors to tell apart, the rest together as 'other' (default: "
        "all six: agencies, budgets, capabilities, tension, events, rules; 64 hybrids)",
    )
    p.add_argument(
        "--match",
        action="append",
        metavar="AGENCY_A=AGENCY_B",
        help="an agency of a that stands for one of b (repeatable; default: same name, "
        "successor, same country)",
    )
    p.add_argument("--replicates", type=int, default=10, help="seeds per hybrid (default 10)")
    _where_to_run(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--out", help="directory for explain.csv, explain_runs.csv and explain.png")
    p.set_defaults(chunk_size=None)

    p = sub.add_parser("report", help="validation report: each stylized fact and its pass share")
    _validation_options(p)
    p.add_argument("--out", required=True, help="directory for report.md, report.html and plots")

    p = sub.add_parser("calibrate", help="rejection ABC over the ranges a scenario declares")
    _validation_options(p)
    p.add_argument("--n", type=int, default=40, help="parameter points to sample (default 40)")
    p.add_argument("--out", help="directory for samples.csv, accepted.csv, posterior.csv")
    p.set_defaults(replicates=10)

    p = sub.add_parser("app", help="the dashboard in the browser (Mesa SolaraViz)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="localhost", help="host to listen on (default localhost)")

    p = sub.add_parser("plot", help="redraw the plots (and report) of a run or batch directory")
    p.add_argument("directory", help="written by 'spacecoop run --out' or a batch verb's --out")

    p = sub.add_parser("validate", help="check scenario files; exit 2 if any is invalid")
    p.add_argument("files", nargs="+", help="scenario YAML files (or bundled names)")

    p = sub.add_parser("scenarios", help="list the bundled scenarios")
    return parser
