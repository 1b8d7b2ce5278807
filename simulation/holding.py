"""A hold, physically: breathing, tremor, sinking, micro-adjustments and slow load swings.

Breathing shifts the trunk cranially (up a wall, along the body on the floor), tilting the
ball and modulating its load; micro-adjustments are a few millimetres and mean-reverting, so
the spot stays within about 1 cm. The truth records the hold's breathing rate and fidgeting.
"""

from __future__ import annotations

import numpy as np

from holdtrack.simulation.motion import Motion, in_plane_dir, smoothstep, surface_normal
from holdtrack.simulation.script import Activity
from holdtrack.simulation.world import Physics, band_noise


def breath_wave(rng: np.random.Generator, t: np.ndarray, rate_bpm: float) -> np.ndarray:
    """Asymmetric breathing (linear inspiration, exponential expiration), 0..1, variable rate."""
    n = len(t)
    if n == 0:
        return np.zeros(0)
    # Breath-to-breath variability plus slow drift of rate.
    n_breaths = int(t[-1] * rate_bpm / 60) + 3
    periods = 60.0 / rate_bpm * (1 + rng.normal(0, rng.uniform(0.04, 0.12), n_breaths))
    periods = np.clip(periods, 60 / 30, 60 / 3)
    edges = np.concatenate([[0.0], np.cumsum(periods)]) - rng.uniform(0, periods[0])
    idx = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, n_breaths - 1)
    phase = (t - edges[idx]) / periods[idx]
    ie = rng.uniform(0.35, 0.45)
    insp = phase < ie
    out = np.where(insp, phase / ie, np.exp(-(phase - ie) / (1 - ie) * 4.0))
    out = out - out.mean()
    return out


def _tremor(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Tremor and postural rhythm: two tones, 4-5.5 Hz and 8-12 Hz, unit scale."""
    trem = np.zeros(len(t))
    for f0 in (rng.uniform(4, 5.5), rng.uniform(8, 12)):
        trem += np.sin(2 * np.pi * f0 * t + rng.uniform(0, 6)) * rng.uniform(0.3, 1.0)
    return trem


def _micro_adjustments(
    rng: np.random.Generator, m: Motion, a: Activity, ph: Physics
) -> tuple[np.ndarray, float, int]:
    """Small mean-reverting moves: adds their rotation to ``m.phi``; returns the load factor
    they cause, their total rotation in degrees and their count."""
    setup = ph.setup
    t, nrm = m.t, surface_normal(setup)
    micro_rate = rng.choice([0.0, ph.draw(rng, "micro_per_min")], p=[0.15, 0.85])
    n_micro = rng.poisson(micro_rate * a.duration_s / 60)
    offset = np.zeros(3)
    load_f = np.ones(len(t))
    micro_deg_total = 0.0
    times = np.sort(rng.uniform(3, max(a.duration_s - 3, 3.1), n_micro))
    lo_mm, hi_mm = ph.world.micro_mm
    for tm in times:
        dur = ph.draw(rng, "micro_s")
        mag = rng.uniform(0.3, 1.0)  # 0.3 to 1 spans the range of micro_mm
        size_mm = ph.pins.get("micro_mm", lo_mm + (hi_mm - lo_mm) * (mag - 0.3) / 0.7)
        ang = size_mm / 1000 / ph.radius_m
        d = in_plane_dir(rng, setup, mostly_vertical=False)
        step = np.cross(nrm, d) * ang
        if np.linalg.norm(offset + step) > 4 / 3 * hi_mm / 1000 / ph.radius_m:
            step = -step
        u = smoothstep((t - tm) / dur)
        m.phi += np.outer(u, step)
        offset = offset + step
        load_f *= 1 + rng.choice([-1, 1]) * (0.05 + 0.10 * mag) * (
            np.sin(np.pi * np.clip((t - tm) / dur, 0, 1))
        )
        micro_deg_total += np.rad2deg(ang)
    return load_f, micro_deg_total, int(n_micro)


def hold_motion(
    m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float
) -> None:
    """Sustained, still pressure on one spot, with everything a body adds to it."""
    t, nrm, setup = m.t, surface_normal(ph.setup), ph.setup
    bpm = ph.draw(rng, "breath_rate_bpm")
    wave = breath_wave(rng, t, bpm)
    depth_mm = ph.draw(rng, "breath_depth_mm", _deg_per_mm(ph))
    tilt_pp = depth_mm / 1000 / ph.radius_m
    breath_axis = np.cross(nrm, in_plane_dir(rng, setup, mostly_vertical=True))
    m.phi = np.outer(wave * tilt_pp, breath_axis)
    trem = _tremor(rng, t)
    trem_amp = np.deg2rad(rng.uniform(0.005, 0.03))
    m.phi += np.outer(
        trem * trem_amp, np.cross(nrm, in_plane_dir(rng, setup, mostly_vertical=False))
    )
    # Slow sinking of the ball into tissue.
    sink_mm = ph.draw(rng, "sink_mm", _deg_per_mm(ph))
    sink = sink_mm / 1000 / ph.radius_m * t / max(t[-1], 1e-9)
    m.phi += np.outer(sink, np.cross(nrm, in_plane_dir(rng, setup, mostly_vertical=False)))
    load_f, micro_deg_total, n_micro = _micro_adjustments(rng, m, a, ph)
    swing = rng.choice([0.0, rng.uniform(0.01, 0.10)], p=[0.3, 0.7])
    swing_f = rng.uniform(0.02, 0.06)
    load_f *= 1 + swing * np.sin(2 * np.pi * swing_f * t + rng.uniform(0, 6))
    m.phi += np.outer(swing * 5 * np.sin(2 * np.pi * swing_f * t), np.deg2rad(1) * breath_axis)
    drift = rng.uniform(-0.1, 0.25) * t / max(t[-1], 1e-9)
    breath_mod = rng.uniform(0.005, 0.05) * _depth_gain(ph, depth_mm)
    m.load = level * load_f * (1 + drift) * (1 + breath_mod * wave)
    m.load *= 1 + 0.002 * trem  # postural rhythm in the load
    _settling_and_sway(m, ph, breath_axis)
    m.phi -= m.phi[0]
    minutes = a.duration_s / 60
    m.info = {
        "bpm": bpm * 1.0,
        "fidget": micro_deg_total / minutes + 100 * swing,
        "n_micro": n_micro,
        "micro_deg_per_min": micro_deg_total / minutes,
        "load_swing_pct": 100 * swing,
        "breath_depth_mm": depth_mm,
    }


def _deg_per_mm(ph: Physics) -> float:
    """Degrees of ball rotation per millimetre of contact travel (the draws' scale)."""
    return 180.0 / (np.pi * ph.radius_m * 1000.0)


def _depth_gain(ph: Physics, depth_mm: float) -> float:
    """Deeper breaths press the ball harder: in the wide world load modulation grows with depth,
    from half (1 mm or less) to twice (4 mm or more) the default world's 0.5 to 5 %."""
    return 1.0 if ph.world.name == "default" else float(np.clip(depth_mm / 2.0, 0.5, 2.0))


def _settling_and_sway(m: Motion, ph: Physics, axis: np.ndarray) -> None:
    """Settling creep at the start of a hold, postural sway of the ball and the centre's shake
    with the trunk (second random stream; nothing in the default world)."""
    t, nrm, rng = m.t, surface_normal(ph.setup), ph.extra
    creep_mm = ph.draw_new("creep_mm")
    if creep_mm > 0:
        tau = ph.draw_new("creep_tau_s")
        d = in_plane_dir(rng, ph.setup, mostly_vertical=False)
        m.phi += np.outer(creep_mm / 1000 / ph.radius_m * (1 - np.exp(-t / tau)), np.cross(nrm, d))
    sway = np.deg2rad(ph.draw_new("sway_deg"))
    if sway > 0:
        for d_axis in (axis, np.cross(nrm, axis)):
            m.phi += np.outer(sway / np.sqrt(2) * band_noise(rng, len(t), m.fs, (0.1, 1.0)), d_axis)
    shake_m = ph.draw_new("shake_mm") / 1000
    if shake_m > 0:
        for k in range(3):
            m.pos[:, k] += shake_m / np.sqrt(3) * band_noise(rng, len(t), m.fs, (0.5, 2.0))
