"""Zero-phase Butterworth filters, Welch spectra and running medians for the per-hold measures.

Written in numpy alone because importing ``scipy.signal`` or ``scipy.ndimage`` costs more CPU
than analysing a 10-minute session (about 0.3 s each); the results match theirs to 1e-12
of the signal.
A design is made once per (order, band, rate) and kept. Filtering gives what
``scipy.signal.sosfiltfilt`` gives (odd extension of 3 * (2 * sections + 1) frames at each
end, each pass started in its steady state), computed by FFT: each pass adds the response to
the first value (the DC gain times it) to the convolution with the impulse response, which
the transform is made long enough to hold until it has fallen to 1e-13 of its size (what
is cut off is far below what any measure resolves, and the transforms are a third shorter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.lib.stride_tricks import as_strided

DECAY_TOLERANCE = 1e-13  # the impulse response is run out until it falls this far
MAX_KEPT_RESPONSES = 64  # frequency responses kept per design (one per transform length)
BLOCK_MAX_WIDTH = 256  # running medians up to this wide use block pairs (work grows with width)
CHUNK_WINDOWS = 8192  # block pairs answer about this many windows at a time
BYTES_ONES = np.uint64(0x0101010101010101)  # a one in each byte of a 64-bit word
BYTES_HIGH = np.uint64(0x8080808080808080)  # the top bit of each byte


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
    ext = np.concatenate(  # odd extension at each end
        [2 * rows[:, :1] - rows[:, pad:0:-1], rows, 2 * rows[:, -1:] - rows[:, -2 : -pad - 2 : -1]],
        axis=1,
    )
    frame_major = not ext.flags.c_contiguous  # x holds each frame's channels side by side
    nfft = fast_length(ext.shape[1] + design.decay_frames)
    h, dc = design.response(nfft), design.dc_gain
    y = _one_pass(np.ascontiguousarray(ext), h, nfft, dc, overwrite=True)  # rows: faster
    y = _one_pass(y[:, ::-1], h, nfft, dc)[:, ::-1][:, pad:-pad].T
    if frame_major:  # frame by frame in memory (last first), as transforms of x's layout
        y = np.ascontiguousarray(y[::-1])[::-1]  # give it: later sums over frames agree
    return y.reshape(x.shape)


def _one_pass(
    x: np.ndarray, h: np.ndarray, nfft: int, dc: float, overwrite: bool = False
) -> np.ndarray:
    """One causal pass along rows, started in the steady state of each row's first value
    (``overwrite``: ``x`` is scratch, and is shifted in place rather than copied)."""
    x0 = x[:, :1].copy() if overwrite else x[:, :1]  # a view keeps the layout of x - x0
    spectrum = np.fft.rfft(np.subtract(x, x0, out=x if overwrite else None), nfft)
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
def _hann(n: int) -> tuple[np.ndarray, float]:
    """Periodic Hann window of ``n`` frames (as ``scipy.signal.get_window("hann", n)``) and
    its energy (the sum of its squares)."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    w.flags.writeable = False
    return w, float(w @ w)


def welch(
    y: np.ndarray, fs_hz: float, nperseg: int, noverlap: int, nfft: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectral density of a 1-D signal by Welch's method (Hann window, each
    segment's mean removed, segments averaged), as ``scipy.signal.welch``; (Hz, density)."""
    win, energy = _hann(nperseg)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if not 0 < nperseg <= len(y):
        raise ValueError(f"segments of {nperseg} frames do not fit a signal of {len(y)}")
    step, size = nperseg - noverlap, y.itemsize
    shape = ((len(y) - nperseg) // step + 1, nperseg)
    segments = as_strided(y, shape, (step * size, size), writeable=False)  # views, no copies
    # Sums divided by counts are what .mean() computes, without its overhead per call.
    segments = segments - np.add.reduce(segments, axis=1, keepdims=True) / nperseg
    spec = np.fft.rfft(segments * win, nfft, axis=1).view(np.float64)  # re, im, re, ...
    spec *= spec  # squares in place: faster than the strided .real and .imag
    p = np.add.reduce(spec[:, 0::2] + spec[:, 1::2], axis=0) / len(spec)
    p /= fs_hz * energy
    p[1 : None if nfft % 2 else -1] *= 2
    return np.arange(nfft // 2 + 1) * (fs_hz / nfft), p


def running_median(x: np.ndarray, width: int) -> np.ndarray:
    """Median over ``width`` frames around each frame along axis 0, edges held (what
    ``scipy.ndimage.median_filter`` gives per channel with ``mode="nearest"``).

    Exact, in O(n log width) time and O(n) memory: each window lies in two consecutive
    blocks of ``width`` frames, so it is a set of bits over the pair's sorted values and its
    median one of them. Windows longer than ``BLOCK_MAX_WIDTH`` use a wavelet matrix instead.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = x.reshape(len(x), -1).T  # one row per channel
    n = rows.shape[1]
    if n == 0 or len(rows) == 0:
        return x.copy()
    width = max(int(width), 1)
    before = width // 2
    padded = np.concatenate(
        [np.repeat(rows[:, :1], before, 1), rows, np.repeat(rows[:, -1:], width - 1 - before, 1)],
        axis=1,
    )
    if width > BLOCK_MAX_WIDTH:
        out = _median_by_ranks(padded, n, width, before)
    else:
        out = _kth_in_block_pairs(padded, n, width, before)
    return out.T.reshape(x.shape)


def _kth_in_block_pairs(padded: np.ndarray, n: int, width: int, k: int) -> np.ndarray:
    """The ``k``-th smallest (from 0) of the windows [s, s + width), s < n, of each row.

    Window s = j * width + t holds block j from t on and block j + 1 before t, so the
    windows are answered pair of blocks by pair (a few thousand windows at a time, which
    keeps the memory to the signal's and the work in cache).
    """
    c, w = len(padded), width
    per_row = -(-n // w) + 1  # blocks per row: each window's two, the last only in part
    blocks = np.empty((c, per_row * w))
    blocks[:, : padded.shape[1]] = padded
    blocks[:, padded.shape[1] :] = padded[:, -1:]  # never inside a window
    blocks = blocks.reshape(c * per_row, w)
    pairs = np.concatenate([blocks[:-1], blocks[1:]], axis=1)  # pairs across rows go unused
    kth = np.empty(c * per_row * w)
    step = max(CHUNK_WINDOWS // w, 1)
    for first in range(0, len(pairs), step):
        chunk = pairs[first : first + step]
        kth[first * w : (first + len(chunk)) * w] = _kth_in_pairs(chunk, k)
    return kth.reshape(c, per_row * w)[:, :n]


def _kth_in_pairs(pairs: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th smallest of the windows [t, t + w), t < w, of each row of 2 w values.

    Over a row's sorted values the answer has k members below it and at most w others, so
    it lies in places [k, k + w]: each window's members there as bits (the first half's
    ORed from the end, the second half's from the start) and its count of members below k
    find it, for every window at once.
    """
    w = pairs.shape[1] // 2
    order = np.argsort(pairs, axis=1)  # ties in any order: their values are equal
    at = np.arange(0, pairs.size, 2 * w)[:, None] + order  # flat index of each place
    low = np.zeros(pairs.size, dtype=np.int32)
    low[at[:, :k]] = 1
    low = low.reshape(pairs.shape)
    n_low = np.cumsum(low[:, w - 1 :: -1], axis=1)[:, ::-1]  # first half's members below k
    n_low[:, 1:] += np.cumsum(low[:, w : 2 * w - 1], axis=1)  # and the second half's
    word, bit = _place_bits(w + 1)
    onehot = np.zeros((int(word[-1]) + 1, pairs.size), dtype=np.uint64)  # one array per word
    onehot[word, at[:, k : k + w + 1]] = bit
    onehot = onehot.reshape(-1, *pairs.shape)
    member = np.bitwise_or.accumulate(onehot[:, :, w - 1 :: -1], axis=2)[:, :, ::-1]
    member[:, :, 1:] |= np.bitwise_or.accumulate(onehot[:, :, w : 2 * w - 1], axis=2)
    picked = k + _nth_set_bit(member.reshape(len(member), -1), k - n_low.reshape(-1))
    s = np.arange(len(picked)) // w * (2 * w)  # each window's row, as a flat offset
    return pairs.reshape(-1)[s + order.reshape(-1)[s + picked]]


@cache
def _place_bits(places: int) -> tuple[np.ndarray, np.ndarray]:
    """For each place in a sorted order of ``places`` values: its uint64 word and bit."""
    at = np.arange(places)
    word, bit = at >> 6, np.left_shift(np.uint64(1), (at & 63).astype(np.uint64))
    word.flags.writeable = bit.flags.writeable = False
    return word, bit


def _nth_set_bit(masks: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Position of the ``k``-th set bit (from 0, one k per set) of each bit set, given as
    rows of uint64 words (lowest bits first, one row per word); each set has enough bits.

    Word by word, then inside the word by bytes counted all at once in the word itself."""
    value, k_in, pos = masks[0], np.asarray(k, dtype=np.int64), np.zeros(len(masks[0]), np.int64)
    for i in range(1, len(masks)):
        count = np.bitwise_count(value)
        past = k_in >= count  # the k-th set bit lies beyond this word
        value = np.where(past, masks[i], value)
        k_in = k_in - count * past
        pos += 64 * past
    # Bytes of ``upto`` hold the bits set up to the end of each byte (at most 64 each).
    octets = np.ascontiguousarray(value, dtype="<u8").view(np.uint8)  # lowest byte first
    upto = np.bitwise_count(octets).view("<u8") * BYTES_ONES
    target = k_in.astype(np.uint64) * BYTES_ONES  # k in each byte, below 64
    shift = 8 * np.bitwise_count(((target | BYTES_HIGH) - upto) & BYTES_HIGH)  # bytes before
    before = ((upto << np.uint64(8)) >> shift) & np.uint64(255)
    octet = (value >> shift) & np.uint64(255)
    return pos + shift.astype(np.int64) + _octet_bits()[octet, k_in - before.astype(np.int64)]


@cache
def _octet_bits() -> np.ndarray:
    """Table [octet, i]: the position of the i-th set bit (from 0) of an 8-bit value."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    table = np.zeros((256, 8), dtype=np.int64)
    rows, cols = np.nonzero(bits)
    table[rows, (np.cumsum(bits, axis=1) - 1)[rows, cols]] = cols
    table.flags.writeable = False
    return table


def _median_by_ranks(padded: np.ndarray, n: int, width: int, k: int) -> np.ndarray:
    """The ``k``-th smallest of the windows [s, s + width), s < n, of each row, by a wavelet
    matrix over the values' ranks in their row (memory O(n) whatever the width)."""
    m = padded.shape[1]
    c = len(padded)
    dtype = np.int32 if c * m < 2**31 - 1 else np.int64
    order = np.argsort(padded, axis=1).astype(dtype)  # ties in any order: their values are equal
    ranks = np.empty_like(order)  # each channel's values as their ranks in that channel
    np.put_along_axis(ranks, order, np.arange(m, dtype=dtype)[None, :], axis=1)
    starts = (np.arange(n, dtype=dtype) + np.arange(c, dtype=dtype)[:, None] * m).ravel()
    kth = _kth_in_windows(ranks.ravel(), m, starts, width, k).reshape(c, n)
    picked = np.take_along_axis(order, kth, axis=1)
    return np.take_along_axis(padded, picked, axis=1)


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
