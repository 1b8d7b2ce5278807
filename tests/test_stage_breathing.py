"""Breathing stage: the rate of constructed breathing signals at known rates."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis.breathing import (
    ANALYSIS_HZ,
    MIN_SECONDS,
    RATE_HZ,
    breathing_clean,
    breathing_frames,
    breathing_rate,
)


def _breath(bpm: float, seconds: float = 90.0, asym: bool = False, seed: int = 0) -> np.ndarray:
    """Three channels of breathing at ``bpm`` (sine or a sharp-in, slow-out wave) plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 0.1)
    phase = (t * bpm / 60) % 1
    wave = (
        np.where(phase < 0.4, phase / 0.4, np.exp(-(phase - 0.4) * 6))
        if asym
        else np.sin(2 * np.pi * phase)
    )
    mix = np.array([1.0, -0.5, 0.3])
    return np.outer(wave, mix) + rng.normal(0, 0.05, (len(t), 3))


@pytest.mark.parametrize("bpm", [6.0, 12.0, 18.0])
@pytest.mark.parametrize("method", ["tilt", "load"])
@pytest.mark.parametrize("asym", [False, True])
def test_breathing_rate_recovers_rate(bpm, method, asym):
    rate, _ = breathing_rate(_breath(bpm, asym=asym), method=method)
    assert rate == pytest.approx(bpm, abs=0.5)


@pytest.mark.parametrize("bpm", [26.0, 27.0, 28.0])
@pytest.mark.parametrize("method", ["tilt", "load"])
def test_breathing_faster_than_the_band_is_never_reported_beyond_it(bpm, method):
    rate, _ = breathing_rate(_breath(bpm), method=method)
    assert rate is None or RATE_HZ[0] * 60 <= rate <= RATE_HZ[1] * 60


def test_breathing_frames_are_means_of_consecutive_frames_at_the_analysis_rate():
    x = np.arange(30.0).reshape(15, 2)  # 15 frames at 10 Hz: three means of four, one left out
    y, fs = breathing_frames(x, 10.0)
    assert fs == ANALYSIS_HZ == 2.5
    np.testing.assert_array_equal(y, [[3.0, 4.0], [11.0, 12.0], [19.0, 20.0]])
    same, fs_same = breathing_frames(x, 2.5)
    assert fs_same == 2.5 and np.array_equal(same, x)


def test_breathing_rate_declines_noise_and_short_holds():
    rng = np.random.default_rng(1)
    assert breathing_rate(rng.normal(size=(900, 3)))[0] is None
    assert breathing_rate(_breath(12, seconds=15))[0] is None
    with pytest.raises(ValueError, match="unknown breathing method"):
        breathing_rate(_breath(12), method="magic")


def test_breathing_rate_needs_20_s():
    assert MIN_SECONDS == 20.0
    assert breathing_rate(_breath(12, seconds=19.9))[1]["reason"] == "too short"
    assert breathing_rate(_breath(12, seconds=20.0))[0] == pytest.approx(12, abs=1.0)


def test_breathing_rate_survives_micro_adjustment_steps():
    x = _breath(15, seconds=120)
    x[400:] += 5.0  # two steps of five times the breathing amplitude
    x[800:] -= 5.0
    rate, _ = breathing_rate(x, method="tilt")
    assert rate == pytest.approx(15, abs=1.0)


def test_breathing_rate_declines_when_the_halves_of_a_long_hold_disagree():
    x = np.vstack([_breath(8, seconds=60), _breath(16, seconds=60, seed=1)])
    rate, info = breathing_rate(x, method="load")
    assert rate is None
    assert info["reason"] == "halves disagree"


def test_breathing_clean_combines_channels_on_their_principal_axis():
    y = breathing_clean(_breath(12), method="load")
    assert y.ndim == 1
    ref = breathing_clean(_breath(12)[:, 0], method="load")
    assert abs(np.corrcoef(y, ref)[0, 1]) > 0.95


@pytest.mark.parametrize("method", ["tilt", "load"])
def test_breathing_clean_is_what_scipy_gives(method):
    from scipy import ndimage, signal

    from holdtrack.analysis.breathing import BAND_HZ, STEP_MEDIAN_S

    x = _breath(14, seconds=150, seed=3)
    x[700:] += 3.0
    ref = x - x.mean(axis=0)
    if method == "tilt":
        ref = ref - ndimage.median_filter(ref, size=(int(STEP_MEDIAN_S * 10), 1), mode="nearest")
    sos = signal.butter(2, BAND_HZ, btype="bandpass", fs=10.0, output="sos")
    ref = signal.sosfiltfilt(sos, ref, axis=0)
    _, _, vt = np.linalg.svd(ref - ref.mean(axis=0), full_matrices=False)
    ref = ref @ vt[0]
    y = breathing_clean(x, method=method)
    np.testing.assert_allclose(y * np.sign(y @ ref), ref, atol=1e-9 * np.abs(ref).max())
