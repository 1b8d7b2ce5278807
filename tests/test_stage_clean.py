"""Cleaning stage: timestamps, framing, runs and moving means on constructed samples."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis.clean import (
    FRAME_S,
    SHORT_GAP_S,
    frames_make,
    least_covering,
    moving_mean,
    runs_find,
    timestamps_clean,
    window_range,
)

# ----------------------------------------------------------------------------- timestamps_clean


def test_timestamps_clean_spreads_packets_evenly():
    # Packets of 4 samples at 100 Hz, stamped on arrival every 40 ms.
    t = np.repeat([0.04, 0.08, 0.12], 4)
    out, info = timestamps_clean(t)
    assert info["duplicates"] == 9
    assert info["sample_period_s"] == pytest.approx(0.01)
    np.testing.assert_allclose(out[4:], np.arange(0.05, 0.125, 0.01), atol=1e-12)
    assert np.all(np.diff(out) > 0)


def test_timestamps_clean_does_not_smear_over_a_dropout():
    t = np.concatenate([np.repeat(np.arange(1, 21) * 0.04, 4), np.repeat([5.0], 4)])
    out, _ = timestamps_clean(t)
    # The packet after the 4.2 s dropout reaches back ~4 periods (x1.5), not over the gap.
    assert out[80] >= 5.0 - 0.061
    assert np.all(np.diff(out) > 0)
    assert out[-1] == 5.0


def test_timestamps_clean_without_duplicates_is_identity():
    t = np.array([0.0, 0.011, 0.019, 0.031])
    out, info = timestamps_clean(t)
    np.testing.assert_array_equal(out, t)
    assert info["duplicates"] == 0
    assert info["sample_period_s"] == pytest.approx(0.011)


def test_timestamps_clean_keeps_the_last_sample_of_each_packet_at_its_stamp():
    t = np.repeat([1.0, 1.05, 1.1, 1.15], 5)
    out, _ = timestamps_clean(t)
    np.testing.assert_array_equal(out[4::5], [1.0, 1.05, 1.1, 1.15])


def test_timestamps_clean_of_a_single_sample_has_no_period():
    out, info = timestamps_clean(np.array([2.0]))
    assert out.tolist() == [2.0]
    assert np.isnan(info["sample_period_s"])


# ----------------------------------------------------------------------------- frames_make


def test_frames_make_means_and_gaps():
    t = np.concatenate([np.arange(0, 2, 0.01), np.arange(5, 6, 0.01)])
    v = np.arange(len(t), dtype=float)
    centres, frames, info = frames_make(t, v, 0.1)
    assert frames[0, 0] == pytest.approx(np.mean(v[:10]))
    assert centres[0] == pytest.approx(0.05)
    assert len(info["gaps_s"]) == 1
    g0, g1 = info["gaps_s"][0]
    assert g0 == pytest.approx(2.0, abs=0.1) and g1 == pytest.approx(5.0, abs=0.1)
    assert info["gap"].sum() == pytest.approx(30, abs=1)


def test_frames_make_short_empty_stretches_are_not_gaps():
    t = np.arange(0, 10, 0.4)  # a sample every 0.4 s leaves 3 of 4 frames empty
    _, frames, info = frames_make(t, t.copy(), 0.1)
    assert info["gaps_s"] == []
    assert not info["gap"].any()
    assert np.all(np.isfinite(frames))


def test_frames_make_empty_stretch_of_6_frames_is_no_gap_but_7_is():
    assert round(SHORT_GAP_S / FRAME_S) == 6

    def gap_frames(empty: int) -> int:
        t = np.concatenate([np.arange(0, 1, 0.01), 1.0 + empty * 0.1 + np.arange(0, 1, 0.01)])
        return int(frames_make(t, np.zeros(len(t)), FRAME_S)[2]["gap"].sum())

    assert gap_frames(6) == 0
    assert gap_frames(7) == 7


def test_frames_make_interpolates_values_across_empty_frames():
    t = np.array([0.0, 0.9])
    centres, frames, info = frames_make(t, np.array([0.0, 9.0]), 0.1)
    assert len(centres) == 10
    np.testing.assert_allclose(frames[:, 0], np.arange(10.0))
    assert info["count"].tolist() == [1] + [0] * 8 + [1]


def test_frames_make_gives_the_same_frames_for_samples_out_of_time_order():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0.0, 20.0, 1500))
    v = np.column_stack([np.sin(t), t**2])
    order = np.concatenate(([0], 1 + rng.permutation(len(t) - 1)))  # the earliest stays first
    centres, frames, info = frames_make(t, v, FRAME_S)
    c2, f2, i2 = frames_make(t[order], v[order], FRAME_S)
    np.testing.assert_array_equal(c2, centres)
    np.testing.assert_allclose(f2, frames, rtol=1e-12)
    assert i2["count"].tolist() == info["count"].tolist()
    assert info["count"].sum() == len(t)
    assert frames[0, 0] == pytest.approx(np.sin(t[t < t[0] + FRAME_S]).mean())


# ----------------------------------------------------------------------------- runs, means


def test_runs_find_gives_half_open_true_runs():
    assert runs_find(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]
    assert runs_find(np.array([1, 1, 0], dtype=bool)) == [(0, 2)]
    assert runs_find(np.zeros(3, dtype=bool)) == []


def test_moving_mean_is_centred_and_uses_the_available_frames_at_edges():
    np.testing.assert_allclose(moving_mean(np.array([0.0, 3, 6, 9]), 3), [1.5, 3, 6, 7.5])
    # Even windows reach one frame further back than forward.
    np.testing.assert_allclose(moving_mean(np.array([0.0, 2, 4, 6]), 2), [0, 1, 3, 5])


def test_moving_mean_of_one_frame_is_a_copy_and_works_per_column():
    x = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]])
    np.testing.assert_array_equal(moving_mean(x, 1), x)
    np.testing.assert_allclose(moving_mean(x, 3)[1], [3.0, 30.0])


def test_window_range_is_the_range_of_each_forward_window_cut_at_the_end():
    x = np.random.default_rng(3).normal(size=(97, 2))
    for n in (1, 4, 10, 200):
        want = np.array([np.ptp(x[i : i + n], axis=0) for i in range(len(x))])
        np.testing.assert_allclose(window_range(x, n), want)


def test_least_covering_is_the_least_of_the_windows_that_hold_each_frame():
    r = np.random.default_rng(4).uniform(size=61)
    for n in (1, 5, 13):
        want = np.array([r[max(i - n + 1, 0) : i + 1].min() for i in range(len(r))])
        np.testing.assert_allclose(least_covering(r, n), want)
