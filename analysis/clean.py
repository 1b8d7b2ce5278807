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
    n_dup = int(n - np.count_nonzero(new_group))
    if n_dup == 0:
        return t.copy(), {"sample_period_s": median_of_many(np.diff(t)), "duplicates": 0}
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, n))
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


def median(a: np.ndarray) -> float:
    """Median of a 1-D array, as ``np.median`` gives it (NaN if any value is), by one
    partition: np.median's own checks cost more than the work on a hold's arrays."""
    n = len(a)
    if n == 0:
        return float("nan")
    part = np.partition(a, [(n - 1) // 2, n // 2, n - 1])  # the largest last: NaN if any
    if np.isnan(part[-1]):
        return float("nan")
    return float(part[n // 2] if n % 2 else (part[n // 2 - 1] + part[n // 2]) / 2)


def percentile(a: np.ndarray, q: float) -> float:
    """``np.percentile(a, q)`` of a 1-D array (linear interpolation; NaN if any value is), by
    one partition, for the same reason as :func:`median`."""
    n = len(a)
    if n == 0:
        return float("nan")
    virtual = (n - 1) * (q / 100)
    i = min(int(np.floor(virtual)), n - 1)
    j = min(i + 1, n - 1)
    part = np.partition(a, [i, j, n - 1])
    if np.isnan(part[-1]):
        return float("nan")
    lo, hi = float(part[i]), float(part[j])
    gamma = virtual - i
    return hi - (hi - lo) * (1 - gamma) if gamma >= 0.5 else lo + (hi - lo) * gamma


def median_of_many(x: np.ndarray) -> float:
    """``np.median`` of a 1-D array (NaN when empty or when any value is NaN). Sample spacings
    are mostly one value: when a sample's median is also the middle of the whole array, two
    counts prove it, which is much cheaper than partitioning hundreds of thousands of values."""
    n = len(x)
    if n == 0 or np.isnan(x).any():
        return float("nan")
    guess = median(x[:: max(n // 1024, 1)])
    below, upto = np.count_nonzero(x < guess), np.count_nonzero(x <= guess)
    if below <= (n - 1) // 2 and n // 2 < upto:  # both middle values are the guess
        return guess
    return median(x)


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
    idx = t - t0
    idx /= frame_s
    idx = np.floor(idx, out=idx).astype(np.int64)
    n_frames = int(idx.max()) + 1
    count = np.bincount(idx, minlength=n_frames)
    out = np.empty((n_frames, len(columns)))
    for i, c in enumerate(columns):
        out[:, i] = np.bincount(idx, weights=c, minlength=n_frames)
    del idx
    have = count > 0
    np.divide(out, count[:, None], out=out, where=have[:, None])
    centres = t0 + (np.arange(n_frames) + 0.5) * frame_s
    # Interpolate every empty frame; only long empty runs count as gaps.
    if not have.all():
        empty, kept = np.flatnonzero(~have), np.flatnonzero(have)
        for c in range(out.shape[1]):
            out[empty, c] = np.interp(centres[empty], centres[kept], out[kept, c])
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
    bounds = (np.flatnonzero(m[1:] != m[:-1]) + 1).tolist()  # where a run starts or ends
    if m[0]:
        bounds.insert(0, 0)
    if m[-1]:
        bounds.append(len(m))
    return list(zip(bounds[0::2], bounds[1::2]))


def moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average over n frames along axis 0 (edges use the available frames).

    Frames whose window lies inside the signal take slices of the running sum; only the
    edge frames index it, so long signals cost little more than the sum itself."""
    x = np.asarray(x, dtype=np.float64)
    if n <= 1:
        return x.copy()
    m = len(x)
    c = np.empty((m + 1,) + x.shape[1:])
    c[0] = 0.0
    np.cumsum(x, axis=0, out=c[1:])
    half = n // 2
    first = min(half, m)  # frames [first, last) have whole windows
    last = max(m - n + half + 1, first)
    out = np.empty_like(x)
    inner = out[first:last]
    np.subtract(c[first - half + n : last - half + n], c[first - half : last - half], out=inner)
    inner /= n
    shape = (-1,) + (1,) * (x.ndim - 1)
    if m >= n:  # edge windows are cut on one side only: [0, i + n - half) or [i - half, m)
        out[:first] = (c[n - half : n] - c[0]) / np.arange(n - half, n).reshape(shape)
        lo = np.arange(last - half, m - half)
        out[last:] = (c[m] - c[last - half : m - half]) / (m - lo).reshape(shape)
        return out
    i = np.concatenate((np.arange(first), np.arange(last, m)))
    lo = np.maximum(i - half, 0)
    hi = np.minimum(i - half + n, m)
    out[i] = (c[hi] - c[lo]) / (hi - lo).reshape(shape)
    return out


def _window_extreme(x: np.ndarray, n: int, take: np.ufunc) -> np.ndarray:
    """``take`` (np.maximum or np.minimum) over the forward window [i, i + n) of each frame
    along axis 0; windows are cut at the end. Spans double (1, 2, 4, ...) up to n and two
    overlapping spans cover each window: a few whole-array passes, which run in SIMD."""
    m = len(x)
    n = max(min(int(n), m), 1)
    cur = np.full((m + n - 1,) + x.shape[1:], -np.inf if take is np.maximum else np.inf)
    cur[:m] = x
    span = 1  # cur[i] is the extreme over [i, i + span)
    while 2 * span <= n:
        cur = take(cur[:-span], cur[span:])
        span *= 2
    return take(cur[:m], cur[n - span : n - span + m])


def window_max(x: np.ndarray, n: int) -> np.ndarray:
    """Maximum of each forward window [i, i + n) along axis 0."""
    return _window_extreme(np.asarray(x, dtype=np.float64), n, np.maximum)


def window_range(x: np.ndarray, n: int) -> np.ndarray:
    """Per-channel range (max - min) of each forward window [i, i + n) along axis 0."""
    x = np.asarray(x, dtype=np.float64)
    return _window_extreme(x, n, np.maximum) - _window_extreme(x, n, np.minimum)


def least_covering(r: np.ndarray, n: int) -> np.ndarray:
    """For each frame i, the least of r over the windows [j, j + n) that hold it (j in
    (i - n, i]); r[j] describes the window starting at j."""
    r = np.asarray(r, dtype=np.float64)
    return _window_extreme(r[::-1], n, np.minimum)[::-1]
