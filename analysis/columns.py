"""SPEC section 2 sample columns, per sensor kind: the one definition both packages use.

Importing this module loads nothing heavy, so file readers can use it without the analysis.
"""

from __future__ import annotations

from collections.abc import Iterable

SENSOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "imu": ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"),
    "accel": ("acc_x", "acc_y", "acc_z"),
    "force": ("force_n",),
    "pressure": ("pressure_pa",),
}
KNOWN_COLUMNS: tuple[str, ...] = ("time_s",) + SENSOR_COLUMNS["imu"] + ("force_n", "pressure_pa")
_ACC = SENSOR_COLUMNS["accel"]
_GYRO = SENSOR_COLUMNS["imu"][3:]


class ColumnError(ValueError):
    """ValueError from :func:`infer_sensor_kind` that also names the offending column."""

    def __init__(self, problem: str, field: str | None = None) -> None:
        super().__init__(problem)
        self.field = field


def infer_sensor_kind(columns: Iterable[str]) -> str:
    """Sensor kind from which SPEC columns are present (others ignored).

    Raises ValueError (with a ``field`` attribute naming a missing column where there is one)
    when there are none, several sensors' columns, or an incomplete accelerometer or gyroscope.
    """
    cols = {str(c) for c in columns}
    acc = [c for c in _ACC if c in cols]
    gyro = [c for c in _GYRO if c in cols]
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
    for group, present, what in ((_ACC, acc, "accelerometer"), (_GYRO, gyro, "gyroscope")):
        missing = [c for c in group if c not in present]
        if present and missing:
            raise ColumnError(
                f"missing column {missing[0]} (a {what} needs {', '.join(group)})",
                field=missing[0],
            )
    return "imu" if gyro else "accel"
