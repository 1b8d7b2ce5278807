"""The session contract in code: sample columns and units, sensor kinds, states, hold target.

The one definition every package uses (see ``docs/``). Importing this module loads nothing
heavy, so decoders and file readers can use it without the analysis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

G_MS2 = 9.80665  # standard gravity: acceleration columns are in m/s^2, 1 g = 9.80665 m/s^2
DEG_RAD = math.pi / 180.0  # one degree in radians: gyro columns are in rad/s

SENSOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "imu": ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"),
    "accel": ("acc_x", "acc_y", "acc_z"),
    "force": ("force_n",),
    "pressure": ("pressure_pa",),
}
SENSOR_KINDS: tuple[str, ...] = tuple(SENSOR_COLUMNS)
KNOWN_COLUMNS: tuple[str, ...] = ("time_s",) + SENSOR_COLUMNS["imu"] + ("force_n", "pressure_pa")
ACC_COLUMNS = SENSOR_COLUMNS["accel"]
GYRO_COLUMNS = SENSOR_COLUMNS["imu"][3:]

# Every moment of a session is in one of these states; codes index this tuple.
STATES: tuple[str, ...] = ("idle", "rolling", "reposition", "hold")

DEFAULT_HOLD_TARGET_S = 90.0  # a hold this long or longer is adherent, unless a person's differs
MIN_HOLD_S = 10.0  # shorter stretches of hold state are not reported as holds
MAX_BRIDGED_GAP_S = 5.0  # data gaps up to this long inside a hold do not split it
# Samples further apart than this are a data gap (dropout), wherever gaps are found.
MAX_SAMPLE_SPACING_S = 0.5

# Readings beyond these are no real reading of any supported sensor: a corrupted sample, which
# decoders, the recorder and the file readers all count and leave out of the analysis.
ACC_MAX_MS2 = 32 * G_MS2  # per axis: the widest range of a supported IMU (Thingy:52 clips there)
GYRO_MAX_RAD_S = 40.0  # per axis: 2000 deg/s (34.9 rad/s), the widest gyro range, and a margin
FORCE_MIN_N = -50.0  # force is 0 when unloaded, after tare; a little below is tare drift
FORCE_MAX_N = 5000.0  # about 510 kg: beyond any load under a ball (a Progressor stops at 200 kg)
PRESSURE_RANGE_PA = (10_000.0, 1_000_000.0)  # absolute air pressure inside a ball
UNITS: dict[str, str] = {
    "time_s": "s",
    **{c: "m/s^2" for c in ACC_COLUMNS},
    **{c: "rad/s" for c in GYRO_COLUMNS},
    "force_n": "N",
    "pressure_pa": "Pa",
}
PLAUSIBLE_RANGE: dict[str, tuple[float, float]] = {
    **{c: (-ACC_MAX_MS2, ACC_MAX_MS2) for c in ACC_COLUMNS},
    **{c: (-GYRO_MAX_RAD_S, GYRO_MAX_RAD_S) for c in GYRO_COLUMNS},
    "force_n": (FORCE_MIN_N, FORCE_MAX_N),
    "pressure_pa": PRESSURE_RANGE_PA,
}


def implausible(values: Mapping[str, float]) -> str | None:
    """Why one sample (column -> value) is no real reading, or None when every value can be.

    The one rule for decoders, the recorder and the file readers: a value must be a finite
    number inside its column's :data:`PLAUSIBLE_RANGE`.
    """
    for column, value in values.items():
        bounds = PLAUSIBLE_RANGE.get(column)
        if bounds is None:
            continue
        if not math.isfinite(value):
            return f"{column} is not a finite number"
        lo, hi = bounds
        if not lo <= value <= hi:
            return f"{column} outside {lo:.6g} to {hi:.6g} {UNITS[column]}"
    return None


class ColumnError(ValueError):
    """ValueError from :func:`infer_sensor_kind` that also names the offending column."""

    def __init__(self, problem: str, field: str | None = None) -> None:
        """The message ``problem``; ``field`` names the offending column, if there is one."""
        super().__init__(problem)
        self.field = field


def infer_sensor_kind(columns: Iterable[str]) -> str:
    """Sensor kind from which sample columns are present (others ignored).

    Raises ValueError (with a ``field`` attribute naming a missing column where there is one)
    when there are none, several sensors' columns, or an incomplete accelerometer or gyroscope.
    """
    cols = {str(c) for c in columns}
    acc = [c for c in ACC_COLUMNS if c in cols]
    gyro = [c for c in GYRO_COLUMNS if c in cols]
    families = [
        name
        for name, present in (
            ("accelerometer/gyroscope", acc or gyro),
            ("force_n", "force_n" in cols),
            ("pressure_pa", "pressure_pa" in cols),
        )
        if present
    ]
    if len(families) > 1:
        raise ColumnError(f"columns of more than one sensor kind ({' and '.join(families)})")
    if not families:
        raise ColumnError("no sensor columns (need acc_x/acc_y/acc_z, force_n or pressure_pa)")
    if "force_n" in cols:
        return "force"
    if "pressure_pa" in cols:
        return "pressure"
    if not acc:
        raise ColumnError("gyroscope columns without acc_x/acc_y/acc_z", field="acc_x")
    for group, present, what in (
        (ACC_COLUMNS, acc, "accelerometer"),
        (GYRO_COLUMNS, gyro, "gyroscope"),
    ):
        missing = [c for c in group if c not in present]
        if present and missing:
            raise ColumnError(
                f"missing column {missing[0]} (a {what} needs {', '.join(group)})",
                field=missing[0],
            )
    return "imu" if gyro else "accel"
