"""Dated events applied to the world at the start of their year.

Kinds (``EventSpec.kind``):

``tension``
    Shift tension (and its baseline) by ``delta``, and trust by
    ``trust_delta``, on the pairs named: all pairs among ``agencies``; or, with
    one agency and ``blocs``, that agency against the members of those blocs;
    or, with ``blocs`` alone, the pairs across two blocs (within one bloc).
``budget``
    Multiply the named agencies' budgets by ``factor`` and/or set their
    yearly trend to ``growth``.
``ban`` / ``lift_ban``
    Forbid (or allow again) joint missions between two agencies, as the Wolf
    Amendment did for NASA and CNSA in 2011.
``capability``
    The named agencies reach at least ``level`` in ``domain`` (a dated
    milestone; what they have learned beyond it is kept).
``capability_loss``
    The named agencies fall to ``level`` in ``domain`` (a system retired, as
    the Shuttle in 2011 left NASA without crew launch until 2020).
``policy``
    Set policy ``lever`` to ``value`` from this year on (see ``sim.policy``).
``mission_cost``
    Multiply the cost of the named ``missions`` (kinds of the catalog; none
    named: every kind) by ``factor``. Proposals from this year on are priced
    at the new cost; missions already under way keep the cost they agreed (as
    commercial launch lowered the price of missions from the 2010s).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import DOMAINS, EventSpec

if TYPE_CHECKING:
    from sim.model import SpaceCooperationModel

__all__ = ["apply_event", "pair_mask"]


def pair_mask(event: EventSpec, index: dict[str, int], blocs: np.ndarray) -> np.ndarray:
    """Boolean ``(n, n)`` mask of the pairs a tension event touches.

    >>> ev = EventSpec(year=1967, kind="tension", blocs=["west", "east"], delta=-0.1)
    >>> pair_mask(ev, {"A": 0, "B": 1, "C": 2}, np.array(["west", "east", "west"])).astype(int)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    """
    n = len(blocs)
    in_agencies = np.zeros(n, bool)
    in_agencies[[index[a] for a in event.agencies]] = True
    if event.agencies and event.blocs:
        other = np.isin(blocs, event.blocs)
        mask = np.outer(in_agencies, other)
        mask |= mask.T
    elif event.agencies:
        mask = np.outer(in_agencies, in_agencies)
    elif len(event.blocs) == 1:
        inside = blocs == event.blocs[0]
        mask = np.outer(inside, inside)
    else:
        mask = np.zeros((n, n), bool)
        for i, a in enumerate(event.blocs):
            for b in event.blocs[i + 1 :]:
                cross = np.outer(blocs == a, blocs == b)
                mask |= cross | cross.T
    np.fill_diagonal(mask, False)
    return mask


def apply_event(event: EventSpec, model: SpaceCooperationModel) -> None:
    """Apply one event to the model's relations and agencies."""
    index = model.index
    if event.kind == "tension":
        mask = pair_mask(event, index, model.bloc_names)
        model.relations.shift_tension(mask, event.delta or 0.0)
        if event.trust_delta:
            model.relations.shift_trust(mask, event.trust_delta)
    elif event.kind == "budget":
        for name in event.agencies:
            agency = model.agency(name)
            if event.factor is not None:
                agency.budget *= event.factor
            if event.growth is not None:
                agency.growth = event.growth
    elif event.kind in ("ban", "lift_ban"):
        a, b = (index[x] for x in event.agencies)
        model.relations.set_ban(a, b, event.kind == "ban")
    elif event.kind == "policy":
        assert event.lever is not None and event.value is not None  # EventSpec checks both
        model.policies.set(event.lever, event.value)
    elif event.kind == "mission_cost":
        assert event.factor is not None  # EventSpec checks it
        named = set(event.missions)
        model.kinds = [
            replace(k, cost=k.cost * event.factor) if not named or k.kind in named else k
            for k in model.kinds
        ]
    elif event.kind in ("capability", "capability_loss"):
        d = DOMAINS.index(event.domain)
        for name in event.agencies:
            caps = model.agency(name).capabilities
            if event.kind == "capability":
                caps[d] = max(caps[d], event.level)
            else:
                caps[d] = min(caps[d], event.level)
