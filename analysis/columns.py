"""SPEC section 2 sample columns, per sensor kind (the analysis input contract)."""

from __future__ import annotations

from collections.abc import Iterable

SENSOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "imu": ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"),
    "accel": ("acc_x", "acc_y", "acc_z"),
    "force": ("force_n",),
    "pressure": ("pressure_pa",),
}
KNOWN_COLUMNS: tuple[str, ...] = ("time_s",) + SENSOR_COLUMNS["imu"] + ("force_n", "pressure_pa")


def infer_sensor_kind(columns: Iterable[str]) -> str:
    """Sensor kind from the SPEC columns present; ValueError when none or mixed."""
    cols = set(columns)
    kinds = [k for k in ("imu", "accel", "force", "pressure") if set(SENSOR_COLUMNS[k]) <= cols]
    has_acc = bool(cols & set(SENSOR_COLUMNS["accel"]))
    families = [
        name
        for name, present in (
            ("accelerometer", has_acc),
            ("force", "force_n" in cols),
            ("pressure", "pressure_pa" in cols),
        )
        if present
    ]
    if len(families) > 1:
        raise ValueError(f"columns of more than one sensor ({', '.join(families)})")
    if not kinds:
        raise ValueError("no sensor columns (need acc_x/acc_y/acc_z, force_n or pressure_pa)")
    return kinds[0]
