"""Ball physics per activity: how the ball turns, where its centre goes, what load it carries.

The ball rolls without slipping between body and surface (rotation = contact travel / radius).
Each activity is one function returning world-frame rotation vectors (rad), centre positions
(m), the load, and what the truth needs to know about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holdtrack.simulation.script import Activity
from holdtrack.simulation.world import Physics


@dataclass
class Motion:
    """One activity's samples: rotation vectors (n, 3), positions (n, 3), load (n,)."""

    t: np.ndarray
    fs: float
    phi: np.ndarray
    pos: np.ndarray
    load: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def in_plane_dir(rng: np.random.Generator, setup: str, *, mostly_vertical: bool) -> np.ndarray:
    """A unit movement direction in the contact plane (floor: xy; wall: yz)."""
    if setup == "floor":
        a = rng.uniform(0, 2 * np.pi)
        return np.array([np.cos(a), np.sin(a), 0.0])
    # Wall: body moves mostly up/down (knee bend) with some diagonal; pure sideways is rare.
    a = np.pi / 2 + (
        rng.uniform(-np.pi / 3, np.pi / 3) if mostly_vertical else rng.uniform(0, np.pi)
    )
    return np.array([0.0, np.cos(a), np.sin(a)])


def surface_normal(setup: str) -> np.ndarray:
    """The contact surface's normal: up from the floor, out of the wall."""
    return np.array([0.0, 0.0, 1.0]) if setup == "floor" else np.array([1.0, 0.0, 0.0])


def smoothstep(u: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero slope at both ends (raised cosine)."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _ramp(t: np.ndarray) -> np.ndarray:
    """0 -> 1 over the activity, smoothly."""
    return smoothstep(t / t[-1]) if len(t) > 1 else np.ones(1)


def _idle_still(
    m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float
) -> None:
    """Lying still, unloaded: nothing moves."""


def _carried(m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float) -> None:
    """Hand carrying: turning at tens of deg/s, walking bounce at about 1.8 Hz."""
    t = m.t
    w = smoothstep(np.minimum(t, t[-1] - t) / 0.5)
    for _ in range(3):
        ax = rng.normal(size=3)
        ax /= np.linalg.norm(ax)
        f = rng.uniform(0.2, 0.8)
        m.phi += np.outer(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)), ax) * rng.uniform(0.3, 1.0)
    m.phi -= m.phi[0]
    step_hz = rng.uniform(1.6, 2.1)
    m.pos[:, 2] = 0.025 * np.sin(2 * np.pi * step_hz * t) * w
    m.pos[:, 0] = 0.01 * np.sin(np.pi * step_hz * t) * w + 0.5 * t


def _settle(m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float) -> None:
    """Body lowering onto (or leaving) the ball: load ramps while the ball turns a few degrees."""
    u = _ramp(m.t)
    m.load = level * (u if a.kind == "settle" else 1 - u)
    d = in_plane_dir(rng, ph.setup, mostly_vertical=False)
    ang = np.deg2rad(rng.uniform(3, 15))
    m.phi = np.outer(u * ang, np.cross(surface_normal(ph.setup), d))
    m.pos = np.outer(u * ang * ph.radius_m, d)


def _stroke_clock(rng: np.random.Generator, n: int, fs: float, t_dir: float) -> np.ndarray:
    """Stroke time with short pauses at reversals (still rolling): runs, then the clock stops."""
    tt = np.zeros(n)
    k, clock = 0, 0.0
    while k < n:
        run = int(rng.uniform(2, 5) * 2 * t_dir * fs)
        pause = int(rng.uniform(1.0, 4.0) * fs)
        m = min(run, n - k)
        tt[k : k + m] = clock + np.arange(m) / fs
        clock += run / fs
        k += m
        m = min(pause, n - k)
        tt[k : k + m] = clock
        k += m
    return tt


def _rolling(m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float) -> None:
    """Sinusoidal strokes back and forth (sometimes 2-D "X" strokes), drifting along the body."""
    nrm, r, n = surface_normal(ph.setup), ph.radius_m, len(m.t)
    d = in_plane_dir(rng, ph.setup, mostly_vertical=True)
    d2 = in_plane_dir(rng, ph.setup, mostly_vertical=True)
    x_stroke = rng.random() < 0.2
    if ph.world.stroke_hz is None:
        t_dir = ph.draw(rng, "stroke_half_s")  # one direction of a stroke, s
    else:
        t_dir = 0.5 / ph.draw(rng, "stroke_hz")
    # Centre (and contact point) travel per stroke: half the body's travel.
    centre_amp = ph.draw(rng, "stroke_mm", 2e-3) / 1000.0
    length_m = 2 * centre_amp
    tt = m.t.copy()
    if a.p.get("pauses") and rng.random() < 0.3:
        tt = _stroke_clock(rng, n, m.fs, t_dir)
    s = centre_amp * 0.5 * (1 - np.cos(np.pi * tt / t_dir))
    drift = rng.uniform(-0.01, 0.01) * tt  # travel along the body, m/s
    along = s + drift
    if x_stroke:
        half = (np.floor(tt / (2 * t_dir)) % 2).astype(bool)
        axis_seq = np.where(half[:, None], np.cross(nrm, d2), np.cross(nrm, d))
        move_seq = np.where(half[:, None], d2, d)
        inc = np.diff(along, prepend=along[0])
        m.phi = np.cumsum(inc[:, None] * axis_seq / r, axis=0)
        m.pos = np.cumsum(inc[:, None] * move_seq, axis=0)
    else:
        m.phi = np.outer(along / r, np.cross(nrm, d))
        m.pos = np.outer(along, d)
    mod = rng.uniform(0.15, 0.4)
    m.load = (
        level * rng.uniform(0.85, 1.05) * (1 + mod * np.sin(np.pi * tt / t_dir + rng.uniform(0, 6)))
    )
    m.info = {"stroke_s": t_dir, "length_m": length_m}


def _reposition(
    m: Motion, rng: np.random.Generator, a: Activity, ph: Physics, level: float
) -> None:
    """One short move to a new spot (1.5 to 4 cm by default) with a dip in the load; a shift of
    posture moves the contact a few millimetres with a smaller dip."""
    d = in_plane_dir(rng, ph.setup, mostly_vertical=True)
    shift = a.p.get("shift", False)
    dist = ph.draw_new("shift_mm") / 1000 if shift else ph.draw(rng, "reposition_mm", 1e-3) / 1000
    u = _ramp(m.t)
    m.phi = np.outer(u * dist / ph.radius_m, np.cross(surface_normal(ph.setup), d))
    m.pos = np.outer(u * dist, d)
    dip = rng.uniform(0.25, 0.5) if shift else rng.uniform(0.3, 0.7)
    m.load = level * (1 - dip * np.sin(np.pi * np.clip(m.t / m.t[-1], 0, 1)))


MOVES: dict[str, Callable[..., None]] = {
    "idle_still": _idle_still,
    "carried": _carried,
    "settle": _settle,
    "unsettle": _settle,
    "rolling": _rolling,
    "reposition": _reposition,
}


def motion_start(a: Activity, fs: float) -> Motion:
    """An activity's sample times with the ball still, unloaded, at its starting pose."""
    n = max(int(round(a.duration_s * fs)), 1)
    return Motion(np.arange(n) / fs, fs, np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n))
