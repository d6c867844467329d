"""How many missions an agency proposes, and of which kinds (pure arithmetic, shared).

Used by :meth:`sim.agency.Agency.propose` to draw a year's proposals and by
:func:`sim.scenario.expected_proposals` to bound a run's work before it
starts, so the two cannot drift apart. See docs/ODD.md, 7.1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["own_coverage", "proposal_mix", "proposals_per_year"]


def own_coverage[K](capability: Mapping[K, float], requires: Mapping[K, float]) -> float:
    """How far an agency alone meets a kind's requirements: mean of ``min(c / r, 1)``.

    Plain mappings by domain (names or indices; a handful of entries), called
    for every kind every year by every agency.

    >>> own_coverage({"launch": 0.3}, {"launch": 0.6, "crew": 0.5})
    0.25
    """
    fits = [min(capability.get(d, 0.0) / r, 1.0) for d, r in requires.items() if r > 0]
    return sum(fits) / len(fits)


def proposal_mix(
    weight: np.ndarray,
    own_coverage: np.ndarray,
    cost: np.ndarray,
    duration: np.ndarray,
    envelope: float,
) -> np.ndarray | None:
    """Chance that a proposal is of each open kind, or None when none can be proposed.

    In proportion to the kind's weight, to ``0.25 + own coverage`` (what the
    agency could nearly lead itself) and to the share of the cost its mission
    budget ``envelope`` would pay over the mission's duration.

    >>> proposal_mix(np.ones(2), np.ones(2), np.array([1.0, 4.0]), np.ones(2), 2.0).tolist()
    [0.6666666666666666, 0.3333333333333333]
    """
    w = weight * (0.25 + own_coverage) * np.minimum(envelope * duration / cost, 1.0)
    total = w.sum()
    return w / total if total > 0 else None


def proposals_per_year(rate: float, envelope: float, mix: np.ndarray, cost: np.ndarray) -> float:
    """Mean proposals a year: ``rate`` times the missions a year's envelope pays for.

    >>> proposals_per_year(1.2, 10.0, np.array([0.5, 0.5]), np.array([1.0, 3.0]))
    6.0
    """
    return rate * envelope / float(mix @ cost)
