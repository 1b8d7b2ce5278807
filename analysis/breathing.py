"""Breathing rate during a hold, from the channels in which breathing moves the ball.

Breathing tilts a loaded ball by a degree or two and modulates its load by a few percent. The
rate is the spectral peak of the band-passed signal (axes combined by principal components),
reported only when that peak stands clearly above the rest of the band. It is read from means
of frames at ``ANALYSIS_HZ``: a quarter of the work, most rates within 0.01 breaths/min.
Two methods, chosen on simulated holds with known rates:

- ``"tilt"`` (IMUs): micro-adjustments leave steps in the ball's tilt whose spectrum falls as
  1/f^2 and buries fast breathing; a running median longer than a breath removes the steps;
- ``"load"`` (force, pressure): micro-adjustments are brief bumps, so the spectrum is only
  weighted by frequency to flatten the slow load swings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from holdtrack.analysis.clean import FRAME_S, median
from holdtrack.analysis.filters import butterworth, filtfilt, running_median, welch

MIN_SECONDS = 20.0  # fewer than ~2 slow breaths cannot give a rate
BAND_HZ = (0.07, 0.7)
RATE_HZ = (0.075, 0.42)  # 4.5 to 25 breaths/min
MIN_PEAK_RATIO = 4.0
STEP_MEDIAN_S = 12.0  # longer than the slowest breath (5.5/min -> 11 s)
ANALYSIS_HZ = 2.5  # a rate at which the band (under 0.7 Hz) is whole and the work a quarter
SPECTRUM_SPAN_S = 409.6  # Welch transforms this long: bins 0.0024 Hz (0.15 breaths/min) apart
METHODS = ("tilt", "load")


def breathing_clean(x: np.ndarray, fs: float = 1 / FRAME_S, method: str = "tilt") -> np.ndarray:
    """Band-pass each channel to the breathing band and combine them on the first principal axis."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    x = x - x.mean(axis=0)
    if method == "tilt":
        x = x - steps_level(x, fs)
    y = filtfilt(butterworth(2, BAND_HZ, fs), x)
    if y.shape[1] == 1:
        return y[:, 0]
    d = y - y.mean(axis=0)
    _, axes = np.linalg.eigh(d.T @ d)  # principal axes, the first last
    return y @ axes[:, -1]


def steps_level(x: np.ndarray, fs: float = 1 / FRAME_S) -> np.ndarray:
    """Running median over ``STEP_MEDIAN_S`` of each channel (axis 0), edges held: the level
    the steps set, without the breathing."""
    return running_median(x, int(STEP_MEDIAN_S * fs))


def breathing_rate(
    x: np.ndarray, fs: float = 1 / FRAME_S, method: str = "tilt"
) -> tuple[float | None, dict[str, Any]]:
    """Breaths per minute of a hold's breathing channels; None when the signal lacks it.

    Holds of 40 s or more must also give the same rate (within 25 %) in each half: a peak
    that moves is a swing or an overtone, not breathing.
    """
    if method not in METHODS:
        raise ValueError(f"unknown breathing method {method!r}; choose from {METHODS}")
    if len(x) < MIN_SECONDS * fs:
        return None, {"reason": "too short"}
    x, fs = breathing_frames(x, fs)
    y = breathing_clean(x, fs, method)
    rate, info = _peak_rate(y, fs, method, MIN_PEAK_RATIO)
    if rate is None or len(y) < 2 * MIN_SECONDS * fs:
        return rate, info
    half = len(y) // 2
    halves = [
        _peak_rate(part, fs, method, 0.75 * MIN_PEAK_RATIO)[0] for part in (y[:half], y[half:])
    ]
    if any(h is None for h in halves) or abs(halves[0] - halves[1]) > HALVES_TOLERANCE * max(
        halves
    ):
        return None, {**info, "reason": "halves disagree", "halves": halves}
    return rate, info


HALVES_TOLERANCE = 0.25


def breathing_frames(x: np.ndarray, fs: float = 1 / FRAME_S) -> tuple[np.ndarray, float]:
    """Means of consecutive frames down to about ``ANALYSIS_HZ`` (a trailing part frame is
    left out) and their rate: breathing is slower than 0.7 Hz, and each mean's zeros fall on
    the multiples of the new rate, where the faster motion it folds down would land."""
    x = np.asarray(x, dtype=np.float64)
    factor = int(fs // ANALYSIS_HZ)
    if factor <= 1:
        return x, fs
    n = len(x) // factor
    return x[: n * factor].reshape(n, factor, *x.shape[1:]).mean(axis=1), fs / factor


def _peak_rate(
    y: np.ndarray, fs: float, method: str, min_ratio: float
) -> tuple[float | None, dict[str, Any]]:
    """Spectral-peak rate of a cleaned breathing signal, if the peak is clear enough."""
    # Large transients (micro-adjustments) would dominate the spectrum: clip them.
    mad = float(median(np.abs(y))) * 1.4826 + 1e-12
    y = np.clip(y, -4 * mad, 4 * mad)
    nper = int(min(len(y), 60 * fs))
    f, p = welch(y, fs, nper, nper * 3 // 4, max(int(round(SPECTRUM_SPAN_S * fs)), nper))
    if method == "load":
        p = p * f
    band, ref = _bins(len(f), float(f[1] - f[0]))
    if len(band) == 0:
        return None, {"reason": "no band"}
    i = int(band[np.argmax(p[band])])
    ratio = float(p[i] / (median(p[ref]) + 1e-30))
    if ratio < min_ratio:
        return None, {"reason": "no clear peak", "peak_ratio": ratio}
    # Parabolic interpolation of the peak on a log scale, for a true peak only: at the band's
    # edge the spectrum may still rise, and a parabola through it would leave the band.
    fi = f[i]
    if 0 < i < len(p) - 1:
        a, b, c = np.log(p[i - 1 : i + 2] + 1e-30)
        den = a - 2 * b + c
        if den < 0 and b >= max(a, c):
            fi = f[i] + 0.5 * (a - c) / den * (f[1] - f[0])
    return float(fi * 60.0), {"peak_ratio": ratio}


@cache
def _bins(n_bins: int, step_hz: float) -> tuple[np.ndarray, slice]:
    """Indices of the rate band and the slice of the reference band (0.05 to 1 Hz) among
    ``n_bins`` spectrum bins ``step_hz`` apart; the same for every hold of a session."""
    f = np.arange(n_bins) * step_hz
    band = np.flatnonzero((f >= RATE_HZ[0]) & (f <= RATE_HZ[1]))
    ref = np.flatnonzero((f >= 0.05) & (f <= 1.0))
    band.flags.writeable = False
    return band, slice(int(ref[0]), int(ref[-1]) + 1) if len(ref) else slice(0, 0)
