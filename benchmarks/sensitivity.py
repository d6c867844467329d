"""Wall time of a Sobol analysis: 6 parameters, N = 256 (3,584 runs of iss_era).

Usage: .venv/bin/python benchmarks/sensitivity.py [--n 256] [--workers 2]
"""

import argparse
import os
import time

from sim.sensitivity import sensitivity

BOUNDS = {
    "policies.treaty": (0.0, 0.6),
    "policies.funding_pool": (0.0, 0.2),
    "policies.standards": (0.0, 1.0),
    "policies.open_data": (0.0, 1.0),
    "negotiation.integration_overhead": (0.0, 0.4),
    "dynamics.value_of_money": (0.5, 1.5),  # the calibration prior since issue #13
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--metric", default="cooperation_rate")
    args = parser.parse_args()
    start = time.perf_counter()
    result = sensitivity(
        "iss_era", "sobol", BOUNDS, args.metric, args.n, workers=args.workers, progress=False
    )
    elapsed = time.perf_counter() - start
    runs = len(result.x)
    print(f"Sobol, {len(BOUNDS)} parameters, N = {args.n}: {runs} runs of iss_era")
    print(f"wall time {elapsed:.0f} s on {args.workers} workers ({runs / elapsed:.1f} runs/s)")
    print(result.indices.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
