"""Negotiation: scripted step-by-step cases and coalition growth.

Who builds what is tested in ``test_elements.py``, the sharing rules in
``test_shares.py``, valuation in ``test_valuation.py``.
"""

from dataclasses import replace

import numpy as np
import pytest
from conftest import caps_of, make_elements, make_kind, make_table, proposal
from numpy.testing import assert_allclose

from sim.elements import build_fit
from sim.negotiation import (
    Agreement,
    Coalition,
    Offer,
    Terms,
    grow_coalition,
    negotiate,
)
from sim.negotiation import _Talks as Talks

# ---------------------------------------------------------------- scripted


def _split_caps():
    # A has launch, B has science instruments: neither can fly the probe alone.
    return [caps_of(launch=0.8), caps_of(science_instruments=0.8)]


def test_complementary_agencies_fly_together(kind, terms):
    table = make_table(2, caps=_split_caps(), price=0.5)
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.JOINT
    assert deal.members == (0, 1)
    assert deal.shares.sum() == pytest.approx(1.0)
    assert deal.rights.sum() == pytest.approx(1.0)
    assert deal.cost == pytest.approx(kind.cost * 1.1)  # one partner: overhead once
    assert deal.coverage == pytest.approx(1.0)
    assert deal.builders == (0, 1)  # the lead builds the launch, the partner the instruments
    assert deal.depends_on == ((1,), (0,))
    assert_allclose(deal.outside, [0.0, 0.0])  # neither can fly it alone


def test_symmetric_complementary_pair_splits_fifty_fifty(kind, terms):
    table = make_table(2, caps=_split_caps(), price=0.5)
    deal = negotiate(proposal(kind), table, terms)
    assert_allclose(deal.shares, [0.5, 0.5])
    assert_allclose(deal.rights, [0.5, 0.5])
    # 0.5 bn a point, 4 * 1.2 points: half is rival (split 50/50), half shared
    assert_allclose(deal.values, [0.5 * 4.8 * (0.5 * 0.5 + 0.5)] * 2)


def test_a_lead_that_may_take_no_partner_goes_solo(terms):
    kind = make_kind(max_partners=0)
    deal = negotiate(proposal(kind), make_table(2, price=0.5), terms)
    assert deal.agreement is Agreement.SOLO
    assert deal.members == (0,) and deal.asked == ()
    assert_allclose(deal.shares, [1.0])
    assert_allclose(deal.rights, [1.0])
    assert deal.builders == (0, 0)
    assert_allclose(deal.values, [0.5 * 4.0])


def test_a_mission_worth_less_than_it_costs_is_declined_not_failed(kind, terms):
    table = make_table(2, caps=_split_caps(), price=0.1)  # 0.48 of value for 1.1 of cost
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.NONE
    assert not deal.failed_talks
    assert deal.asked == (1,)
    assert deal.asked_outside == (0.0, 0.0)


def test_ban_excludes_partner(kind, terms):
    banned = np.array([[False, True], [True, False]])
    table = make_table(2, caps=_split_caps(), banned=banned, price=0.5)
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.NONE
    assert deal.asked == ()


def test_tension_above_tolerance_excludes_partner(kind, terms):
    table = make_table(2, caps=_split_caps(), tension=0.9, price=0.5)
    assert negotiate(proposal(kind), table, terms).agreement is Agreement.NONE
    table = make_table(2, caps=_split_caps(), tension=0.5, price=0.5)
    assert negotiate(proposal(kind), table, terms).agreement is Agreement.JOINT


def test_each_requires_keeps_out_partners_without_it(terms):
    kind = make_kind(
        requires={"launch": 0.5, "crew": 0.5},
        each_requires=np.array(caps_of(crew=0.5)),
    )
    caps = [caps_of(launch=0.8, crew=0.8), caps_of(launch=0.8)]
    deal = negotiate(proposal(kind), make_table(2, caps=caps, price=0.5), terms)
    assert 1 not in deal.members and deal.asked == ()
    # A lead without it cannot even take part in its own proposal.
    deal = negotiate(proposal(kind, lead=1), make_table(2, caps=caps, price=0.5), terms)
    assert deal.agreement is Agreement.NONE and deal.asked == ()


def test_a_lead_short_of_money_takes_a_partner_and_pays_within_its_means(terms):
    caps = [caps_of(launch=0.8, science_instruments=0.8)] * 2
    table = make_table(2, caps=caps, budgets=[0.3, 10.0], price=0.5)  # 0.6 over two years
    deal = negotiate(proposal(make_kind()), table, terms)
    assert deal.agreement is Agreement.JOINT  # alone it cannot pay 1.0
    pay = deal.shares * deal.cost
    assert pay[0] <= 0.3 * 2 + 1e-9
    assert_allclose(pay, [0.55, 0.55])
    # A partner that cannot pay for any element brings nothing and is not taken.
    table = make_table(2, caps=_split_caps(), budgets=[10.0, 0.05], price=0.5)
    assert negotiate(proposal(make_kind()), table, terms).agreement is Agreement.NONE


@pytest.mark.parametrize("rule", ["nash", "proportional", "shapley"])
def test_every_rule_yields_valid_shares_and_rights(kind, rule):
    terms = Terms.of(rule=rule, min_coverage=0.6, overhead=0.1, distrust=0.0, instrument_bonus=0.2)
    caps = [caps_of(launch=0.8), caps_of(science_instruments=0.8), caps_of(launch=0.6)]
    deal = negotiate(proposal(kind), make_table(3, caps=caps, price=0.5), terms)
    assert deal.agreement is Agreement.JOINT
    assert deal.shares.sum() == pytest.approx(1.0)
    assert deal.rights.sum() == pytest.approx(1.0)
    assert np.all(deal.shares >= 0) and np.all(deal.rights >= 0)
    payoff = deal.values - deal.shares * deal.cost
    assert np.all(payoff >= deal.outside - 1e-9)


def test_budget_weighted_nash_gives_the_richer_member_more_rights(kind, terms):
    table = make_table(2, caps=_split_caps(), budgets=[25.0, 4.0], price=0.5)
    equal = negotiate(proposal(kind), table, terms)
    weighted = negotiate(proposal(kind), table, replace(terms, power_by_budget=True))
    assert_allclose(equal.rights, [0.5, 0.5])
    assert weighted.rights[0] > 0.5 > weighted.rights[1] > 0.0
    assert_allclose(weighted.shares, equal.shares)  # in kind: each still pays for its own


# ---------------------------------------------------------------- capabilities that bind

# A station whose crew transport is critical: the lead and a trusted friend cannot
# carry crew (0.3 < 0.8); a third agency can.
STATION = make_elements(
    ("habitat", "station", 0.5, 0.6, False),
    ("lab", "science_instruments", 0.5, 0.2, False),
    ("soyuz", "crew", 0.8, 0.2, True),
)
STATION_CAPS = [
    caps_of(station=1.0, science_instruments=1.0, crew=0.3),
    caps_of(station=1.0, science_instruments=1.0),
    caps_of(crew=1.0, station=0.3, science_instruments=0.2),
]
STATION_TRUST = np.array([[1.0, 0.9, 0.2], [0.9, 1.0, 0.2], [0.2, 0.2, 1.0]])


def _station_deal(terms, max_partners=1):
    kind = make_kind(elements=STATION, max_partners=max_partners)
    table = make_table(3, caps=STATION_CAPS, trust=STATION_TRUST, price=0.5)
    return negotiate(proposal(kind), table, terms)


def test_a_lead_without_crew_transport_depends_on_a_partner_able_to_carry_crew(terms):
    deal = _station_deal(terms)
    assert deal.asked == (1, 2)  # the trusted friend is approached first...
    assert deal.agreement is Agreement.JOINT
    assert deal.members == (0, 2)  # ...but only the crew carrier lets the station fly
    assert deal.builders == (0, 0, 2)  # the lead keeps the core and the lab
    assert deal.depends_on[0] == (2,)
    assert deal.shares[0] > deal.shares[1]


def test_without_a_crew_carrier_a_crewed_mission_does_not_fly(terms):
    caps = [STATION_CAPS[0], STATION_CAPS[1]]
    kind = make_kind(elements=STATION, max_partners=2)
    deal = negotiate(proposal(kind), make_table(2, caps=caps, price=0.5), terms)
    assert deal.agreement is Agreement.NONE


def test_switching_off_the_weakest_link_lets_a_lead_fly_crew_it_cannot_carry(terms):
    assert _station_deal(terms, max_partners=0).agreement is Agreement.NONE
    deal = _station_deal(replace(terms, weakest_link=False), max_partners=0)
    assert deal.agreement is Agreement.SOLO
    assert deal.coverage == pytest.approx(0.6 + 0.2 + 0.2 * 0.3 / 0.8)


# ---------------------------------------------------------------- the lead keeps the core

# A telescope (the core) and an arm. Both build the telescope; the lead builds the
# arm better, so without the rule the partner would take the core.
OBSERVATORY = make_elements(
    ("telescope", "science_instruments", 0.5, 0.6, False),
    ("arm", "robotics", 0.5, 0.4, False),
)
OBSERVATORY_CAPS = [
    caps_of(science_instruments=1.0, robotics=1.0),
    caps_of(science_instruments=1.0, robotics=0.45),
]


def test_a_lead_able_to_fly_alone_keeps_the_core_and_pays_the_largest_share(terms):
    kind = make_kind(elements=OBSERVATORY)
    table = make_table(2, caps=OBSERVATORY_CAPS, price=0.5)
    deal = negotiate(proposal(kind), table, terms)
    assert deal.outside[0] == pytest.approx(0.5 * 4.0 - 1.0)  # a profitable solo option
    assert deal.agreement is Agreement.JOINT
    assert deal.builders == (0, 1)
    assert_allclose(deal.shares, [0.6, 0.4])
    assert deal.rights[0] > deal.rights[1]
    payoff = deal.values - deal.shares * deal.cost
    assert np.all(payoff > deal.outside)  # both gain over what they would do alone


def test_without_the_lead_keeping_the_core_the_partner_builds_it_and_pays_most(terms):
    kind = make_kind(elements=OBSERVATORY)
    table = make_table(2, caps=OBSERVATORY_CAPS, price=0.5)
    deal = negotiate(proposal(kind), table, replace(terms, lead_keeps_core=False))
    assert deal.agreement is Agreement.JOINT
    assert deal.builders == (1, 0)
    assert_allclose(deal.shares, [0.4, 0.6])


# ---------------------------------------------------------------- failed talks and outside options


def test_failed_talks_are_recorded_when_the_rule_cannot_split(terms):
    # The crew carrier could fly the station alone for a good gain; rights in
    # proportion to the 20 % it builds leave it less than that, so talks fail.
    caps = [STATION_CAPS[0], caps_of(crew=1.0, station=1.0, science_instruments=0.45)]
    kind = make_kind(elements=STATION, max_partners=1)
    table = make_table(2, caps=caps, price=1.0)
    deal = negotiate(proposal(kind), table, replace(terms, rule="proportional"))
    assert deal.agreement is Agreement.NONE
    assert deal.failed_talks
    assert deal.asked == (1,) and deal.asked_outside[1] > 0
    # Nash bargaining gives it the rights it needs.
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.JOINT and not deal.failed_talks
    assert deal.builders == (0, 0, 1)
    payoff = deal.values - deal.shares * deal.cost
    assert payoff[1] > deal.outside[1] > 0


def test_outside_options_are_what_each_would_gain_alone(terms):
    kind = make_kind(elements=OBSERVATORY)
    table = make_table(2, caps=OBSERVATORY_CAPS, price=0.5)
    deal = negotiate(proposal(kind), table, terms)
    # The partner builds the arm at 0.9: alone its mission is worth 0.5 * 0.96 * 4.
    assert deal.asked_outside == pytest.approx((0.5 * 4.0 - 1.0, 0.5 * 0.96 * 4.0 - 1.0))
    assert_allclose(deal.outside, deal.asked_outside)
    off = negotiate(proposal(kind), table, replace(terms, outside_options=False))
    assert off.asked_outside == pytest.approx((1.0, 0.0))  # the lead's own solo option stays


def test_a_partner_whose_outside_option_binds_still_joins(terms):
    caps = [STATION_CAPS[0], caps_of(crew=1.0, station=1.0, science_instruments=0.45)]
    kind = make_kind(elements=STATION, max_partners=1)
    table = make_table(2, caps=caps, price=0.5)
    deal = negotiate(proposal(kind), table, replace(terms, rival_share=0.9))
    # The lead cannot fly alone; the pair gains 1.54 over the partner's 0.96 alone.
    assert deal.agreement is Agreement.JOINT
    assert_allclose(deal.values - deal.shares * deal.cost, [0.58, 0.96])


# ---------------------------------------------------------------- coalition growth


def _talks(kind, table, terms, outside=None):
    fit = build_fit(table.capabilities, kind.elements)
    n = len(table.active)
    outside = np.zeros(n) if outside is None else np.asarray(outside, float)
    return Talks(proposal(kind), table, terms, fit, outside)


def _grow(kind, table, terms, pool=None):
    pool = list(range(1, len(table.active))) if pool is None else pool
    return grow_coalition(_talks(kind, table, terms), None, pool)


def test_growth_offer_names_what_each_member_builds_pays_and_keeps(kind, terms):
    coalition = _grow(kind, make_table(2, caps=_split_caps(), price=0.5), terms)
    offer = coalition.offer
    assert isinstance(offer, Offer)
    assert coalition.members == offer.members == (0, 1)
    assert offer.partner == 1
    assert not coalition.failed_talks
    assert offer.stake.assignment.builder.tolist() == [0, 1]
    assert_allclose(offer.split.payments, offer.stake.pay)
    assert_allclose(offer.payoff, offer.stake.payoff(offer.split.rights))
    assert offer.total == pytest.approx(offer.payoff.sum())
    assert np.all(offer.payoff > 0)


def test_negotiate_agrees_on_the_offer_growth_ends_with(kind, terms):
    table = make_table(2, caps=_split_caps(), price=0.5)
    offer = _grow(kind, table, terms).offer
    deal = negotiate(proposal(kind), table, terms)
    assert deal.members == offer.members
    assert_allclose(deal.shares, offer.split.payments / offer.stake.cost)
    assert_allclose(deal.rights, offer.split.rights)
    assert deal.cost == offer.stake.cost
    assert deal.coverage == offer.stake.coverage


def test_growth_reaches_for_coverage_before_it_can_offer(terms):
    # Three domains, one agency each: no pair covers 90 %, so the first partner
    # is added for coverage alone and the second makes the first offer.
    kind = make_kind(requires={"launch": 0.5, "robotics": 0.5, "science_instruments": 0.5})
    caps = [caps_of(launch=0.8), caps_of(science_instruments=0.8), caps_of(robotics=0.8)]
    strict = replace(terms, min_coverage=0.9)
    coalition = _grow(kind, make_table(3, caps=caps, price=0.5), strict)
    assert sorted(coalition.members) == [0, 1, 2]
    assert coalition.offer is not None
    assert coalition.offer.members == coalition.members
    assert coalition.offer.stake.coverage == pytest.approx(1.0)


def test_a_partner_bringing_a_missing_critical_element_is_reached_for_first(terms):
    # Neither partner lets the lead fly yet; the one with the launch brings it closer.
    kind = make_kind(requires={"launch": 0.5, "robotics": 0.5, "science_instruments": 0.5})
    caps = [caps_of(science_instruments=0.8), caps_of(robotics=0.8), caps_of(launch=0.8)]
    talks = _talks(kind, make_table(3, caps=caps, price=0.5), replace(terms, min_coverage=0.9))
    assert talks.reach([0, 2]) > talks.reach([0, 1])
    assert talks.reach([0, 1]) == pytest.approx(2 / 3 - 1)  # the launch is still missing
    coalition = grow_coalition(talks, None, [1, 2])
    assert coalition.members[1] == 2


def test_growth_without_partners_allowed_stays_the_lead(terms):
    kind = make_kind(max_partners=0)
    assert _grow(kind, make_table(2, caps=_split_caps()), terms) == Coalition((0,), None, False)
