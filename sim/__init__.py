"""spacecoop: an agent-based model of space agencies negotiating joint missions."""

from sim.agency import Agency
from sim.mission import Mission, Outcome, Proposal
from sim.model import SpaceCooperationModel
from sim.negotiation import Agreement, Deal, negotiate
from sim.run import RunResult, run
from sim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

__all__ = [
    "Agency",
    "Agreement",
    "Deal",
    "Mission",
    "Outcome",
    "Proposal",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SpaceCooperationModel",
    "bundled_scenarios",
    "load_scenario",
    "negotiate",
    "run",
]
__version__ = "0.1.0"
