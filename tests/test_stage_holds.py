"""Holds stage: hold events from a constructed state timeline and constructed features."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis import holds as holds_mod
from holdtrack.analysis.features import Features, features_imu, features_load
from holdtrack.analysis.holds import Hold, holds_find, steadiness_score
from holdtrack.analysis.schema import G_MS2
from holdtrack.analysis.states import HOLD, IDLE

FPS = 10.0


def _force(load: np.ndarray) -> Features:
    n = len(load)
    return features_load(np.arange(n) / FPS, load, np.zeros(n, dtype=bool), "force")


def _breathing_load(seconds: float, bpm: float = 12.0) -> np.ndarray:
    t = np.arange(int(seconds * FPS)) / FPS
    return 100.0 * (1 + 0.03 * np.sin(2 * np.pi * bpm / 60 * t))


def _session(hold_s: float, bpm: float = 12.0) -> tuple[np.ndarray, Features, np.ndarray]:
    """10 s idle, a hold of ``hold_s``, 10 s idle: codes, features and frame edges."""
    load = np.concatenate([np.zeros(100), _breathing_load(hold_s, bpm), np.zeros(100)])
    n = len(load)
    codes = np.full(n, IDLE, dtype=np.int8)
    codes[100 : n - 100] = HOLD
    return codes, _force(load), np.arange(n + 1) / FPS


def test_holds_find_reports_a_hold_of_10_s_but_not_9_9_s():
    codes, feat, edges = _session(40.0)
    codes[:] = IDLE
    codes[100:199] = HOLD  # 9.9 s
    codes[300:400] = HOLD  # 10 s
    holds, _ = holds_find(codes, feat, edges)
    assert [(h.start_s, h.end_s, h.duration_s) for h in holds] == [(30.0, 40.0, 10.0)]


def test_holds_find_start_and_end_come_from_the_frame_edges():
    codes, feat, edges = _session(60.0)
    (h,) = holds_find(codes, feat, edges + 1000.0)[0]
    assert (h.start_s, h.end_s) == pytest.approx((1010.0, 1070.0))


@pytest.mark.parametrize(("target_s", "adherent"), [(60.0, True), (60.1, False), (90.0, False)])
def test_holds_find_a_hold_is_adherent_when_it_reaches_the_given_target(target_s, adherent):
    codes, feat, edges = _session(60.0)
    (h,) = holds_find(codes, feat, edges, hold_target_s=target_s)[0]
    assert h.adherent is adherent


def test_holds_find_default_target_is_90_s():
    for hold_s, adherent in ((89.9, False), (90.0, True)):
        codes, feat, edges = _session(hold_s)
        assert holds_find(codes, feat, edges)[0][0].adherent is adherent


@pytest.mark.parametrize("bpm", [8.0, 15.0])
def test_holds_find_load_breathing_rate_of_a_constructed_hold(bpm):
    codes, feat, edges = _session(90.0, bpm)
    (h,) = holds_find(codes, feat, edges)[0]
    assert h.breaths_per_min == pytest.approx(bpm, abs=0.5)


def test_holds_find_imu_breathing_rate_uses_the_tilt_method():
    t = np.arange(900) / FPS
    a = np.radians(1.0 * np.sin(2 * np.pi * 0.25 * t))  # rocking at 15 breaths/min
    acc = np.stack([0 * a, G_MS2 * np.sin(a), G_MS2 * np.cos(a)], axis=1)
    gyro = np.stack([np.gradient(a, 1 / FPS), 0 * a, 0 * a], axis=1)
    feat = features_imu(t, acc, gyro, np.zeros(900, dtype=bool), {"gyro_dps": 0.05})
    assert feat.params.breathing_method == "tilt"
    codes = np.full(900, HOLD, dtype=np.int8)
    (h,) = holds_find(codes, feat, np.arange(901) / FPS)[0]
    assert h.breaths_per_min == pytest.approx(15.0, abs=0.5)


def test_steadiness_is_1_for_a_perfectly_still_evenly_loaded_hold():
    feat = _force(np.full(600, 100.0))
    score, n_moves = steadiness_score(feat, 0, 600)
    assert score == pytest.approx(1.0, abs=1e-9)
    assert n_moves == 0


def test_steadiness_is_one_half_when_every_part_is_at_its_typical_value(monkeypatch):
    feat = _force(np.full(600, 100.0))
    typical = {name: value for name, _, value in feat.params.steadiness_parts}
    monkeypatch.setattr(holds_mod, "steadiness_parts", lambda f, a, b: {**typical, "n_moves": 3})
    score, n_moves = steadiness_score(feat, 0, 600)
    assert score == pytest.approx(0.5)
    assert n_moves == 3


@pytest.mark.parametrize(("kind", "tremble_weight"), [("force", 6.0), ("accel", 1.0)])
def test_steadiness_weighs_tremble_against_wander_by_the_kinds_weights(
    monkeypatch, kind, tremble_weight
):
    feat = _force(np.full(600, 100.0))
    feat.kind = kind
    typical = {name: value for name, _, value in feat.params.steadiness_parts}
    parts = {"wander": 0.0, "tremble": typical["tremble"], "n_moves": 0}
    monkeypatch.setattr(holds_mod, "steadiness_parts", lambda f, a, b: parts)
    share = tremble_weight / (1.0 + tremble_weight)  # the wander weight is 1
    assert steadiness_score(feat, 0, 600)[0] == pytest.approx(0.5**share)


def test_steadiness_counts_each_load_bump_above_the_motion_threshold_as_a_small_move():
    load = _breathing_load(60.0)
    t = np.arange(600) / FPS
    for tm in (20.0, 40.0):
        load = load * (1 + 0.25 * np.exp(-(((t - tm) / 0.4) ** 2)))
    codes = np.full(600, HOLD, dtype=np.int8)
    (h,) = holds_find(codes, _force(load), np.arange(601) / FPS)[0]
    (calm,) = holds_find(codes, _force(_breathing_load(60.0)), np.arange(601) / FPS)[0]
    assert h.micro_adjustments == 2 and calm.micro_adjustments == 0
    assert h.steadiness < calm.steadiness


def test_hold_to_dict_rounds_times_to_centiseconds_and_steadiness_to_3_places():
    h = Hold(1.23456, 100.98765, 99.75309, 0.123456, 12.345, 2, True)
    assert h.to_dict() == {
        "start_s": 1.23,
        "end_s": 100.99,
        "duration_s": 99.75,
        "steadiness": 0.123,
        "breaths_per_min": 12.3,
        "micro_adjustments": 2,
        "adherent": True,
    }


def test_steadiness_counts_small_moves_of_2_frames_or_more_not_1_and_not_in_gaps():
    feat = _force(np.full(600, 100.0))
    feat.motion[100:101] = 50.0  # 1 frame: noise
    feat.motion[200:202] = 50.0  # 2 frames: a small move
    feat.motion[300:310] = 50.0  # a longer one
    feat.motion[400:410] = 50.0
    feat.gap[400:410] = True  # inside a gap: not counted
    assert steadiness_score(feat, 0, 600)[1] == 2
