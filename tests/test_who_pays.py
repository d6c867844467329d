"""Who builds what and who pays (issue #13), each outcome against its mechanism switched off.

Over 30 seeded runs of ``iss_era``: the lead pays most of a joint mission,
most of the largest budget is committed, the junior agencies lead missions
of their own as well as joint ones, and no mission that needs crew flies
without a member that can carry crew. Each test also switches off the
mechanism the outcome comes from and sees the outcome weaken.
"""

import functools

import numpy as np
import pytest

from sim import load_scenario, run
from sim.model import SpaceCooperationModel
from sim.scenario import DOMAINS
from sim.validation import validate

pytestmark = pytest.mark.slow  # 30 seeded runs per arm

REPLICATES = 30
SEEDS = range(REPLICATES)
CREW = DOMAINS.index("crew")


def _crewed_kinds(spec) -> set[str]:
    return {
        name
        for name, kind in spec.missions.items()
        if any(e.domain == "crew" and e.critical for e in (kind.elements or {}).values())
    }


@functools.cache
def _scored(pattern: str, items: tuple = ()):
    """Share of runs passing ``pattern`` and its median value, with ``items`` overridden."""
    spec = load_scenario("iss_era", dict(items))
    v = validate(spec, REPLICATES, [pattern], seed=0, workers=1, progress=False)
    row = v.shares.set_index("pattern").loc[pattern]
    return float(row.pass_share), float(row.value)


def test_the_lead_pays_most_because_it_is_the_prime():
    share, value = _scored("lead_pays_most")
    assert share >= 0.9 and value > 0.6
    # Without a prime (the core and ties go by money, not to the lead) it weakens.
    _, off = _scored("lead_pays_most", (("negotiation.lead_keeps_core", False),))
    assert off < value - 0.08


def test_most_of_the_largest_budget_is_committed_because_of_the_base():
    share, value = _scored("budgets_committed")
    assert share >= 0.9 and value > 0.6
    _, off = _scored("budgets_committed", (("agencies.NASA.committed_share", 0.0),))
    assert off < 0.5  # missions alone leave most of NASA's budget free


def test_junior_agencies_lead_missions_of_their_own_because_rights_are_rival():
    share, _ = _scored("juniors_lead_own")
    assert share >= 0.7

    def solo_led(items=()):
        spec = load_scenario("iss_era", dict(items))
        counts = []
        for s in SEEDS[:10]:
            m = run(spec, seed=s).missions
            counts.append(int((m.lead.isin(["ESA", "JAXA"]) & ~m.joint).sum()))
        return np.mean(counts)

    # If nothing a partner receives were taken from the lead (all benefits shared),
    # the lead would always take partners: ESA and JAXA fly alone far less.
    assert solo_led((("negotiation.rival_share", 0.0),)) < 0.5 * solo_led()


def _crewed_without_crew(items=()) -> tuple[int, int]:
    """Missions begun whose crew element nobody in them could build, and all crewed ones."""
    spec = load_scenario("iss_era", dict(items))
    bad = total = 0
    for s in SEEDS[:10]:
        model = SpaceCooperationModel(spec, rng=s)
        while model.running:
            model.step()  # capabilities only grow within a year, after the year's deals
            for m in model.log.started:
                el = m.proposal.kind.elements
                needs = el.level[(el.domain == CREW) & el.critical]
                if len(needs) == 0:
                    continue
                total += 1
                signed = [*m.members, *m.withdrawn]  # one that left in its first year still signed
                bad += int(not (model.capabilities[signed, CREW] >= needs.max() - 1e-9).any())
    return bad, total


def test_no_crewed_mission_flies_without_a_member_that_carries_crew():
    bad, total = _crewed_without_crew()
    assert total > 20 and bad == 0
    # Averaging over domains instead, members without crew transport fly crewed missions.
    off, _ = _crewed_without_crew((("negotiation.weakest_link", False),))
    assert off > 0


def test_after_the_shuttle_nasa_crews_fly_only_with_roscosmos():
    def gap(items=()):
        spec = load_scenario("iss_era", dict(items))
        crewed = _crewed_kinds(spec)
        flown = on_soyuz = 0
        for s in SEEDS:
            m = run(spec, seed=s).missions
            m = m[m.start_year.between(2011, 2019) & m.members.map(lambda x: "NASA" in x)]
            m = m[m.kind.isin(crewed)]
            flown += len(m)
            on_soyuz += int(m.depends_on.map(lambda d: "NASA:Roscosmos" in d).sum())
        return flown, on_soyuz

    # Over seeds 0-29, 12 of the 13 NASA crewed missions begun in the gap fly on
    # Soyuz. The 13th (seed 29, 2019) is a crewed flight whose spacecraft ESA
    # builds: ESA's crew capability, 0.3 in 1993 (astronauts), reaches the 0.4 a
    # crew spacecraft needs by 2006 as it learns from the crew-domain work it
    # builds and its partners pass on (docs/ODD.md 7.13; Known limitations 7).
    # Seeds 30-89: 15 of 15 (16 of 16 before the one tension with artemis_vs_ilrs).
    flown, on_soyuz = gap()
    assert flown > 0 and flown - on_soyuz <= 1
    flown_off, on_soyuz_off = gap((("negotiation.weakest_link", False),))
    assert on_soyuz_off < flown_off  # without the weakest link NASA flies crews on its own


@functools.cache
def _cheap_builders(at_us_prices: bool) -> tuple[float, float]:
    """Roscosmos's joint missions per run and its share of their elements (30 seeds).

    ``at_us_prices`` switches the mechanism off: every agency builds at the
    catalog's (US) prices.
    """
    changes = {}
    if at_us_prices:
        spec = load_scenario("iss_era")
        changes = {f"agencies.{a}.cost_factor": 1.0 for a in spec.agencies}
    spec = load_scenario("iss_era", changes)
    joint, shares = 0, []
    for seed in SEEDS:
        deals = run(spec, seed=seed).deals
        signed = deals[(deals.outcome == "joint") & deals.role.isin(["lead", "member"])]
        count = signed.elements.str.count(r"\+") + 1
        share = count / count.groupby(signed.deal_id).transform("sum")
        mine = signed.agency == "Roscosmos"
        joint += int(mine.sum())
        shares.extend(share[mine].tolist())
    return joint / REPLICATES, float(np.mean(shares))


def test_a_cheaper_builder_builds_more_of_the_missions_it_joins():
    # Among members that build an element equally well the cheapest builds it, at
    # its own prices: Russia's hardware at ~60 % of US prices (Zarya, Soyuz, Progress).
    joint, share = _cheap_builders(at_us_prices=False)
    off_joint, off_share = _cheap_builders(at_us_prices=True)
    assert share > off_share + 0.08
    # and partners bring it in more often: 26.9 joint missions a run against 23.8
    # (1.13 times; 1.17 before the 2000 India-Russia partnership and the 2001
    # China-Russia treaty, which bring it in at any price, were events)
    assert joint > 1.08 * off_joint
