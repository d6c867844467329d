"""Shared fixtures: small hand-made worlds for exact tests."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.mission import MissionKind, Proposal
from sim.negotiation import NegotiationTable, Terms
from sim.scenario import DOMAINS


def make_kind(**kw) -> MissionKind:
    base = dict(
        kind="probe",
        cost=1.0,
        duration=2,
        requires=np.array([0.5, 0, 0, 0.5, 0, 0]),
        each_requires=np.zeros(len(DOMAINS)),
        science=4.0,
        prestige=0.0,
        joint_prestige=0.0,
        risk=0.0,
        sensitivity=0.0,
        max_partners=3,
        weight=1.0,
        available_from=None,
    )
    base.update(kw)
    return MissionKind(**base)


def make_table(n=2, caps=None, budgets=None, tension=0.0, trust=1.0, **kw) -> NegotiationTable:
    caps = np.ones((n, len(DOMAINS))) if caps is None else np.asarray(caps, float)
    budgets = np.full(n, 10.0) if budgets is None else np.asarray(budgets, float)
    t = np.full((n, n), tension, float)
    np.fill_diagonal(t, 0.0)
    tr = np.full((n, n), trust, float)
    np.fill_diagonal(tr, 1.0)
    fields = dict(
        capabilities=caps,
        budgets=budgets,
        uncommitted=budgets.copy(),
        motives=np.tile([1.0, 1.0, 0.0, 1.0], (n, 1)),
        tolerance=np.full(n, 0.8),
        tension=t,
        trust=tr,
        banned=np.zeros((n, n), bool),
        active=np.ones(n, bool),
        rivalry=np.zeros(n),
    )
    fields.update(kw)
    return NegotiationTable(**fields)


@pytest.fixture
def kind():
    return make_kind()


@pytest.fixture
def terms():
    return Terms(
        rule="nash",
        min_coverage=0.6,
        overhead=0.1,
        political_cost=1.0,
        distrust=0.0,
        instrument_bonus=0.2,
        value_of_money=0.1,
    )


def proposal(kind, lead=0, cost=None):
    return Proposal(
        kind=kind,
        lead=lead,
        cost=kind.cost if cost is None else cost,
        science=kind.science,
        prestige=kind.prestige,
    )


MINIMAL = """\
name: tiny
start_year: 2000
end_year: 2005
agencies:
  A:
    country: Aland
    bloc: west
    founded: 1990
    budget: 5.0
    capabilities: {launch: 0.8, science_instruments: 0.8}
  B:
    country: Bland
    bloc: east
    founded: 1990
    budget: 2.0
    capabilities: {robotics: 0.8, deep_space_comms: 0.8}
relations:
  bloc_tension: {west/east: 0.5}
missions:
  probe:
    cost: 1.0
    duration: 2
    requires: {launch: 0.5, robotics: 0.5}
    science: 3.0
    prestige: 1.0
    risk: 0.1
    sensitivity: 0.2
    max_partners: 1
events:
  - {year: 2002, kind: tension, blocs: [west, east], delta: -0.2}
"""


@pytest.fixture
def write_yaml(tmp_path):
    def write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def pytest_terminal_summary(terminalreporter):
    """Print the share of seeds passing each stylized fact (recorded by the tests)."""
    lines = []
    for key in ("passed", "failed"):
        for report in terminalreporter.stats.get(key, []):
            for name, value in getattr(report, "user_properties", []):
                if name == "pass_share" and report.when == "call":
                    lines.append(f"  {value}  ({key})")
    if lines:
        terminalreporter.write_sep("-", "stylized facts: share of seeds that pass")
        for line in sorted(lines):
            terminalreporter.write_line(line)
