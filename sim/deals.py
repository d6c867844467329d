"""The deals table: one row per negotiation and party, for debriefs and "why" questions.

Every proposal negotiated in a run leaves one row for its lead and one for
each partner it approached, member or not, with what each would build, pay
and receive, its outside option and how the talks ended. Grouping by
``deal_id`` (or keeping ``role == "lead"``) gives one row per negotiation.
"""

from __future__ import annotations

from typing import Any

from sim.mission import Proposal
from sim.negotiation import Deal

__all__ = ["DEAL_COLUMNS", "deal_rows"]

#: Columns of the deals table, in order.
DEAL_COLUMNS = (
    "deal_id",
    "year",
    "kind",
    "lead",
    "proposal_cost",
    "flagship",
    "agency",
    "role",
    "outcome",
    "failed_talks",
    "mission_id",
    "elements",
    "pays",
    "rights_share",
    "value",
    "outside_option",
    "coverage",
    "success_chance",
)


def deal_rows(
    deal_id: int,
    year: int,
    proposal: Proposal,
    deal: Deal,
    mission_id: int,
    names: list[str],
) -> list[dict[str, Any]]:
    """The rows of one negotiation: the lead first, then each partner approached.

    ``role`` is ``lead``, ``member`` (a partner in the agreed mission) or
    ``declined`` (approached, not in it); ``outcome`` is ``joint``, ``solo``
    or ``none``, and ``failed_talks`` says whether some coalition could have
    gained but found no split every member accepted. ``pays`` (US$ bn, in all),
    ``rights_share`` (of the mission's rival benefits), ``value`` (US$ bn, what
    the mission is worth to it at those rights) and ``elements`` (``+``-joined)
    are zero or empty for a party that is not a member; ``outside_option`` is
    what each party would gain flying the mission alone (US$ bn, 0 when it cannot).
    ``flagship`` says the proposal is a programme the lead's government leads
    as a club (``agencies.X.leads``).
    """
    kind = proposal.kind
    members = list(deal.members)
    parties = [proposal.lead, *[j for j in deal.asked if j != proposal.lead]]
    outside = dict(zip((proposal.lead, *deal.asked), deal.asked_outside, strict=True))
    rows = []
    for j in parties:
        row: dict[str, Any] = {
            "deal_id": deal_id,
            "year": year,
            "kind": kind.kind,
            "lead": names[proposal.lead],
            "proposal_cost": proposal.cost,
            "flagship": proposal.flagship,
            "agency": names[j],
            "role": "lead" if j == proposal.lead else "member" if j in members else "declined",
            "outcome": deal.agreement.value,
            "failed_talks": deal.failed_talks,
            "mission_id": mission_id,
            "elements": "",
            "pays": 0.0,
            "rights_share": 0.0,
            "value": 0.0,
            "outside_option": float(outside.get(j, 0.0)),
            "coverage": deal.coverage,
            "success_chance": deal.success_chance,
        }
        if j in members:
            k = members.index(j)
            assert deal.shares is not None and deal.rights is not None and deal.values is not None
            built = [
                name for name, b in zip(kind.elements.names, deal.builders, strict=True) if b == j
            ]
            row |= {
                "elements": "+".join(built),
                "pays": float(deal.shares[k] * deal.cost),
                "rights_share": float(deal.rights[k]),
                "value": float(deal.values[k]),
            }
        rows.append(row)
    return rows
