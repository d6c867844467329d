"""Negotiation: analytic cases, invariants and scripted step-by-step cases."""

import numpy as np
import pytest
from conftest import make_kind, make_table, proposal
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sim.negotiation import (
    Agreement,
    Coalition,
    Offer,
    Terms,
    coverage,
    grow_coalition,
    member_values,
    negotiate,
    own_coverage,
    requirement_fit,
)
from sim.shares import nash_shares, proportional_shares, shapley_value

# ---------------------------------------------------------------- analytic


def test_nash_symmetric_agencies_split_fifty_fifty():
    shares = nash_shares(np.array([3.0, 3.0]), np.zeros(2), 2.0, np.array([10.0, 10.0]))
    assert_allclose(shares, [0.5, 0.5])


def test_nash_gives_equal_surplus_above_disagreement():
    values = np.array([5.0, 3.0, 2.0])
    d = np.array([1.0, 0.0, 0.0])
    shares = nash_shares(values, d, 3.0, np.full(3, 10.0))
    surplus = values - d - shares * 3.0
    assert_allclose(surplus, surplus[0])  # TU Nash: surplus split equally
    assert_allclose(surplus[0], (values - d).sum() / 3 - 1.0)


def test_nash_respects_a_binding_budget():
    shares = nash_shares(np.array([10.0, 10.0]), np.zeros(2), 4.0, np.array([1.0, 10.0]))
    assert_allclose(shares * 4.0, [1.0, 3.0])


def test_nash_refuses_when_surplus_cannot_cover_cost():
    assert nash_shares(np.array([1.0, 1.0]), np.zeros(2), 3.0, np.full(2, 10.0)) is None
    assert nash_shares(np.array([5.0, 5.0]), np.zeros(2), 3.0, np.array([1.0, 1.0])) is None


def test_shapley_of_additive_cost_game_is_each_own_cost():
    costs = np.array([1.0, 2.5, 4.0])
    worth = np.array([sum(costs[i] for i in range(3) if mask >> i & 1) for mask in range(8)])
    assert_allclose(shapley_value(worth), costs)


def test_shapley_of_symmetric_game_is_equal_and_efficient():
    worth = np.array([0, 1, 1, 4, 1, 4, 4, 9.0])  # depends on size only
    phi = shapley_value(worth)
    assert_allclose(phi, [3.0, 3.0, 3.0])


def test_proportional_shares_follow_contribution():
    assert_allclose(proportional_shares(np.array([3.0, 1.0])), [0.75, 0.25])
    assert_allclose(proportional_shares(np.zeros(2)), [0.5, 0.5])


def test_coverage_takes_best_member_per_domain():
    caps = np.array([[1.0, 0.0], [0.0, 0.25]])
    assert coverage(caps, np.array([0.5, 0.5])) == pytest.approx(0.75)
    assert_allclose(own_coverage(caps, np.array([0.5, 0.5])), [0.5, 0.25])


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0.0, 20.0), min_size=2, max_size=6),
    cost=st.floats(0.1, 30.0),
    data=st.data(),
)
def test_nash_shares_sum_to_one_and_respect_budgets(values, cost, data):
    n = len(values)
    budgets = np.array(data.draw(st.lists(st.floats(0.0, 20.0), min_size=n, max_size=n)))
    d = np.array(data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)))
    values = np.array(values)
    shares = nash_shares(values, d, cost, budgets)
    if shares is None:
        x = values - d
        assert np.any(x < 0) or np.minimum(np.maximum(x, 0), budgets).sum() < cost + 1e-6
        return
    assert shares.sum() == pytest.approx(1.0)
    assert np.all(shares >= -1e-12)
    assert np.all(shares * cost <= budgets + 1e-6)
    assert np.all(values - shares * cost >= d - 1e-6)  # everyone accepts


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


def test_political_cost_grows_with_tension_times_sensitivity(terms):
    caps = np.ones((2, 6))
    low = make_kind(sensitivity=0.1)
    high = make_kind(sensitivity=0.9)
    table = make_table(2, caps=caps, tension=0.5)
    fit = requirement_fit(table.capabilities, low.requires)
    v_low, _ = member_values([0, 1], proposal(low), table, terms, fit)
    v_high, _ = member_values([0, 1], proposal(high), table, terms, fit)
    assert np.all(v_high < v_low)


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


def test_weighted_nash_gives_surplus_in_proportion_to_power():
    values = np.array([6.0, 3.0])
    shares = nash_shares(values, np.zeros(2), 3.0, np.full(2, 10.0), power=np.array([2.0, 1.0]))
    surplus = values - shares * 3.0
    assert_allclose(surplus[0] / surplus[1], 2.0)
    assert shares.sum() == pytest.approx(1.0)


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
