"""Per-session adherence summary: time per state, adherent holds, consistency, a verdict."""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.holds import ADHERENT_HOLD_S, Hold


def session_summarise(
    holds: list[Hold], segments: list[dict[str, Any]], gaps_s: list[tuple[float, float]]
) -> dict[str, Any]:
    """Time in each state, adherent holds, longest hold, hold consistency and a plain verdict."""
    time_in = {s: 0.0 for s in ("hold", "rolling", "reposition", "idle")}
    for seg in segments:
        time_in[seg["state"]] += seg["end_s"] - seg["start_s"]
    durations = np.array([h.duration_s for h in holds])
    loaded = time_in["hold"] + time_in["rolling"] + time_in["reposition"]
    rolling_share = time_in["rolling"] / loaded if loaded > 0 else 0.0
    n_adh = int((durations >= ADHERENT_HOLD_S).sum()) if len(durations) else 0
    cv = float(durations.std() / durations.mean()) if len(durations) > 1 else None
    verdict = verdict_text(len(holds), n_adh, rolling_share)
    return {
        "n_holds": len(holds),
        "adherent_holds": n_adh,
        "adherent_hold_s": ADHERENT_HOLD_S,
        "longest_hold_s": round(float(durations.max()), 2) if len(durations) else 0.0,
        "median_hold_s": round(float(np.median(durations)), 2) if len(durations) else None,
        "hold_duration_cv": round(cv, 3) if cv is not None else None,
        "time_in_state_s": {k: round(v, 2) for k, v in time_in.items()},
        "rolling_share_of_loaded": round(rolling_share, 3),
        "gap_s": round(sum(b - a for a, b in gaps_s), 2),
        "verdict": verdict,
    }


def verdict_text(n_holds: int, n_adherent: int, rolling_share: float) -> str:
    """One line a person understands: how many holds reached 90 s, how much was rolling."""
    roll = f"{rolling_share:.0%} of loaded time was rolling"
    if n_holds == 0:
        return f"No holds of 10 s or more; {roll}."
    return f"{n_adherent} of {n_holds} holds reached {ADHERENT_HOLD_S:.0f} s; {roll}."
