"""Moved to :mod:`sim.scenario.reading`; this name stays for code that imports it."""

from sim.scenario.reading import *  # noqa: F403
from sim.scenario.reading import __all__  # noqa: F401
