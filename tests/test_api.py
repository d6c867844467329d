"""The public API is what __all__ says, and nothing is missing from it."""

import sim


def test_all_names_import():
    for name in sim.__all__:
        assert hasattr(sim, name), name


def test_public_api_names():
    assert {
        "load_scenario",
        "run",
        "SpaceCooperationModel",
        "RunResult",
        "ScenarioError",
    } <= set(sim.__all__)
