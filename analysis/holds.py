"""Hold events from the state timeline: start, end, duration, steadiness and breathing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from holdtrack.analysis.breathing import breathing_rate
from holdtrack.analysis.clean import FRAME_S, median, runs_find
from holdtrack.analysis.features import Features
from holdtrack.analysis.filters import butterworth, filtfilt
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S, MIN_HOLD_S
from holdtrack.analysis.states import HOLD


@dataclass
class Hold:
    """One hold event (docs/states.md)."""

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
    codes: np.ndarray,
    feat: Features,
    edges_s: np.ndarray,
    hold_target_s: float = DEFAULT_HOLD_TARGET_S,
) -> tuple[list[Hold], dict[str, Any]]:
    """Every maximal hold stretch of at least 10 s, measured; adherent from ``hold_target_s``.

    ``edges_s`` holds frame boundary times (len(codes) + 1), clipped to the session.
    """
    holds: list[Hold] = []
    for a, b in runs_find(codes == HOLD):
        start, end = float(edges_s[a]), float(edges_s[b])
        if end - start < MIN_HOLD_S:
            continue
        steady, n_micro = steadiness_score(feat, a, b)
        ok = ~feat.gap[a:b]
        bpm, _ = breathing_rate(feat.breath[a:b][ok], method=feat.params.breathing_method)
        holds.append(
            Hold(
                start_s=start,
                end_s=end,
                duration_s=end - start,
                steadiness=steady,
                breaths_per_min=bpm,
                micro_adjustments=n_micro,
                adherent=end - start >= hold_target_s,
            )
        )
    return holds, {}


# Steadiness components and the tremble band per sensor kind live in the kinds table
# (``steadiness_parts``, ``tremble_band_hz``).
SLOW_CUTOFF_HZ = 0.05  # wander: position or load slower than this
MIN_PARTS_FRAMES = 30  # holds this short get no wander or tremble
MIN_BURST_FRAMES = 2  # a small move inside a hold lasts at least this long
BURST_SPAN_FRAMES = 5  # net displacement of a small move: means over this many frames around
MICRO_OVER_BREATHING = 2.0  # IMUs: a small move is this much faster than the hold's median
EDGE_GUARD_S = 1.0  # a burst this close to a hold's edge belongs to the move beyond it


def steadiness_parts(feat: Features, a: int, b: int) -> dict[str, float]:
    """Measures of unsteadiness over hold frames [a, b), each only when the kind weighs it
    (``moves_per_min`` and the count ``n_moves`` always):

    - ``moves_per_min``: net displacement of the small moves inside the hold, per minute (mm
      of contact travel for IMUs, fraction of the load for load sensors);
    - ``wander``: spread of the slow (< 0.05 Hz) position or load around its linear trend;
    - ``tremble``: RMS of the position or load in a band above breathing (fidgety shifts).
    """
    ok = ~feat.gap[a:b]
    minutes = max((b - a) * FRAME_S / 60.0, 1e-9)
    bursts, moves = small_moves(feat, a, b, ok)
    parts: dict[str, float] = {"moves_per_min": float(moves / minutes), "n_moves": bursts}
    bands = {"wander": SLOW_CUTOFF_HZ, "tremble": tuple(feat.params.tremble_band_hz)}
    weighed = [name for name, _, _ in feat.params.steadiness_parts if name in bands]
    path = feat.path[a:b]
    if len(path) <= MIN_PARTS_FRAMES:
        return {**parts, **dict.fromkeys(weighed, 0.0)}
    if not weighed:
        return parts
    detrended = _detrend(path)
    for name in weighed:
        y = filtfilt(butterworth(2, bands[name], 1 / FRAME_S), detrended)
        parts[name] = float(np.sqrt((y**2).sum(axis=1).mean()))
    return parts


def _detrend(path: np.ndarray) -> np.ndarray:
    """Each column of ``path`` less its least-squares line (the normal equations about the
    middle frame: what ``np.polyfit(i, path, 1)`` fits, without its costly solver)."""
    centred = np.arange(len(path)) - (len(path) - 1) / 2.0
    slope = (centred @ path) / (centred @ centred)
    out = path - (np.ones(len(path)) @ path) / len(path)  # less the mean
    out -= np.outer(centred, slope)
    return out


def small_moves(feat: Features, a: int, b: int, ok: np.ndarray) -> tuple[int, float]:
    """Small moves inside hold frames [a, b): their count and summed net displacement.

    A small move is a burst of contact speed above the kind's ``micro_speed_mm_s`` and well
    above the hold's own breathing (IMUs), or of load change above its movement threshold.
    """
    if feat.speed is not None:
        speed = feat.speed[a:b]
        floor = feat.params.micro_speed_mm_s or 0.0
        level = median(speed[ok]) if ok.any() else 0.0
        moving = (speed > max(floor, MICRO_OVER_BREATHING * level)) & ok
    else:
        moving = (feat.motion[a:b] > feat.params.motion_on) & ok
    guard = int(EDGE_GUARD_S / FRAME_S)  # the tail of the move that bounds the hold
    spans = [
        (a + s, a + e)
        for s, e in runs_find(moving)
        if e - s >= MIN_BURST_FRAMES and s >= guard and e <= b - a - guard
    ]
    return len(spans), sum(feat.net_change(s, e, span=BURST_SPAN_FRAMES) for s, e in spans)


def steadiness_score(feat: Features, a: int, b: int) -> tuple[float, int]:
    """Steadiness in [0, 1] of hold frames [a, b) and the count of small moves in them.

    1 for a perfectly still, evenly loaded hold; a typical hold scores about 0.5; it falls as
    micro-adjustments, load swings and wandering grow (docs/states.md).
    """
    parts = steadiness_parts(feat, a, b)
    spec = feat.params.steadiness_parts
    score = sum(w * parts[name] / typical for name, w, typical in spec)
    total_w = sum(w for _, w, _ in spec)
    return float(np.exp(-np.log(2) * score / total_w)), int(parts["n_moves"])
