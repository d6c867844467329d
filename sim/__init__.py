"""spacecoop: an agent-based model of space agencies negotiating joint missions."""

from sim.agency import Agency
from sim.batch import BatchResult, grid, load_batch, run_batch
from sim.mission import Mission, Outcome, Proposal
from sim.model import SpaceCooperationModel
from sim.negotiation import Agreement, Deal, negotiate
from sim.run import RunResult, run
from sim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

__all__ = [
    "Agency",
    "Agreement",
    "BatchResult",
    "Deal",
    "Mission",
    "Outcome",
    "Proposal",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SpaceCooperationModel",
    "bundled_scenarios",
    "grid",
    "load_batch",
    "load_scenario",
    "negotiate",
    "run",
    "run_batch",
]
__version__ = "0.1.0"
