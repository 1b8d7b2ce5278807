"""Ground truth of a simulated session: the state timeline and every hold, as the contract
defines them (see docs/states.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holdtrack.sensing.session import Session
from holdtrack.simulation.config import SimConfig


@dataclass
class TrueHold:
    """Ground truth for one hold event."""

    start_s: float
    end_s: float
    breaths_per_min: float
    fidget: float  # micro_deg_per_min + load_swing_pct: the true amount of fidgeting
    n_micro: int
    micro_deg_per_min: float = 0.0  # rotation of micro-adjustments per minute
    load_swing_pct: float = 0.0  # amplitude of slow load swings, % of the hold load

    @property
    def duration_s(self) -> float:
        """Hold duration, wall time."""
        return self.end_s - self.start_s


@dataclass
class SimResult:
    """A simulated session as recorded, plus its ground truth."""

    session: Session
    segments: list[tuple[float, float, str]]
    holds: list[TrueHold]
    state_time_s: np.ndarray  # regular truth timeline (sensor clock, 10 Hz)
    state: np.ndarray  # state name per truth-timeline point
    config: SimConfig
    params: dict[str, Any] = field(default_factory=dict)

    def truth_dict(self) -> dict[str, Any]:
        """Truth in the shape of ``holdtrack analyze --json`` (for files and tests)."""
        return {
            "holds": [
                {
                    "start_s": h.start_s,
                    "end_s": h.end_s,
                    "duration_s": h.duration_s,
                    "breaths_per_min": h.breaths_per_min,
                    "fidget": h.fidget,
                }
                for h in self.holds
            ],
            "segments": [{"start_s": a, "end_s": b, "state": s} for a, b, s in self.segments],
            "config": {k: v for k, v in vars(self.config).items()},
            "params": self.params,
        }


def segments_merge(segs: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Join neighbouring segments of the same state (idle, carried and settle are all idle)."""
    out: list[tuple[float, float, str]] = []
    for a, b, s in segs:
        if out and out[-1][2] == s:
            out[-1] = (out[-1][0], b, s)
        else:
            out.append((a, b, s))
    return out
