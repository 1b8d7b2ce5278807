"""The sensor-kind table: one entry per kind, every pair of unit-named fields well formed."""

from __future__ import annotations

import dataclasses

import pytest

from holdtrack.analysis.kinds import KINDS, kind_params
from holdtrack.analysis.schema import SENSOR_KINDS


def test_kinds_table_has_one_entry_per_sensor_kind_of_the_schema():
    assert tuple(KINDS) == SENSOR_KINDS
    assert all(p.name == k for k, p in KINDS.items())


def test_motion_sensors_have_mm_units_and_load_sensors_load_units():
    for p in KINDS.values():
        assert (p.motion_on_mm is not None) == p.is_motion_sensor
        assert (p.motion_on_pct_s is not None) == (not p.is_motion_sensor)
        assert (p.reposition_min_mm is not None) == p.is_motion_sensor
        assert (p.edge_margin_mm is not None) == p.is_motion_sensor
        assert (p.travel_window_s is not None) == p.is_motion_sensor
        assert (p.micro_speed_mm_s is not None) == p.is_motion_sensor
        assert (p.path_kind == "load_rel") == (not p.is_motion_sensor)
        assert (p.body_evidence == "loaded_share") == (not p.is_motion_sensor)
        assert (p.breathing_method == "tilt") == p.is_motion_sensor


def test_every_kind_refines_its_hold_edges_and_only_imus_backtrack_to_where_a_rise_began():
    assert all(p.refine_edges for p in KINDS.values())
    assert [k for k, p in KINDS.items() if p.edge_backtrack] == ["imu", "accel"]
    assert [k for k, p in KINDS.items() if p.has_gyro] == ["imu"]


def test_repositions_move_the_contact_9_mm_with_a_gyro_6_5_mm_tilt_only_or_dip_the_load_24_pct():
    assert KINDS["imu"].reposition_min == 9.0
    assert KINDS["accel"].reposition_min == 6.5
    assert KINDS["force"].reposition_min == KINDS["pressure"].reposition_min == 0.24


def test_imus_move_when_the_contact_ranges_9_mm_in_every_6_s_window_loads_at_5_pct_s():
    assert [KINDS[k].motion_on for k in SENSOR_KINDS] == [9.0, 9.0, 5.0, 5.0]
    assert KINDS["imu"].travel_window_s == KINDS["accel"].travel_window_s == 6.0


def test_load_motion_window_is_its_smoothing_of_3_s():
    for k in ("force", "pressure"):
        p = KINDS[k]
        assert p.motion_smooth_frames == round(p.motion_window_s / 0.1) == 30


def test_only_pressure_subtracts_an_unloaded_baseline():
    assert KINDS["pressure"].load_baseline_s == 1.0
    assert KINDS["force"].load_baseline_s is None
    assert KINDS["force"].load_floor_min == 4.0
    assert KINDS["pressure"].load_floor_min == 200.0


def test_steadiness_parts_weights_are_positive_and_typical_values_too():
    for p in KINDS.values():
        assert p.steadiness_parts
        assert all(w > 0 and typical > 0 for _, w, typical in p.steadiness_parts)
        lo, hi = p.tremble_band_hz
        assert 0 < lo < hi < 5.0  # below the 5 Hz Nyquist limit of 10 frames/s


def test_kind_params_rejects_an_unknown_kind_naming_the_known_ones():
    with pytest.raises(ValueError, match="imu, accel, force, pressure"):
        kind_params("sonar")


def test_a_params_entry_with_both_units_of_a_threshold_is_rejected():
    with pytest.raises(ValueError, match="motion_on"):
        dataclasses.replace(KINDS["imu"], motion_on_pct_s=5.0)
    with pytest.raises(ValueError, match="reposition_min"):
        dataclasses.replace(KINDS["force"], reposition_min_load_dip=None)


def test_kinds_params_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        KINDS["imu"].motion_on_mm = 1.0  # type: ignore[misc]
