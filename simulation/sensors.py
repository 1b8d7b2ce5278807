"""Sensor models: what an IMU in the ball, a load cell under it or a barometer inside it reads.

Noise, bias, scale error, drift and quantisation follow commodity parts.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from holdtrack.analysis.schema import G_MS2
from holdtrack.simulation.world import Physics


def imu_readings(
    rng: np.random.Generator,
    rot: Rotation,
    pos: np.ndarray,
    fs: float,
    ph: Physics,
    with_gyro: bool,
) -> dict[str, np.ndarray]:
    """Specific force and angular rate in the sensor frame, with bias, noise, quantisation."""
    dt = 1.0 / fs
    mount = Rotation.random(random_state=int(rng.integers(2**31)))
    lever = rng.normal(size=3)
    lever *= ph.draw_new("lever_mm") / 1000 / np.linalg.norm(lever)  # sensor off the centre
    gain = ph.draw_new("noise_gain")
    # Angular velocity in the world frame from consecutive orientations.
    dq = rot[1:] * rot[:-1].inv()
    w_world = np.vstack([dq.as_rotvec() / dt, np.zeros((1, 3))])
    alpha = np.gradient(w_world, dt, axis=0)
    acc_c = np.gradient(np.gradient(pos, dt, axis=0), dt, axis=0)
    r_w = rot.apply(lever)
    acc_w = acc_c + np.cross(alpha, r_w) + np.cross(w_world, np.cross(w_world, r_w))
    f_world = acc_w + np.array([0.0, 0.0, G_MS2])
    full = rot * mount
    acc = full.inv().apply(f_world)
    acc_noise_g = rng.uniform(70e-6, 400e-6) * np.sqrt(fs / 2) * gain
    acc = acc * (1 + rng.normal(0, 0.01, 3)) + rng.normal(0, 0.02 * G_MS2, 3)
    acc += rng.normal(0, acc_noise_g * G_MS2, acc.shape)
    lsb_a = 0.49e-3 * G_MS2
    acc = np.round(acc / lsb_a) * lsb_a
    out = {"acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2]}
    if with_gyro:
        gyr = full.inv().apply(w_world)
        nd = np.deg2rad(rng.uniform(0.0028, 0.01)) * np.sqrt(fs / 2) * gain
        bias = rng.normal(0, np.deg2rad(ph.draw_new("gyro_bias_dps")), 3)
        walk = np.cumsum(rng.normal(0, np.deg2rad(0.005) * np.sqrt(dt), gyr.shape), axis=0)
        gyr = gyr + bias + walk + rng.normal(0, nd, gyr.shape)
        lsb_g = np.deg2rad(0.061)
        gyr = np.round(gyr / lsb_g) * lsb_g
        out.update({"gyro_x": gyr[:, 0], "gyro_y": gyr[:, 1], "gyro_z": gyr[:, 2]})
    return out


def force_readings(
    rng: np.random.Generator, load: np.ndarray, fs: float, ph: Physics
) -> dict[str, np.ndarray]:
    """Load cell under the ball: load plus cardiac ripple, noise, quantisation, tare error."""
    t = np.arange(len(load)) / fs
    bcg = 0.002 * load * np.sin(2 * np.pi * rng.uniform(1.0, 1.3) * t)
    noise = rng.normal(0, rng.uniform(0.01, 0.3) * ph.draw_new("noise_gain"), len(load))
    f = load + bcg + noise + rng.normal(0, 0.2)
    q = rng.choice([0.01, 0.05, 0.1]) * G_MS2
    return {"force_n": np.round(f / q) * q}


def pressure_readings(
    rng: np.random.Generator, load: np.ndarray, fs: float, ph: Physics
) -> dict[str, np.ndarray]:
    """Barometer in an inflatable ball: ambient + inflation + load-dependent rise, drifting."""
    t = np.arange(len(load)) / fs
    ambient = rng.uniform(95_000, 103_000) + rng.uniform(-30, 30) * t / max(t[-1], 1)
    gauge = rng.uniform(8_000, 25_000)
    k = rng.uniform(30, 90)  # Pa per N
    p = ambient + gauge + k * load + rng.normal(0, 2.0 * ph.draw_new("noise_gain"), len(load))
    return {"pressure_pa": np.round(p / 0.16) * 0.16}
