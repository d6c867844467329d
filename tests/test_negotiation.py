"""Negotiation: scripted step-by-step cases and coalition growth.

The sharing rules are tested in ``test_shares.py``, valuation in ``test_valuation.py``.
"""

import numpy as np
import pytest
from conftest import make_kind, make_table, proposal
from numpy.testing import assert_allclose

from sim.negotiation import (
    Agreement,
    Coalition,
    Offer,
    Terms,
    grow_coalition,
    negotiate,
    requirement_fit,
)

# ---------------------------------------------------------------- scripted


def _split_caps():
    # A has launch, B has science instruments: neither covers the probe alone.
    return [[0.8, 0, 0, 0, 0, 0], [0, 0, 0, 0.8, 0, 0]]


def test_complementary_agencies_fly_together(kind, terms):
    table = make_table(2, caps=_split_caps())
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.JOINT
    assert deal.members == (0, 1)
    assert deal.shares.sum() == pytest.approx(1.0)
    assert deal.cost == pytest.approx(kind.cost * 1.1)  # one partner: overhead once
    assert deal.coverage == pytest.approx(1.0)


def test_symmetric_complementary_pair_splits_fifty_fifty(kind, terms):
    table = make_table(2, caps=_split_caps())
    deal = negotiate(proposal(kind), table, terms)
    assert_allclose(deal.shares, [0.5, 0.5])


def test_lead_that_covers_everything_but_values_little_goes_solo(terms):
    kind = make_kind(science=4.0, max_partners=0)
    deal = negotiate(proposal(kind), make_table(2), terms)
    assert deal.agreement is Agreement.SOLO
    assert deal.members == (0,)


def test_ban_excludes_partner(kind, terms):
    banned = np.array([[False, True], [True, False]])
    deal = negotiate(proposal(kind), make_table(2, caps=_split_caps(), banned=banned), terms)
    assert deal.agreement is Agreement.NONE


def test_tension_above_tolerance_excludes_partner(kind, terms):
    table = make_table(2, caps=_split_caps(), tension=0.9)
    assert negotiate(proposal(kind), table, terms).agreement is Agreement.NONE
    table = make_table(2, caps=_split_caps(), tension=0.5)
    assert negotiate(proposal(kind), table, terms).agreement is Agreement.JOINT


def test_each_requires_keeps_out_partners_without_it(terms):
    kind = make_kind(
        each_requires=np.array([0, 0.5, 0, 0, 0, 0]),
        requires=np.array([0.5, 0.5, 0, 0, 0, 0]),
    )
    caps = [[0.8, 0.8, 0, 0, 0, 0], [0.8, 0.0, 0, 0, 0, 0]]
    deal = negotiate(proposal(kind), make_table(2, caps=caps), terms)
    assert 1 not in deal.members


def test_budget_limits_shares(kind, terms):
    table = make_table(2, caps=_split_caps(), budgets=[10.0, 0.05])
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.JOINT
    pay = deal.shares * deal.cost
    assert pay[1] <= 0.05 * kind.duration + 1e-9


def test_failed_talks_are_recorded_when_rule_cannot_split(kind):
    # Proportional shares ask the poor, capable partner to pay more than it can.
    table = make_table(2, caps=_split_caps(), budgets=[10.0, 0.01])
    terms = Terms(
        rule="proportional",
        min_coverage=0.6,
        overhead=0.1,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
    )
    deal = negotiate(proposal(kind), table, terms)
    assert deal.agreement is Agreement.NONE
    assert deal.failed_talks


@pytest.mark.parametrize("rule", ["nash", "proportional", "shapley"])
def test_every_rule_yields_valid_shares(kind, rule):
    terms = Terms(
        rule=rule,
        min_coverage=0.6,
        overhead=0.1,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
    )
    caps = [[0.8, 0, 0, 0, 0, 0], [0, 0, 0, 0.8, 0, 0], [0.6, 0, 0, 0.6, 0, 0]]
    deal = negotiate(proposal(kind), make_table(3, caps=caps), terms)
    assert deal.agreement is Agreement.JOINT
    assert deal.shares.sum() == pytest.approx(1.0)
    assert np.all(deal.shares >= 0)


def test_budget_weighted_nash_makes_a_junior_partner_pay_its_part(kind):
    # A rich and a poor agency that value the mission alike per point.
    table = make_table(2, caps=_split_caps(), budgets=[25.0, 4.0])
    equal = Terms(
        rule="nash",
        min_coverage=0.6,
        overhead=0.1,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
        power_by_budget=False,
    )
    weighted = Terms(
        rule="nash",
        min_coverage=0.6,
        overhead=0.1,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
        power_by_budget=True,
    )
    poor_equal = negotiate(proposal(kind), table, equal).shares[1]
    poor_weighted = negotiate(proposal(kind), table, weighted).shares[1]
    assert poor_weighted > 0.0
    assert poor_weighted > poor_equal


# ---------------------------------------------------------------- coalition growth


def _grow(kind, table, terms):
    fit = requirement_fit(table.capabilities, kind.requires)
    return grow_coalition(proposal(kind), table, terms, fit, 0.0, solo_feasible=False)


def test_growth_offer_names_what_each_member_pays_and_keeps(kind, terms):
    coalition = _grow(kind, make_table(2, caps=_split_caps()), terms)
    offer = coalition.offer
    assert isinstance(offer, Offer)
    assert coalition.members == offer.members == (0, 1)
    assert offer.partner == 1
    assert not coalition.failed_talks
    assert_allclose(offer.payoff, offer.values - offer.shares * offer.cost)
    assert offer.total == offer.payoff.sum()
    assert np.all(offer.payoff > 0)


def test_negotiate_agrees_on_the_offer_growth_ends_with(kind, terms):
    table = make_table(2, caps=_split_caps())
    offer = _grow(kind, table, terms).offer
    deal = negotiate(proposal(kind), table, terms)
    assert deal.members == offer.members
    assert_allclose(deal.shares, offer.shares)
    assert deal.cost == offer.cost
    assert deal.coverage == offer.coverage


def test_growth_reaches_for_coverage_before_it_can_offer(terms):
    # Three domains, one agency each: no pair covers 90 %, so the first partner
    # is added for coverage alone and the second makes the first offer.
    kind = make_kind(requires=np.array([0.5, 0, 0, 0.5, 0.5, 0]))
    caps = [[0.8, 0, 0, 0, 0, 0], [0, 0, 0, 0.8, 0, 0], [0, 0, 0, 0, 0.8, 0]]
    strict = Terms(
        rule="nash",
        min_coverage=0.9,
        overhead=0.1,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
    )
    coalition = _grow(kind, make_table(3, caps=caps), strict)
    assert sorted(coalition.members) == [0, 1, 2]
    assert coalition.offer is not None
    assert coalition.offer.members == coalition.members
    assert coalition.offer.coverage == pytest.approx(1.0)


def test_growth_without_partners_allowed_stays_the_lead(terms):
    kind = make_kind(max_partners=0)
    assert _grow(kind, make_table(2, caps=_split_caps()), terms) == Coalition((0,), None, False)
