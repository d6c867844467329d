"""Every pattern with a switch fails when that mechanism is switched off (docs/ODD.md 4.3).

A stylized fact the model reproduces could come from its rules (what the
pattern claims) or straight from an input that gives it anyway. Each
pattern's ``off`` (:class:`sim.patterns.Switch`) names the settings that
remove its mechanism; here the pattern's scenario runs with them, and the
pattern must then pass in fewer seeds than it requires. Patterns that share
a scenario and settings share their runs.
"""

from collections import defaultdict

import pytest

from sim import load_scenario
from sim.patterns import PATTERNS
from sim.validation import validate

pytestmark = pytest.mark.slow  # twenty seeded runs per switch

SEEDS = 20

#: Patterns with a switch, grouped by the runs that test them.
GROUPS: dict[tuple, list[str]] = defaultdict(list)
for _name, _pattern in PATTERNS.items():
    if _pattern.off is not None:
        GROUPS[(_pattern.off.scenario, _pattern.off.settings)].append(_name)


def _label(key: tuple) -> str:
    scenario, settings = key
    return f"{scenario}:" + ",".join(f"{k}={v}" for k, v in settings)


def test_every_pattern_without_a_switch_is_said_to_have_none():
    """A pattern without a switch is one docs/ODD.md 4.3 lists, with its reason."""
    from pathlib import Path

    odd = (Path(__file__).parents[1] / "docs" / "ODD.md").read_text()
    start = odd.index("**Mechanisms switched off.**")
    section = odd[start : odd.index("\n## ", start)]
    for name, pattern in PATTERNS.items():
        if pattern.off is None:
            assert f"`{name}`" in section, f"{name} has no switch and docs/ODD.md 4.3 says nothing"


@pytest.mark.parametrize("key", list(GROUPS), ids=_label)
def test_switching_the_mechanism_off_makes_the_pattern_fail(key):
    scenario = key[0]
    names = GROUPS[key]
    switch = PATTERNS[names[0]].off
    spec = load_scenario(scenario, switch.overrides(load_scenario(scenario).agencies))
    shares = validate(spec, SEEDS, names, seed=0, workers=1, progress=False).shares
    still = [
        f"{row.pattern} still passes in {row.pass_share:.0%} of seeds "
        f"(needs {PATTERNS[row.pattern].required:.0%} to hold) with {switch.says}"
        for row in shares.itertuples()
        if row.pass_share >= PATTERNS[row.pattern].required
    ]
    assert not still, "; ".join(still)
