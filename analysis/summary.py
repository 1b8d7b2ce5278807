"""Per-session adherence summary: time per state, adherent holds, consistency, a verdict."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from holdtrack.analysis.holds import Hold
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S, MIN_HOLD_S


def session_summarise(
    holds: list[Hold],
    segments: list[dict[str, Any]],
    gaps_s: list[tuple[float, float]],
    hold_target_s: float = DEFAULT_HOLD_TARGET_S,
) -> dict[str, Any]:
    """Time in each state, adherent holds, longest hold, hold consistency and a plain verdict."""
    time_in = {s: 0.0 for s in ("hold", "rolling", "reposition", "idle")}  # report order
    for seg in segments:
        time_in[seg["state"]] += seg["end_s"] - seg["start_s"]
    durations = np.array([h.duration_s for h in holds])
    loaded = time_in["hold"] + time_in["rolling"] + time_in["reposition"]
    rolling_share = time_in["rolling"] / loaded if loaded > 0 else 0.0
    n_adh = int((durations >= hold_target_s).sum()) if len(durations) else 0
    cv = float(durations.std() / durations.mean()) if len(durations) > 1 else None
    return {
        "n_holds": len(holds),
        "adherent_holds": n_adh,
        "hold_target_s": hold_target_s,
        "longest_hold_s": round(float(durations.max()), 2) if len(durations) else 0.0,
        "median_hold_s": round(float(np.median(durations)), 2) if len(durations) else None,
        "hold_duration_cv": round(cv, 3) if cv is not None else None,
        "time_in_state_s": {k: round(v, 2) for k, v in time_in.items()},
        "rolling_share_of_loaded": round(rolling_share, 3),
        "gap_s": round(sum(b - a for a, b in gaps_s), 2),
        "verdict": verdict_text(len(holds), n_adh, rolling_share, hold_target_s),
    }


def verdict_text(
    n_holds: int,
    n_adherent: int,
    rolling_share: float,
    hold_target_s: float = DEFAULT_HOLD_TARGET_S,
) -> str:
    """One line a person understands: how many holds reached the target, how much was rolling."""
    roll = f"{rolling_share:.0%} of loaded time was rolling"
    if n_holds == 0:
        return f"No holds of {MIN_HOLD_S:g} s or more; {roll}."
    return f"{n_adherent} of {n_holds} holds reached {hold_target_s:g} s; {roll}."


def result_retarget(result: dict[str, Any], hold_target_s: float) -> dict[str, Any]:
    """An analysis result (the JSON object) judged against another hold target.

    Durations do not depend on the target, so a cached analysis serves every person: only the
    per-hold ``adherent`` flags, the count of adherent holds and the verdict change.
    """
    out = copy.deepcopy(result)
    s = out["summary"]
    for h in out["holds"]:
        h["adherent"] = h["duration_s"] >= hold_target_s
    s["adherent_holds"] = sum(h["adherent"] for h in out["holds"])
    s["hold_target_s"] = hold_target_s
    s["verdict"] = verdict_text(
        s["n_holds"], s["adherent_holds"], s["rolling_share_of_loaded"], hold_target_s
    )
    return out
