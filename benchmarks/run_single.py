"""Time one run of each bundled scenario (median over repeats, after a warm-up).

Usage: .venv/bin/python benchmarks/run_single.py [--repeats N]
"""

import argparse
import platform
import statistics
import time

import sim


def time_run(scenario, repeats: int) -> list[float]:
    sim.run(scenario, seed=0)  # warm-up: imports, caches
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        sim.run(scenario, seed=seed)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, seeds 0..{args.repeats - 1}")
    print(
        f"{'scenario':<10} {'years':>5} {'missions':>8} {'median s':>9} {'min s':>7} {'max s':>7}"
    )
    for name in sim.bundled_scenarios():
        scenario = sim.load_scenario(name)
        times = time_run(scenario, args.repeats)
        missions = len(sim.run(scenario, seed=0).missions)
        years = scenario.end_year - scenario.start_year + 1
        print(
            f"{name:<10} {years:>5} {missions:>8} {statistics.median(times):>9.3f} "
            f"{min(times):>7.3f} {max(times):>7.3f}"
        )


if __name__ == "__main__":
    main()
