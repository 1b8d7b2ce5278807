"""Each detection stage on constructed signals with known answers (no simulator)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import session_process
from analysis.breathing import breathing_rate
from analysis.clean import frames_make, moving_mean, runs_find, timestamps_clean
from analysis.holds import Hold
from analysis.summary import session_summarise, verdict_text

G = 9.80665


# ----------------------------------------------------------------------------- clean


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


def test_runs_find_and_moving_mean():
    assert runs_find(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]
    assert runs_find(np.zeros(3, dtype=bool)) == []
    np.testing.assert_allclose(moving_mean(np.array([0.0, 3, 6, 9]), 3), [1.5, 3, 6, 7.5])


# ----------------------------------------------------------------------------- breathing


def _breath(bpm: float, seconds: float = 90.0, asym: bool = False, seed: int = 0) -> np.ndarray:
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


def test_breathing_rate_declines_noise_and_short_holds():
    rng = np.random.default_rng(1)
    assert breathing_rate(rng.normal(size=(900, 3)))[0] is None
    assert breathing_rate(_breath(12, seconds=15))[0] is None
    with pytest.raises(ValueError, match="unknown breathing method"):
        breathing_rate(_breath(12), method="magic")


def test_breathing_rate_survives_micro_adjustment_steps():
    x = _breath(15, seconds=120)
    x[400:] += 5.0  # two steps of five times the breathing amplitude
    x[800:] -= 5.0
    rate, _ = breathing_rate(x, method="tilt")
    assert rate == pytest.approx(15, abs=1.0)


# ----------------------------------------------------------------------------- whole pipeline


def _force_session(parts: list[tuple[float, object]], rate_hz: float = 50.0) -> pd.DataFrame:
    """Concatenate (duration_s, f(t) -> N) parts into a force session."""
    rng = np.random.default_rng(7)
    times, forces, t0 = [], [], 0.0
    for dur, fn in parts:
        t = np.arange(0, dur, 1 / rate_hz)
        times.append(t + t0)
        forces.append(np.asarray(fn(t), dtype=float) + rng.normal(0, 0.05, len(t)))
        t0 += dur
    return pd.DataFrame({"time_s": np.concatenate(times), "force_n": np.concatenate(forces)})


def _hold(level: float, bpm: float = 12.0):
    return lambda t: level * (1 + 0.03 * np.sin(2 * np.pi * bpm / 60 * t))


def IDLE(t):
    return np.zeros_like(t)


def ROLL(t):
    return 100 * (1 + 0.3 * np.sin(2 * np.pi * 0.25 * t))


def _states_ok(result, data: pd.DataFrame) -> None:
    segs = result.segments
    assert segs[0]["start_s"] == pytest.approx(data.time_s.iloc[0], abs=0.11)
    assert segs[-1]["end_s"] == pytest.approx(data.time_s.iloc[-1], abs=0.11)
    for a, b in zip(segs, segs[1:]):
        assert a["end_s"] == b["start_s"]
        assert a["state"] != b["state"]
    assert {s["state"] for s in segs} <= {"hold", "rolling", "reposition", "idle"}


def test_force_hold_then_rolling():
    data = _force_session([(20, IDLE), (120, _hold(100)), (30, ROLL), (15, IDLE)])
    res = session_process(data)
    assert len(res.holds) == 1
    h = res.holds[0]
    assert h.start_s == pytest.approx(20, abs=1.5)
    assert h.end_s == pytest.approx(140, abs=1.5)
    assert h.adherent
    assert h.breaths_per_min == pytest.approx(12, abs=1.0)
    _states_ok(res, data)
    rolling = [s for s in res.segments if s["state"] == "rolling"]
    assert any(s["start_s"] < 150 and s["end_s"] > 160 for s in rolling)
    assert res.summary["adherent_holds"] == 1


def test_force_reposition_splits_two_holds():
    def dip(t):
        return 100 * (1 - 0.5 * np.sin(np.pi * np.clip(t / 2, 0, 1)))

    data = _force_session([(20, IDLE), (60, _hold(100)), (2, dip), (100, _hold(100)), (15, IDLE)])
    res = session_process(data)
    assert [round(h.start_s) for h in res.holds] == pytest.approx([20, 82], abs=2)
    assert [round(h.end_s) for h in res.holds] == pytest.approx([80, 182], abs=2)
    repos = [s for s in res.segments if s["state"] == "reposition"]
    assert len(repos) == 1 and 78 <= repos[0]["start_s"] <= 82


def test_gap_of_three_seconds_does_not_split_a_hold():
    data = _force_session([(20, IDLE), (120, _hold(100)), (15, IDLE)])
    data = data[(data.time_s < 80) | (data.time_s >= 83)].reset_index(drop=True)
    res = session_process(data)
    assert len(res.holds) == 1
    assert res.holds[0].duration_s == pytest.approx(120, abs=3)
    assert len(res.gaps_s) == 1
    assert res.gaps_s[0][0] == pytest.approx(80, abs=0.2)
    assert res.gaps_s[0][1] == pytest.approx(83, abs=0.2)


def test_holds_under_ten_seconds_are_not_reported():
    data = _force_session([(20, IDLE), (8, _hold(100)), (20, IDLE)])
    res = session_process(data)
    assert res.holds == []
    assert all(s["state"] != "hold" for s in res.segments)


def test_steadiness_falls_with_fidgeting():
    calm = _force_session([(20, IDLE), (150, _hold(100)), (15, IDLE)])

    def fidgety(t):
        base = _hold(100)(t) * (1 + 0.10 * np.sin(2 * np.pi * 0.03 * t))
        for tm in (30, 60, 90, 120):
            base = base * (1 + 0.12 * np.exp(-(((t - tm) / 0.4) ** 2)))
        return base

    restless = _force_session([(20, IDLE), (150, fidgety), (15, IDLE)])
    s_calm = session_process(calm).holds[0].steadiness
    s_restless = session_process(restless).holds[0].steadiness
    assert 0.0 <= s_restless < s_calm <= 1.0
    assert s_calm - s_restless > 0.2


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """Gravity in the sensor frame when the sensor is turned by angle (rad) about x."""
    return np.stack([np.zeros_like(angle), G * np.sin(angle), G * np.cos(angle)], axis=1)


def test_imu_idle_hold_rolling():
    rate = 100.0
    rng = np.random.default_rng(3)
    t = np.arange(0, 160, 1 / rate)
    angle = np.zeros_like(t)
    hold = (t >= 30) & (t < 130)
    angle[hold] = np.deg2rad(1.0) * np.sin(2 * np.pi * 0.2 * (t[hold] - 30))
    roll = t >= 130
    angle[roll] = np.deg2rad(45) * np.sin(2 * np.pi * 0.25 * (t[roll] - 130))
    gyro_x = np.gradient(angle, 1 / rate)
    acc = _rot_x(angle) + rng.normal(0, 0.002, (len(t), 3))
    gyro = np.stack([gyro_x, np.zeros_like(t), np.zeros_like(t)], axis=1)
    gyro += rng.normal(0, 0.0005, gyro.shape)
    data = pd.DataFrame({"time_s": t})
    for i, ax in enumerate("xyz"):
        data[f"acc_{ax}"] = acc[:, i]
        data[f"gyro_{ax}"] = gyro[:, i]
    res = session_process(data)
    assert len(res.holds) == 1
    assert res.holds[0].start_s == pytest.approx(30, abs=2)
    assert res.holds[0].end_s == pytest.approx(130, abs=2)
    assert res.holds[0].breaths_per_min == pytest.approx(12, abs=1)
    assert res.segments[0]["state"] == "idle" and res.segments[0]["end_s"] > 25
    assert res.segments[-1]["state"] == "rolling"
    _states_ok(res, data)


# ----------------------------------------------------------------------------- summary


def _h(start: float, dur: float) -> Hold:
    return Hold(start, start + dur, dur, 0.5, None, 0, dur >= 90)


def test_session_summarise_counts():
    holds = [_h(10, 95), _h(120, 40), _h(200, 130)]
    segs = [
        {"start_s": 0, "end_s": 10, "state": "idle"},
        {"start_s": 10, "end_s": 105, "state": "hold"},
        {"start_s": 105, "end_s": 120, "state": "rolling"},
        {"start_s": 120, "end_s": 160, "state": "hold"},
        {"start_s": 160, "end_s": 200, "state": "rolling"},
        {"start_s": 200, "end_s": 330, "state": "hold"},
    ]
    s = session_summarise(holds, segs, [(50.0, 52.0)])
    assert s["n_holds"] == 3 and s["adherent_holds"] == 2
    assert s["longest_hold_s"] == 130
    assert s["rolling_share_of_loaded"] == pytest.approx(55 / 320, abs=1e-3)
    assert s["gap_s"] == 2.0
    assert s["verdict"] == "2 of 3 holds reached 90 s; 17% of loaded time was rolling."


def test_verdict_without_holds():
    assert verdict_text(0, 0, 1.0) == "No holds of 10 s or more; 100% of loaded time was rolling."


def test_session_without_time_span_is_rejected():
    data = pd.DataFrame({"time_s": [3.0, 3.0, 3.0], "force_n": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="time span"):
        session_process(data)
