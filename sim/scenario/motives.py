"""Foreign-policy motives an agency's government may declare (issue #14; docs/ODD.md 7.21).

Leading a club (``agencies.X.leads``) and engaging a former rival
(``agencies.X.engages``), each in force over a window of years.
"""

from __future__ import annotations

from sim.scenario.fields import Year, _Frozen

__all__ = ["EngagesSpec", "LeadsSpec"]


class _Window(_Frozen):
    """Years a foreign-policy motive is in force: ``since`` to ``until``, both included."""

    since: Year
    until: Year | None = None
    note: str = ""

    def holds(self, year: int) -> bool:
        """Whether the motive is in force in ``year``."""
        return self.since <= year and (self.until is None or year <= self.until)


class LeadsSpec(_Window):
    """A programme its government champions and leads as a club (issue #14).

    While in force, the agency proposes a mission of kind ``mission`` every
    year it has none under way, invites every agency it may work with, admits
    each partner that gains (bilateral terms with the lead, as the ISS
    memoranda and the Artemis Accords), and values each foreign partner at
    ``negotiation.club_leadership`` of the mission's prestige. docs/ODD.md, 7.21.
    """

    mission: str


class EngagesSpec(_Window):
    """A former rival its government seeks to engage (issue #14).

    While in force, the agency asks ``agency`` first when it forms a
    coalition, and values each US$ the rival spends on a joint mission with it
    at ``negotiation.engagement`` (work that keeps the rival's engineers at
    home: the US and Russia after 1993). docs/ODD.md, 7.21.
    """

    agency: str
