"""Hold events from the state timeline: start, end, duration, steadiness and breathing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import signal

from analysis.breathing import breathing_rate
from analysis.clean import FRAME_S, runs_find
from analysis.features import Features
from analysis.states import HOLD, MIN_HOLD_S

ADHERENT_HOLD_S = 90.0


@dataclass
class Hold:
    """One hold event (SPEC section 1)."""

    start_s: float
    end_s: float
    duration_s: float
    steadiness: float
    breaths_per_min: float | None
    micro_adjustments: int
    adherent: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, rounded to what the sensors can resolve."""
        d = asdict(self)
        for k in ("start_s", "end_s", "duration_s"):
            d[k] = round(d[k], 2)
        d["steadiness"] = round(d["steadiness"], 3)
        if d["breaths_per_min"] is not None:
            d["breaths_per_min"] = round(d["breaths_per_min"], 1)
        return d


def holds_find(
    codes: np.ndarray, feat: Features, edges_s: np.ndarray
) -> tuple[list[Hold], dict[str, Any]]:
    """Every maximal hold stretch of at least 10 s, measured.

    ``edges_s`` holds frame boundary times (len(codes) + 1), clipped to the session.
    """
    holds: list[Hold] = []
    for a, b in runs_find(codes == HOLD):
        start, end = float(edges_s[a]), float(edges_s[b])
        if end - start < MIN_HOLD_S:
            continue
        steady, n_micro = steadiness_score(feat, a, b)
        ok = ~feat.gap[a:b]
        method = "tilt" if feat.kind in ("imu", "accel") else "load"
        bpm, _ = breathing_rate(feat.breath[a:b][ok], method=method)
        holds.append(
            Hold(
                start_s=start,
                end_s=end,
                duration_s=end - start,
                steadiness=steady,
                breaths_per_min=bpm,
                micro_adjustments=n_micro,
                adherent=end - start >= ADHERENT_HOLD_S,
            )
        )
    return holds, {}


# Steadiness components per sensor kind: (name, weight, typical value in a hold). Chosen on
# simulated holds (tuning seeds) by rank correlation with the true amount of fidgeting.
STEADINESS_PARTS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "imu": (("moves_deg_per_min", 1.0, 1.65), ("tremble", 1.0, 0.14)),
    "accel": (("wander", 1.0, 0.029), ("tremble", 1.0, 0.0023)),
    "force": (("wander", 1.0, 0.026), ("tremble", 6.0, 0.0045)),
    "pressure": (("wander", 1.0, 0.026), ("tremble", 6.0, 0.0045)),
}
TREMBLE_BAND_HZ = {
    "imu": (0.5, 2.0),
    "accel": (0.5, 2.0),
    "force": (0.4, 3.0),
    "pressure": (0.4, 3.0),
}


def steadiness_parts(feat: Features, a: int, b: int) -> dict[str, float]:
    """Measures of unsteadiness over hold frames [a, b).

    - ``moves_deg_per_min``: net rotation of the small moves inside the hold, per minute;
    - ``wander``: spread of the slow (< 0.05 Hz) position or load around its linear trend;
    - ``tremble``: RMS of the position or load in a band above breathing (fidgety shifts).
    """
    ok = ~feat.gap[a:b]
    minutes = max((b - a) * FRAME_S / 60.0, 1e-9)
    moving = (feat.motion[a:b] > feat.motion_on) & ok
    bursts = [(a + s, a + e) for s, e in runs_find(moving) if e - s >= 2]
    moves = sum(feat.net_change(s, e, span=5) for s, e in bursts) / minutes
    path = feat.path[a:b]
    if len(path) <= 30:
        return {"moves_deg_per_min": moves, "wander": 0.0, "tremble": 0.0, "n_moves": len(bursts)}
    i = np.arange(len(path))
    coef = np.polyfit(i, path, 1)
    detrended = path - (np.outer(i, coef[0]) + coef[1])
    slow = signal.sosfiltfilt(_SOS_SLOW, detrended, axis=0)
    lo, hi = TREMBLE_BAND_HZ[feat.kind]
    sos = signal.butter(2, [lo, hi], btype="bandpass", fs=1 / FRAME_S, output="sos")
    fast = signal.sosfiltfilt(sos, detrended, axis=0)
    return {
        "moves_deg_per_min": float(moves),
        "wander": float(np.sqrt((slow**2).sum(axis=1).mean())),
        "tremble": float(np.sqrt((fast**2).sum(axis=1).mean())),
        "n_moves": len(bursts),
    }


_SOS_SLOW = signal.butter(2, 0.05, btype="lowpass", fs=1 / FRAME_S, output="sos")


def steadiness_score(feat: Features, a: int, b: int) -> tuple[float, int]:
    """Steadiness in [0, 1] of hold frames [a, b) and the count of small moves in them.

    1 for a perfectly still, evenly loaded hold; a typical hold scores about 0.5; it falls as
    micro-adjustments, load swings and wandering grow (SPEC section 1).
    """
    parts = steadiness_parts(feat, a, b)
    spec = STEADINESS_PARTS[feat.kind]
    score = sum(w * parts[name] / typical for name, w, typical in spec)
    total_w = sum(w for _, w, _ in spec)
    return float(np.exp(-np.log(2) * score / total_w)), int(parts["n_moves"])
