"""Features stage: motion, body evidence and displacement of constructed frame signals."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis.clean import FRAME_S
from holdtrack.analysis.features import (
    CARRIED_LIN_ACC_MS2,
    Features,
    carried_flags,
    contact_step,
    contact_travel,
    features_imu,
    features_load,
    still_step,
)
from holdtrack.analysis.kinds import (
    BALL_RADIUS_MM,
    KINDS,
    STEP_FLANK_S,
    STEP_GAP_S,
    TRAVEL_ON_MM,
    TRAVEL_WINDOW_S,
)
from holdtrack.analysis.schema import G_MS2
from holdtrack.analysis.steps import contact_speed

NOISE = {"gyro_dps": 0.05, "acc_deg": 0.01}  # per-frame sensor noise the features are told


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds / FRAME_S))) * FRAME_S


def _breathing_deg(t: np.ndarray) -> np.ndarray:
    return 1.0 * np.sin(2 * np.pi * 0.2 * t)  # a loaded ball rocks 1 deg at 12 breaths/min


def _rolling_deg(t: np.ndarray) -> np.ndarray:
    return 45.0 * np.sin(2 * np.pi * 0.25 * t)


def _imu(angle_deg: np.ndarray, kind: str, seed: int = 0) -> Features:
    """IMU features of a ball turned by ``angle_deg`` about x, with a little sensor noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(angle_deg)) * FRAME_S
    a = np.radians(angle_deg)
    acc = np.stack([np.zeros_like(a), G_MS2 * np.sin(a), G_MS2 * np.cos(a)], axis=1)
    acc += rng.normal(0, G_MS2 * np.radians(NOISE["acc_deg"]), acc.shape)
    gyro = None
    if kind == "imu":
        gyro = np.stack([np.gradient(a, FRAME_S), np.zeros_like(a), np.zeros_like(a)], axis=1)
        gyro += rng.normal(0, np.radians(NOISE["gyro_dps"]), gyro.shape)
    return features_imu(t, acc, gyro, np.zeros(len(t), dtype=bool), NOISE)


def _load(load: np.ndarray, kind: str) -> Features:
    t = np.arange(len(load)) * FRAME_S
    return features_load(t, load, np.zeros(len(t), dtype=bool), kind)


def _hold_then_roll(kind: str) -> Features:
    """20 s idle, 30 s still loaded (breathing), 30 s rolling."""
    t = _t(30)
    if kind in ("imu", "accel"):
        return _imu(np.concatenate([np.zeros(200), _breathing_deg(t), _rolling_deg(t)]), kind)
    hold = 1 + 0.03 * np.sin(2 * np.pi * 0.2 * t)
    roll = 1 + 0.3 * np.sin(2 * np.pi * 0.25 * t)
    rel = np.concatenate([np.zeros(200), hold, roll])
    if kind == "force":
        return _load(100.0 * rel, kind)
    return _load(101_325.0 + 3000.0 * rel, kind)


@pytest.mark.parametrize("kind", ["imu", "accel", "force", "pressure"])
def test_motion_of_a_still_loaded_stretch_is_below_the_kinds_threshold_and_rolling_above(kind):
    feat = _hold_then_roll(kind)
    on = KINDS[kind].motion_on
    assert feat.params is KINDS[kind]
    # Away from the transitions, by more than the motion window.
    assert feat.motion[230:470].max() < on
    assert feat.motion[530:770].min() > on


@pytest.mark.parametrize("kind", ["imu", "accel", "force", "pressure"])
def test_body_evidence_is_above_1_for_a_loaded_still_ball_and_below_for_an_idle_one(kind):
    feat = _hold_then_roll(kind)
    assert feat.body_evidence(210, 490) > 1.0
    assert feat.body_evidence(0, 190) < 1.0


def test_load_body_evidence_is_twice_the_share_of_loaded_real_frames():
    feat = _hold_then_roll("force")
    assert feat.body_evidence(200, 500) == 2.0
    assert feat.body_evidence(0, 200) == 0.0
    assert feat.body_evidence(150, 250) == 1.0  # half loaded: the boundary of "loaded"
    feat.gap[150:200] = True  # gap frames do not count
    assert feat.body_evidence(150, 250) == 2.0


def test_imu_body_evidence_needs_10_real_frames():
    feat = _hold_then_roll("imu")
    assert feat.body_evidence(300, 310) > 1.0
    feat.gap[300:301] = True
    assert feat.body_evidence(300, 310) == 0.0


def test_imu_body_scale_is_3_smoothed_noises_plus_the_kinds_floor():
    imu, accel = _hold_then_roll("imu"), _hold_then_roll("accel")
    assert imu.body_scale == pytest.approx(3 * 0.05 / np.sqrt(10) + 0.02)
    assert accel.body_scale == pytest.approx(3 * 0.01 / np.sqrt(10) + 0.01)


def _turn(kind: str, degrees: float) -> Features:
    """10 s still, a turn of ``degrees`` over 1 s, 10 s still."""
    ramp = np.linspace(0.0, degrees, 10)
    return _imu(np.concatenate([np.zeros(100), ramp, np.full(100, degrees)]), kind)


@pytest.mark.parametrize("kind", ["imu", "accel"])
def test_net_change_of_an_imu_turn_is_the_contact_travel_in_mm(kind):
    for deg in (30.0, 5.0):
        mm = np.radians(deg) * BALL_RADIUS_MM  # arc (gyro); the chord (tilt) is within 0.1 mm
        assert _turn(kind, deg).net_change(100, 110) == pytest.approx(mm, abs=0.3)


def _contact(x_mm: np.ndarray) -> np.ndarray:
    return np.stack([x_mm, 0 * x_mm, 0 * x_mm], axis=1)


def test_contact_travel_keeps_deep_breathing_under_the_threshold_and_rolling_above():
    t = _t(120)
    deep = 3.0 * np.sin(2 * np.pi * (6 / 60) * t)  # 6 mm per breath at 6 breaths/min
    assert contact_travel(_contact(deep), TRAVEL_WINDOW_S).max() < TRAVEL_ON_MM
    stroke = 25.0 * np.sin(2 * np.pi * 0.1 * t)  # a 5 cm stroke every 10 s
    assert contact_travel(_contact(stroke), TRAVEL_WINDOW_S).min() > TRAVEL_ON_MM


def test_contact_travel_of_a_frame_is_the_stillest_window_that_holds_it():
    x = np.zeros(300)
    x[150:] = np.linspace(0, 100, 150)  # still for 15 s, then moving 6.7 mm/s
    travel = contact_travel(_contact(x), 6.0)
    assert travel[:150].max() == pytest.approx(0.0)  # a still window ends at every still frame
    assert travel[250] == pytest.approx(59 * 100 / 149, rel=0.01)  # any 6 s window moves 40 mm
    assert travel[-1] == pytest.approx(
        travel[250]
    )  # the session's end does not make a moving ball still


def test_contact_step_reads_a_10_mm_move_through_deep_breathing():
    t = _t(60)
    x = 3.0 * np.sin(2 * np.pi * (15 / 60) * t) + np.where(t >= 30, 10.0, 0.0)
    step = contact_step(_contact(x), STEP_FLANK_S, STEP_GAP_S)
    assert step[295:305].max() == pytest.approx(10.0, abs=0.8)
    assert step[:200].max() < 2.0  # breathing alone: flank means barely differ


def test_still_step_is_zero_where_a_flank_is_not_still():
    x = np.where(_t(60) >= 30, 10.0, 0.0)
    motion = np.zeros(len(x))
    step = still_step(_contact(x), motion, TRAVEL_ON_MM, STEP_FLANK_S, STEP_GAP_S)
    assert step[300] == pytest.approx(10.0)
    motion[340:360] = 2 * TRAVEL_ON_MM  # rolling 4 to 6 s after the step: in its after-flank
    step = still_step(_contact(x), motion, TRAVEL_ON_MM, STEP_FLANK_S, STEP_GAP_S)
    assert step[300] == 0.0
    assert step[285] == pytest.approx(10.0)  # this frame's after-flank ends before the rolling


def _gap_turn(turn_deg: float, filled_rate_dps: float) -> Features:
    """A still ball that turns ``turn_deg`` about x during a 3 s data gap, whose frames carry
    interpolated samples: the tilt moves linearly, the rate reads ``filled_rate_dps``."""
    t = _t(40)
    gap = (t >= 20) & (t < 23)
    a = np.radians(np.interp(t, [20, 23], [0.0, turn_deg]))
    acc = np.stack([np.zeros_like(a), G_MS2 * np.sin(a), G_MS2 * np.cos(a)], axis=1)
    gyro = np.zeros((len(t), 3))
    gyro[gap, 0] = np.radians(filled_rate_dps)
    return features_imu(t, acc, gyro, gap, NOISE)


def test_rotation_path_reads_a_turn_inside_a_data_gap_from_the_tilt_either_side():
    feat = _gap_turn(15.0, 0.0)  # the rates of a gap hold nothing of the turn
    moved = np.linalg.norm(feat.path[-1] - feat.path[0])
    assert moved == pytest.approx(np.radians(15.0) * BALL_RADIUS_MM, rel=0.02)


def test_rotation_path_does_not_integrate_rates_filled_in_across_a_data_gap():
    feat = _gap_turn(0.0, 5.0)  # 5 deg/s filled in for 3 s would read as 8.5 mm of travel
    assert np.linalg.norm(feat.path[-1] - feat.path[0]) < 0.05


def test_contact_speed_is_the_mean_speed_over_a_second():
    x = np.arange(200) * FRAME_S * 4.0  # 4 mm/s
    assert contact_speed(_contact(x))[20:180] == pytest.approx(np.full(160, 4.0))


def test_net_change_of_a_load_is_its_deepest_dip_relative_to_the_higher_flank():
    load = np.concatenate([np.full(100, 100.0), np.full(10, 60.0), np.full(100, 100.0)])
    assert _load(load, "force").net_change(100, 110) == pytest.approx(0.4)
    # A new spot with a higher load: the dip counts against the new, higher load.
    load = np.concatenate([np.full(100, 80.0), np.full(10, 60.0), np.full(100, 120.0)])
    feat = _load(load, "force")
    level = feat.load_rel[110:130].max()
    assert feat.net_change(100, 110) == pytest.approx((level - feat.load_rel[105]) / level)


def test_load_floor_is_15_pct_of_the_high_load_but_at_least_4_n_or_200_pa():
    force = _load(np.concatenate([np.zeros(100), np.full(200, 100.0)]), "force")
    assert force.info["load_floor"] == pytest.approx(15.0)
    light = _load(np.concatenate([np.zeros(100), np.full(200, 10.0)]), "force")
    assert light.info["load_floor"] == 4.0
    pressure = _load(np.concatenate([np.full(100, 1e5), np.full(200, 1e5 + 1000)]), "pressure")
    assert pressure.info["load_floor"] == 200.0
    assert pressure.info["load_span"] == pytest.approx(1000.0)  # above the unloaded baseline


def test_load_motion_is_zero_where_the_ball_is_unloaded():
    feat = _hold_then_roll("force")
    assert np.all(feat.motion[:190] == 0.0)


def test_carried_flags_mark_a_ball_swinging_in_the_hand_not_a_still_one():
    t = _t(20)
    swing = 2 * CARRIED_LIN_ACC_MS2 * np.sin(2 * np.pi * 2.0 * t)
    acc = np.stack([np.zeros_like(t), np.zeros_like(t), G_MS2 + swing], axis=1)
    still = np.concatenate([np.tile([0.0, 0.0, G_MS2], (200, 1))])
    flags = carried_flags(np.vstack([still, acc]))
    assert not flags[:180].any()
    assert flags[220:380].all()


@pytest.mark.parametrize(("swing_ms2", "carried"), [(0.7, False), (0.9, True)])
def test_carried_flags_need_linear_acceleration_above_0_8_m_s2(swing_ms2, carried):
    alternating = np.where(np.arange(200) % 2 == 0, swing_ms2, -swing_ms2)
    acc = np.stack([np.zeros(200), np.zeros(200), G_MS2 + alternating], axis=1)
    assert carried_flags(acc)[20:180].all() == carried
    assert carried_flags(acc)[20:180].any() == carried


def test_carried_flags_need_large_acceleration_in_over_30_pct_of_2_s():
    # Bursts of 3 swinging frames every 2 s keep |a| far from g in 40 % of the frames.
    bursts = np.where(np.arange(400) % 2 == 0, 1.5, -1.5) * (np.arange(400) % 20 < 3)
    acc = np.stack([np.zeros(400), np.zeros(400), G_MS2 + bursts], axis=1)
    assert carried_flags(acc)[40:360].all()


def test_load_sensors_are_never_carried():
    assert not _hold_then_roll("force").carried.any()
