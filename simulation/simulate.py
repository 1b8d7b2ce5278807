"""Physically modelled, labelled therapy-ball sessions for demos, tests and benchmarks.

A ball (6.5 cm unless the world says otherwise) moves through a script of activities
(``script``): idle, carried, settling, rolling, holds (``holding``) and repositions
(``motion``). Sensor models (``sensors``) derive
what an IMU in the ball, a force sensor under it or a barometer inside it would measure, and
the radio model (``transport``) packs, delays and loses samples. Ground truth (``truth``)
follows the contract's states.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from holdtrack.analysis.schema import SENSOR_COLUMNS, SENSOR_KINDS, STATES
from holdtrack.sensing.session import Session, SessionMeta
from holdtrack.simulation.config import DEFAULT_RATE_HZ, SETUPS, SimConfig
from holdtrack.simulation.holding import hold_motion
from holdtrack.simulation.motion import MOVES, Motion, motion_start
from holdtrack.simulation.script import Activity, script_make
from holdtrack.simulation.sensors import force_readings, imu_readings, pressure_readings
from holdtrack.simulation.transport import transport_apply
from holdtrack.simulation.truth import SimResult, TrueHold, segments_merge
from holdtrack.simulation.world import WORLDS, Physics

__all__ = ["SimConfig", "SimResult", "TrueHold", "simulate"]

_STATE_CODE = {s: i for i, s in enumerate(STATES)}


def activity_motion(
    rng: np.random.Generator, a: Activity, fs: float, ph: Physics, level: float
) -> Motion:
    """The ball's motion and load during one activity, sampled at ``fs``."""
    m = motion_start(a, fs)
    (hold_motion if a.kind == "hold" else MOVES[a.kind])(m, rng, a, ph, level)
    return m


@dataclass
class _Track:
    """The whole session's ball track, built activity by activity."""

    r0: Rotation
    rots: list[Rotation] = field(default_factory=list)
    pos: list[np.ndarray] = field(default_factory=list)
    load: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    holds: list[TrueHold] = field(default_factory=list)
    p0: np.ndarray = field(default_factory=lambda: np.zeros(3))
    clock_s: float = 0.0

    def add(self, a: Activity, m: Motion, fs: float) -> None:
        """Append one activity, continuing from where the ball was."""
        rots = Rotation.from_rotvec(m.phi) * self.r0
        self.rots.append(rots)
        self.pos.append(m.pos + self.p0)
        self.load.append(m.load)
        n = len(m.load)
        self.codes.append(np.full(n, _STATE_CODE[a.state], dtype=np.int8))
        end = self.clock_s + n / fs
        self.segments.append((self.clock_s, end, a.state))
        if a.kind == "hold":
            i = m.info
            self.holds.append(
                TrueHold(self.clock_s, end, i["bpm"], i["fidget"], i["n_micro"],
                         i["micro_deg_per_min"], i["load_swing_pct"])
            )  # fmt: skip
        self.r0 = rots[-1]
        self.p0 = m.pos[-1] + self.p0
        self.clock_s = end


def _track(
    rng: np.random.Generator, cfg: SimConfig, fs: float, ph: Physics
) -> tuple[_Track, float]:
    """Act out the script: the ball's rotation, position and load over the session."""
    script = script_make(rng, cfg, ph)
    load_level = rng.uniform(20, 150) if cfg.setup == "wall" else rng.uniform(80, 400)
    track = _Track(Rotation.random(random_state=int(rng.integers(2**31))))
    for a in script:
        level = load_level * rng.uniform(0.85, 1.15)
        if a.kind in ("reposition", "unsettle") and track.load:
            level = float(track.load[-1][-1])  # ease off from the load being held
        track.add(a, activity_motion(rng, a, fs, ph, level), fs)
    return track, float(load_level)


def _readings(
    rng: np.random.Generator, cfg: SimConfig, track: _Track, fs: float, ph: Physics
) -> tuple[dict[str, np.ndarray], int]:
    """What the sensor measures along the track, and the number of samples."""
    load = np.concatenate(track.load)
    # Smooth load edges between activities (muscles do not step).
    k = max(int(0.2 * fs), 1)
    kernel = np.ones(2 * k + 1) / (2 * k + 1)
    load = np.convolve(np.pad(load, (k, k), mode="edge"), kernel, "same")[k:-k]
    if cfg.sensor_kind in ("imu", "accel"):
        rot = Rotation.concatenate(track.rots)
        pos = np.vstack(track.pos)
        return imu_readings(rng, rot, pos, fs, ph, with_gyro=cfg.sensor_kind == "imu"), len(load)
    if cfg.sensor_kind == "force":
        return force_readings(rng, load, fs, ph), len(load)
    return pressure_readings(rng, load, fs, ph), len(load)


def sample_rate_hz(cfg: SimConfig, ph: Physics) -> float:
    """The session's sample rate: asked for, pinned, drawn from the world, or the kind's."""
    if cfg.rate_hz:
        return float(cfg.rate_hz)
    if "rate_hz" in ph.pins or ph.world.rate_hz is not None:
        return round(ph.draw_new("rate_hz"), 1)
    return DEFAULT_RATE_HZ[cfg.sensor_kind]


def simulate(cfg: SimConfig) -> SimResult:
    """Simulate one labelled session for ``cfg``."""
    if cfg.sensor_kind not in SENSOR_KINDS:
        raise ValueError(f"unknown sensor kind {cfg.sensor_kind!r}; choose from {SENSOR_KINDS}")
    if cfg.setup not in SETUPS:
        raise ValueError(f"unknown setup {cfg.setup!r}; choose from {SETUPS}")
    if cfg.world not in WORLDS:
        raise ValueError(f"unknown world {cfg.world!r}; choose from {tuple(WORLDS)}")
    rng = np.random.default_rng(cfg.seed)
    ph = Physics(WORLDS[cfg.world], cfg.pins, cfg.seed, cfg.setup)
    fs = sample_rate_hz(cfg, ph)
    track, load_level = _track(rng, cfg, fs, ph)
    cols, n = _readings(rng, cfg, track, fs, ph)
    t_true = np.arange(n) / fs
    keep, ts, dropouts = transport_apply(rng, t_true, cfg, fs)
    data = pd.DataFrame({"time_s": ts[keep]})
    for c in SENSOR_COLUMNS[cfg.sensor_kind]:
        data[c] = np.asarray(cols[c], dtype=np.float64)[keep]
    meta = SessionMeta(
        sensor_kind=cfg.sensor_kind,
        device_model=f"simulated-{cfg.sensor_kind}",
        nominal_rate_hz=fs,
        body_site="upper back" if cfg.setup == "wall" else "glutes",
        extra={
            "simulated": True,
            "setup": cfg.setup,
            "scenario": cfg.scenario,
            "seed": cfg.seed,
            "world": cfg.world,
        },
    )
    grid = np.arange(0, t_true[-1], 0.1)
    codes = np.concatenate(track.codes)[np.minimum((grid * fs).astype(int), n - 1)]
    return SimResult(
        session=Session(data=data, meta=meta),
        segments=segments_merge(track.segments),
        holds=track.holds,
        state_time_s=grid,
        state=np.asarray(STATES, dtype=object)[codes],
        config=cfg,
        params={
            "rate_hz": fs,
            "dropouts": dropouts,
            "load_level_n": load_level,
            "ball_radius_mm": ph.radius_m * 1000,
        },
    )
