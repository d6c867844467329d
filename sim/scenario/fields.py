"""The field types every section of a scenario shares: frozen records and bounded numbers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["NonNegative", "Positive", "Probability", "Year"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Year = Annotated[int, Field(ge=1900, le=2200)]


class _Frozen(BaseModel):
    # No infinities or NaNs anywhere: they validate against ge/le and then
    # crash or stall a run years later (``budget: .inf``, ``weight: .nan``).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _bounded(
    low: float, high: float, why: str, *, default: Any = ..., strict_low: bool = False
) -> Any:
    """A float field in ``[low, high]`` (``(low, high]`` with ``strict_low``), with its reason.

    The reason goes into the field's description, from which the bounds can be
    documented; without ``default`` the field is required.
    """
    if strict_low:
        return Field(default, gt=low, le=high, description=why)
    return Field(default, ge=low, le=high, description=why)
