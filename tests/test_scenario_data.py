"""The bundled scenarios' data: one world told by several files, and missions made of elements.

An agency's budget in a given year is a fact about the world, not about the
scenario that tells it: two bundled files that cover the same year must give
the same agency the same budget, the same committed share and cost factor (issue #13),
and the same pair the same lasting tension (issue #14).
"""

from itertools import combinations
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import MINIMAL

from sim import SpaceCooperationModel, lifecycle
from sim.relations import Relations
from sim.scenario import Scenario, load_scenario
from sim.scenario.events import BudgetEvent, TensionEvent

BUNDLED = ("cold_war", "detente", "iss_era", "full_history", "artemis_vs_ilrs")

#: Where one file splits a programme that another keeps whole, the whole is
#: compared. artemis_vs_ilrs splits China's programme into CNSA and the China
#: Manned Space Agency, which iss_era and full_history keep as one CNSA;
#: full_history has ISAS and NASDA until their 2003 merger, which iss_era
#: already calls JAXA in 1993.
PROGRAMMES = {
    "artemis_vs_ilrs": {"CNSA": ("CNSA", "CMSA")},
    "full_history": {"JAXA": ("ISAS", "NASDA", "JAXA")},
}

#: An era file starts from a rounded value of the path the other files follow
#: (detente's ESRO: 0.7 bn in 1969 for 0.696), which puts the bundled files up
#: to 0.6 % apart. 1 % allows that rounding and no more (the issue allows
#: 5 %): two sources that disagree, or a trend left out of one file, are
#: several per cent apart within a few years.
TOLERANCE = 0.01


def yearly_budgets(sc: Scenario) -> dict[str, dict[int, float]]:
    """Each agency's budget in each year it is active, as the model moves it.

    As ``SpaceCooperationModel.step`` does: at the start of a year its
    ``budget`` events apply (``BudgetEvent.apply``: the budget times
    ``factor``, the trend set to ``growth``), then every agency active both
    last year and this year grows by its trend (``_update_budgets``). So a
    budget does not grow in the start year or in its founding year, and no
    random draw touches it.
    """
    state = {
        name: SimpleNamespace(budget=a.budget * sc.dynamics.budget_scale, growth=a.budget_growth)
        for name, a in sc.agencies.items()
    }
    world = SimpleNamespace(agency=state.__getitem__)
    was_active = dict.fromkeys(state, False)
    out: dict[str, dict[int, float]] = {name: {} for name in state}
    for year in range(sc.start_year, sc.end_year + 1):
        for event in sc.events:
            if event.year == year and isinstance(event, BudgetEvent):
                event.apply(world)
        for name, a in sc.agencies.items():
            active = a.founded <= year and (a.dissolved is None or year < a.dissolved)
            if was_active[name] and active:
                state[name].budget *= 1.0 + state[name].growth
            was_active[name] = active
            if active:
                out[name][year] = state[name].budget
    return out


def programme_budgets(name: str) -> dict[str, dict[int, float]]:
    """:func:`yearly_budgets` of a bundled scenario, with its split programmes summed."""
    budgets = yearly_budgets(load_scenario(name))
    for whole, parts in PROGRAMMES.get(name, {}).items():
        years = sorted({y for p in parts for y in budgets[p]})
        budgets[whole] = {y: sum(budgets[p].get(y, 0.0) for p in parts) for y in years}
    return budgets


def active_years(sc: Scenario, name: str) -> set[int]:
    a = sc.agencies[name]
    last = sc.end_year if a.dissolved is None else min(sc.end_year, a.dissolved - 1)
    return set(range(max(sc.start_year, a.founded), last + 1))


@pytest.fixture(scope="module")
def budgets():
    return {name: programme_budgets(name) for name in BUNDLED}


@pytest.mark.parametrize("first, second", list(combinations(BUNDLED, 2)))
def test_an_agency_has_one_budget_a_year_across_scenarios(budgets, first, second):
    a, b = budgets[first], budgets[second]
    off = []
    for agency in sorted(a.keys() & b.keys()):
        for year in sorted(a[agency].keys() & b[agency].keys()):
            x, y = a[agency][year], b[agency][year]
            if abs(x - y) > TOLERANCE * max(x, y):
                off.append(f"{agency} {year}: {x:.3g} in {first}, {y:.3g} in {second}")
    assert not off, f"{len(off)} budgets disagree, e.g.\n" + "\n".join(off[:10])


def test_budgets_move_as_the_model_moves_them(write_yaml):
    # No growth in the start year or the founding year; an event's factor and
    # new trend apply before that year's growth.
    text = (
        MINIMAL.replace("budget: 5.0", "budget: 5.0\n    budget_growth: 0.1")
        .replace(
            "founded: 1990\n    budget: 2.0",
            "founded: 2003\n    budget: 2.0\n    budget_growth: 0.5",
        )
        .replace(
            "events:\n",
            "events:\n  - {year: 2002, kind: budget, agencies: [A], factor: 2.0, growth: 0.0}\n",
        )
    )
    budgets = yearly_budgets(load_scenario(write_yaml(text)))
    assert budgets["A"] == pytest.approx(
        {2000: 5.0, 2001: 5.5, 2002: 11.0, 2003: 11.0, 2004: 11.0, 2005: 11.0}
    )
    assert budgets["B"] == pytest.approx({2003: 2.0, 2004: 3.0, 2005: 4.5})


@pytest.mark.parametrize("field", ["committed_share", "cost_factor", "support"])
@pytest.mark.parametrize("first, second", list(combinations(BUNDLED, 2)))
def test_an_agency_has_one_declared_level_across_scenarios(first, second, field):
    a, b = load_scenario(first), load_scenario(second)
    off = [
        f"{name}.{field}: {getattr(a.agencies[name], field)} in {first}, "
        f"{getattr(b.agencies[name], field)} in {second}"
        for name in sorted(a.agencies.keys() & b.agencies.keys())
        if active_years(a, name) & active_years(b, name)
        and getattr(a.agencies[name], field) != getattr(b.agencies[name], field)
    ]
    assert not off, "\n".join(off)


def yearly_tension(sc: Scenario) -> dict[tuple[str, str], dict[int, float]]:
    """The lasting (baseline) tension of each pair at the end of each year it is active.

    As the model moves it: the declared start (``Relations.from_scenario``),
    then each tension event in its year (``TensionEvent.apply``). Crises that
    fade, and what missions do to tension, move the tension of a run but not
    its baseline, so the baseline is an input: a fact about the world that
    every file telling the same years must share.
    """
    names = list(sc.agencies)
    index = {name: i for i, name in enumerate(names)}
    world = SimpleNamespace(
        index=index,
        bloc_names=np.array([a.bloc for a in sc.agencies.values()]),
        relations=Relations.from_scenario(sc),
    )
    active = {name: active_years(sc, name) for name in names}
    out: dict[tuple[str, str], dict[int, float]] = {p: {} for p in combinations(names, 2)}
    for year in range(sc.start_year, sc.end_year + 1):
        for event in sc.events:
            if event.year == year and isinstance(event, TensionEvent):
                event.apply(world)
        for a, b in out:
            if year in active[a] and year in active[b]:
                out[a, b][year] = float(world.relations.baseline[index[a], index[b]])
    return out


def test_yearly_tension_follows_structural_events_only(write_yaml):
    text = MINIMAL.replace(
        "events:\n",
        "events:\n"
        "  - {year: 2001, kind: tension, agencies: [A, B], delta: 0.2, note: crisis}\n"
        "  - {year: 2002, kind: tension, agencies: [A, B], delta: -0.5, structural: true}\n",
    )
    sc = load_scenario(write_yaml(text))
    start = Relations.from_scenario(sc).baseline[0, 1]
    ab = yearly_tension(sc)["A", "B"]
    assert ab[2000] == ab[2001] == pytest.approx(start)
    assert ab[2002] == pytest.approx(max(start - 0.5, 0.0))


@pytest.fixture(scope="module")
def tensions():
    return {name: yearly_tension(load_scenario(name)) for name in BUNDLED}


@pytest.mark.parametrize("first, second", list(combinations(BUNDLED, 2)))
def test_a_pair_has_one_lasting_tension_a_year_across_scenarios(tensions, first, second):
    # A later era file starts from the tension the earlier files' events leave
    # (detente's west-east 0.6 in 1969 is cold_war's 0.9 after two treaties
    # and SALT), and both tell the years they share with the same events.
    a, b = tensions[first], tensions[second]
    off = []
    for pair in sorted(a.keys() & b.keys()):
        for year in sorted(a[pair].keys() & b[pair].keys()):
            x, y = a[pair][year], b[pair][year]
            if abs(x - y) > 0.005:
                off.append(f"{'-'.join(pair)} {year}: {x:.2f} in {first}, {y:.2f} in {second}")
    assert not off, f"{len(off)} tensions disagree, e.g.\n" + "\n".join(off[:10])


@pytest.mark.slow  # thirty runs of the whole space age
def test_artemis_starts_with_the_trust_full_history_leaves_in_2020():
    # Trust is an outcome of full_history (joint work, withdrawals, events) and an
    # input of artemis_vs_ilrs, which starts 2020 where the space age leaves it:
    # the mean over full_history's seeds 0-29 at the end of 2019, rounded to 0.05,
    # for every pair with Roscosmos or China's programme (CNSA standing for CMSA).
    # Within 0.05 of it: the rounding, and a little room for a model change; one
    # that moves trust further makes artemis_vs_ilrs stale, here. (Means, not
    # medians: where half the runs have flown together and half have not, a median
    # jumps by 0.1 from one set of seeds to another, a mean by half that.)
    from sim import run

    spec = load_scenario("full_history")
    pairs = [run(spec, seed=s).pairs for s in range(30)]
    end = [p[p.year == 2019] for p in pairs]
    means = (
        np.mean(
            [p.set_index(["agency_a", "agency_b"]).trust for p in end],
            axis=0,
        ),
        end[0].set_index(["agency_a", "agency_b"]).index,
    )
    model = SpaceCooperationModel(load_scenario("artemis_vs_ilrs"), rng=0)
    trust = model.relations.trust
    off = []
    for mean, (a, b) in zip(*means, strict=True):
        if not {a, b} & {"Roscosmos", "CNSA"}:
            continue
        for x in ("CMSA", a) if a == "CNSA" else (a,):
            for y in ("CMSA", b) if b == "CNSA" else (b,):
                if x in model.index and y in model.index:
                    declared = float(trust[model.index[x], model.index[y]])
                    if abs(declared - mean) > 0.05:
                        off.append(f"{x}-{y}: {declared:.2f} declared, mean {mean:.3f}")
    assert not off, "artemis_vs_ilrs's trust is not full_history's:\n" + "\n".join(off)


@pytest.mark.parametrize("name", ["iss_era", "full_history"])
def test_nasas_2014_suspension_shuts_its_door_to_roscosmos_for_one_year(name, monkeypatch):
    # A crisis is sized by what the record says it shut (docs/ODD.md, section
    # 6): NASA suspended most engagements with Russia, the ISS excepted, on 2
    # April 2014, and a door is shut while a pair's tension exceeds either
    # side's tolerance. So NASA-Roscosmos is over both tolerances in 2014 and
    # under them in 2013 and again in 2015 (the crisis fades; the 2017 Gateway
    # statement). Read where the model reads it, as members decide to stay.
    seen = {}
    stay_or_leave = lifecycle.withdraw_over_tension

    def spy(world, params):
        i, j = world.agency("NASA").index, world.agency("Roscosmos").index
        lowest = min(world.tolerance[i], world.tolerance[j])
        highest = max(world.tolerance[i], world.tolerance[j])
        seen[world.year] = (float(world.relations.tension[i, j]), lowest, highest)
        stay_or_leave(world, params)

    monkeypatch.setattr(lifecycle, "withdraw_over_tension", spy)
    model = SpaceCooperationModel(scenario=load_scenario(name), rng=0)
    while model.year < 2015:
        model.step()
    tension, _, highest = seen[2014]
    assert tension > highest, f"{name}: NASA-Roscosmos {tension:.2f} in 2014"
    for year in (2013, 2015):
        tension, lowest, _ = seen[year]
        assert tension < lowest, f"{name}: NASA-Roscosmos {tension:.2f} in {year}"


@pytest.mark.parametrize("name", BUNDLED)
def test_every_agency_declares_its_committed_share(name):
    # The schema's default (0.5) would hide an agency nobody looked at.
    agencies = load_scenario(name).agencies.items()
    assert not [a for a, spec in agencies if "committed_share" not in spec.model_fields_set]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_mission_kind_is_made_of_elements(name):
    for kind, spec in load_scenario(name).missions.items():
        assert spec.elements is not None and spec.requires is None, kind
        elements = spec.elements.values()
        assert sum(e.share for e in elements) == pytest.approx(1.0, abs=1e-9), kind
        critical = {e.domain for e in elements if e.critical}
        assert "launch" in critical, f"{kind}: nothing flies without a launch"
        needs = {e.domain for e in elements}
        for domain in ("crew", "deep_space_comms"):
            if domain in needs:
                assert domain in critical, f"{kind}: {domain} is a weakest link"
        # Every member of a full coalition builds something (sim.elements.assign).
        assert len(spec.elements) >= spec.max_partners + 1, kind
