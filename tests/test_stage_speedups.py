"""Fast paths of the frame and hold measures give what the plain formulas give, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis.clean import (
    frames_make,
    least_covering,
    median,
    median_of_many,
    moving_mean,
    percentile,
    runs_find,
    timestamps_clean,
    window_range,
)
from holdtrack.analysis.features import features_imu, features_load
from holdtrack.analysis.filters import running_median
from holdtrack.analysis.holds import _detrend, steadiness_parts
from holdtrack.analysis.schema import G_MS2


def _moving_mean_plain(x: np.ndarray, n: int) -> np.ndarray:
    """The centred moving mean indexed frame by frame from the running sum."""
    c = np.cumsum(np.concatenate([np.zeros((1,) + x.shape[1:]), x]), axis=0)
    m = len(x)
    i = np.arange(m)
    lo = np.clip(i - n // 2, 0, m)
    hi = np.clip(i - n // 2 + n, 0, m)
    return (c[hi] - c[lo]) / (hi - lo).reshape((-1,) + (1,) * (x.ndim - 1))


@pytest.mark.parametrize("m", [1, 2, 5, 9, 10, 11, 40, 121, 1000])
@pytest.mark.parametrize("n", [2, 3, 4, 10, 11, 40, 120, 2000])
def test_moving_mean_is_the_running_sum_mean_to_the_last_bit(m, n):
    rng = np.random.default_rng(m * 1000 + n)
    for x in (rng.normal(size=m) * 1e3, rng.normal(size=(m, 3)), rng.normal(size=(2 * m, 2))[::2]):
        np.testing.assert_array_equal(moving_mean(x, n), _moving_mean_plain(x, n))


@pytest.mark.parametrize("m", [1, 3, 40, 333])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 40, 64, 500])
def test_window_range_and_least_covering_match_window_by_window(m, n):
    rng = np.random.default_rng(m + 7 * n)
    x = rng.normal(size=(m, 3))
    k = max(min(n, m), 1)
    ref = np.array([x[i : i + k].max(axis=0) - x[i : i + k].min(axis=0) for i in range(m)])
    np.testing.assert_array_equal(window_range(x, n), ref)
    r = x[:, 0]
    cover = np.array([r[max(i - k + 1, 0) : i + 1].min() for i in range(m)])
    np.testing.assert_array_equal(least_covering(r, n), cover)


def test_runs_find_matches_a_scan():
    rng = np.random.default_rng(3)
    for n in range(0, 30):
        for share in (0.0, 0.3, 0.8, 1.0):
            mask = rng.random(n) < share
            runs, a = [], None
            for i, v in enumerate([*mask.tolist(), False]):
                if v and a is None:
                    a = i
                elif not v and a is not None:
                    runs.append((a, i))
                    a = None
            assert runs_find(mask) == runs


@pytest.mark.parametrize("n", [1, 2, 3, 4, 17, 18, 1000, 100_001])
def test_medians_are_numpys(n):
    rng = np.random.default_rng(n)
    cases = [
        rng.normal(size=n),
        np.round(rng.normal(size=n), 1),
        np.full(n, 0.01) + rng.choice([0.0, 1e-9, -1e-9], size=n, p=[0.9, 0.05, 0.05]),
    ]
    with_nan = rng.normal(size=n)
    with_nan[n // 2] = np.nan
    for x in (*cases, with_nan):
        for ours in (median(x), median_of_many(x)):
            assert ours == np.median(x) or (np.isnan(ours) and np.isnan(np.median(x)))
    assert np.isnan(median(np.zeros(0))) and np.isnan(median_of_many(np.zeros(0)))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 17, 18, 1000])
def test_percentiles_are_numpys(n):
    rng = np.random.default_rng(n)
    with_nan = rng.normal(size=n)
    with_nan[n // 2] = np.nan
    for x in (rng.normal(size=n) * 1e-3, np.round(rng.normal(size=n), 1), with_nan):
        for q in (0, 2.5, 5, 50, 95, 100):
            ours, numpys = percentile(x, q), np.percentile(x, q)
            assert ours == numpys or (np.isnan(ours) and np.isnan(numpys))


def test_sample_period_without_shared_timestamps_is_the_median_spacing():
    t = np.cumsum(np.random.default_rng(4).uniform(0.009, 0.011, 5000))
    out, info = timestamps_clean(t)
    np.testing.assert_array_equal(out, t)
    assert info == {"sample_period_s": float(np.median(np.diff(t))), "duplicates": 0}


def test_running_median_of_a_constant_signal_is_the_constant():
    np.testing.assert_array_equal(running_median(np.full((50, 2), 3.0), 120), np.full((50, 2), 3.0))


def test_frames_make_averages_and_fills_as_the_plain_formula():
    rng = np.random.default_rng(5)
    t = np.cumsum(rng.exponential(0.02, 3000))
    t[1500:] += 4.0  # a gap
    v = rng.normal(size=(3000, 3))
    centres, frames, info = frames_make(t, v, 0.1)
    idx = np.floor((t - t[0]) / 0.1).astype(np.int64)
    count = np.bincount(idx)
    have = count > 0
    sums = np.stack([np.bincount(idx, weights=v[:, c]) for c in range(3)], axis=1)
    np.testing.assert_array_equal(frames[have], sums[have] / count[have, None])
    for c in range(3):
        fill = np.interp(centres[~have], centres[have], frames[have, c])
        np.testing.assert_array_equal(frames[~have, c], fill)
    assert info["gap"].sum() > 30


def test_detrend_is_polyfits_line_to_rounding():
    rng = np.random.default_rng(6)
    path = rng.normal(size=(1500, 3)).cumsum(axis=0) + 100.0
    i = np.arange(len(path))
    coef = np.polyfit(i, path, 1)
    ref = path - (np.outer(i, coef[0]) + coef[1])
    np.testing.assert_allclose(_detrend(path), ref, rtol=0, atol=1e-11 * np.abs(path).max())


def test_steadiness_parts_measures_only_the_parts_the_kind_weighs():
    t = np.arange(600) / 10.0
    a = np.radians(np.sin(2 * np.pi * 0.25 * t))
    acc = np.stack([0 * a, G_MS2 * np.sin(a), G_MS2 * np.cos(a)], axis=1)
    gyro = np.stack([np.gradient(a, 0.1), 0 * a, 0 * a], axis=1)
    imu = features_imu(t, acc, gyro, np.zeros(600, dtype=bool), {"gyro_dps": 0.05})
    force = features_load(t, 100.0 + np.sin(t), np.zeros(600, dtype=bool), "force")
    for feat in (imu, force):
        weighed = {name for name, _, _ in feat.params.steadiness_parts}
        parts = steadiness_parts(feat, 0, 600)
        assert set(parts) == weighed | {"moves_per_min", "n_moves"}
        assert all(np.isfinite(v) for v in parts.values())


def test_filtfilt_lays_frames_out_as_the_signal():
    from holdtrack.analysis.filters import butterworth, filtfilt

    x = np.random.default_rng(7).normal(size=(900, 3)).cumsum(axis=0)
    y = filtfilt(butterworth(2, (0.07, 0.7), 10.0), x)
    assert y.strides[1] == y.itemsize and abs(y.strides[0]) == 3 * y.itemsize
    yt = filtfilt(butterworth(2, (0.07, 0.7), 10.0), np.asfortranarray(x))
    np.testing.assert_array_equal(yt, y)
