"""The simulator's worlds: ranges in physical units, pins, and seeds that stay reproducible."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from holdtrack.simulation.config import SimConfig
from holdtrack.simulation.simulate import simulate
from holdtrack.simulation.world import QUANTITIES, WIDE, WORLDS, Physics, band_noise


def test_the_wide_world_spans_the_ranges_the_detector_must_survive():
    assert WIDE.breath_depth_mm == (0.3, 6.0)
    assert WIDE.breath_rate_bpm == (4.0, 30.0)
    assert WIDE.ball_radius_mm == (30.0, 60.0)
    assert WIDE.stroke_mm == (20.0, 150.0) and WIDE.stroke_hz == (0.05, 0.8)
    assert WIDE.reposition_mm == (10.0, 50.0)
    assert WIDE.rate_hz == (10.0, 200.0)
    for world in WORLDS.values():
        for name in QUANTITIES:
            span = getattr(world, name)
            assert span is None or span[0] <= span[1], (world.name, name)
    assert WIDE.reposition_mm[0] > 2 * WIDE.micro_mm[1]  # a reposition outgrows two micro-moves


def test_a_pinned_quantity_takes_its_value_and_an_unknown_one_is_refused():
    ph = Physics(WIDE, {"ball_radius_mm": 45.0, "breath_depth_mm": 6.0}, seed=1, setup="floor")
    assert ph.radius_m == 0.045
    rng = np.random.default_rng(0)
    assert ph.draw(rng, "breath_depth_mm") == 6.0
    assert ph.draw_new("ball_radius_mm") == 45.0
    with pytest.raises(ValueError, match="unknown quantities.*breath_depth"):
        Physics(WIDE, {"breath_depth": 6.0}, seed=1, setup="floor")


def test_draws_stay_inside_the_world_ranges():
    rng = np.random.default_rng(5)
    ph = Physics(WIDE, {}, seed=5, setup="wall")
    depths = [ph.draw(rng, "breath_depth_mm") for _ in range(200)]
    assert min(depths) >= 0.3 and max(depths) <= 6.0
    radii = [Physics(WIDE, {}, seed=s, setup="wall").radius_m for s in range(50)]
    assert min(radii) >= 0.030 and max(radii) <= 0.060


def test_band_noise_has_unit_rms_and_no_power_outside_its_band():
    x = band_noise(np.random.default_rng(2), 4000, 100.0, (0.1, 1.0))
    assert np.sqrt(np.mean(x**2)) == pytest.approx(1.0)
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(4000, 0.01)
    assert power[(f > 1.05) | (f < 0.095)].sum() < 1e-9 * power.sum()


def test_a_wide_session_records_its_world_pins_and_radius_and_the_same_seed_repeats():
    cfg = SimConfig(sensor_kind="accel", setup="wall", seed=11, world="wide",
                    pins={"rate_hz": 20.0, "ball_radius_mm": 50.0})  # fmt: skip
    a, b = simulate(cfg), simulate(dataclasses.replace(cfg))
    assert a.params["ball_radius_mm"] == 50.0
    assert a.params["rate_hz"] == pytest.approx(20.0)
    assert a.session.meta.extra["world"] == "wide"
    np.testing.assert_array_equal(a.session.data["acc_x"], b.session.data["acc_x"])
    assert [h.start_s for h in a.holds] == [h.start_s for h in b.holds]


def test_the_default_world_is_the_one_a_session_gets_unless_asked():
    assert SimConfig().world == "default" and set(WORLDS) == {"default", "wide"}
    with pytest.raises(ValueError, match="unknown world"):
        simulate(SimConfig(world="moon"))
