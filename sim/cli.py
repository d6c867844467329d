"""The ``spacecoop`` command: a thin layer over the public API."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.run import RunResult, run
from sim.scenario import (
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    parse_assignments,
)

__all__ = ["main", "write_tables"]


def write_tables(result: RunResult, out: Path, fmt: str = "parquet") -> list[Path]:
    """Write the run's four tables into ``out``, each file complete or absent.

    Every file is written under a temporary name and renamed into place, so an
    interrupted write never leaves a half-written table that looks complete.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in result.tables().items():
        path = out / f"{name}.{fmt}"
        tmp = out / f".{name}.{fmt}.tmp"
        if fmt == "parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)
        os.replace(tmp, path)
        paths.append(path)
    return paths


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
    partners = {}
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
        paths = write_tables(result, out, "csv" if args.csv else "parquet")
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
    for name in bundled_scenarios():
        sc = load_scenario(name)
        print(
            f"{name:<14} {sc.start_year}-{sc.end_year}  {len(sc.agencies):>2} agencies  {sc.title}"
        )
    return 0


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

    p = sub.add_parser("validate", help="check scenario files; exit 2 if any is invalid")
    p.add_argument("files", nargs="+", help="scenario YAML files (or bundled names)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(func=_cmd_scenarios)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
