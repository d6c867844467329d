"""Valuation: coverage and what a mission is worth to each member."""

import numpy as np
import pytest
from conftest import make_kind, make_table, proposal
from numpy.testing import assert_allclose

from sim.valuation import coverage, member_values, own_coverage, requirement_fit


def test_coverage_takes_best_member_per_domain():
    caps = np.array([[1.0, 0.0], [0.0, 0.25]])
    assert coverage(caps, np.array([0.5, 0.5])) == pytest.approx(0.75)
    assert_allclose(own_coverage(caps, np.array([0.5, 0.5])), [0.5, 0.25])


def test_political_cost_grows_with_tension_times_sensitivity(terms):
    caps = np.ones((2, 6))
    low = make_kind(sensitivity=0.1)
    high = make_kind(sensitivity=0.9)
    table = make_table(2, caps=caps, tension=0.5)
    fit = requirement_fit(table.capabilities, low.requires)
    v_low, _ = member_values([0, 1], proposal(low), table, terms, fit)
    v_high, _ = member_values([0, 1], proposal(high), table, terms, fit)
    assert np.all(v_high < v_low)
