"""Per-frame features: how fast the ball moves, whether a body loads it, what it breathes.

Every sensor kind is reduced to the same small set of frame-rate arrays so that one state
classifier serves all of them:

- ``motion``: movement speed (deg/s of ball rotation for IMUs, %/s of load change for force
  and pressure sensors), smoothed over about a second;
- ``path``: where the ball is, so that the net displacement of a short move can be measured
  (integrated rotation in degrees, gravity direction, or relative load);
- ``body``: evidence of a body on the ball while it is still (breathing and tremor for
  IMUs, load for force and pressure);
- ``carried``: large linear accelerations of a ball carried in the hand (IMUs only);
- ``breath``: the channels in which breathing shows, for the breathing-rate step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.clean import FRAME_S, moving_mean

G = 9.80665
LOAD_WINDOW_S = 3.0
LEVEL_WINDOW_S = 30.0
# Body evidence: breathing is slow, so the still-ball signal is smoothed over 1 s (sensor noise
# falls by sqrt(10), breathing hardly at all) and compared with that smoothed noise.
BODY_SMOOTH_FRAMES = 10
BODY_WINDOW_S = 12.0  # longer than the slowest breath
BODY_NOISE_K = 3.0
_SMOOTH_GAIN = float(np.sqrt(BODY_SMOOTH_FRAMES))


@dataclass
class Features:
    """Frame-rate features of one session (see module docstring)."""

    kind: str
    t: np.ndarray
    gap: np.ndarray
    motion: np.ndarray
    motion_on: float  # motion above this is movement
    window_s: float  # smoothing of ``motion``: how much longer than the move a movement run looks
    path: np.ndarray  # (n, k)
    body_src: np.ndarray  # (n, k) channels in which a body on a still ball shows
    body_scale: float  # body_src variation that separates loaded from idle
    carried: np.ndarray
    breath: np.ndarray  # (n, k) channels for breathing
    load_rel: np.ndarray | None  # load / loaded level (force, pressure), else None
    info: dict[str, Any] = field(default_factory=dict)

    def body_evidence(self, a: int, b: int) -> float:
        """Evidence of a body on the ball over still frames [a, b); above 1 means loaded.

        IMUs: the median over the run of the local breathing and tremor level (so a brief turn
        while the ball is set down does not count), in units of ``body_scale``. Force and
        pressure: twice the share of loaded frames.
        """
        ok = ~self.gap[a:b]
        if self.kind not in ("imu", "accel"):
            x = self.body_src[a:b][ok]
            return 2.0 * float(x.mean()) if len(x) else 0.0
        if int(ok.sum()) < 10:
            return 0.0
        return float(np.median(self.body_series(a, b, BODY_WINDOW_S)[ok]))

    def body_series(self, a: int, b: int, window_s: float = 4.0) -> np.ndarray:
        """Local body evidence per frame of [a, b) over a sliding window (units as above)."""
        x = self.body_src[a:b]
        if self.kind not in ("imu", "accel"):
            return 2.0 * x[:, 0]
        win = max(int(window_s / FRAME_S), 3)
        x = moving_mean(x, min(BODY_SMOOTH_FRAMES, win // 2))
        resid = x - moving_mean(x, win)
        return np.sqrt(moving_mean((resid**2).sum(axis=1), win)) / self.body_scale

    def net_change(self, a: int, b: int, span: int = 10) -> float:
        """Net displacement between the frames just before ``a`` and just after ``b``.

        Degrees of rotation for IMUs; fraction of the load level for force and pressure.
        """
        n = len(self.t)
        pre = self.path[max(a - span, 0) : max(a, 1)].mean(axis=0)
        post = self.path[min(b, n - 1) : min(b + span, n)].mean(axis=0)
        if self.kind == "accel":
            c = float(np.dot(pre, post) / (np.linalg.norm(pre) * np.linalg.norm(post) + 1e-12))
            return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))
        if self.kind == "imu":
            return float(np.linalg.norm(post - pre))
        # Force / pressure: the deepest dip of the load during the move, relative to the higher
        # of the loads held before and after (a new spot often takes a new load).
        assert self.load_rel is not None
        # Median flanks over 2 s, so that a breathing peak does not pose as the held load.
        flank = 2 * span
        pre_m = float(np.median(self.load_rel[max(a - flank, 0) : max(a, 1)]))
        post_m = float(np.median(self.load_rel[min(b, n - 1) : min(b + flank, n)]))
        level = max(pre_m, post_m)
        inside = self.load_rel[a:b]
        if len(inside) == 0 or level <= 0:
            return 0.0
        return float(max(level - inside.min(), 0.0) / level)


def features_imu(
    t: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None,
    gap: np.ndarray,
    noise: dict[str, float],
) -> Features:
    """Features for an IMU in the ball (accelerometer, with or without gyroscope)."""
    amag = np.linalg.norm(acc, axis=1)
    # Linear acceleration of a carried ball: |a| swings far from g at walking cadence.
    lin = np.sqrt(moving_mean((amag - np.median(amag)) ** 2, 10))
    carried = moving_mean((lin > 0.8).astype(float), 20) > 0.3
    u = acc / np.maximum(amag, 1e-9)[:, None]
    if gyro is not None:
        bias = np.median(gyro, axis=0)
        w = np.degrees(gyro - bias)
        speed = np.linalg.norm(w, axis=1)
        motion = moving_mean(speed, 10)
        path = np.cumsum(w, axis=0) * FRAME_S
        body_src = w
        body_scale = BODY_NOISE_K * noise.get("gyro_dps", 0.01) / _SMOOTH_GAIN + 0.02
        motion_on = 5.0
        kind = "imu"
    else:
        # Tilt speed: angle between gravity directions half a second either side.
        k = 5
        up = np.vstack([np.repeat(u[:1], k, 0), u, np.repeat(u[-1:], k, 0)])
        c = np.clip(np.einsum("ij,ij->i", up[2 * k :], up[: -2 * k]), -1.0, 1.0)
        motion = moving_mean(np.degrees(np.arccos(c)) / (2 * k * FRAME_S), 5)
        path = u
        body_src = np.degrees(u)
        body_scale = BODY_NOISE_K * noise.get("acc_deg", 0.01) / _SMOOTH_GAIN + 0.01
        motion_on = 3.0
        kind = "accel"
    return Features(
        kind=kind,
        t=t,
        gap=gap,
        motion=motion,
        motion_on=motion_on,
        window_s=1.0,
        path=path,
        body_src=body_src,
        body_scale=body_scale,
        carried=carried,
        breath=acc,
        load_rel=None,
        info={"samples_noise": noise},
    )


def features_load(t: np.ndarray, load: np.ndarray, gap: np.ndarray, kind: str) -> Features:
    """Features for a force sensor (N) or an inflatable-ball barometer (Pa)."""
    x = np.asarray(load, dtype=np.float64)
    if kind == "pressure":
        base = float(np.percentile(x, 2))
        x = x - base
        span = float(np.percentile(x, 98))
        floor = max(0.15 * span, 200.0)  # Pa above the unloaded ball
    else:
        span = float(np.percentile(x, 98))
        floor = max(0.15 * span, 4.0)  # N
    loaded = x > floor
    # Loaded level: slow mean of the loaded frames only, to express changes as fractions.
    win = int(LEVEL_WINDOW_S / FRAME_S)
    weight = moving_mean(loaded.astype(float), win)
    lv = moving_mean(np.where(loaded, x, 0.0), win) / np.maximum(weight, 1e-9)
    lv = np.where(weight > 0, lv, max(span, floor))
    rel = x / np.maximum(lv, floor)
    # Rolling swings the load by tens of percent; breathing by a few. A plain moving standard
    # deviation stays local (a band filter slow enough for slow rolling rings for ~20 s).
    win = int(LOAD_WINDOW_S / FRAME_S)
    mean = moving_mean(rel, win)
    motion = np.sqrt(np.maximum(moving_mean(rel**2, win) - mean**2, 0.0)) * 100.0
    return Features(
        kind=kind,
        t=t,
        gap=gap,
        motion=np.where(loaded, motion, 0.0),
        motion_on=5.0,
        window_s=LOAD_WINDOW_S,
        path=rel[:, None],
        body_src=loaded.astype(float)[:, None],
        body_scale=1.0,
        carried=np.zeros(len(t), dtype=bool),
        breath=rel[:, None],
        load_rel=rel,
        info={"load_floor": floor, "load_span": span},
    )


def sample_noise(values: np.ndarray, block: int = 256) -> float:
    """White-noise standard deviation per sample, from first differences in the quietest blocks.

    Tremor and breathing of a loaded ball also show in first differences; the quietest blocks
    (typically the ball lying unloaded before a session) show the sensor alone.
    """
    d = np.diff(np.asarray(values, dtype=np.float64))
    if len(d) == 0:
        return 0.0
    n_blocks = len(d) // block
    if n_blocks < 4:
        mad = np.median(np.abs(d - np.median(d)))
        return float(1.4826 * mad / np.sqrt(2))
    blocks = d[: n_blocks * block].reshape(n_blocks, block)
    rms = np.sqrt(np.mean((blocks - blocks.mean(axis=1, keepdims=True)) ** 2, axis=1))
    return float(np.percentile(rms, 5) / np.sqrt(2))
