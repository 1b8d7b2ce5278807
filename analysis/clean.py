"""Timestamp cleaning and regular framing of irregular sensor samples.

Radio packets carry several samples under one host timestamp, arrive with jitter and are
sometimes lost. These steps turn such samples into a regular frame grid, marking frames that no
sample reached as gaps instead of inventing data there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from holdtrack.analysis.schema import MAX_SAMPLE_SPACING_S

FRAME_S = 0.1  # analysis frame length: 10 frames per second
# Empty frames longer than the gap spacing plus one frame (a gap's samples can sit at the edges
# of the frames around it) are a data gap; shorter ones are ordinary packet spacing.
SHORT_GAP_S = MAX_SAMPLE_SPACING_S + FRAME_S


def timestamps_clean(time_s: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """Spread samples that share a timestamp evenly back over the preceding interval.

    A packet of k samples stamped on arrival holds samples taken over the interval since the
    previous packet; spreading them restores the sampling pattern without inventing samples.
    The spread never reaches back further than k nominal sample periods, so the samples after
    a dropout are not smeared over the gap.
    """
    t = np.asarray(time_s, dtype=np.float64)
    n = len(t)
    if n < 2:
        return t.copy(), {"sample_period_s": float("nan"), "duplicates": 0}
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    new_group[1:] = t[1:] != t[:-1]
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, n))
    n_dup = int(n - len(starts))
    if n_dup == 0:
        dt = np.diff(t)
        period = float(np.median(dt)) if len(dt) else float("nan")
        return t.copy(), {"sample_period_s": period, "duplicates": 0}
    group_t = t[starts]
    span = np.diff(group_t)
    # Nominal period: per-sample share of the typical interval between packets.
    per_sample = span / sizes[1:]
    period = float(np.median(per_sample)) if len(per_sample) else float("nan")
    if not np.isfinite(period) or period <= 0:
        period = 1e-3
    back = np.empty(len(starts))
    back[0] = period * sizes[0]
    back[1:] = np.minimum(span, period * sizes[1:] * 1.5)
    # Sample j of a group of k sits at t_group - back * (k - 1 - j) / k (in place: 8 hours of
    # 100 Hz samples are 23 MB per array).
    later = np.repeat(starts + sizes - 1, sizes)
    later -= np.arange(n)  # k - 1 - j: samples after this one in its group
    out = np.repeat(back, sizes)
    out *= later
    del later
    out /= np.repeat(sizes, sizes)
    np.subtract(t, out, out=out)
    return out, {"sample_period_s": period, "duplicates": n_dup}


def frames_make(
    time_s: np.ndarray, values: np.ndarray | Sequence[np.ndarray], frame_s: float = FRAME_S
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Average samples into regular frames; fill short empty stretches, flag longer ones as gaps.

    ``values`` is one column, an (n_samples, n_channels) array or a sequence of columns.
    Returns frame centre times, frame values (n_frames x n_channels, gaps filled by linear
    interpolation so that filters can run) and info with ``gap`` (bool per frame), ``count``
    (samples per frame) and ``gaps_s`` (list of (start, end) on the time axis).
    """
    t = np.asarray(time_s, dtype=np.float64)
    columns = _columns_of(values)
    t0 = float(t[0])
    idx = np.floor((t - t0) / frame_s).astype(np.int64)
    n_frames = int(idx[-1]) + 1
    count = np.bincount(idx, minlength=n_frames)
    sums = np.stack([np.bincount(idx, weights=c, minlength=n_frames) for c in columns], axis=1)
    del idx
    have = count > 0
    out = np.full_like(sums, np.nan)
    out[have] = sums[have] / count[have, None]
    centres = t0 + (np.arange(n_frames) + 0.5) * frame_s
    # Interpolate every empty frame; only long empty runs count as gaps.
    if not have.all():
        for c in range(out.shape[1]):
            out[~have, c] = np.interp(centres[~have], centres[have], out[have, c])
    gap = np.zeros(n_frames, dtype=bool)
    gaps_s: list[tuple[float, float]] = []
    empty_runs = runs_find(~have)
    min_frames = int(round(SHORT_GAP_S / frame_s))
    for a, b in empty_runs:
        if b - a > min_frames:
            gap[a:b] = True
            gaps_s.append((t0 + a * frame_s, t0 + b * frame_s))
    return centres, out, {"gap": gap, "count": count, "gaps_s": gaps_s, "t0": t0}


def _columns_of(values: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """Sample values as a list of float64 columns, without copying columns that are so."""
    if isinstance(values, list | tuple) and all(
        isinstance(c, np.ndarray) and c.ndim == 1 for c in values
    ):
        return [np.asarray(c, dtype=np.float64) for c in values]
    v = np.asarray(values, dtype=np.float64)
    v = v.reshape(len(v), -1)
    return [v[:, c] for c in range(v.shape[1])]


def runs_find(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [a, b) of the True runs in a boolean array."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    d = np.diff(np.concatenate([[0], m.view(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average over n frames along axis 0 (edges use the available frames)."""
    x = np.asarray(x, dtype=np.float64)
    if n <= 1:
        return x.copy()
    c = np.cumsum(np.concatenate([np.zeros((1,) + x.shape[1:]), x]), axis=0)
    m = len(x)
    i = np.arange(m)
    lo = np.clip(i - n // 2, 0, m)
    hi = np.clip(i - n // 2 + n, 0, m)
    cnt = (hi - lo).reshape((-1,) + (1,) * (x.ndim - 1))
    return (c[hi] - c[lo]) / cnt


def _window_extreme(x: np.ndarray, n: int, take: np.ufunc) -> np.ndarray:
    """``take`` (np.maximum or np.minimum) over the forward window [i, i + n) of each frame
    along axis 0, in linear time (van Herk / Gil-Werman); windows are cut at the end."""
    m = len(x)
    n = max(min(int(n), m), 1)
    pad_value = -np.inf if take is np.maximum else np.inf
    blocks = -(-(m + n) // n)
    xp = np.full((blocks * n,) + x.shape[1:], pad_value)
    xp[:m] = x
    shaped = xp.reshape((blocks, n) + x.shape[1:])
    prefix = take.accumulate(shaped, axis=1).reshape(xp.shape)
    suffix = take.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].reshape(xp.shape)
    return take(suffix[:m], prefix[n - 1 : n - 1 + m])


def window_range(x: np.ndarray, n: int) -> np.ndarray:
    """Per-channel range (max - min) of each forward window [i, i + n) along axis 0."""
    x = np.asarray(x, dtype=np.float64)
    return _window_extreme(x, n, np.maximum) - _window_extreme(x, n, np.minimum)


def least_covering(r: np.ndarray, n: int) -> np.ndarray:
    """For each frame i, the least of r over the windows [j, j + n) that hold it (j in
    (i - n, i]); r[j] describes the window starting at j."""
    r = np.asarray(r, dtype=np.float64)
    return _window_extreme(r[::-1], n, np.minimum)[::-1]
