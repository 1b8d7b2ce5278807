"""What a clinician prescribes: routines a week, minutes per routine, the hold target."""

from __future__ import annotations

from dataclasses import dataclass

from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S


@dataclass(frozen=True)
class Prescription:
    """What the clinician asked for; the usual one (docs/states.md) unless set per person."""

    routines_per_week_min: int = 3
    routines_per_week_max: int = 4
    routine_min: float = 10.0
    hold_target_s: float = DEFAULT_HOLD_TARGET_S

    def __post_init__(self) -> None:
        if not 0 <= self.routines_per_week_min <= self.routines_per_week_max <= 21:
            raise ValueError("routines per week: need 0 <= minimum <= maximum <= 21")
        if not (0 < self.routine_min <= 240 and 10 <= self.hold_target_s <= 600):
            raise ValueError("routine length must be 0-240 min and the hold target 10-600 s")
