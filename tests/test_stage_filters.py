"""Signal tools of the per-hold measures: the same numbers as scipy's, on random data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage, signal

from holdtrack.analysis.filters import (
    BLOCK_MAX_WIDTH,
    CHUNK_WINDOWS,
    butterworth,
    fast_length,
    filtfilt,
    running_median,
    welch,
)

DESIGNS = [
    (1, 0.05, 10.0),
    (2, 0.05, 10.0),
    (3, 1.5, 10.0),
    (4, 7.0, 50.0),
    (2, (0.07, 0.7), 10.0),
    (2, (0.5, 2.0), 10.0),
    (2, (0.4, 3.0), 10.0),
    (3, (0.2, 1.0), 10.0),
]


def _reference(order: int, cutoff: float | tuple[float, float], fs: float) -> np.ndarray:
    btype = "bandpass" if isinstance(cutoff, tuple) else "lowpass"
    return signal.butter(order, cutoff, btype=btype, fs=fs, output="sos")


@pytest.mark.parametrize("design", DESIGNS)
def test_butterworth_has_scipys_poles_zeros_gain_and_padding(design):
    ours = butterworth(*design)
    order, cutoff, fs = design
    btype = "bandpass" if isinstance(cutoff, tuple) else "lowpass"
    z, p, k = signal.butter(order, cutoff, btype=btype, fs=fs, output="zpk")
    np.testing.assert_allclose(np.sort_complex(ours.zeros), np.sort_complex(z), atol=1e-9)
    np.testing.assert_allclose(np.sort_complex(ours.poles), np.sort_complex(p), atol=1e-12)
    assert ours.gain == pytest.approx(k, rel=1e-10)
    sos = _reference(*design)
    first_order = min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    assert ours.pad_frames == 3 * (2 * len(sos) + 1 - first_order)
    _, h = signal.sosfreqz(sos, worN=64, whole=True)
    np.testing.assert_allclose(ours.response(64), h[:33], atol=1e-12)


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("shape", [(40,), (257,), (1000, 3), (3001, 2)])
def test_filtfilt_matches_sosfiltfilt(design, shape):
    rng = np.random.default_rng(len(shape) * 1000 + shape[0])
    x = rng.normal(size=shape).cumsum(axis=0) + 5.0  # a drifting signal with an offset
    ours = filtfilt(butterworth(*design), x)
    ref = signal.sosfiltfilt(_reference(*design), x, axis=0)
    assert ours.shape == x.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_filtfilt_refuses_a_signal_no_longer_than_its_padding():
    design = butterworth(2, (0.07, 0.7), 10.0)
    with pytest.raises(ValueError, match="more than 15 frames"):
        filtfilt(design, np.zeros(15))


def test_butterworth_designs_are_made_once():
    assert butterworth(2, (0.07, 0.7), 10.0) is butterworth(2, (0.07, 0.7), 10.0)


@pytest.mark.parametrize(
    "n,nper,noverlap,nfft",
    [(600, 600, 450, 4096), (2000, 600, 450, 4096), (999, 333, 111, 1001), (4500, 600, 450, 600)],
)
def test_welch_matches_scipy(n, nper, noverlap, nfft):
    y = np.random.default_rng(n).normal(size=n).cumsum()
    f, p = welch(y, 10.0, nper, noverlap, nfft)
    fr, pr = signal.welch(y, fs=10.0, nperseg=nper, noverlap=noverlap, nfft=nfft)
    np.testing.assert_allclose(f, fr, rtol=1e-12)
    np.testing.assert_allclose(p, pr, rtol=1e-9, atol=1e-12 * pr.max())


@pytest.mark.parametrize(
    "n,width",
    [(1, 5), (2, 120), (119, 120), (700, 120), (5000, 120), (700, 7), (700, 1), (333, 8),
     (9000, 120), (3 * CHUNK_WINDOWS, 64), (400, BLOCK_MAX_WIDTH), (700, BLOCK_MAX_WIDTH + 1)],
)  # fmt: skip
def test_running_median_matches_median_filter(n, width):
    """Exact, with ties, across the chunks of windows and on both sides of the block method's
    widest window."""
    rng = np.random.default_rng(n + width)
    x = rng.normal(size=(n, 3)).cumsum(axis=0)
    x[::5, 1] = 0.25  # ties
    ref = ndimage.median_filter(x, size=(width, 1), mode="nearest")
    np.testing.assert_array_equal(running_median(x, width), ref)
    np.testing.assert_array_equal(running_median(x[:, 0], width), ref[:, 0])


def test_running_median_memory_follows_the_signal_not_the_window():
    import tracemalloc

    x = np.random.default_rng(0).normal(size=(36_000, 3))  # an hour of frames
    tracemalloc.start()
    running_median(x, 120)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 40 * x.nbytes  # a window copy per frame would be 120 times the signal


@pytest.mark.parametrize("n", [1, 2, 7, 97, 1000, 4097, 123457])
def test_fast_length_is_the_next_5_smooth_length(n):
    m = fast_length(n)
    assert m >= n
    r = m
    for p in (2, 3, 5):
        while r % p == 0:
            r //= p
    assert r == 1
    assert all(not _smooth(k) for k in range(n, m))


def _smooth(k: int) -> bool:
    for p in (2, 3, 5):
        while k % p == 0:
            k //= p
    return k == 1
