"""Named metrics of one model year, one small function each (declared in :mod:`sim.registry`).

Each metric reads a *world*: the model, or any object with the few attributes
it uses (``active``, ``bloc_names``, ``relations``, ``log``, ``ongoing``,
``net_benefit``, ``year``), so each can be tested on a small hand-made state.
"""

from __future__ import annotations

import numpy as np

from sim.elements import build_fit, can_build
from sim.scenario import DOMAINS

__all__ = [
    "AGENCY_COLUMNS",
    "PAIR_COLUMNS",
    "gini",
    "partnership_network",
]


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _upper_active(world, matrix: np.ndarray) -> np.ndarray:
    idx = np.nonzero(world.active)[0]
    sub = matrix[np.ix_(idx, idx)]
    return sub[np.triu_indices(len(idx), k=1)]


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, near 1 concentrated).

    >>> gini(np.array([1.0, 1.0, 1.0]))
    0.0
    >>> round(gini(np.array([0.0, 0.0, 3.0])), 3)
    0.667
    """
    x = np.sort(np.clip(np.asarray(values, float), 0.0, None))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * x).sum() / (n * x.sum()))


def partnership_network(world) -> np.ndarray:
    """Adjacency of active agencies that are partners in a mission under way."""
    n = len(world.active)
    adj = np.zeros((n, n), bool)
    for mission in world.ongoing:
        if len(mission.members) > 1:
            idx = np.asarray(mission.members)
            adj[np.ix_(idx, idx)] = True
    np.fill_diagonal(adj, False)
    adj &= np.outer(world.active, world.active)
    return adj


def year(world) -> int:
    """The calendar year."""
    return world.year


def active_agencies(world) -> int:
    """Agencies founded and not dissolved."""
    return int(np.sum(world.active))


def missions_started(world) -> int:
    """Missions started this year, solo and joint."""
    return len(world.log.started)


def joint_missions_started(world) -> int:
    """Missions started this year by two or more agencies."""
    return sum(1 for m in world.log.started if m.joint)


def cooperation_rate(world) -> float:
    """Joint missions over all missions started this year (NaN when none)."""
    return _ratio(joint_missions_started(world), missions_started(world))


def mean_tension(world) -> float:
    """Mean tension over pairs of active agencies."""
    pairs = _upper_active(world, world.relations.tension)
    return float(pairs.mean()) if len(pairs) else float("nan")


def mean_trust(world) -> float:
    """Mean trust over pairs of active agencies."""
    pairs = _upper_active(world, world.relations.trust)
    return float(pairs.mean()) if len(pairs) else float("nan")


def cross_bloc_share(world) -> float:
    """Share of this year's joint missions whose members span two or more blocs."""
    joint = [m for m in world.log.started if m.joint]
    cross = sum(1 for m in joint if len(set(world.bloc_names[m.members])) > 1)
    return _ratio(cross, len(joint))


def network_density(world) -> float:
    """Partnerships under way over possible pairs of active agencies."""
    a = int(np.sum(world.active))
    edges = partnership_network(world).sum() / 2
    return _ratio(edges, a * (a - 1) / 2)


def network_clustering(world) -> float:
    """Mean local clustering coefficient of the partnership network.

    Agencies with fewer than two partners count as zero (as in networkx).
    """
    adj = partnership_network(world)
    idx = np.nonzero(world.active)[0]
    if len(idx) == 0:
        return float("nan")
    a = adj[np.ix_(idx, idx)].astype(float)
    degree = a.sum(axis=1)
    triangles = np.diag(a @ a @ a) / 2
    possible = degree * (degree - 1) / 2
    local = np.divide(triangles, possible, out=np.zeros_like(possible), where=possible > 0)
    return float(local.mean())


def network_components(world) -> int:
    """Connected components of the partnership network (isolated agencies count)."""
    adj = partnership_network(world)
    idx = [int(i) for i in np.nonzero(world.active)[0]]
    seen: set[int] = set()
    components = 0
    for start in idx:
        if start in seen:
            continue
        components += 1
        stack = [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            for nxt in np.nonzero(adj[node])[0]:
                if int(nxt) not in seen:
                    seen.add(int(nxt))
                    stack.append(int(nxt))
    return components


def science_output(world) -> float:
    """Science value of the missions that succeeded this year."""
    return float(world.log.science)


def cost_saved(world) -> float:
    """What members of this year's joint missions saved (US$ billion).

    Each member compares what it paid with what getting its own part of the
    mission alone would cost (``sim.lifecycle.cost_saved``): the shared part
    of the science and prestige and its rights to the rest, at the mission's
    cost without partners. Before issue #13 every member was credited with
    the whole mission's cost.
    """
    return float(world.log.cost_saved)


def withdrawals(world) -> int:
    """Members that left a mission this year."""
    return world.log.withdrawals


def domestic_cuts(world) -> int:
    """Parts of missions under way that a government cancelled this year (docs/ODD.md 7.19)."""
    return world.log.domestic_cuts


def failures(world) -> int:
    """Missions that ended in failure this year."""
    return world.log.failures


def failed_negotiations(world) -> int:
    """Proposals where a coalition had a surplus but no split was accepted."""
    return world.log.failed_negotiations


def duplication(world) -> int:
    """Missions of one kind started this year by different countries, beyond the first.

    Per kind, the number of countries leading a mission of it this year, less
    one: two space telescopes begun by NASA and ESA count 1; NASA's second
    telescope counts 0 (it is a programme, not a duplication), and neither
    does a joint mission, which flies once for all its members.
    """
    countries: dict[str, set[str]] = {}
    for m in world.log.started:
        countries.setdefault(m.proposal.kind.kind, set()).add(
            world.agencies[m.proposal.lead].country
        )
    return sum(len(c) - 1 for c in countries.values())


def fairness_gini(world) -> float:
    """Gini of accumulated net benefit (per unit of budget) across active agencies."""
    return gini(np.asarray(world.net_benefit)[np.asarray(world.active)])


AGENCY_COLUMNS = [
    "year",
    "agency",
    "bloc",
    "budget",
    "uncommitted_budget",
    "mean_capability",
    "science",
    "prestige",
    "partners",
    "solo_missions",
    "joint_missions",
    "support",
    "depends_on",
]
PAIR_COLUMNS = ["year", "agency_a", "agency_b", "joint_missions", "tension", "trust"]


def depends_now(world) -> list[list[str]]:
    """Per agency, whom it depends on for what in the missions under way (docs/ODD.md 7.18).

    ``"Roscosmos (crew)"``: a partner builds an element of that domain that
    the agency, as it is now, could not build itself (build fit under one).
    Who builds what is planned at the start and at each renewal, and a
    critical element passes to an able member when its builder can no longer
    build it (``lifecycle.take_over``): NASA on Roscosmos for crew from the
    Shuttle's retirement in 2011. A partner that left builds nothing here.
    """
    out: list[set[str]] = [set() for _ in world.agencies]
    for m in world.ongoing:
        elements = m.proposal.kind.elements
        if len(m.builders) != len(elements.names) or len(m.members) < 2:
            continue
        able = can_build(build_fit(world.capabilities[m.members], elements))
        for k, member in enumerate(m.members):
            for e, b in enumerate(m.builders):
                if b != member and b in m.members and not able[k, e]:
                    out[member].add(f"{world.agencies[b].name} ({DOMAINS[elements.domain[e]]})")
    return [sorted(names) for names in out]


def record_tables(model) -> None:
    """Append this year's rows of the ``agencies`` and ``pairs`` tables."""
    dc = model.datacollector
    adj = partnership_network(model)
    relies = depends_now(model)
    for a in model.agencies:
        if not model.active[a.index]:
            continue
        dc.add_table_row(
            "agencies",
            {
                "year": model.year,
                "agency": a.name,
                "bloc": a.bloc,
                "budget": a.budget,
                "uncommitted_budget": a.uncommitted,
                "mean_capability": float(a.capabilities.mean()),
                "science": a.science,
                "prestige": a.prestige,
                "partners": int(adj[a.index].sum()),
                "solo_missions": a.solo_started,
                "joint_missions": a.joint_started,
                "support": a.support,
                "depends_on": relies[a.index],
            },
        )
    rel = model.relations
    idx = np.nonzero(model.active)[0]
    for k, i in enumerate(idx):
        for j in idx[k + 1 :]:
            dc.add_table_row(
                "pairs",
                {
                    "year": model.year,
                    "agency_a": model.agencies[i].name,
                    "agency_b": model.agencies[j].name,
                    "joint_missions": int(rel.joint[i, j]),
                    "tension": float(rel.tension[i, j]),
                    "trust": float(rel.trust[i, j]),
                },
            )
