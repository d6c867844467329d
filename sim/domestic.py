"""The domestic level: governments that may cut a programme, and partners that make it harder.

Each agency answers to a government and legislature whose support for space
(``support``, 0 to 1) moves with events and noise and returns to the level
the scenario declares. Each year a government may cancel its part of a
mission under way, with a chance that rises with the programme's weight in
its agency's mission budget and with the support it lacks, and falls with
every foreign partner signed up: an international agreement binds the
domestic level, and breaking it costs standing abroad (Putnam's two-level
game, 1988). In 1993 the Superconducting Super Collider, with no foreign
partner, was cancelled, while the Space Station, with Europe, Japan, Canada
and now Russia signed up, survived the House by one vote. Agencies foresee
the chance when they value a mission, so a lead has a reason to bring
partners into a large programme it could fund alone. See docs/ODD.md, 7.19.

A government does not cut the club it leads (``agencies.X.leads``) while
it leads it and has a foreign partner in it: the programme is then its
foreign policy, which the executive defends at home (docs/ODD.md 7.23).
Agencies do not count on this defence when they value a mission: the lead
recruits partners against the cut it sees at the table. The House kept the
station by one vote (authorization) and by 24 (appropriation) in June 1993;
in June 1994, after "an intensive effort by the White House and NASA" and
"the new cooperative agreement with Russia", a motion to end it lost by 123
votes (AIP FYI 1994). NASA's withdrawals from joint programmes in
development came where it was a partner, not a club's lead (ISPM 1981, LISA
and ExoMars 2011-12).

References
----------
Putnam, R. D. (1988). Diplomacy and domestic politics: the logic of two-level
games. International Organization 42(3), 427-460.
AIP FYI (30 June 1994). House votes to approve space station funding by huge
margin. American Institute of Physics, Science Policy News.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cut_chance", "defended", "foreign_partners", "survival"]


def foreign_partners(country: np.ndarray) -> np.ndarray:
    """How many of the other members each member has of another country.

    >>> foreign_partners(np.array([3, 3, 5])).tolist()
    [1, 1, 2]
    """
    return (country[None, :] != country[:, None]).sum(axis=1)


def cut_chance(
    hazard: float,
    protection: float,
    support: np.ndarray,
    weight: np.ndarray,
    foreign: np.ndarray,
    sunk: float = 0.0,
    defended: np.ndarray | None = None,
) -> np.ndarray:
    """Yearly chance that each government cancels its part of a mission.

    ``hazard * (1 - support) * min(weight, 1) * (1 - protection) ** foreign * (1 - sunk)``:
    ``weight`` is the part's yearly payment over the agency's mission budget,
    ``foreign`` the number of partners of other countries, ``sunk`` the
    weight of what is already spent (``sunk_cost`` times the share of the
    mission paid: a nearly finished programme is rarely cancelled).
    ``defended`` marks the members whose government leads the mission as a
    club (:func:`defended`): they are not cut.

    >>> cut_chance(0.2, 0.3, np.array([0.5, 0.5]), np.array([0.6, 0.6]), np.array([0, 2]))
    array([0.06  , 0.0294])
    >>> cut_chance(0.2, 0.3, np.array([0.5]), np.array([0.6]), np.array([0]), sunk=0.5)
    array([0.03])
    >>> cut_chance(
    ...     0.2, 0.3, np.array([0.5, 0.5]), np.array([0.6, 0.6]), np.array([1, 1]),
    ...     defended=np.array([True, False]),
    ... )
    array([0.   , 0.042])
    """
    factor = (1.0 - protection) ** foreign * (1.0 - sunk)
    chance = hazard * (1.0 - support) * np.minimum(weight, 1.0) * factor
    return chance if defended is None else np.where(defended, 0.0, chance)


def defended(lead: int | None, leading: bool, foreign: np.ndarray) -> np.ndarray:
    """Which members' governments defend the mission at home: its lead's, if it leads a club.

    ``lead`` is the lead's position among the members (None when it has
    left), ``leading`` whether its government leads this kind of programme
    as a club this year (``agencies.X.leads``), ``foreign`` each member's
    partners of another country: a lead alone, or among its compatriots, has
    no club to lead.

    >>> defended(0, True, np.array([2, 1, 1])).tolist()
    [True, False, False]
    >>> defended(0, True, np.array([0])).tolist(), defended(None, True, np.array([1, 1])).tolist()
    ([False], [False, False])
    """
    out = np.zeros(len(foreign), bool)
    if lead is not None and leading and foreign[lead] > 0:
        out[lead] = True
    return out


def survival(chance: np.ndarray, years: int, sunk_cost: float = 0.0) -> np.ndarray:
    """Chance of still being paid for at the end of a ``years``-year mission begun now.

    The yearly chance falls as the mission is paid for: in year ``k`` it is
    ``chance * (1 - sunk_cost * k / years)`` (see :func:`cut_chance`).

    >>> survival(np.array([0.0, 0.1]), 10).round(3).tolist()
    [1.0, 0.349]
    >>> survival(np.array([0.1]), 10, sunk_cost=0.5).round(3).tolist()
    [0.446]
    """
    paid = np.arange(years) / years
    yearly = 1.0 - np.multiply.outer(chance, 1.0 - sunk_cost * paid)
    return yearly.prod(axis=-1)
