"""Policy levers: their state during a run, and the small rules each one changes.

A lever is a scenario field under ``policies:``, reachable by ``--set
policies.NAME=VALUE`` and switchable from a dated ``policy`` event. What each
one does (see docs/ODD.md, Submodels, and the README's lever table):

``funding_pool``
    Each active agency pays this share of its budget into a common pool every
    year; the pool pays up to ``funding_pool_cap`` of a joint mission's cost,
    so joint missions get cheaper for their members (and solo ones do not).
``open_data``
    This share of a successful mission's science reaches every active agency
    that did not fly it.
``export_controls``
    When false, bans between agencies (e.g. the Wolf Amendment) and
    cross-bloc limits on technology transfer are lifted.
``capacity_building``
    After a joint mission, an emerging member (mean capability below
    :data:`EMERGING_CAPABILITY`) closes this extra share of its gap to the
    best member in the domains used.
``standards``
    Common interfaces: integration overhead becomes ``kappa * (1 - standards)``.
``treaty``
    Tension drifts toward ``baseline * (1 - treaty)`` instead of the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import PolicySpec

__all__ = ["EMERGING_CAPABILITY", "Policies"]

#: Assumption: an agency whose mean capability is below this is "emerging"
#: (roughly: no launcher or crew of its own and few flown instruments).
EMERGING_CAPABILITY = 0.35


@dataclass(slots=True)
class Policies:
    """The levers in force this year, and the money in the joint-mission pool.

    ``levers`` starts as the scenario's ``policies`` section; a ``policy``
    event replaces it with one lever switched (the record stays frozen and
    validated, and a lever is declared once, in the schema).
    """

    levers: PolicySpec
    pool: float = 0.0

    @classmethod
    def from_spec(cls, spec: PolicySpec) -> Policies:
        """The levers as the scenario sets them at the start."""
        return cls(spec)

    def set(self, lever: str, value: bool | float) -> None:
        """Switch a lever (from a ``policy`` event)."""
        self.levers = self.levers.model_copy(update={lever: value})

    def overhead(self, kappa: float) -> float:
        """Integration overhead per extra partner under the standards in force."""
        return kappa * (1.0 - self.levers.standards)

    def drift_target(self, baseline: np.ndarray) -> np.ndarray:
        """Where tension drifts to under the treaty in force."""
        return baseline * (1.0 - self.levers.treaty)
