"""Hold events from the state timeline: start, end, duration, steadiness and breathing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

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
        bpm, _ = breathing_rate(feat.breath[a:b][ok])
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


def steadiness_score(feat: Features, a: int, b: int) -> tuple[float, int]:
    """Steadiness in [0, 1] of frames [a, b) and the count of micro-adjustments in them.

    Falls with the movement of micro-adjustments (degrees, or % of load, per minute) and with
    slow swings of load or position that breathing does not explain.
    """
    minutes = max((b - a) * FRAME_S / 60.0, 1e-9)
    moving = feat.motion[a:b] > feat.motion_on
    moving &= ~feat.gap[a:b]
    bursts = [(a + s, a + e) for s, e in runs_find(moving) if e - s >= 2]
    amount = 0.0
    for s, e in bursts:
        net = feat.net_change(s, e, span=5)
        amount += net * (100.0 if feat.load_rel is not None else 1.0)
    per_min = amount / minutes
    # Slow wander / load swing: spread of the 20-s smoothed path within the hold.
    path = feat.path[a:b]
    if len(path) > 40:
        k = 200
        c = np.cumsum(np.vstack([np.zeros((1, path.shape[1])), path]), axis=0)
        idx = np.arange(0, len(path) - k + 1, 10) if len(path) > k else np.array([0])
        kk = min(k, len(path))
        sm = (c[idx + kk] - c[idx]) / kk
        spread = float(np.sqrt(((sm - sm.mean(axis=0)) ** 2).sum(axis=1).mean()))
        if feat.kind == "accel":
            spread = float(np.degrees(spread))
        elif feat.load_rel is not None:
            spread *= 100.0
    else:
        spread = 0.0
    score = per_min / 10.0 + spread / 3.0
    return float(np.exp(-score)), len(bursts)
