"""Splitting rights (and money): analytic cases and invariants of the sharing rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sim.elements import Assignment
from sim.shares import fill, shapley_value, split
from sim.valuation import Stakes


def make_stake(rate, fixed, pay, parts=None, cost=None):
    """Hand-made stakes: payoff = rate * rights + fixed - pay."""
    rate, fixed, pay = (np.asarray(x, float) for x in (rate, fixed, pay))
    cost = float(pay.sum()) if cost is None else cost
    parts = pay / cost if parts is None else np.asarray(parts, float)
    m = len(rate)
    builder = np.arange(m)  # one element each, in member order
    return Stakes(
        members=tuple(range(10, 10 + m)),
        assignment=Assignment(builder, 1.0, parts, builder, parts),
        cost=cost,
        subsidy=0.0,
        chance=1.0,
        rate=rate,
        fixed=fixed,
        pay=pay,
        dependence=np.zeros(m),
    )


# ---------------------------------------------------------------- fill


def test_fill_docstring_cases():
    assert_allclose(fill(np.array([0.1, 0.3]), np.ones(2), np.zeros(2), 1.0), [0.4, 0.6])
    assert_allclose(fill(np.array([0.1, 0.3]), np.ones(2), np.array([0.5, 0.0]), 1.0), [0.5, 0.5])


def test_fill_moves_each_member_by_its_slope():
    got = fill(np.zeros(2), np.array([3.0, 1.0]), np.zeros(2), 1.0)
    assert_allclose(got, [0.75, 0.25])


def test_fill_holds_a_member_at_one_and_at_its_floor():
    got = fill(np.array([0.9, 0.0, 0.0]), np.ones(3), np.zeros(3), 2.0)
    assert_allclose(got, [1.0, 0.5, 0.5])  # the first reaches 1 and stays there
    got = fill(np.array([-0.5, 0.2]), np.ones(2), np.zeros(2), 1.0)
    assert_allclose(got, [0.15, 0.85])  # both above their floor: both move
    got = fill(np.array([-0.9, 0.2]), np.ones(2), np.zeros(2), 1.0)
    assert_allclose(got, [0.0, 1.0])  # the first stays at its floor (0) all the way
    got = fill(np.array([0.0, 0.0]), np.array([0.0, 1.0]), np.array([0.3, 0.0]), 1.0)
    assert_allclose(got, [0.3, 0.7])  # a member that does not move keeps its floor


def test_fill_is_none_when_floors_exceed_the_total_or_caps_fall_short():
    assert fill(np.zeros(2), np.ones(2), np.array([0.6, 0.5]), 1.0) is None
    assert fill(np.zeros(2), np.ones(2), np.zeros(2), 3.0) is None  # two caps of 1 < 3
    assert fill(np.zeros(2), np.zeros(2), np.array([0.5, 0.4]), 1.0) is None  # stuck at 0.9
    assert_allclose(fill(np.zeros(2), np.zeros(2), np.array([0.5, 0.5]), 1.0), [0.5, 0.5])


@settings(max_examples=50, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 5),
)
def test_fill_sums_to_the_total_within_floors_and_caps(data, n):
    base = np.array(data.draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
    slope = np.array(data.draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n)))
    low = np.array(data.draw(st.lists(st.floats(0.0, 0.5), min_size=n, max_size=n)))
    got = fill(base, slope, low, 1.0)
    if got is None:
        assert low.sum() > 1.0 - 1e-9 or n < 1
        return
    assert got.sum() == pytest.approx(1.0)
    assert np.all(got >= low - 1e-12) and np.all(got <= 1.0 + 1e-12)


# ---------------------------------------------------------------- shapley


def test_shapley_of_additive_cost_game_is_each_own_cost():
    costs = np.array([1.0, 2.5, 4.0])
    worth = np.array([sum(costs[i] for i in range(3) if mask >> i & 1) for mask in range(8)])
    assert_allclose(shapley_value(worth), costs)


def test_shapley_of_symmetric_game_is_equal_and_efficient():
    worth = np.array([0, 1, 1, 4, 1, 4, 4, 9.0])  # depends on size only
    phi = shapley_value(worth)
    assert_allclose(phi, [3.0, 3.0, 3.0])


def test_shapley_of_a_glove_game():
    # Player 0 owns a left glove, players 1 and 2 a right one: a pair is worth 1.
    worth = np.array([0, 0, 0, 1, 0, 1, 0, 1.0])
    assert_allclose(shapley_value(worth), [2 / 3, 1 / 6, 1 / 6])


# ---------------------------------------------------------------- split, in kind

SYMMETRIC = make_stake(rate=[2.0, 2.0], fixed=[0.0, 0.0], pay=[0.5, 0.5])


def test_nash_symmetric_members_split_rights_fifty_fifty():
    got = split(SYMMETRIC, np.zeros(2), "nash")
    assert_allclose(got.rights, [0.5, 0.5])
    assert_allclose(got.payments, SYMMETRIC.pay)  # in kind: each pays for what it builds


def test_nash_gives_equal_rights_beyond_what_leaves_each_even():
    stake = make_stake(rate=[4.0, 2.0], fixed=[0.0, 0.0], pay=[1.0, 0.5])
    got = split(stake, np.zeros(2), "nash")
    # Each breaks even at rights 0.25; the 0.5 left is split equally.
    assert_allclose(got.rights, [0.5, 0.5])
    assert_allclose(stake.payoff(got.rights), [1.0, 0.5])


def test_an_outside_option_that_binds_raises_that_members_rights():
    got = split(SYMMETRIC, np.array([0.8, 0.0]), "nash")
    # Member 0 needs 0.25 + 0.8 / 2 = 0.65 to do as well as on its own.
    assert_allclose(got.rights, [0.65, 0.35])
    assert_allclose(SYMMETRIC.payoff(got.rights), [0.8, 0.2])


def test_an_outside_option_that_does_not_bind_changes_nothing():
    got = split(SYMMETRIC, np.array([0.3, 0.0]), "nash")  # 0.5 already gives it 0.5 > 0.3
    assert_allclose(got.rights, [0.5, 0.5])


def test_nash_fails_when_outside_options_exceed_the_gain():
    assert split(SYMMETRIC, np.array([1.0, 1.0]), "nash") is None
    # A member left with nothing at all does not sign either.
    assert split(SYMMETRIC, np.array([1.0, 0.0]), "nash") is None


def test_weighted_nash_gives_rights_beyond_break_even_in_proportion_to_power():
    got = split(SYMMETRIC, np.zeros(2), "nash", power=np.array([2.0, 1.0]))
    assert_allclose(got.rights - 0.25, [1 / 3, 1 / 6])


def test_proportional_rights_are_the_parts_built():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    got = split(stake, np.zeros(2), "proportional")
    assert_allclose(got.rights, [0.7, 0.3])
    assert_allclose(got.payments, [0.7, 0.3])
    # ... as long as each then does at least as well as its outside option.
    assert split(stake, np.array([0.0, 0.9]), "proportional") is None


def test_shapley_payoffs_are_the_shapley_value_of_the_surplus_game():
    # Member 0 could fly alone for a gain of 0.5; member 1 cannot.
    alone = make_stake(rate=[1.5], fixed=[0.0], pay=[1.0])
    got = split(
        SYMMETRIC,
        np.zeros(2),
        "shapley",
        sub_stakes=lambda sub: alone if sub == [0] else None,
    )
    # v({0}) = 0.5, v({1}) = 0, v({0, 1}) = 2 * 1.0 - 1.0 = 1.0: phi = (0.75, 0.25)
    assert got.rights.sum() == pytest.approx(1.0)
    assert_allclose(SYMMETRIC.payoff(got.rights), [0.75, 0.25])
    assert_allclose(got.rights, [0.625, 0.375])


def test_shapley_is_none_when_the_coalition_gains_nothing():
    stake = make_stake(rate=[0.5, 0.5], fixed=[0.0, 0.0], pay=[0.5, 0.5])
    assert split(stake, np.zeros(2), "shapley", sub_stakes=lambda sub: None) is None


@pytest.mark.parametrize("rule", ["nash", "shapley"])
@settings(max_examples=30, deadline=None)
@given(data=st.data(), m=st.integers(2, 4))
def test_rights_sum_to_one_and_leave_everyone_its_outside_option(rule, data, m):
    pos = st.floats(0.1, 5.0)
    rate = np.array(data.draw(st.lists(pos, min_size=m, max_size=m)))
    fixed = np.array(data.draw(st.lists(st.floats(0.0, 2.0), min_size=m, max_size=m)))
    pay = np.array(data.draw(st.lists(pos, min_size=m, max_size=m)))
    outside = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=m, max_size=m)))
    stake = make_stake(rate, fixed, pay)
    got = split(stake, outside, rule, sub_stakes=lambda sub: None)
    if got is None:
        return
    assert got.rights.sum() == pytest.approx(1.0)
    assert np.all(got.rights >= -1e-12)
    assert np.all(stake.payoff(got.rights) >= outside - 1e-9)
    assert_allclose(got.payments, pay)


# ---------------------------------------------------------------- split, cash


def test_cash_nash_pays_between_members_and_rights_follow_parts():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    got = split(stake, np.zeros(2), "nash", cash=True)
    assert_allclose(got.rights, [0.7, 0.3])
    # At those rights payoffs are 1.2 and 0.8; Nash evens them at 1.0 with a 0.2 transfer.
    assert_allclose(got.payments, [0.9, 0.1])
    assert got.payments.sum() == pytest.approx(stake.cost)
    assert_allclose(stake.payoff(got.rights, got.payments), [1.0, 1.0])


CASH_BRW = (
    "sim/shares.py split(cash=True): Nash targets outside + equal surplus, so the outside "
    "option is the disagreement point and moves the split even when it does not bind, "
    "contrary to the module docstring (BRW 1986: it binds only where the split leaves less)"
)


def test_cash_nash_ignores_an_outside_option_that_does_not_bind():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    got = split(stake, np.array([0.3, 0.0]), "nash", cash=True)  # 1.0 each beats 0.3
    assert_allclose(stake.payoff(got.rights, got.payments), [1.0, 1.0])


def test_cash_nash_gives_a_binding_outside_option_its_due():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    got = split(stake, np.array([0.0, 1.05]), "nash", cash=True)
    # The equal split (1.0 each) leaves member 1 below 1.05: it gets 1.05, member 0 the rest.
    assert_allclose(stake.payoff(got.rights, got.payments), [0.95, 1.05])
    assert got.payments.sum() == pytest.approx(stake.cost)


def test_cash_proportional_keeps_each_paying_for_its_own():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    got = split(stake, np.zeros(2), "proportional", cash=True)
    assert_allclose(got.rights, [0.7, 0.3])
    assert_allclose(got.payments, [0.7, 0.3])


def test_cash_shapley_payments_sum_to_the_cost():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    alone = make_stake(rate=[1.0], fixed=[1.0], pay=[1.0])  # member 0 alone gains 1.0
    got = split(
        stake, np.zeros(2), "shapley", cash=True, sub_stakes=lambda s: alone if s == [0] else None
    )
    assert_allclose(got.rights, [0.7, 0.3])
    assert got.payments.sum() == pytest.approx(stake.cost)
    # v({0}) = 1, v({1}) = 0, v(N) = 2: phi = (1.5, 0.5)
    assert_allclose(stake.payoff(got.rights, got.payments), [1.5, 0.5])


def test_cash_fails_when_outside_options_exceed_the_gain():
    stake = make_stake(rate=[2.0, 2.0], fixed=[0.5, 0.5], pay=[0.7, 0.3])
    assert split(stake, np.array([1.5, 1.5]), "nash", cash=True) is None
