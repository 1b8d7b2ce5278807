"""The state right now, from the samples so far: for live feedback while recording or replaying.

Only samples up to the last one count, so this is what a person would have been told at that
moment (no look-ahead). Runs the full detector on the samples given; callers pass a window
(minutes, not hours) to keep it cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from holdtrack.analysis.process import session_process
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S


@dataclass(frozen=True)
class LiveState:
    """The current state, the running hold timer (0 when not holding) and the target cue."""

    state: str
    hold_s: float
    adherent_holds: int  # holds in the samples given that reached the target, the ongoing one too
    segments: list[dict[str, Any]] = field(default_factory=list)
    hold_target_s: float = DEFAULT_HOLD_TARGET_S

    @property
    def cue(self) -> bool:
        """The current hold has reached the target."""
        return self.hold_s >= self.hold_target_s


def state_now(
    data: pd.DataFrame, kind: str | None = None, hold_target_s: float = DEFAULT_HOLD_TARGET_S
) -> LiveState:
    """The state at the last sample of ``data`` (``time_s`` plus sample columns)."""
    if len(data) < 2 or float(data["time_s"].iloc[-1]) <= float(data["time_s"].iloc[0]):
        return LiveState("idle", 0.0, 0, hold_target_s=hold_target_s)
    res = session_process(data, kind, hold_target_s)
    last = res.segments[-1]
    now = float(data["time_s"].iloc[-1])
    hold_s = now - float(last["start_s"]) if last["state"] == "hold" else 0.0
    return LiveState(
        state=str(last["state"]),
        hold_s=max(0.0, hold_s),
        adherent_holds=sum(h.adherent for h in res.holds),
        segments=res.segments,
        hold_target_s=hold_target_s,
    )
