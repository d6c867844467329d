"""Measure the two-clubs pattern of artemis_vs_ilrs over seeded runs.

For each run, the joint-mission network of missions started in a window
(edges between members of the same joint mission, weight = number of joint
missions, pooled over the run) is split by
``networkx.algorithms.community.greedy_modularity_communities``. The pattern
holds in a run when modularity >= 0.3, NASA and CNSA are in different
communities, NASA's community is the larger, and at least one agency has
joint missions with members of both.

Usage::

    python scripts/two_clubs.py [--replicates 30] [--seed 0] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.community import greedy_modularity_communities, modularity

import sim


@dataclass(frozen=True)
class Clubs:
    """The communities of one run's joint-mission network, and the pattern's parts."""

    modularity: float
    communities: list[frozenset[str]]
    nasa: frozenset[str]
    cnsa: frozenset[str]
    bridges: list[str]

    @property
    def holds(self) -> bool:
        """Whether the two-clubs pattern holds in this run."""
        return (
            self.modularity >= 0.3
            and self.nasa != self.cnsa
            and len(self.nasa) > len(self.cnsa)
            and bool(self.bridges)
        )


def joint_network(missions: pd.DataFrame, first: int = 2021, last: int = 2040) -> nx.Graph:
    """Weighted graph: agencies, and the number of joint missions of each pair."""
    graph = nx.Graph()
    window = missions[missions.joint & missions.start_year.between(first, last)]
    for members in window.members:
        for a, b in combinations(sorted(set(members)), 2):
            w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=w + 1)
    return graph


def clubs(graph: nx.Graph) -> Clubs:
    """Greedy-modularity communities and the NASA and CNSA clubs of one network."""
    empty = frozenset()
    if graph.number_of_edges() == 0:
        return Clubs(0.0, [], empty, empty, [])
    parts = [frozenset(c) for c in greedy_modularity_communities(graph, weight="weight")]
    q = modularity(graph, parts, weight="weight")

    def of(name: str) -> frozenset[str]:
        return next((c for c in parts if name in c), empty)

    nasa, cnsa = of("NASA"), of("CNSA")
    bridges = sorted(
        n
        for n in graph
        if set(graph[n]) & (nasa - {n}) and set(graph[n]) & (cnsa - {n}) and nasa != cnsa
    )
    return Clubs(float(q), parts, nasa, cnsa, bridges)


def main(argv: list[str] | None = None) -> int:
    """Run the batch and print the pattern's pass share and its numbers."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="artemis_vs_ilrs")
    p.add_argument("--replicates", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    batch = sim.run_batch(
        args.scenario, args.replicates, seed=args.seed, workers=args.workers, progress=False
    )
    elapsed = time.perf_counter() - t0
    missions = batch.missions
    rows = []
    for run_id, m in missions.groupby("run_id"):
        c = clubs(joint_network(m))
        late = m[m.start_year >= 2023]
        rows.append(
            dict(
                run_id=run_id,
                holds=c.holds,
                modularity=c.modularity,
                communities=len(c.communities),
                nasa_size=len(c.nasa),
                cnsa_size=len(c.cnsa),
                bridges=",".join(c.bridges),
                coop_rate=float(m[m.start_year >= 2021].joint.mean()),
                joint=int(m[m.start_year >= 2021].joint.sum()),
                nasa_cnsa=int(m.members.map(lambda x: {"NASA", "CNSA"} <= set(x)).sum()),
                esa_ros_after_2022=int(
                    late.members.map(lambda x: {"ESA", "Roscosmos"} <= set(x)).sum()
                ),
            )
        )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False))
    print(
        f"\npattern holds in {table.holds.mean():.0%} of {len(table)} runs; "
        f"modularity {table.modularity.mean():.3f} "
        f"(min {table.modularity.min():.3f}, max {table.modularity.max():.3f}); "
        f"communities {table.communities.mean():.1f}; "
        f"NASA's community {table.nasa_size.mean():.1f} agencies, "
        f"CNSA's {table.cnsa_size.mean():.1f}"
    )
    bridges = pd.Series([b for s in table.bridges for b in s.split(",") if b]).value_counts()
    print(f"bridges (runs): {bridges.to_dict()}")
    print(
        f"cooperation rate 2021-2040 {table.coop_rate.mean():.3f}; joint missions/run "
        f"{table.joint.mean():.1f}; NASA-CNSA missions {table.nasa_cnsa.sum()}; "
        f"ESA-Roscosmos missions started 2023+ {table.esa_ros_after_2022.sum()}"
    )
    print(f"batch time {elapsed:.1f} s ({elapsed * args.workers / len(table):.2f} s per run)")
    return 0 if np.mean(table.holds) >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
