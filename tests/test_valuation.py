"""Valuation: coverage, who depends on whom, and what a mission is worth to each member."""

from dataclasses import replace

import numpy as np
import pytest
from conftest import caps_of, make_elements, make_kind, make_table, proposal
from numpy.testing import assert_allclose

from sim.elements import build_fit
from sim.mission import Proposal
from sim.negotiation import Terms
from sim.valuation import (
    coalition_cost,
    coverage,
    depends_on,
    price_of_points,
    requirement_fit,
    stakes,
    success_chance,
)

# A has launch, B science instruments: each builds one element of the default probe.
SPLIT_CAPS = [caps_of(launch=0.8), caps_of(science_instruments=0.8)]


def _stakes(members, kind, table, terms, cost=None):
    fit = build_fit(table.capabilities, kind.elements)
    return stakes(members, proposal(kind, lead=members[0], cost=cost), table, terms, fit)


# ---------------------------------------------------------------- coverage


def test_coverage_takes_best_member_per_domain():
    caps = np.array([[1.0, 0.0], [0.0, 0.25]])
    assert coverage(caps, np.array([0.5, 0.5])) == pytest.approx(0.75)
    assert_allclose(requirement_fit(caps, np.array([0.5, 0.5])), [[1.0, 0.0], [0.0, 0.5]])


def test_requirement_fit_skips_domains_not_needed():
    caps = np.array([[0.3, 0.9, 0.1]])
    assert_allclose(requirement_fit(caps, np.array([0.6, 0.0, 0.2])), [[0.5, 0.5]])


def test_success_chance_is_reliability_times_coverage_to_a_power():
    assert success_chance(1.0, 0.2) == pytest.approx(0.8)
    assert success_chance(0.5, 0.2) == pytest.approx(0.4)
    assert success_chance(0.5, 0.2, exponent=2.0) == pytest.approx(0.2)


def test_coalition_cost_adds_overhead_per_partner_and_draws_on_the_pool():
    kind = make_kind(cost=10.0)
    terms = Terms.of(overhead=0.2, pool_cap=0.25)
    assert coalition_cost(proposal(kind), 1, terms, pool=100.0) == (10.0, 0.0)  # solo: no pool
    paid, subsidy = coalition_cost(proposal(kind), 3, terms, pool=100.0)
    assert (paid, subsidy) == pytest.approx((14.0 * 0.75, 14.0 * 0.25))
    paid, subsidy = coalition_cost(proposal(kind), 3, terms, pool=1.0)  # the pool runs short
    assert (paid, subsidy) == pytest.approx((13.0, 1.0))


def test_depends_on_names_the_builders_of_what_a_member_cannot_build():
    # Element 0 built by agency 7, 1 by agency 9, 2 by agency 7.
    builder = np.array([0, 1, 0])
    fit = np.array([[1.0, 0.5, 1.0], [0.2, 1.0, 1.0]])
    assert depends_on([7, 9], builder, fit) == [[9], [7]]
    able = np.ones((2, 3))
    assert depends_on([7, 9], builder, able) == [[], []]
    # What a member builds itself, even poorly, is no dependence.
    assert depends_on([7], np.zeros(3, int), np.array([[0.1, 0.1, 0.1]])) == [[]]


# ---------------------------------------------------------------- stakes


def test_a_solo_mission_at_full_rights_pays_its_value_less_its_cost(kind, terms):
    table = make_table(1, caps=[caps_of(launch=1.0, science_instruments=1.0)], price=0.5)
    s = _stakes([0], kind, table, terms)
    # 0.5 bn a point, 4 points of science, certain success, cost 1.
    assert s.members == (0,) and s.cost == 1.0 and s.subsidy == 0.0
    assert s.chance == pytest.approx(1.0) and s.coverage == pytest.approx(1.0)
    assert_allclose(s.payoff(np.ones(1)), [0.5 * 4.0 - 1.0])
    assert_allclose(s.pay, [1.0])
    assert_allclose(s.dependence, [0.0])


def test_value_scales_with_chance_price_and_cost_motive(terms):
    kind = make_kind(risk=0.2, prestige=2.0, science=4.0)
    caps = [caps_of(launch=1.0, science_instruments=0.25)]  # builds the instruments at half
    motives = np.array([[1.0, 0.5, 0.0, 2.0]])
    table = make_table(1, caps=caps, price=0.5, motives=motives, rivalry=np.array([1.0]))
    s = _stakes([0], kind, table, terms)
    chance = 0.8 * (0.5 * 1.0 + 0.5 * 0.5)
    points = 1.0 * 4.0 + 0.5 * 2.0 * (1.0 + 1.0)  # prestige doubles in a race with a peer
    assert s.chance == pytest.approx(chance)
    assert (s.rate + s.fixed)[0] == pytest.approx(0.5 / 2.0 * chance * points)


def test_joint_payments_add_up_to_what_the_members_pay(kind, terms):
    table = make_table(2, caps=SPLIT_CAPS, pool=0.05)
    s = _stakes([0, 1], kind, table, replace(terms, pool_cap=0.5))
    assert s.cost == pytest.approx(1.1 - 0.05)  # overhead once, less the pool
    assert s.subsidy == pytest.approx(0.05)
    assert s.pay.sum() == pytest.approx(s.cost)
    assert_allclose(s.pay, s.assignment.parts * s.cost)
    assert s.assignment.builder.tolist() == [0, 1]


def test_joint_science_gains_an_instrument_bonus_per_partner(kind, terms):
    table = make_table(2, caps=SPLIT_CAPS, price=0.5)
    s = _stakes([0, 1], kind, table, terms)
    assert_allclose(s.rate + s.fixed, [0.5 * 4.0 * 1.2] * 2)


def test_dependence_is_the_share_built_by_others_that_a_member_cannot_build(terms):
    el = make_elements(
        ("lab", "science_instruments", 0.5, 0.6, False),
        ("soyuz", "crew", 0.5, 0.4, True),
    )
    kind = make_kind(elements=el)
    caps = [caps_of(science_instruments=1.0), caps_of(science_instruments=1.0, crew=1.0)]
    table = make_table(2, caps=caps)
    s = _stakes([0, 1], kind, table, terms)
    assert s.assignment.builder.tolist() == [0, 1]
    assert_allclose(s.dependence, [0.4, 0.0])  # the partner could build the lab itself
    # Autonomy-minded members value what they depend on others for less.
    proud = make_table(2, caps=caps, motives=np.tile([1.0, 1.0, 0.5, 1.0], (2, 1)))
    t = _stakes([0, 1], kind, proud, terms)
    assert_allclose((t.rate + t.fixed) / (s.rate + s.fixed), [1.0 - 0.5 * 0.4, 1.0])


def test_no_stakes_when_the_coalition_cannot_fly(terms):
    el = make_elements(
        ("lab", "science_instruments", 0.5, 0.6, False),
        ("soyuz", "crew", 0.5, 0.4, True),
    )
    kind = make_kind(elements=el)
    no_crew = make_table(2, caps=[caps_of(science_instruments=1.0, crew=0.4)] * 2)
    assert _stakes([0], kind, no_crew, terms) is None
    assert _stakes([0, 1], kind, no_crew, terms) is None
    # Able, but the partner cannot pay for the one element it would build: a
    # critical one the lead buys from it (Soyuz seats), a non-critical one not.
    caps = [caps_of(science_instruments=1.0, crew=1.0)] * 2
    poor = make_table(2, caps=caps, budgets=[10.0, 0.1])  # 0.2 over two years < 0.44
    bought = _stakes([0, 1], kind, poor, terms)
    assert bought.assignment.builder.tolist() == [0, 1]
    assert bought.assignment.payer.tolist() == [0, 0]
    assert bought.pay[1] == 0.0 and bought.dependence[1] == 0.0
    lab_only = make_kind(
        elements=make_elements(
            ("lab", "science_instruments", 0.5, 0.6, False),
            ("camera", "science_instruments", 0.5, 0.4, False),
        )
    )
    assert _stakes([0, 1], lab_only, poor, terms) is None
    assert _stakes([0], kind, poor, terms) is not None
    # Three members for two elements: somebody would bring nothing.
    assert _stakes([0, 1, 2], kind, make_table(3, caps=[caps[0]] * 3), terms) is None


@pytest.mark.parametrize("rival", [0.0, 0.3, 1.0])
def test_rival_share_moves_value_between_rights_and_what_all_enjoy(kind, terms, rival):
    table = make_table(2, caps=SPLIT_CAPS)
    whole = _stakes([0, 1], kind, table, terms)
    s = _stakes([0, 1], kind, table, replace(terms, rival_share=rival))
    assert_allclose(s.rate + s.fixed, whole.rate + whole.fixed)  # no diplomatic prestige here
    assert_allclose(s.rate, rival * (whole.rate + whole.fixed))


def test_diplomatic_prestige_of_flying_with_a_rival_is_not_divided(terms):
    kind = make_kind(joint_prestige=2.0, science=4.0)
    calm = _stakes([0, 1], kind, make_table(2, caps=SPLIT_CAPS), terms)
    tense = _stakes([0, 1], kind, make_table(2, caps=SPLIT_CAPS, tension=0.5), terms)
    assert_allclose(tense.rate, calm.rate)  # sensitivity 0: no political cost
    assert_allclose(tense.fixed - calm.fixed, [1.0 * 2.0 * 0.5] * 2)


def test_political_cost_grows_with_tension_times_sensitivity(terms):
    caps = np.ones((2, 6))
    low = make_kind(sensitivity=0.1)
    high = make_kind(sensitivity=0.9)
    table = make_table(2, caps=caps, tension=0.5)
    v_low = _stakes([0, 1], low, table, terms)
    v_high = _stakes([0, 1], high, table, terms)
    # each member's value is discounted once per partner: 1 - 1.0 * sensitivity * 0.5
    assert_allclose(v_low.rate / v_high.rate, [(1 - 0.05) / (1 - 0.45)] * 2)
    assert np.all(v_high.rate < v_low.rate)


def test_distrust_discounts_a_joint_mission(kind):
    terms = Terms.of(distrust=0.5, overhead=0.1, instrument_bonus=0.2)
    trusting = _stakes([0, 1], kind, make_table(2, caps=SPLIT_CAPS), terms)
    wary = _stakes([0, 1], kind, make_table(2, caps=SPLIT_CAPS, trust=0.4), terms)
    assert_allclose(wary.rate, trusting.rate * (1 - 0.5 * 0.6))


# ---------------------------------------------------------------- price of points


def _offer(kind, lead, cost, science):
    return Proposal(kind, lead, cost, science, 0.0)


def test_an_agency_short_of_money_prices_a_point_at_its_first_unfunded_proposal():
    kind = make_kind(duration=1, risk=0.0)
    good = _offer(kind, 0, 1.0, 4.0)  # 4 points a bn
    fair = _offer(kind, 0, 2.0, 2.0)  # 1 point a bn: does not fit in what is left
    poor = _offer(kind, 0, 1.0, 0.5)
    price = price_of_points(
        [poor, fair, good], [1.0] * 3, np.ones((1, 4)), np.zeros(1), np.array([1.5]), 2.0
    )
    assert_allclose(price, [1.0 / 1.0])  # below the 2.0 a spare bn is worth
    free = np.array([3.0])  # now the good and the fair fit, the poor does not
    price = price_of_points([poor, fair, good], [1.0] * 3, np.ones((1, 4)), np.zeros(1), free, 5.0)
    assert_allclose(price, [1.0 / 0.5])


def test_an_agency_with_money_to_spare_prices_a_point_at_the_value_of_money():
    kind = make_kind(duration=1)
    proposals = [_offer(kind, 0, 1.0, 4.0), _offer(kind, 1, 1.0, 4.0)]
    free = np.array([10.0, 0.5, 1.0])
    price = price_of_points(proposals, [1.0, 1.0], np.ones((3, 4)), np.zeros(3), free, 2.0)
    assert_allclose(price, [2.0, 0.25, 2.0])  # the third agency proposed nothing


def test_the_price_of_points_reads_yearly_cost_quality_motives_and_rivalry():
    kind = make_kind(duration=4, risk=0.5)
    p = Proposal(kind, 0, 8.0, 2.0, 1.0)  # 2 bn a year
    motives = np.array([[1.0, 2.0, 0.0, 1.0]])
    rivalry = np.array([0.5])
    # Fits within 2 bn a year: money to spare.
    assert_allclose(price_of_points([p], [0.5], motives, rivalry, np.array([2.0]), 9.0), [9.0])
    # Unfunded: points = 0.5 * 0.5 * (2 + 2 * 1 * 1.5) = 1.25 for 8 bn.
    got = price_of_points([p], [0.5], motives, rivalry, np.array([1.9]), 9.0)
    assert_allclose(got, [8.0 / 1.25])
    # A proposal worth less than the value of money does not raise the price above it.
    assert_allclose(price_of_points([p], [0.5], motives, rivalry, np.array([1.9]), 1.0), [1.0])
