"""Dated events change the world in the year they are dated."""

import numpy as np
import pytest
from pydantic import ValidationError

from sim import SpaceCooperationModel, load_scenario
from sim.events import pair_mask
from sim.scenario import DOMAINS, EventSpec


def _model_at(name: str, year: int) -> SpaceCooperationModel:
    model = SpaceCooperationModel(scenario=load_scenario(name), rng=0)
    while model.year < year:
        model.step()
    return model


def test_pair_masks():
    index = {"A": 0, "B": 1, "C": 2, "D": 3}
    blocs = np.array(["west", "west", "east", "nonaligned"])
    among = pair_mask(
        EventSpec(year=2000, kind="tension", agencies=["A", "C"], delta=0.1), index, blocs
    )
    assert among[0, 2] and among[2, 0] and among.sum() == 2
    within = pair_mask(
        EventSpec(year=2000, kind="tension", blocs=["west"], delta=0.1), index, blocs
    )
    assert within[0, 1] and within.sum() == 2
    one_vs_bloc = EventSpec(year=2000, kind="tension", agencies=["D"], blocs=["west"], delta=0.1)
    mask = pair_mask(one_vs_bloc, index, blocs)
    assert mask[3, 0] and mask[3, 1] and mask.sum() == 4


def test_a_tension_event_must_name_a_pair():
    with pytest.raises(ValidationError, match="two or more agencies"):
        EventSpec(year=2000, kind="tension", agencies=["A"], delta=0.1)


def test_shuttle_retirement_lowers_nasa_crew_capability_until_crew_dragon():
    crew = DOMAINS.index("crew")
    before = _model_at("iss_era", 2010).agency("NASA").capabilities[crew]
    during = _model_at("iss_era", 2011).agency("NASA").capabilities[crew]
    after = _model_at("iss_era", 2020).agency("NASA").capabilities[crew]
    assert before > 0.8 and during == pytest.approx(0.3) and after >= 0.9


def test_wolf_amendment_bans_nasa_cnsa_from_2011():
    model = _model_at("iss_era", 2010)
    a, b = model.index["NASA"], model.index["CNSA"]
    assert not model.relations.banned[a, b]
    model.step()
    assert model.relations.banned[a, b] and model.relations.banned[b, a]


def test_budget_shock_in_its_year():
    model = _model_at("detente", 1990)
    budget = model.agency("USSR").budget
    model.step()  # 1991: factor 0.4, growth -0.15 from 1989
    assert model.agency("USSR").budget == pytest.approx(budget * 0.85 * 0.4)


def test_treaty_lowers_tension_and_baseline():
    model = _model_at("cold_war", 1966)
    a, b = model.index["NASA"], model.index["USSR"]
    before = model.relations.baseline[a, b]
    model.step()  # 1967: Outer Space Treaty
    assert model.relations.baseline[a, b] == pytest.approx(before - 0.12)
