"""Units told from the physics of the whole signal, so a file in the wrong units cannot pass.

Acceleration: a ball at rest, held or rolled feels gravity, so the median magnitude says the
unit (9.81 in m/s^2, 1 in g, 1000 in mg). Rotation rate: a turning ball tilts its gravity
direction, and the gyroscope must report at least that turn; read in the wrong unit it reports
57 times as much (deg/s taken for rad/s). Both conversions are unambiguous, so they are made and
reported; anything else is refused with the fix named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from holdtrack.analysis.schema import ACC_COLUMNS, DEG_RAD, G_MS2, GYRO_COLUMNS, GYRO_MAX_RAD_S

# (unit, factor to m/s^2, range of the median |a| in that unit)
ACC_UNITS: tuple[tuple[str, float, tuple[float, float]], ...] = (
    ("m/s^2", 1.0, (0.5 * G_MS2, 2.0 * G_MS2)),
    ("g", G_MS2, (0.5, 2.0)),
    ("mg", G_MS2 / 1000.0, (500.0, 2000.0)),
)
TILT_BIN_S = 0.5  # gravity direction and rotation rate are compared over bins this long
TILT_MOVING_RAD_S = 0.2  # bins whose gravity direction turns faster than this (11 deg/s) count
MIN_MOVING_BINS = 5
# In rad/s a gyroscope reports about 1 to 3 times the tilt rate (it sees the whole turn, the
# accelerometer only its tilting part); read from deg/s it reports 57 times that.
DEG_S_RATIO = 12.0


def norm_of(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Per-sample length of a vector given as columns: the numbers ``np.linalg.norm`` gives
    along the rows of the stacked columns, without stacking them (an 8-hour IMU is 66 MB)."""
    total = columns[0] * columns[0]
    for c in columns[1:]:
        total += c * c
    return np.sqrt(total, out=total)


def acc_unit(acc: Sequence[np.ndarray]) -> tuple[str, float, float]:
    """(unit, factor to m/s^2, median |a|) of accelerations (x, y, z columns); unit "" when
    none fits."""
    with np.errstate(over="ignore"):
        median = float(np.median(norm_of(acc)))
    for unit, factor, (lo, hi) in ACC_UNITS:
        if lo <= median <= hi:
            return unit, factor, median
    return "", 1.0, median


def gyro_to_tilt_ratio(
    t: np.ndarray, acc: Sequence[np.ndarray], gyro: Sequence[np.ndarray]
) -> float | None:
    """Median over clearly turning moments of the gyro's rate over the gravity direction's turning
    rate (both per second); None when the ball never clearly turns. Vectors as x, y, z columns."""
    k = np.floor((t - t[0]) / TILT_BIN_S).astype(np.int64)
    nb = int(k[-1]) + 1
    count = np.bincount(k, minlength=nb).astype(np.float64)
    length = np.maximum(norm_of(acc), 1e-12)
    direction = np.stack([np.bincount(k, c / length, nb) for c in acc], axis=1)
    del length
    spin = np.bincount(k, norm_of(gyro), nb)
    have = count > 0
    direction[have] /= count[have, None]
    spin[have] /= count[have]
    a, b = direction[:-1], direction[1:]
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12
    tilt = np.arccos(np.clip(np.einsum("ij,ij->i", a, b) / norms, -1.0, 1.0)) / TILT_BIN_S
    turning = have[:-1] & have[1:] & (tilt > TILT_MOVING_RAD_S)
    if int(turning.sum()) < MIN_MOVING_BINS:
        return None
    pair_spin = (spin[:-1] + spin[1:]) / 2
    return float(np.median(pair_spin[turning] / tilt[turning]))


def gyro_unit(t: np.ndarray, acc: Sequence[np.ndarray], gyro: Sequence[np.ndarray]) -> str:
    """ "rad/s" or "deg/s": by consistency with the tilt, else by magnitude (2000 deg/s is the
    widest gyro range, 40 rad/s none reaches)."""
    ratio = gyro_to_tilt_ratio(t, acc, gyro)
    if ratio is not None:
        return "deg/s" if ratio > DEG_S_RATIO else "rad/s"
    p99 = float(np.percentile(np.abs(np.concatenate(gyro)), 99))
    return "deg/s" if p99 > GYRO_MAX_RAD_S else "rad/s"


def units_to_si(kind: str, arrays: dict[str, np.ndarray]) -> tuple[list[str], str | None]:
    """Convert accelerations in g or mg and rotation rates in deg/s to SI, in place.

    Returns what was converted (one phrase each) and, when the accelerations fit no unit, the
    problem (nothing is converted then).
    """
    if kind not in ("imu", "accel"):
        return [], None
    with np.errstate(over="ignore", invalid="ignore"):  # absurd values are refused later
        return _units_to_si(kind, arrays)


def _units_to_si(kind: str, arrays: dict[str, np.ndarray]) -> tuple[list[str], str | None]:
    """:func:`units_to_si` for an IMU."""
    unit, factor, median = acc_unit([arrays[c] for c in ACC_COLUMNS])
    if not unit:
        return [], (
            f"accelerations fit no unit: the median |a| is {median:.4g}, where gravity gives "
            f"{G_MS2} in m/s^2 (expected), 1 in g or 1000 in mg"
        )
    done = []
    if unit != "m/s^2":
        for c in ACC_COLUMNS:
            arrays[c] = arrays[c] * factor
        done.append(f"accelerations from {unit} to m/s^2 (median |a| {median:.4g} {unit})")
    if kind == "imu":
        acc, gyro = [arrays[c] for c in ACC_COLUMNS], [arrays[c] for c in GYRO_COLUMNS]
        if gyro_unit(arrays["time_s"], acc, gyro) == "deg/s":
            for c in GYRO_COLUMNS:
                arrays[c] = arrays[c] * DEG_RAD
            done.append("rotation rates from deg/s to rad/s")
    return done, None
