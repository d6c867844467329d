"""Cost shares: analytic cases and invariants of the sharing rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sim.shares import nash_shares, proportional_shares, shapley_value


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


def test_weighted_nash_gives_surplus_in_proportion_to_power():
    values = np.array([6.0, 3.0])
    shares = nash_shares(values, np.zeros(2), 3.0, np.full(2, 10.0), power=np.array([2.0, 1.0]))
    surplus = values - shares * 3.0
    assert_allclose(surplus[0] / surplus[1], 2.0)
    assert shares.sum() == pytest.approx(1.0)
