"""The stylized facts of the historical record: each claim, its tolerance and its check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sim.patterns.checks import (
    HIGH_TENSION,
    SCAR_RATIO,
    SCAR_YEARS,
    SENSITIVE,
    SHOCK,
    club_survives_shocks,
    coalition_sizes_skewed,
    cold_war_cross_rare,
    cooperation_rises,
    cross_in_tension_dips,
    esa_most_central,
    high_tension_low_sensitivity,
    more_agencies_smaller_superpowers,
    russia_seeks_partners,
    russia_worse_shares,
    tension_drop_raises_agreements,
    two_blocs,
    withdrawal_scars,
    within_bloc_ratio_falls,
)
from sim.patterns.deals import (
    SHUTTLE_GAP,
    STATION_YEARS,
    budgets_committed,
    crew_on_soyuz,
    juniors_lead_own,
    lead_pays_most,
    station_club,
    station_outlasts_2014,
)
from sim.patterns.view import RunView

__all__ = ["PATTERNS", "Pattern", "Switch"]


@dataclass(frozen=True)
class Switch:
    """A pattern's mechanism switched off: the settings that remove it, and where.

    ``tests/test_pattern_mechanisms.py`` runs ``scenario`` with ``settings``
    (dotted paths, as ``--set``) and checks that the pattern then passes in
    fewer runs than it requires: the pattern follows from the mechanism, not
    from an input that would give it anyway.

    Attributes
    ----------
    scenario : str
        A bundled scenario the pattern applies to.
    settings : tuple of (str, value)
        The overrides that switch the mechanism off; ``agencies.*.field``
        sets the field of every agency of the scenario.
    says : str
        What switching off means, in words.
    """

    scenario: str
    settings: tuple[tuple[str, Any], ...]
    says: str

    def overrides(self, agencies: Iterable[str]) -> dict[str, Any]:
        """The settings as ``--set`` overrides, ``agencies.*`` spelled out for ``agencies``.

        >>> Switch("x", (("agencies.*.tolerance", 1.0),), "").overrides(["NASA", "ESA"])
        {'agencies.NASA.tolerance': 1.0, 'agencies.ESA.tolerance': 1.0}
        """
        out: dict[str, Any] = {}
        for key, value in self.settings:
            head, star, tail = key.partition(".*.")
            names = agencies if star else [None]
            out |= {f"{head}.{a}.{tail}" if a else key: value for a in names}
        return out


@dataclass(frozen=True)
class Pattern:
    """One stylized fact: a claim, a per-run check and the share of runs that must pass.

    Attributes
    ----------
    name : str
        Identifier used in scenarios, on the command line and in reports.
    claim : str
        The fact, in one sentence a historian would sign.
    tolerance : str
        What one run must show to pass, with its numbers.
    mechanism : str
        Why the model produces it (which rule does the work).
    required : float
        Share of runs that must pass for the pattern to hold.
    check : callable
        ``check(run) -> (value, passed)``.
    value_label : str
        What ``value`` measures (the axis of the report's plot).
    threshold : float or None
        The pass line on ``value``, drawn in the plot when there is one.
    agencies : tuple of str
        Agencies a scenario must have for the pattern to apply.
    off : Switch or None
        The mechanism switched off, under which the pattern must fail; None
        for the few patterns whose mechanism no setting can remove (docs/ODD.md 4.3).
    """

    name: str
    claim: str
    tolerance: str
    mechanism: str
    required: float
    check: Callable[[RunView], tuple[float, bool]]
    value_label: str
    threshold: float | None = None
    agencies: tuple[str, ...] = field(default_factory=tuple)
    off: Switch | None = None


#: The Soviet agency's succession: patterns about Roscosmos against the USSR
#: before it, which apply only to scenarios that have both.
_soviet_succession = partial(Pattern, agencies=("USSR", "Roscosmos"))

PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            name="cooperation_rises",
            claim="The cooperation rate rises from the Cold War to detente to the station era.",
            tolerance="joint share of missions started: 1957-1971 < 1972-1990 < 1992-2020",
            mechanism="tension falls across blocs (events), so the political cost of "
            "partners falls; more agencies with complementary capabilities enter",
            required=0.9,
            check=cooperation_rises,
            value_label="cooperation rate 1992-2020 minus 1957-1971",
            threshold=0.0,
        ),
        Pattern(
            name="cold_war_cross_bloc_rare",
            claim="In the Cold War, joint missions across the Iron Curtain are rare but not zero.",
            tolerance="0 < share of joint missions 1957-1991 with both west and east members "
            "<= 0.15",
            mechanism="west-east tension of 0.5-0.9 discounts a partner's value by "
            "political_cost x sensitivity x tension; only low-sensitivity kinds clear it",
            required=0.8,
            check=cold_war_cross_rare,
            value_label="cross-bloc share of joint missions, 1957-1991",
            threshold=0.15,
            off=Switch(
                "full_history",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        Pattern(
            name="cross_bloc_in_tension_dips",
            claim="Cold War cross-bloc missions concentrate where tension dips "
            "(1972-1975, late 1980s).",
            tolerance=">= half of the 1957-1991 cross-bloc missions start in the third of "
            "years with the lowest west-east tension (a third if they were spread evenly)",
            mechanism="the value of a rival partner rises as tension falls; "
            "symbolic docking is worth more the more tension it bridges",
            required=0.75,
            check=cross_in_tension_dips,
            value_label="share of Cold War cross-bloc missions in low-tension years",
            threshold=0.5,
            off=Switch(
                "full_history",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        Pattern(
            name="within_bloc_ratio_falls",
            claim="Within-bloc cooperation exceeds cross-bloc cooperation under high tension, "
            "and the ratio falls after 1991.",
            tolerance="(within + 1)/(cross + 1) joint missions > 1 up to 1991, and lower in "
            "1992-2013 (before the 2014 Crimea shock raised tension again)",
            mechanism="bloc tension (0.1 within, 0.9 across) sets the political cost; the "
            "1985-1991 events lower it across blocs",
            required=0.9,
            check=within_bloc_ratio_falls,
            value_label="log(within/cross ratio before 1992 / after)",
            threshold=0.0,
            off=Switch(
                "full_history",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        Pattern(
            name="high_tension_low_sensitivity",
            claim="Under high tension the cross-bloc missions that happen are low-sensitivity "
            "ones (science, docking, tracking), never launch- or crew-critical hardware.",
            tolerance=f"no west-east mission begun at tension >= {HIGH_TENSION} between "
            f"two members has sensitivity >= {SENSITIVE}",
            mechanism="a partner's value is discounted by sensitivity x tension, and "
            "export controls bar sensitive kinds across rival blocs",
            required=0.95,
            check=high_tension_low_sensitivity,
            value_label="highest sensitivity of a cross-bloc mission under high tension",
            threshold=SENSITIVE,
            off=Switch(
                "cold_war",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        Pattern(
            name="tension_drop_raises_agreements",
            claim="A drop in tension raises agreements within 1-3 years.",
            tolerance="cross-bloc agreements in the 3 years after west-east tension drops "
            "(events with delta <= -0.1) outnumber those in the 3 years before",
            mechanism="lower tension raises partner values at once; trust and the "
            "capabilities partners need follow over the next years",
            required=0.8,
            check=tension_drop_raises_agreements,
            value_label="cross-bloc agreements after drops minus before",
            threshold=0.0,
            off=Switch(
                "full_history",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        _soviet_succession(
            name="russia_seeks_partners",
            claim="After the 1991 budget collapse the Russian agency takes more partners.",
            tolerance="Roscosmos has >= 0.5 more partners per mission than the USSR had",
            mechanism="a budget cut to 40 % makes solo missions unaffordable: sharing "
            "costs is the only way to fly, and its capabilities are in demand",
            required=0.9,
            check=russia_seeks_partners,
            value_label="partners per mission: Roscosmos minus USSR",
            threshold=0.5,
            off=Switch(
                "full_history",
                (("agencies.Roscosmos.budget", 20.0),),
                "Roscosmos as rich as the late USSR (20 bn a year): no poverty",
            ),
        ),
        _soviet_succession(
            name="russia_worse_shares",
            claim="After 1991 the Russian agency accepts worse terms than its partners.",
            tolerance="in its median joint mission Roscosmos's margin (its gain over what the "
            "mission is worth to it, in its own utility) is below its partners' mean margin, "
            "and below the USSR's gap",
            mechanism="poverty: with no mission it can fly alone (outside option 0) and money "
            "dear (value_of_money), a poor agency takes a deal at a thinner margin",
            required=0.9,
            check=russia_worse_shares,
            value_label="Roscosmos's margin minus its partners' (own utility)",
            threshold=0.0,
        ),
        Pattern(
            name="more_agencies_smaller_superpowers",
            claim="The number of active agencies rises and the superpowers' share of "
            "missions falls.",
            tolerance="more active agencies after 2010 than before 1970, and the share of "
            "missions with NASA or the Soviet/Russian agency falls by > 0.2",
            mechanism="agencies enter at their founding years and learn by flying",
            required=0.9,
            check=more_agencies_smaller_superpowers,
            value_label="superpower share of missions, 2010 on minus before 1970",
            threshold=-0.2,
            agencies=("NASA", "USSR", "Roscosmos"),
        ),
        Pattern(
            name="withdrawal_scars",
            claim="An agency that leaves a joint mission flies less with the partners it "
            "let down for years (NASA's exit from ISPM in 1981 and from ExoMars in 2012 sent "
            "ESA to other partners).",
            tolerance=f"the let-down partners' share of the leaver's joint missions in the "
            f"{SCAR_YEARS} years after a withdrawal is < {SCAR_RATIO} x their share in the "
            f"{SCAR_YEARS} years before (pooled over the run's withdrawals)",
            mechanism="a withdrawal halves the trust of every partner in the leaver "
            "(dynamics.trust_loss_withdrawal 0.5), and trust weighs in choosing partners "
            "(negotiation.trust_weight) and in what a partner is worth (negotiation.distrust); "
            "trust regrows only with joint successes",
            required=0.8,
            check=withdrawal_scars,
            value_label="let-down partners' share of the leaver's joint missions, after / before",
            threshold=SCAR_RATIO,
            off=Switch(
                "full_history",
                (("dynamics.trust_loss_withdrawal", 0.0),),
                "a withdrawal costs the leaver no trust",
            ),
        ),
        Pattern(
            name="coalition_sizes_skewed",
            claim="Coalition sizes are skewed: pairs most common, a long tail of large clubs.",
            tolerance="joint missions of 2 > of 3 >= of 4 or more, and some of 4 or more",
            mechanism="each partner adds integration overhead and political cost; "
            "only big, modular kinds pay for many",
            required=0.7,
            check=coalition_sizes_skewed,
            value_label="share of joint missions that are pairs",
            off=Switch(
                "artemis_vs_ilrs",
                (("negotiation.integration_overhead", 0.0), ("negotiation.political_cost", 0.0)),
                "a partner adds no integration overhead and no political cost",
            ),
        ),
        Pattern(
            name="esa_most_central",
            claim="The agency with low tension toward everyone (ESA) has the highest "
            "degree centrality.",
            tolerance="ESA has at least as many distinct partners by the last year as any agency",
            mechanism="the door rule: ESA's tolerance (0.7) is above its tension with CNSA "
            "(0.25), ISRO (0.35) and Roscosmos (0.13, 0.28 after Crimea), so it works with them "
            "as well as the West, while NASA loses CNSA to the 2011 ban",
            required=0.85,
            check=esa_most_central,
            value_label="ESA's partners minus the best other agency's",
            threshold=0.0,
            agencies=("ESA",),
            off=Switch(
                "iss_era",
                (("agencies.ESA.tolerance", 0.2),),
                "ESA's door as narrow as an alliance's: tolerance 0.2 instead of 0.7",
            ),
        ),
        Pattern(
            name="club_survives_shocks",
            claim="The ISS club survives shocks that end bilateral projects.",
            tolerance=f"over the station clubs (a station kind, three or more members) under "
            f"way when the tension of two of their members jumps by >= {SHOCK} in a year: the "
            "oldest keeps both (neither leaves, it is not cancelled) for 2 years",
            mechanism="sunk cost (tolerance + 0.5 x share paid), carried from term to term of a "
            "station in service (service_life), and the partners a leaver lets down (+ lock_in "
            "per partner beyond the first) keep a long, many-member programme together when a "
            "young project is not worth the tension",
            required=0.8,
            check=club_survives_shocks,
            value_label="share of the station clubs under way at a shock that keep the pair",
            off=Switch(
                "artemis_vs_ilrs",
                (("dynamics.lock_in", 0.0),),
                "no lock-in: leaving lets no partner down",
            ),
        ),
        Pattern(
            name="two_blocs",
            claim="After 2020 the cooperation network splits into two blocs, the US-led one "
            "larger, with a few agencies in both.",
            tolerance="joint-mission network of 2021 on, communities found without bloc "
            "labels: normalised modularity (Newman's assortativity of the partition) >= 0.5, "
            "NASA and CNSA in different communities, NASA's larger, and >= 1 agency with "
            "partners in both",
            mechanism="a door shuts where a pair's tension passes either tolerance (7.3): "
            "the tension the events of 2012-2018 leave between China and the US allies (0.6-0.7, "
            "above CNSA's 0.5), the 2022 sanctions between Russia and the West, and the "
            "NASA-CNSA ban; the unaligned pick a club by pair relations and the clubs the leads "
            "build. It holds without bloc labels (ODD 7.24)",
            required=0.5,
            check=two_blocs,
            value_label="normalised modularity of the 2021-on joint-mission network",
            threshold=0.5,
            agencies=("NASA", "CNSA"),
            off=Switch(
                "artemis_vs_ilrs",
                (("negotiation.political_cost", 0.0), ("agencies.*.tolerance", 1.0)),
                "tension has no effect: no political cost, every tolerance 1",
            ),
        ),
        Pattern(
            name="lead_pays_most",
            claim="The agency that leads a joint mission pays the largest share of it "
            "(Hubble, Cassini, JWST, Rosetta, the ISS).",
            tolerance="in over half of the joint missions without a withdrawal, the lead's "
            "share of the cost is the largest",
            mechanism="each member pays for the elements it builds, and the lead keeps the "
            "core, the largest element, when it can build it (negotiation.lead_keeps_core)",
            required=0.9,
            check=lead_pays_most,
            value_label="share of joint missions whose lead pays most",
            threshold=0.5,
            off=Switch(
                "iss_era",
                (("negotiation.lead_keeps_core", False), ("negotiation.transfers", "cash")),
                "no prime and no work in kind: the core goes by money, and members settle in cash",
            ),
        ),
        Pattern(
            name="budgets_committed",
            claim="Most of the largest agency's budget is committed in any year.",
            tolerance="median over the run's years of (budget - uncommitted) / budget of the "
            "agency with the largest starting budget > 0.5",
            mechanism="a committed base for operations, workforce and infrastructure "
            "(agencies.NAME.committed_share) and proposals sized to the mission budget "
            "with oversubscription (dynamics.proposal_rate)",
            required=0.9,
            check=budgets_committed,
            value_label="median committed share of the largest budget",
            threshold=0.5,
            off=Switch(
                "iss_era",
                (("agencies.NASA.committed_share", 0.0),),
                "no committed base: all of NASA's budget free for missions",
            ),
        ),
        Pattern(
            name="juniors_lead_own",
            claim="ESA, JAXA and CNSA lead missions of their own as well as joint ones.",
            tolerance="each of them present leads at least one solo and one joint mission",
            mechanism="rights are partly rival (negotiation.rival_share): a partner takes a "
            "part of the benefits, so a lead that can fly alone goes joint only when "
            "partners save it more than they take",
            required=0.7,
            check=juniors_lead_own,
            value_label="how many of ESA, JAXA, CNSA lead both",
            agencies=("ESA", "JAXA", "CNSA"),
            off=Switch(
                "iss_era",
                (("negotiation.rival_share", 0.0),),
                "rights not rival: a partner takes nothing from the lead",
            ),
        ),
        Pattern(
            name="crew_on_soyuz",
            claim=f"After the Shuttle's retirement NASA's crews fly on Soyuz until Crew Dragon "
            f"({SHUTTLE_GAP[0]}-{SHUTTLE_GAP[1]}).",
            tolerance=f"in every year of {SHUTTLE_GAP[0]}-{SHUTTLE_GAP[1]} NASA is in a crewed "
            "mission under way, it depends on Roscosmos for crew, and every crewed mission or "
            "station term NASA begins then has Roscosmos in it; NASA flies crew in one year at "
            "least",
            mechanism="two routes, each enough: Roscosmos brings crew transport to the "
            "station as its element and keeps it at every renewal (negotiation.keep_elements, "
            "the partners own their elements); and crew transport is a critical element (the "
            "weakest link): only a member able to build it builds it, at the start, at each "
            "renewal and, when its builder loses the ability (the Shuttle), under way "
            "(negotiation.weakest_link; lifecycle.take_over)",
            required=0.9,
            check=crew_on_soyuz,
            value_label="years of the gap NASA's crews fly on Soyuz",
            agencies=("NASA", "Roscosmos"),
            off=Switch(
                "iss_era",
                (("negotiation.weakest_link", False), ("negotiation.keep_elements", False)),
                "no weakest link and no ownership: a member unable to build crew transport may "
                "build it, and a renewal plans every element afresh",
            ),
        ),
        Pattern(
            name="station_club",
            claim=f"A station club of four or more partners, Russia among them, forms in the "
            f"1990s ({STATION_YEARS[0]}-{STATION_YEARS[1]}) without being declared.",
            tolerance="the largest coalition of a station kind with Roscosmos begun in those "
            "years has >= 4 members",
            mechanism="the two-level game: a station is too heavy for one government to keep "
            "paying, and each foreign partner makes a cut at home less likely "
            "(dynamics.commitment_protection); the US leads it as a club (agencies.NASA.leads: "
            "kept on the table, every agency invited, partners admitted on bilateral terms, "
            "negotiation.club_leadership)",
            required=0.5,
            check=station_club,
            value_label="largest station coalition with Roscosmos begun 1993-2000",
            threshold=4.0,
            agencies=("NASA", "Roscosmos"),
            off=Switch(
                "iss_era",
                (("dynamics.cancellation_hazard", 0.0),),
                "no domestic level: no government ever cuts a programme",
            ),
        ),
        Pattern(
            name="station_outlasts_2014",
            claim="NASA and Roscosmos still build and fly a station together after the 2014 "
            "Crimea shock.",
            tolerance="some station with both as members is under way in a year from 2015 on",
            mechanism="the US keeps leading the station (agencies.NASA.leads, to 2024: the "
            "2010 and 2014 extensions) and its partners protect it from cuts at home "
            "(dynamics.commitment_protection); NASA's 2014 suspension takes the pair's tension "
            "over both tolerances for a year, and what leaving would cost (sunk investment, "
            "partners let down: dynamics.sunk_cost, dynamics.lock_in) keeps both in",
            required=0.6,
            check=station_outlasts_2014,
            value_label="years from 2015 NASA and Roscosmos share a station",
            threshold=1.0,
            agencies=("NASA", "Roscosmos"),
            off=Switch(
                "iss_era",
                (("agencies.NASA.leads", ()),),
                "the US leads no station club: the station is not its foreign policy",
            ),
        ),
    )
}
