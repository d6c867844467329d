"""Missions made of elements, and who builds which: small cases with known answers."""

import numpy as np
import pytest
from conftest import make_elements
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sim.elements import Assignment, Elements, assign, build_fit
from sim.scenario import DOMAINS
from sim.scenario.schema import ElementSpec

# ---------------------------------------------------------------- Elements


def test_derived_elements_put_the_most_demanding_domain_first():
    el = Elements.derived({"launch": 0.3, "crew": 0.0, "science_instruments": 0.6}, DOMAINS)
    assert el.names == ("science_instruments", "launch")  # crew at 0 is not needed
    assert_array_equal(el.domain, [DOMAINS.index("science_instruments"), DOMAINS.index("launch")])
    assert_allclose(el.level, [0.6, 0.3])
    assert_allclose(el.share, [2 / 3, 1 / 3])  # in proportion to the level
    assert el.critical.tolist() == [False, True]


def test_derived_ties_keep_domain_order_and_launch_crew_comms_are_critical():
    levels = dict.fromkeys(DOMAINS, 0.5)
    el = Elements.derived(levels, DOMAINS)
    assert el.names == DOMAINS
    assert_allclose(el.share, np.full(len(DOMAINS), 1 / len(DOMAINS)))
    critical = {n for n, c in zip(el.names, el.critical, strict=True) if c}
    assert critical == {"launch", "crew", "deep_space_comms"}


def test_declared_elements_keep_their_order_and_normalise_shares():
    specs = {
        "habitat": ElementSpec(domain="station", level=0.8, share=0.5),
        "soyuz": ElementSpec(domain="crew", level=0.9, share=0.25, critical=True),
        "arm": ElementSpec(domain="robotics", level=0.4, share=0.26),
    }
    el = Elements.declared(specs, DOMAINS)
    assert el.names == ("habitat", "soyuz", "arm")  # the first listed is the core
    assert_array_equal(el.domain, [DOMAINS.index(d) for d in ("station", "crew", "robotics")])
    assert_allclose(el.level, [0.8, 0.9, 0.4])
    assert_allclose(el.share, np.array([0.5, 0.25, 0.26]) / 1.01)
    assert el.critical.tolist() == [False, True, False]


def test_requires_is_the_highest_level_per_domain():
    el = make_elements(
        ("core", "station", 0.4, 0.4, False),
        ("module", "station", 0.7, 0.3, False),
        ("launch", "launch", 0.6, 0.3, True),
    )
    expected = np.zeros(len(DOMAINS))
    expected[DOMAINS.index("station")] = 0.7
    expected[DOMAINS.index("launch")] = 0.6
    assert_allclose(el.requires(len(DOMAINS)), expected)


def test_build_fit_is_capability_over_level_capped_at_one():
    el = make_elements(("core", "station", 0.8, 0.5, False), ("launch", "launch", 0.5, 0.5, True))
    caps = np.zeros((2, len(DOMAINS)))
    caps[0, DOMAINS.index("station")] = 0.4
    caps[0, DOMAINS.index("launch")] = 0.9
    caps[1, DOMAINS.index("station")] = 1.0
    assert_allclose(build_fit(caps, el), [[0.5, 1.0], [1.0, 0.0]])


# ---------------------------------------------------------------- assign

CORE_AND_ONE = make_elements(
    ("core", "station", 0.5, 0.6, False),
    ("arm", "robotics", 0.5, 0.4, False),
)
RICH = np.array([10.0, 10.0])


def test_the_lead_keeps_the_core_when_it_can_build_it():
    fit = np.array([[1.0, 1.0], [1.0, 0.5]])  # both can build the core
    plan = assign(fit, CORE_AND_ONE, RICH, 1.0)
    assert plan.builder.tolist() == [0, 1]
    assert plan.quality == pytest.approx(0.6 * 1.0 + 0.4 * 0.5)
    assert_allclose(plan.parts, [0.6, 0.4])


def test_without_lead_keeps_core_the_assignment_maximises_quality():
    fit = np.array([[1.0, 1.0], [1.0, 0.5]])
    plan = assign(fit, CORE_AND_ONE, RICH, 1.0, lead_keeps_core=False)
    assert plan.builder.tolist() == [1, 0]  # the partner takes the core, the lead the arm
    assert plan.quality == pytest.approx(1.0)


def test_a_lead_unable_to_build_the_core_leaves_it_to_an_able_partner():
    fit = np.array([[0.8, 1.0], [1.0, 0.5]])
    plan = assign(fit, CORE_AND_ONE, RICH, 1.0)
    assert plan.builder.tolist() == [1, 0]


def test_a_lead_that_cannot_afford_the_core_does_not_keep_it():
    fit = np.array([[1.0, 1.0], [1.0, 0.5]])
    plan = assign(fit, CORE_AND_ONE, np.array([0.5, 10.0]), 1.0)  # the core costs 0.6
    assert plan.builder.tolist() == [1, 0]
    assert plan.parts[0] * 1.0 <= 0.5


def test_every_member_builds_at_least_one_element():
    el = make_elements(
        ("core", "station", 0.5, 0.4, False),
        ("arm", "robotics", 0.5, 0.3, False),
        ("lab", "science_instruments", 0.5, 0.3, False),
    )
    fit = np.array([[1.0, 1.0, 1.0], [0.2, 0.3, 0.2], [0.1, 0.1, 0.3]])  # the lead is best at all
    plan = assign(fit, el, np.full(3, 10.0), 1.0)
    assert plan.builder.tolist() == [0, 1, 2]
    assert set(plan.builder.tolist()) == {0, 1, 2}
    # judged as already flying, the lead builds everything it does best
    judged = assign(fit, el, np.full(3, 10.0), 1.0, every_member_builds=False)
    assert judged.builder.tolist() == [0, 0, 0]
    assert judged.quality == pytest.approx(1.0)


def test_more_members_than_elements_cannot_all_build():
    fit = np.ones((3, 2))
    assert assign(fit, CORE_AND_ONE, np.full(3, 10.0), 1.0) is None
    assert assign(fit, CORE_AND_ONE, np.full(3, 10.0), 1.0, every_member_builds=False) is not None


CREWED = make_elements(("lab", "station", 0.5, 0.5, False), ("soyuz", "crew", 0.8, 0.5, True))


def test_a_critical_element_goes_only_to_a_member_able_to_build_it():
    # The lead builds crew transport nearly as well (0.9) and is the better builder
    # overall, but only the partner is able: it must carry the crew.
    fit = np.array([[1.0, 0.9], [0.1, 1.0]])
    plan = assign(fit, CREWED, RICH, 1.0)
    assert plan.builder.tolist() == [0, 1]
    fit = np.array([[0.5, 0.9], [1.0, 1.0]])  # the lead cannot build the core either
    plan = assign(fit, CREWED, RICH, 1.0)
    assert plan.builder.tolist() == [0, 1]  # the partner takes the critical element, not the core
    assert plan.quality == pytest.approx(0.5 * 0.5 + 0.5 * 1.0)


def test_a_critical_element_nobody_can_build_grounds_the_mission():
    fit = np.array([[1.0, 0.9], [1.0, 0.95]])
    assert assign(fit, CREWED, RICH, 1.0) is None
    assert assign(fit[:1], CREWED, RICH[:1], 1.0) is None


def test_without_the_weakest_link_an_unable_member_builds_the_critical_element():
    fit = np.array([[1.0, 0.9], [1.0, 0.6]])
    plan = assign(fit, CREWED, RICH, 1.0, weakest_link=False)
    assert plan is not None
    assert plan.builder.tolist() == [0, 1]
    assert plan.quality == pytest.approx(0.5 * 1.0 + 0.5 * 0.6)
    alone = assign(fit[:1], CREWED, RICH[:1], 1.0, weakest_link=False)
    assert alone.builder.tolist() == [0, 0]
    assert alone.quality == pytest.approx(0.5 + 0.5 * 0.9)


def test_comparative_advantage_gives_each_partner_what_it_does_best_relatively():
    el = make_elements(
        ("core", "station", 0.5, 0.4, False),
        ("arm", "robotics", 0.5, 0.3, False),
        ("lab", "science_instruments", 0.5, 0.3, False),
    )
    # Partner 1 builds both better than partner 2 but is relatively better at the arm;
    # partner 2 is relatively better at the lab.
    fit = np.array([[1.0, 0.2, 0.2], [0.1, 1.0, 0.9], [0.1, 0.5, 0.8]])
    plan = assign(fit, el, np.full(3, 10.0), 1.0)
    assert plan.builder.tolist() == [0, 1, 2]
    swapped = fit[[0, 2, 1]]  # the same partners listed the other way round
    assert assign(swapped, el, np.full(3, 10.0), 1.0).builder.tolist() == [0, 2, 1]
    assert plan.elements_of(1, el) == ["arm"]


def test_elements_left_over_go_to_the_best_builder_biggest_first():
    el = make_elements(
        ("core", "station", 0.5, 0.4, False),
        ("arm", "robotics", 0.5, 0.2, False),
        ("lab", "science_instruments", 0.5, 0.3, False),
        ("comms", "deep_space_comms", 0.5, 0.1, True),
    )
    fit = np.array([[1.0, 0.6, 0.7, 1.0], [0.0, 1.0, 1.0, 1.0]])
    plan = assign(fit, el, RICH, 1.0)
    # The partner's one element is the lab (0.3 * 1.0); the arm goes to the better
    # builder (the partner), comms (a tie) to the earlier member, the lead.
    assert plan.builder.tolist() == [0, 1, 1, 0]
    assert_allclose(plan.parts, [0.5, 0.5])
    assert plan.elements_of(0, el) == ["core", "comms"]
    assert plan.quality == pytest.approx(1.0)


def test_money_limits_who_builds_what():
    el = make_elements(
        ("core", "station", 0.5, 0.5, False),
        ("arm", "robotics", 0.5, 0.25, False),
        ("lab", "science_instruments", 0.5, 0.25, False),
    )
    fit = np.ones((2, 3))
    cost = 4.0  # core 2.0, arm 1.0, lab 1.0
    # The partner can afford one element only: the lead takes the other.
    plan = assign(fit, el, np.array([3.0, 1.5]), cost)
    assert plan.builder[0] == 0
    assert sorted(plan.builder[1:].tolist()) == [0, 1]
    # Neither can afford the third element on top of what it has.
    assert assign(fit, el, np.array([2.5, 1.5]), cost) is None
    # A partner that cannot pay for any element cannot join.
    assert assign(fit, el, np.array([10.0, 0.5]), cost) is None
    # With enough money the partner takes both others (it builds them as well, ties
    # go to the earlier member, so the lead takes the rest when it can afford it).
    plan = assign(fit, el, np.array([2.0, 2.0]), cost)
    assert plan.builder.tolist() == [0, 1, 1]


def test_among_equally_good_builders_the_cheapest_builds_and_pays_its_own_prices():
    el = make_elements(
        ("core", "station", 0.5, 0.5, False),
        ("arm", "robotics", 0.5, 0.2, False),
        ("lab", "science_instruments", 0.5, 0.2, False),
        ("launch", "launch", 0.5, 0.1, True),
    )
    fit = np.ones((2, 4))
    # At equal prices the lead (the prime) takes every tie but the partner's one element.
    same = assign(fit, el, RICH, 10.0)
    assert same.builder.tolist() == [0, 1, 0, 0]
    # A partner building at 40 % of catalog prices takes the ties: the lead keeps the core.
    cheap = assign(fit, el, RICH, 10.0, factor=np.array([1.0, 0.4]))
    assert cheap.builder.tolist() == [0, 1, 1, 1]
    assert_allclose(cheap.built, [0.5, 0.5])  # by catalog value: what rights follow
    assert_allclose(cheap.parts, [0.5, 0.5 * 0.4])  # what each pays, at its own prices
    # Quality first: a cheaper builder that builds worse does not take the element.
    worse = fit.copy()
    worse[1, 1] = 0.9
    assert assign(worse, el, RICH, 10.0, factor=np.array([1.0, 0.4])).builder[1] == 0


def test_a_critical_element_bought_from_a_cheap_builder_costs_the_builders_price():
    fit = STATION_FIT
    # The partner alone can carry crew but has no money: the lead buys the soyuz at
    # the partner's prices (Soyuz seats), and the partner's element counts as built by it.
    plan = assign(fit, STATION, np.array([10.0, 0.0]), 1.0, factor=np.array([1.0, 0.5]))
    assert plan.builder.tolist() == [0, 0, 1]
    assert plan.payer.tolist() == [0, 0, 0]
    assert_allclose(plan.parts, [0.6 + 0.2 + 0.2 * 0.5, 0.0])
    assert_allclose(plan.built, [0.8, 0.2])


STATION = make_elements(
    ("habitat", "station", 0.5, 0.6, False),
    ("lab", "science_instruments", 0.5, 0.2, False),
    ("soyuz", "crew", 0.8, 0.2, True),
)
# The lead builds the habitat and the lab but cannot carry crew; the partner builds
# the lab as well as the lead and is the only one able to carry crew.
STATION_FIT = np.array([[1.0, 1.0, 0.3 / 0.8], [0.0, 1.0, 1.0]])
TIE_BUG = (
    "sim/elements.py assign(): the assignment of step 2 scores share * fit only, "
    "so a tie gives the partner the lab; the critical soyuz, which only it can build, "
    "then goes to it too (docstring: 'the one it does best relative to the others')"
)


def test_a_partner_is_given_the_critical_element_only_it_can_build():
    plan = assign(STATION_FIT, STATION, RICH, 1.0)
    assert plan.builder.tolist() == [0, 0, 1]


def test_a_partner_with_money_for_one_element_builds_the_critical_one():
    plan = assign(STATION_FIT, STATION, np.array([10.0, 0.25]), 1.0)
    assert plan is not None
    assert plan.builder.tolist() == [0, 0, 1]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), m=st.integers(1, 4), n_el=st.integers(1, 5))
def test_any_assignment_builds_everything_within_money(data, m, n_el):
    row = st.lists(st.floats(0.0, 1.0), min_size=n_el, max_size=n_el)
    fit = np.array(data.draw(st.lists(row, min_size=m, max_size=m)))
    share = np.array(data.draw(st.lists(st.floats(0.05, 1.0), min_size=n_el, max_size=n_el)))
    critical = np.array(data.draw(st.lists(st.booleans(), min_size=n_el, max_size=n_el)))
    money = np.array(data.draw(st.lists(st.floats(0.0, 3.0), min_size=m, max_size=m)))
    el = Elements(
        names=tuple(f"e{k}" for k in range(n_el)),
        domain=np.zeros(n_el, int),
        level=np.ones(n_el),
        share=share / share.sum(),
        critical=critical,
    )
    plan = assign(fit, el, money, 2.0)
    if plan is None:
        return
    assert isinstance(plan, Assignment)
    assert plan.builder.min() >= 0 and plan.builder.max() < m
    assert set(plan.builder.tolist()) == set(range(m))  # every member builds
    assert plan.parts.sum() == pytest.approx(1.0)
    assert_allclose(plan.built, plan.parts)  # at equal prices what each builds is what it pays
    assert np.all(plan.parts * 2.0 <= money + 1e-6)  # nobody pays more than it has
    assert np.all(fit[plan.builder[critical], np.nonzero(critical)[0]] >= 1.0 - 1e-9)
    assert plan.quality == pytest.approx(float(el.share @ fit[plan.builder, np.arange(n_el)]))
