"""Zero-phase Butterworth filters, Welch spectra and running medians for the per-hold measures.

Written in numpy alone because importing ``scipy.signal`` or ``scipy.ndimage`` costs more CPU
than analysing a 10-minute session (about 0.3 s each); the results match theirs to rounding.
A design is made once per (order, band, rate) and kept. Filtering gives what
``scipy.signal.sosfiltfilt`` gives (odd extension of 3 * (2 * sections + 1) frames at each
end, each pass started in its steady state), computed by FFT: each pass adds the response to
the first value (the DC gain times it) to the convolution with the impulse response, which
the transform is made long enough to hold until it has decayed below double precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

DECAY_TOLERANCE = 1e-18  # the impulse response is run out until it falls this far
MAX_KEPT_RESPONSES = 64  # frequency responses kept per design (one per transform length)


@dataclass(frozen=True, eq=False)
class Butterworth:
    """A digital Butterworth filter as zeros, poles and gain (as ``scipy.signal.butter``)."""

    zeros: np.ndarray
    poles: np.ndarray
    gain: float
    pad_frames: int  # odd extension at each end, as sosfiltfilt's default
    decay_frames: int  # the impulse response is below DECAY_TOLERANCE after this many frames
    dc_gain: float  # gain at 0 Hz (exactly 0 for a band-pass)
    _responses: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def response(self, nfft: int) -> np.ndarray:
        """Frequency response at the ``nfft // 2 + 1`` bins of a real FFT of length ``nfft``."""
        if nfft not in self._responses:
            if len(self._responses) >= MAX_KEPT_RESPONSES:
                self._responses.clear()
            z = np.exp(2j * np.pi * np.arange(nfft // 2 + 1) / nfft)
            h = np.full(len(z), self.gain, dtype=complex)
            for q in self.zeros:
                h *= z - q
            for p in self.poles:
                h /= z - p
            self._responses[nfft] = h
        return self._responses[nfft]


@cache
def butterworth(order: int, cutoff_hz: float | tuple[float, float], fs_hz: float) -> Butterworth:
    """Low-pass (one cutoff) or band-pass (two) Butterworth design, bilinear with pre-warping."""
    band = np.atleast_1d(np.asarray(cutoff_hz, dtype=np.float64))
    warped = 4.0 * np.tan(np.pi * band / fs_hz)  # analog edges for the bilinear map at fs = 2
    poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))
    zeros = np.zeros(0, dtype=complex)
    if len(band) == 1:
        poles, gain = poles * warped[0], float(warped[0]) ** order
    else:
        width, centre = warped[1] - warped[0], math.sqrt(warped[0] * warped[1])
        half = poles * width / 2
        root = np.sqrt(half**2 - centre**2)
        poles = np.concatenate([half + root, half - root])
        zeros, gain = np.zeros(order, dtype=complex), float(width) ** order
    gain *= float(np.real(np.prod(4.0 - zeros) / np.prod(4.0 - poles)))
    digital_zeros = np.append((4.0 + zeros) / (4.0 - zeros), -np.ones(len(poles) - len(zeros)))
    digital_poles = (4.0 + poles) / (4.0 - poles)
    radius = float(np.max(np.abs(digital_poles)))
    decay = int(math.ceil(1.25 * math.log(DECAY_TOLERANCE) / math.log(radius))) + 8
    sections, odd = divmod(len(digital_poles), 2)  # an odd order leaves one first-order section
    pad = 3 * (2 * (sections + odd) + 1 - odd)
    dc = float(np.real(gain * np.prod(1 - digital_zeros) / np.prod(1 - digital_poles)))
    return Butterworth(digital_zeros, digital_poles, gain, pad, decay, dc)


def filtfilt(design: Butterworth, x: np.ndarray) -> np.ndarray:
    """Zero-phase filtering along axis 0, as ``sosfiltfilt`` with its default padding."""
    x = np.asarray(x, dtype=np.float64)
    pad = design.pad_frames
    if len(x) <= pad:
        raise ValueError(f"filtering needs more than {pad} frames, not {len(x)}")
    rows = x.reshape(len(x), -1).T  # one row per channel: transforms run along rows
    ext = np.concatenate(
        [2 * rows[:, :1] - rows[:, pad:0:-1], rows, 2 * rows[:, -1:] - rows[:, -2 : -pad - 2 : -1]],
        axis=1,
    )
    nfft = fast_length(ext.shape[1] + design.decay_frames)
    h, dc = design.response(nfft), design.dc_gain
    y = _one_pass(ext, h, nfft, dc)
    y = _one_pass(y[:, ::-1], h, nfft, dc)[:, ::-1]
    return y[:, pad:-pad].T.reshape(x.shape)


def _one_pass(x: np.ndarray, h: np.ndarray, nfft: int, dc: float) -> np.ndarray:
    """One causal pass along rows, started in the steady state of each row's first value."""
    x0 = x[:, :1]
    spectrum = np.fft.rfft(x - x0, nfft)
    spectrum *= h
    y = np.fft.irfft(spectrum, nfft)[:, : x.shape[1]]
    if dc:
        y += dc * x0
    return y


@cache
def fast_length(n: int) -> int:
    """The smallest length of 2^a 3^b 5^c frames that is at least ``n`` (fast to transform)."""
    best = 1 << max(n - 1, 0).bit_length()
    f5 = 1
    while f5 < best:
        f35 = f5
        while f35 < best:
            m = f35 * (1 << max(math.ceil(math.log2(n / f35)), 0))
            best = min(best, m)
            f35 *= 3
        f5 *= 5
    return best


@cache
def _hann(n: int) -> np.ndarray:
    """Periodic Hann window of ``n`` frames (as ``scipy.signal.get_window("hann", n)``)."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    w.flags.writeable = False
    return w


def welch(
    y: np.ndarray, fs_hz: float, nperseg: int, noverlap: int, nfft: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectral density of a 1-D signal by Welch's method (Hann window, each
    segment's mean removed, segments averaged), as ``scipy.signal.welch``; (Hz, density)."""
    win = _hann(nperseg)
    segments = sliding_window_view(np.asarray(y, dtype=np.float64), nperseg)[:: nperseg - noverlap]
    segments = segments - segments.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(segments * win, nfft, axis=1)
    p = (spec.real**2 + spec.imag**2).mean(axis=0) / (fs_hz * float(win @ win))
    p[1 : None if nfft % 2 else -1] *= 2
    return np.arange(nfft // 2 + 1) * (fs_hz / nfft), p


def running_median(x: np.ndarray, width: int) -> np.ndarray:
    """Median over ``width`` frames around each frame along axis 0, edges held (what
    ``scipy.ndimage.median_filter`` gives per channel with ``mode="nearest"``).

    Exact, in O(n log n) time and O(n) memory: the windows are answered together by a
    wavelet matrix over the ranks of the values, not by sorting each window.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = x.reshape(len(x), -1).T  # one row per channel
    n = rows.shape[1]
    width = max(int(width), 1)
    before = width // 2
    padded = np.concatenate(
        [np.repeat(rows[:, :1], before, 1), rows, np.repeat(rows[:, -1:], width - 1 - before, 1)],
        axis=1,
    )
    m = padded.shape[1]
    dtype = np.int32 if len(rows) * m < 2**31 - 1 else np.int64
    order = np.argsort(padded, axis=1).astype(dtype)  # ties in any order: their values are equal
    ranks = np.empty_like(order)  # each channel's values as their ranks in that channel
    np.put_along_axis(ranks, order, np.arange(m, dtype=dtype)[None, :], axis=1)
    starts = (np.arange(n, dtype=dtype) + np.arange(len(rows), dtype=dtype)[:, None] * m).ravel()
    kth = _kth_in_windows(ranks.ravel(), m, starts, width, before).reshape(len(rows), n)
    picked = np.take_along_axis(order, kth, axis=1)
    return np.take_along_axis(padded, picked, axis=1).T.reshape(x.shape)


def _kth_in_windows(
    seq: np.ndarray, n_ranks: int, starts: np.ndarray, width: int, k: int
) -> np.ndarray:
    """The ``k``-th smallest (from 0) of each window [start, start + width) of a sequence of
    ranks below ``n_ranks``; one pass over the sequence per bit of a rank."""
    dtype = seq.dtype.type
    cur = seq
    bounds = np.stack([starts, starts + dtype(width)])  # each window's [lo, hi)
    kth = np.full(len(starts), k, dtype=dtype)
    rank = np.zeros(len(starts), dtype=dtype)
    zeros_before = np.zeros(len(seq) + 1, dtype=dtype)
    for bit in range(max(n_ranks - 1, 1).bit_length() - 1, -1, -1):
        one = (cur & dtype(1 << bit)).astype(bool)
        zero = ~one
        np.cumsum(zero, out=zeros_before[1:])
        cur = np.concatenate((cur[zero], cur[one]))  # stable: zeros first, then ones
        z = zeros_before[bounds]
        in_zeros = z[1] - z[0]
        right = kth >= in_zeros  # the k-th lies among the window's ones at this bit
        kth -= in_zeros * right
        bounds = np.where(right, bounds - z + zeros_before[-1], z)
        rank |= right.astype(dtype) << dtype(bit)
    return rank
