"""Shared fixtures: small hand-made worlds for exact tests."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.elements import Elements
from sim.mission import MissionKind, Proposal
from sim.negotiation import NegotiationTable, Terms
from sim.scenario import DOMAINS


def make_kind(requires=None, elements=None, **kw) -> MissionKind:
    """A hand-made mission kind; by default a probe needing launch and instruments.

    ``requires`` is a ``{domain: level}`` dict or a vector in DOMAINS order, from
    which one element per domain is derived (the core is the most demanding);
    ``elements`` gives them directly instead.
    """
    if elements is None:
        if requires is None:
            requires = {"launch": 0.5, "science_instruments": 0.5}
        if not isinstance(requires, dict):
            requires = {d: float(r) for d, r in zip(DOMAINS, requires, strict=True) if r > 0}
        elements = Elements.derived(requires, DOMAINS)
    base = dict(
        kind="probe",
        cost=1.0,
        duration=2,
        elements=elements,
        requires=elements.requires(len(DOMAINS)),
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


def make_elements(*specs) -> Elements:
    """Elements from ``(name, domain, level, share, critical)`` tuples; the first is the core."""
    names, domains, levels, shares, critical = zip(*specs, strict=True)
    share = np.array(shares, float)
    return Elements(
        names=tuple(names),
        domain=np.array([DOMAINS.index(d) for d in domains]),
        level=np.array(levels, float),
        share=share / share.sum(),
        critical=np.array(critical, bool),
    )


def caps_of(**levels) -> list[float]:
    """A capability vector in DOMAINS order from ``domain=level`` keywords."""
    return [levels.get(d, 0.0) for d in DOMAINS]


def make_table(
    n=2, caps=None, budgets=None, tension=0.0, trust=1.0, price=1.0, **kw
) -> NegotiationTable:
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
        price=np.broadcast_to(np.asarray(price, float), (n,)).copy(),
        cost_factor=np.ones(n),
        support=np.ones(n),  # full support: no programme is ever cut at home
        envelope=budgets.copy(),
        country=np.arange(n),
    )
    fields.update(kw)
    return NegotiationTable(**fields)


@pytest.fixture
def kind():
    return make_kind()


@pytest.fixture
def terms():
    return Terms.of(
        rule="nash",
        min_coverage=0.6,
        overhead=0.1,
        political_cost=1.0,
        distrust=0.0,
        instrument_bonus=0.2,
        rival_share=0.5,  # the hand-worked values of the tests assume half rival
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
