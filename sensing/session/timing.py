"""The time axis of a session: its data gaps and its sample rate."""

from __future__ import annotations

import math

import numpy as np

from holdtrack.analysis.schema import MAX_SAMPLE_SPACING_S


def detect_gaps(
    time_s: np.ndarray, nominal_rate_hz: float | None, *, min_gap_s: float = MAX_SAMPLE_SPACING_S
) -> list[tuple[float, float]]:
    """(start_s, end_s) of intervals between consecutive samples that are data gaps.

    A gap is longer than max(min_gap_s, 5 / nominal_rate_hz, 5 x the median positive interval);
    the last term keeps packetised timestamps (many samples per stamp) from looking like gaps.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if len(t) < 2:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(t)
    positive = d[d > 0]
    if positive.size == 0:
        return []
    threshold = max(min_gap_s, 5.0 * float(np.median(positive)))
    if nominal_rate_hz is not None and math.isfinite(nominal_rate_hz) and nominal_rate_hz > 0:
        threshold = max(threshold, 5.0 / nominal_rate_hz)
    idx = np.flatnonzero(d > threshold)
    return [(float(t[i]), float(t[i + 1])) for i in idx]


def estimate_rate(time_s: np.ndarray) -> float | None:
    """Sample rate: samples per timestamp (median) / median positive interval; None if unknown."""
    t = np.asarray(time_s, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(t)
    positive = d > 0
    if not positive.any():
        return None
    interval = float(np.median(d[positive]))
    starts = np.flatnonzero(np.concatenate(([True], positive)))
    per_stamp = float(np.median(np.diff(np.concatenate((starts, [len(t)])))))
    with np.errstate(over="ignore", divide="ignore"):
        rate = per_stamp / interval
    return float(f"{rate:.6g}") if math.isfinite(rate) and rate > 0 else None
