"""Batch throughput: our runner against mesa.batch_run, and parallel efficiency.

Runs the same design (N seeded runs of one scenario, full yearly tables) through

  (a) mesa.batch_run(number_processes=2, rng=[seeds]) on the same model,
  (b) sim.run_batch with 2 worker processes,
  (c) sim.run_batch serially in this process,

and reports wall times and ratios measured in this one run. With --memory it
also streams 100 and 10,000 runs to disk in fresh processes and reports the
peak resident memory of the parent process for each.

Usage:
    .venv/bin/python benchmarks/batch.py [--runs 500] [--scenario iss_era] [--memory]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def time_mesa(scenario_name: str, seeds: list[int]) -> float:
    import mesa

    from sim import SpaceCooperationModel, load_scenario

    scenario = load_scenario(scenario_name)
    steps = scenario.end_year - scenario.start_year + 1
    start = time.perf_counter()
    mesa.batch_run(
        SpaceCooperationModel,
        parameters={"scenario": [scenario]},
        number_processes=2,
        rng=seeds,
        data_collection_period=1,
        max_steps=steps,
        display_progress=False,
    )
    return time.perf_counter() - start


def time_ours(scenario_name: str, runs: int, workers: int) -> float:
    from sim.batch import run_batch

    start = time.perf_counter()
    result = run_batch(scenario_name, runs, seed=0, workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    assert result.n_failed == 0 and result.model.run_id.nunique() == runs
    return elapsed


def peak_memory(runs: int, scenario: str) -> float:
    """Peak RSS (MiB) of a fresh parent process that streams ``runs`` runs to disk."""
    code = (
        "import resource, tempfile\n"
        "from sim.batch import run_batch\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        f"    run_batch({scenario!r}, {runs}, workers=2, out=d + '/b', progress=False)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--scenario", default="iss_era")
    parser.add_argument(
        "--memory", action="store_true", help="also measure memory for 100 vs 10,000 runs"
    )
    args = parser.parse_args()

    from sim.batch import run_seed

    seeds = [run_seed(0, i) for i in range(args.runs)]
    print(
        f"{args.runs} runs of {args.scenario} on {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    serial = time_ours(args.scenario, args.runs, workers=1)
    print(f"  ours, serial          {serial:8.1f} s   {args.runs / serial:6.1f} runs/s")
    ours = time_ours(args.scenario, args.runs, workers=2)
    print(f"  ours, 2 workers       {ours:8.1f} s   {args.runs / ours:6.1f} runs/s")
    mesa_t = time_mesa(args.scenario, seeds)
    print(f"  mesa.batch_run, 2 pr. {mesa_t:8.1f} s   {args.runs / mesa_t:6.1f} runs/s")
    print(f"  speed-up of ours over mesa.batch_run (2 workers each): {mesa_t / ours:.2f}x")
    print(f"  parallel efficiency at 2 workers: {serial / (2 * ours):.0%}")
    figures = {"runs": args.runs, "serial_s": serial, "ours_2_s": ours, "mesa_2_s": mesa_t}
    if args.memory:
        small = peak_memory(100, "cold_war")
        large = peak_memory(10_000, "cold_war")
        print(
            f"  peak parent memory, streaming cold_war: 100 runs {small:.0f} MiB, "
            f"10,000 runs {large:.0f} MiB"
        )
        figures.update(mem_100_mib=small, mem_10000_mib=large)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
