"""Physically modelled, labelled therapy-ball sessions for demos, tests and benchmarks.

The simulator moves a 6.5 cm ball through a script of activities (idle, carried, settling,
rolling, holds with breathing and micro-adjustments, repositions), derives what an IMU in the
ball, a force sensor under it or a barometer inside an inflatable ball would measure, and then
passes the samples through a BLE transport model (packets, jitter, loss, dropouts). Ground truth
follows SPEC section 1. Figures come from ``shared/reference/signal.md``; where no source exists
the values are modelling assumptions, listed in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from analysis.columns import SENSOR_COLUMNS
from holdtrack import __version__
from sensing.session import Session, SessionMeta

G = 9.80665
BALL_RADIUS_M = 0.0325
SENSOR_KINDS = ("imu", "accel", "force", "pressure")
SETUPS = ("wall", "floor")
SCENARIOS = ("good_holder", "roller", "mixed")
STATES = ("idle", "rolling", "reposition", "hold")
DEFAULT_RATE_HZ = {"imu": 100.0, "accel": 50.0, "force": 80.0, "pressure": 25.0}
_STATE_CODE = {s: i for i, s in enumerate(STATES)}


@dataclass
class SimConfig:
    """What to simulate; every unset random quantity is drawn from the seed."""

    sensor_kind: str = "imu"
    setup: str = "floor"
    scenario: str = "good_holder"
    seed: int = 0
    rate_hz: float | None = None
    samples_per_packet: int | None = None
    packet_loss: float | None = None
    dropouts_per_min: float | None = None
    timestamps: str | None = None  # "device" (sensor clock) or "packet" (host arrival per packet)
    n_holds: int | None = None


@dataclass
class TrueHold:
    """Ground truth for one hold event."""

    start_s: float
    end_s: float
    breaths_per_min: float
    fidget: float  # micro_deg_per_min + load_swing_pct: the true amount of fidgeting
    n_micro: int
    micro_deg_per_min: float = 0.0  # rotation of micro-adjustments per minute
    load_swing_pct: float = 0.0  # amplitude of slow load swings, % of the hold load

    @property
    def duration_s(self) -> float:
        """Hold duration, wall time."""
        return self.end_s - self.start_s


@dataclass
class SimResult:
    """A simulated session as recorded, plus its ground truth."""

    session: Session
    segments: list[tuple[float, float, str]]
    holds: list[TrueHold]
    state_time_s: np.ndarray  # regular truth timeline (sensor clock, 10 Hz)
    state: np.ndarray  # state name per truth-timeline point
    config: SimConfig
    params: dict[str, Any] = field(default_factory=dict)

    def truth_dict(self) -> dict[str, Any]:
        """Truth in the shape of ``holdtrack analyze --json`` (for files and tests)."""
        return {
            "holds": [
                {
                    "start_s": h.start_s,
                    "end_s": h.end_s,
                    "duration_s": h.duration_s,
                    "breaths_per_min": h.breaths_per_min,
                    "fidget": h.fidget,
                }
                for h in self.holds
            ],
            "segments": [{"start_s": a, "end_s": b, "state": s} for a, b, s in self.segments],
            "config": {k: v for k, v in vars(self.config).items()},
            "params": self.params,
        }


# --------------------------------------------------------------------------- script


@dataclass
class _Seg:
    kind: str  # idle_still, carried, settle, unsettle, rolling, hold, reposition
    duration_s: float
    state: str
    p: dict[str, Any] = field(default_factory=dict)


def _script(rng: np.random.Generator, cfg: SimConfig) -> list[_Seg]:
    """Activity script for a scenario: what the person does, in order."""
    segs: list[_Seg] = []

    def idle(lo: float = 5, hi: float = 25) -> None:
        segs.append(_Seg("idle_still", float(rng.uniform(lo, hi)), "idle"))

    def carried() -> None:
        segs.append(_Seg("carried", float(rng.uniform(3, 10)), "idle"))

    def settle() -> None:
        segs.append(_Seg("settle", float(rng.uniform(1.0, 2.5)), "idle"))

    def unsettle() -> None:
        segs.append(_Seg("unsettle", float(rng.uniform(1.0, 2.0)), "idle"))

    def rolling(lo: float, hi: float, *, pauses: bool = True) -> None:
        segs.append(_Seg("rolling", float(rng.uniform(lo, hi)), "rolling", {"pauses": pauses}))

    def hold(lo: float, hi: float) -> None:
        segs.append(_Seg("hold", float(rng.uniform(lo, hi)), "hold"))

    def reposition() -> None:
        segs.append(_Seg("reposition", float(rng.uniform(1.0, 3.0)), "reposition"))

    def start() -> None:
        idle()
        if cfg.setup == "wall" or rng.random() < 0.4:
            carried()
        settle()

    def finish() -> None:
        unsettle()
        if rng.random() < 0.5:
            carried()
        idle()

    start()
    if cfg.scenario == "good_holder":
        n = cfg.n_holds or int(rng.integers(3, 6))
        if rng.random() < 0.6:
            rolling(15, 60)
        for i in range(n):
            hold(92, 240)
            if i < n - 1:
                if rng.random() < 0.25:
                    rolling(10, 30)
                else:
                    reposition()
    elif cfg.scenario == "roller":
        n = cfg.n_holds or int(rng.integers(1, 3))
        for _ in range(n):
            rolling(60, 200)
            hold(15, 70)
        rolling(40, 120)
    elif cfg.scenario == "mixed":
        n = cfg.n_holds or int(rng.integers(3, 6))
        for i in range(n):
            if i == 0 and rng.random() < 0.5:
                rolling(15, 90)
            elif i > 0:
                reposition() if rng.random() < 0.5 else rolling(15, 90)
            hold(15, 80) if rng.random() < 0.4 else hold(92, 200)
    else:
        raise ValueError(f"unknown scenario {cfg.scenario!r}; choose from {SCENARIOS}")
    finish()
    return segs


# --------------------------------------------------------------------------- physics


def _in_plane_dir(rng: np.random.Generator, setup: str, *, mostly_vertical: bool) -> np.ndarray:
    """A unit movement direction in the contact plane (floor: xy; wall: yz)."""
    if setup == "floor":
        a = rng.uniform(0, 2 * np.pi)
        return np.array([np.cos(a), np.sin(a), 0.0])
    # Wall: body moves mostly up/down (knee bend) with some diagonal; pure sideways is rare.
    a = np.pi / 2 + (
        rng.uniform(-np.pi / 3, np.pi / 3) if mostly_vertical else rng.uniform(0, np.pi)
    )
    return np.array([0.0, np.cos(a), np.sin(a)])


def _normal(setup: str) -> np.ndarray:
    return np.array([0.0, 0.0, 1.0]) if setup == "floor" else np.array([1.0, 0.0, 0.0])


def _smoothstep(u: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero slope at both ends (raised cosine)."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _breath_wave(rng: np.random.Generator, t: np.ndarray, rate_bpm: float) -> np.ndarray:
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


def _segment(
    rng: np.random.Generator, seg: _Seg, fs: float, setup: str, load_level: float
) -> dict[str, np.ndarray | dict[str, Any]]:
    """Rotation vector (world, rad), centre position (m), extra accel and load for one segment."""
    n = max(int(round(seg.duration_s * fs)), 1)
    t = np.arange(n) / fs
    phi = np.zeros((n, 3))
    pos = np.zeros((n, 3))
    load = np.zeros(n)
    nrm = _normal(setup)
    info: dict[str, Any] = {}
    r = BALL_RADIUS_M

    if seg.kind == "idle_still":
        pass
    elif seg.kind == "carried":
        # Hand carrying: turning at tens of deg/s, walking bounce at ~1.8 Hz.
        w = _smoothstep(np.minimum(t, t[-1] - t) / 0.5)
        for _ in range(3):
            ax = rng.normal(size=3)
            ax /= np.linalg.norm(ax)
            f = rng.uniform(0.2, 0.8)
            phi += np.outer(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)), ax) * rng.uniform(
                0.3, 1.0
            )
        phi -= phi[0]
        step_hz = rng.uniform(1.6, 2.1)
        pos[:, 2] = 0.025 * np.sin(2 * np.pi * step_hz * t) * w
        pos[:, 0] = 0.01 * np.sin(np.pi * step_hz * t) * w + 0.5 * t
    elif seg.kind in ("settle", "unsettle"):
        # Body lowering onto (or leaving) the ball: load ramps while the ball turns a few degrees.
        u = _smoothstep(t / t[-1]) if n > 1 else np.ones(1)
        load = load_level * (u if seg.kind == "settle" else 1 - u)
        d = _in_plane_dir(rng, setup, mostly_vertical=False)
        ang = np.deg2rad(rng.uniform(3, 15))
        phi = np.outer(u * ang, np.cross(nrm, d))
        pos = np.outer(u * ang * r, d)
    elif seg.kind == "rolling":
        d = _in_plane_dir(rng, setup, mostly_vertical=True)
        d2 = _in_plane_dir(rng, setup, mostly_vertical=True)
        x_stroke = rng.random() < 0.2  # 2-D "X" strokes
        t_dir = rng.uniform(1.0, 4.0)  # one direction of a stroke, s
        length_m = rng.uniform(0.05, 0.15)  # body stroke length
        centre_amp = length_m / 2  # centre (and contact point) travel per stroke
        tt = t.copy()
        if seg.p.get("pauses") and rng.random() < 0.3:
            # Rolling with short pauses at stroke reversals (still rolling, SPEC).
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
        s = centre_amp * 0.5 * (1 - np.cos(np.pi * tt / t_dir))
        drift = rng.uniform(-0.01, 0.01) * tt  # travel along the body, m/s
        along = s + drift
        if x_stroke:
            half = (np.floor(tt / (2 * t_dir)) % 2).astype(bool)
            axis_seq = np.where(half[:, None], np.cross(nrm, d2), np.cross(nrm, d))
            move_seq = np.where(half[:, None], d2, d)
            inc = np.diff(along, prepend=along[0])
            phi = np.cumsum(inc[:, None] * axis_seq / r, axis=0)
            pos = np.cumsum(inc[:, None] * move_seq, axis=0)
        else:
            phi = np.outer(along / r, np.cross(nrm, d))
            pos = np.outer(along, d)
        mod = rng.uniform(0.15, 0.4)
        load = (
            load_level
            * rng.uniform(0.85, 1.05)
            * (1 + mod * np.sin(np.pi * tt / t_dir + rng.uniform(0, 6)))
        )
        info = {"stroke_s": t_dir, "length_m": length_m}
    elif seg.kind == "reposition":
        d = _in_plane_dir(rng, setup, mostly_vertical=True)
        dist = rng.uniform(0.015, 0.04)
        u = _smoothstep(t / t[-1]) if n > 1 else np.ones(1)
        phi = np.outer(u * dist / r, np.cross(nrm, d))
        pos = np.outer(u * dist, d)
        dip = rng.uniform(0.3, 0.7)
        load = load_level * (1 - dip * np.sin(np.pi * np.clip(t / t[-1], 0, 1)))
    elif seg.kind == "hold":
        bpm = float(rng.uniform(5.5, 20.0))
        wave = _breath_wave(rng, t, bpm)
        tilt_pp = np.deg2rad(rng.uniform(0.4, 3.5))
        # Breathing shifts the trunk cranially: up a wall, along the body on the floor.
        db = _in_plane_dir(rng, setup, mostly_vertical=True)
        breath_axis = np.cross(nrm, db)
        phi = np.outer(wave * tilt_pp, breath_axis)
        # Tremor / postural rhythm (4-12 Hz), tiny rotations.
        trem = np.zeros(n)
        for f0 in (rng.uniform(4, 5.5), rng.uniform(8, 12)):
            trem += np.sin(2 * np.pi * f0 * t + rng.uniform(0, 6)) * rng.uniform(0.3, 1.0)
        trem_amp = np.deg2rad(rng.uniform(0.005, 0.03))
        phi += np.outer(
            trem * trem_amp, np.cross(nrm, _in_plane_dir(rng, setup, mostly_vertical=False))
        )
        # Slow sinking of the ball into tissue.
        sink = np.deg2rad(rng.uniform(0, 4)) * t / max(t[-1], 1e-9)
        phi += np.outer(sink, np.cross(nrm, _in_plane_dir(rng, setup, mostly_vertical=False)))
        # Micro-adjustments: a few millimetres, mean-reverting so the spot stays within ~1 cm.
        micro_rate = rng.choice([0.0, rng.uniform(0.2, 3.0)], p=[0.15, 0.85])
        n_micro = rng.poisson(micro_rate * seg.duration_s / 60)
        offset = np.zeros(3)
        load_f = np.ones(n)
        micro_deg_total = 0.0
        times = np.sort(rng.uniform(3, max(seg.duration_s - 3, 3.1), n_micro))
        for tm in times:
            dur = rng.uniform(0.3, 2.0)
            mag = rng.uniform(0.3, 1.0)
            ang = np.deg2rad(2 + 7 * mag)
            d = _in_plane_dir(rng, setup, mostly_vertical=False)
            step = np.cross(nrm, d) * ang
            if np.linalg.norm(offset + step) > np.deg2rad(12):
                step = -step
            u = _smoothstep((t - tm) / dur)
            phi += np.outer(u, step)
            offset = offset + step
            load_f *= 1 + rng.choice([-1, 1]) * (0.05 + 0.10 * mag) * (
                np.sin(np.pi * np.clip((t - tm) / dur, 0, 1))
            )
            micro_deg_total += np.rad2deg(ang)
        swing = rng.choice([0.0, rng.uniform(0.01, 0.10)], p=[0.3, 0.7])
        swing_f = rng.uniform(0.02, 0.06)
        load_f *= 1 + swing * np.sin(2 * np.pi * swing_f * t + rng.uniform(0, 6))
        phi += np.outer(swing * 5 * np.sin(2 * np.pi * swing_f * t), np.deg2rad(1) * breath_axis)
        drift = rng.uniform(-0.1, 0.25) * t / max(t[-1], 1e-9)
        breath_mod = rng.uniform(0.005, 0.05)
        load = load_level * load_f * (1 + drift) * (1 + breath_mod * wave)
        load *= 1 + 0.002 * trem  # postural rhythm in the load
        phi -= phi[0]
        minutes = seg.duration_s / 60
        info = {
            "bpm": bpm * 1.0,
            "fidget": micro_deg_total / minutes + 100 * swing,
            "n_micro": int(n_micro),
            "micro_deg_per_min": micro_deg_total / minutes,
            "load_swing_pct": 100 * swing,
        }
    else:  # pragma: no cover - script only builds the kinds above
        raise AssertionError(seg.kind)
    return {"phi": phi, "pos": pos, "load": load, "info": info, "t": t}


# --------------------------------------------------------------------------- sensors


def _imu(
    rng: np.random.Generator,
    rot: Rotation,
    pos: np.ndarray,
    fs: float,
    with_gyro: bool,
) -> dict[str, np.ndarray]:
    """Specific force and angular rate in the sensor frame, with bias, noise, quantisation."""
    dt = 1.0 / fs
    mount = Rotation.random(random_state=int(rng.integers(2**31)))
    lever = rng.normal(size=3)
    lever *= 0.015 / np.linalg.norm(lever)  # sensor 1.5 cm off the ball centre
    # Angular velocity in the world frame from consecutive orientations.
    dq = rot[1:] * rot[:-1].inv()
    w_world = np.vstack([dq.as_rotvec() / dt, np.zeros((1, 3))])
    alpha = np.gradient(w_world, dt, axis=0)
    acc_c = np.gradient(np.gradient(pos, dt, axis=0), dt, axis=0)
    r_w = rot.apply(lever)
    acc_w = acc_c + np.cross(alpha, r_w) + np.cross(w_world, np.cross(w_world, r_w))
    f_world = acc_w + np.array([0.0, 0.0, G])
    full = rot * mount
    acc = full.inv().apply(f_world)
    acc_noise_g = rng.uniform(70e-6, 400e-6) * np.sqrt(fs / 2)
    acc = acc * (1 + rng.normal(0, 0.01, 3)) + rng.normal(0, 0.02 * G, 3)
    acc += rng.normal(0, acc_noise_g * G, acc.shape)
    lsb_a = 0.49e-3 * G
    acc = np.round(acc / lsb_a) * lsb_a
    out = {"acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2]}
    if with_gyro:
        gyr = full.inv().apply(w_world)
        nd = np.deg2rad(rng.uniform(0.0028, 0.01)) * np.sqrt(fs / 2)
        bias = rng.normal(0, np.deg2rad(1.0), 3)
        walk = np.cumsum(rng.normal(0, np.deg2rad(0.005) * np.sqrt(dt), gyr.shape), axis=0)
        gyr = gyr + bias + walk + rng.normal(0, nd, gyr.shape)
        lsb_g = np.deg2rad(0.061)
        gyr = np.round(gyr / lsb_g) * lsb_g
        out.update({"gyro_x": gyr[:, 0], "gyro_y": gyr[:, 1], "gyro_z": gyr[:, 2]})
    return out


def _force(rng: np.random.Generator, load: np.ndarray, fs: float) -> dict[str, np.ndarray]:
    """Load cell under the ball: load plus cardiac ripple, noise, quantisation, tare error."""
    t = np.arange(len(load)) / fs
    bcg = 0.002 * load * np.sin(2 * np.pi * rng.uniform(1.0, 1.3) * t)
    noise = rng.normal(0, rng.uniform(0.01, 0.3), len(load))
    f = load + bcg + noise + rng.normal(0, 0.2)
    q = rng.choice([0.01, 0.05, 0.1]) * G
    return {"force_n": np.round(f / q) * q}


def _pressure(rng: np.random.Generator, load: np.ndarray, fs: float) -> dict[str, np.ndarray]:
    """Barometer in an inflatable ball: ambient + inflation + load-dependent rise, drifting."""
    t = np.arange(len(load)) / fs
    ambient = rng.uniform(95_000, 103_000) + rng.uniform(-30, 30) * t / max(t[-1], 1)
    gauge = rng.uniform(8_000, 25_000)
    k = rng.uniform(30, 90)  # Pa per N
    p = ambient + gauge + k * load + rng.normal(0, 2.0, len(load))
    return {"pressure_pa": np.round(p / 0.16) * 0.16}


# --------------------------------------------------------------------------- transport


def _transport(
    rng: np.random.Generator, t_true: np.ndarray, cfg: SimConfig, fs: float
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """BLE packets: keep-mask and file timestamps per sample, plus the true dropouts."""
    n = len(t_true)
    per = cfg.samples_per_packet or int(rng.integers(1, 9))
    loss = cfg.packet_loss if cfg.packet_loss is not None else float(rng.uniform(0, 0.03))
    drops = cfg.dropouts_per_min if cfg.dropouts_per_min is not None else float(rng.uniform(0, 0.4))
    mode = cfg.timestamps or ("device" if rng.random() < 0.5 else "packet")
    pkt = np.arange(n) // per
    n_pkt = int(pkt[-1]) + 1
    keep_pkt = rng.random(n_pkt) >= loss
    gaps: list[tuple[float, float]] = []
    duration = t_true[-1]
    for _ in range(rng.poisson(drops * duration / 60)):
        g0 = rng.uniform(5, max(duration - 10, 6))
        glen = rng.uniform(0.5, 3.0) if rng.random() < 0.7 else rng.uniform(3.0, 5.0)
        gaps.append((g0, g0 + glen))
        pkt_t = t_true[np.minimum(np.arange(n_pkt) * per, n - 1)]
        keep_pkt &= ~((pkt_t >= g0) & (pkt_t < g0 + glen))
    keep = keep_pkt[pkt]
    drift = 1 + rng.normal(0, 30e-6)
    if mode == "device":
        ts = t_true * drift
    else:
        last = np.minimum((np.arange(n_pkt) + 1) * per - 1, n - 1)
        arrival = t_true[last] * drift + 0.02 + rng.gamma(2.0, 0.008, n_pkt)
        arrival = np.maximum.accumulate(arrival)  # notifications arrive in order
        ts = arrival[pkt]
    return keep, ts, gaps


# --------------------------------------------------------------------------- public


def simulate(cfg: SimConfig) -> SimResult:
    """Simulate one labelled session for ``cfg``."""
    if cfg.sensor_kind not in SENSOR_KINDS:
        raise ValueError(f"unknown sensor kind {cfg.sensor_kind!r}; choose from {SENSOR_KINDS}")
    if cfg.setup not in SETUPS:
        raise ValueError(f"unknown setup {cfg.setup!r}; choose from {SETUPS}")
    rng = np.random.default_rng(cfg.seed)
    fs = float(cfg.rate_hz or DEFAULT_RATE_HZ[cfg.sensor_kind])
    script = _script(rng, cfg)
    load_level = rng.uniform(20, 150) if cfg.setup == "wall" else rng.uniform(80, 400)

    rot_parts: list[Rotation] = []
    pos_parts, load_parts, state_parts = [], [], []
    r0 = Rotation.random(random_state=int(rng.integers(2**31)))
    p0 = np.zeros(3)
    segments: list[tuple[float, float, str]] = []
    holds: list[TrueHold] = []
    clock = 0.0
    for seg in script:
        level = load_level * rng.uniform(0.85, 1.15)
        if seg.kind in ("reposition", "unsettle") and load_parts:
            level = float(load_parts[-1][-1])  # ease off from the load being held
        part = _segment(rng, seg, fs, cfg.setup, level)
        phi, pos, load = part["phi"], part["pos"], part["load"]
        assert isinstance(phi, np.ndarray) and isinstance(pos, np.ndarray)
        assert isinstance(load, np.ndarray)
        rots = Rotation.from_rotvec(phi) * r0
        rot_parts.append(rots)
        pos_parts.append(pos + p0)
        load_parts.append(load)
        n = len(load)
        state_parts.append(np.full(n, _STATE_CODE[seg.state], dtype=np.int8))
        end = clock + n / fs
        segments.append((clock, end, seg.state))
        info = part["info"]
        if seg.kind == "hold":
            assert isinstance(info, dict)
            holds.append(
                TrueHold(
                    clock,
                    end,
                    info["bpm"],
                    info["fidget"],
                    info["n_micro"],
                    info["micro_deg_per_min"],
                    info["load_swing_pct"],
                )
            )
        r0 = rots[-1]
        p0 = pos[-1] + p0
        clock = end

    rot = Rotation.concatenate(rot_parts)
    pos = np.vstack(pos_parts)
    load = np.concatenate(load_parts)
    # Smooth load edges between segments (muscles do not step).
    k = max(int(0.2 * fs), 1)
    load = np.convolve(np.pad(load, (k, k), mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), "same")[
        k:-k
    ]
    t_true = np.arange(len(load)) / fs

    if cfg.sensor_kind in ("imu", "accel"):
        cols = _imu(rng, rot, pos, fs, with_gyro=cfg.sensor_kind == "imu")
    elif cfg.sensor_kind == "force":
        cols = _force(rng, load, fs)
    else:
        cols = _pressure(rng, load, fs)

    keep, ts, dropouts = _transport(rng, t_true, cfg, fs)
    data = pd.DataFrame({"time_s": ts[keep]})
    for c in SENSOR_COLUMNS[cfg.sensor_kind]:
        data[c] = np.asarray(cols[c], dtype=np.float64)[keep]

    merged = _merge_segments(segments)
    meta = SessionMeta(
        sensor_kind=cfg.sensor_kind,
        device_model=f"simulated-{cfg.sensor_kind}",
        device_address=None,
        nominal_rate_hz=fs,
        patient_id=None,
        body_site="upper back" if cfg.setup == "wall" else "glutes",
        start_time_utc=None,
        software_version=__version__,
        gaps=[],
        extra={
            "simulated": True,
            "setup": cfg.setup,
            "scenario": cfg.scenario,
            "seed": cfg.seed,
        },
    )
    grid = np.arange(0, t_true[-1], 0.1)
    codes = np.concatenate(state_parts)[np.minimum((grid * fs).astype(int), len(t_true) - 1)]
    return SimResult(
        session=Session(data=data, meta=meta),
        segments=merged,
        holds=holds,
        state_time_s=grid,
        state=np.asarray(STATES, dtype=object)[codes],
        config=cfg,
        params={"rate_hz": fs, "dropouts": dropouts, "load_level_n": float(load_level)},
    )


def _merge_segments(segs: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Join neighbouring segments of the same state (idle, carried and settle are all idle)."""
    out: list[tuple[float, float, str]] = []
    for a, b, s in segs:
        if out and out[-1][2] == s:
            out[-1] = (out[-1][0], b, s)
        else:
            out.append((a, b, s))
    return out
