"""Checks every session passes: columns, numbers, time order, units and plausible values.

Shared by the CSV and recording readers and by the writers (nothing is written that would not
read back). A failure is one :class:`SessionFormatError` naming the row and column.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np
import pandas as pd

from holdtrack.analysis.schema import (
    ACC_COLUMNS,
    ACC_MAX_MS2,
    FORCE_MIN_N,
    G_MS2,
    GYRO_COLUMNS,
    GYRO_MAX_RAD_S,
    MAX_SAMPLE_SPACING_S,
    PRESSURE_RANGE_PA,
    SENSOR_COLUMNS,
    infer_sensor_kind,
)
from holdtrack.sensing.session.model import PathLike, Session, SessionFormatError, is_real


def implausible(kind: str, values: dict[str, float]) -> str | None:
    """Why one sample cannot be a real reading of a ``kind`` sensor (None when it can).

    The same limits as reading a session, applied per sample, so a recorder can skip a
    corrupted sample (counted) instead of writing a file that will not read back.
    """
    if not all(math.isfinite(values[c]) for c in SENSOR_COLUMNS[kind]):
        return "not a finite number"
    if kind in ("imu", "accel") and math.hypot(*(values[c] for c in ACC_COLUMNS)) > ACC_MAX_MS2:
        return f"acceleration above {ACC_MAX_MS2 / G_MS2:g} g"
    if kind == "imu" and max(abs(values[c]) for c in GYRO_COLUMNS) > GYRO_MAX_RAD_S:
        return f"angular rate above {GYRO_MAX_RAD_S:g} rad/s"
    if kind == "force" and values["force_n"] < FORCE_MIN_N:
        return f"force below {FORCE_MIN_N:g} N"
    if kind == "pressure":
        lo, hi = PRESSURE_RANGE_PA
        if not lo <= values["pressure_pa"] <= hi:
            return f"pressure outside {lo:.0f} to {hi:.0f} Pa"
    return None


class _Fail:
    """Builds the SessionFormatError for a problem at a data row (file line or row number)."""

    def __init__(
        self, path: PathLike, rows: np.ndarray | None, line_offset: int, row_label: str
    ) -> None:
        self.path, self.rows, self.line_offset, self.row_label = path, rows, line_offset, row_label

    def __call__(
        self, problem: str, row: int | None = None, col: str | None = None
    ) -> SessionFormatError:
        where = None
        if row is not None:
            where = int(self.rows[row]) if self.rows is not None else int(row) + self.line_offset
        return SessionFormatError(
            self.path, problem, row=where, field=col, row_label=self.row_label
        )


def validate_samples(
    df: pd.DataFrame, path: PathLike, *, line_offset: int, row_label: str | None = None
) -> str:
    """Checks shared by CSV and recordings; returns the sensor kind or raises SessionFormatError.

    Row index i is reported as ``i + line_offset`` labelled ``row_label`` (default "line" when
    line_offset > 0, as for CSV, else "row").
    """
    label = row_label or ("line" if line_offset > 0 else "row")
    return check_samples(df, path, rows=None, line_offset=line_offset, row_label=label)[0]


def check_samples(
    df: pd.DataFrame,
    path: PathLike,
    *,
    rows: np.ndarray | None,
    line_offset: int,
    row_label: str,
) -> tuple[str, dict[str, np.ndarray]]:
    """:func:`validate_samples` that also returns float64 arrays of time_s + sensor columns.

    ``rows`` (file line per row), when given, overrides ``line_offset``.
    """
    fail = _Fail(path, rows, line_offset, row_label)
    names = [str(c) for c in df.columns]
    kind = _kind_checked(names, fail)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    n = len(df)
    if n < 2:
        raise fail(f"only {n} sample{'' if n == 1 else 's'}; a session needs at least 2")
    arrays = {c: _numeric(df.iloc[:, names.index(c)], c, fail) for c in used}
    _finite_checked(arrays, used, fail)
    _time_order_checked(arrays["time_s"], fail)
    _units_checked(kind, arrays, fail)
    _ranges_checked(kind, arrays, fail)
    return kind, arrays


def _kind_checked(names: list[str], fail: _Fail) -> str:
    """The sensor kind of these columns; time_s present and no used column twice."""
    if "time_s" not in names:
        raise fail("no time_s column", col="time_s")
    try:
        kind = infer_sensor_kind(names)
    except ValueError as e:
        raise fail(str(e), col=getattr(e, "field", None)) from None
    for c in ("time_s",) + SENSOR_COLUMNS[kind]:
        if names.count(c) > 1:
            raise fail("duplicate column", col=c)
    return kind


def _finite_checked(arrays: dict[str, np.ndarray], used: tuple[str, ...], fail: _Fail) -> None:
    """The first NaN or infinity, in row order, is an error."""
    first: tuple[int, str] | None = None
    for c in used:
        bad = ~np.isfinite(arrays[c])
        if bad.any():
            i = int(np.argmax(bad))
            if first is None or i < first[0]:
                first = (i, c)
    if first is not None:
        i, c = first
        v = arrays[c][i]
        raise fail("NaN value" if np.isnan(v) else f"infinite value ({v})", i, c)


def _time_order_checked(t: np.ndarray, fail: _Fail) -> None:
    """Time never goes backwards (equal times are fine: several samples in one packet)."""
    back = np.flatnonzero(t[1:] < t[:-1])
    if back.size:
        i = int(back[0]) + 1
        now, before = _fmt_pair(t[i], t[i - 1])
        raise fail(f"time goes backwards ({now} s after {before} s)", i, "time_s")


def _units_checked(kind: str, arrays: dict[str, np.ndarray], fail: _Fail) -> None:
    """Accelerations in g or rotation rates in deg/s are refused with the fix named."""
    if kind in ("imu", "accel"):
        x, y, z = (arrays[c] for c in ACC_COLUMNS)
        with np.errstate(over="ignore"):
            median = float(np.median(np.hypot(np.hypot(x, y), z)))
        if 0.5 <= median <= 2.0:
            raise fail(
                f"accelerations look like g, not m/s^2 (median |a| = {median:.2f}); "
                f"multiply by {G_MS2}"
            )
    if kind == "imu":
        p99 = float(np.percentile(np.abs(np.concatenate([arrays[c] for c in GYRO_COLUMNS])), 99))
        if p99 > GYRO_MAX_RAD_S:
            raise fail(
                f"angular rates look like deg/s, not rad/s (99th percentile |gyro| = {p99:.1f}); "
                f"multiply by pi/180"
            )


def _ranges_checked(kind: str, arrays: dict[str, np.ndarray], fail: _Fail) -> None:
    """Force and pressure inside what a real sensor reports."""
    if kind == "force":
        f = arrays["force_n"]
        bad_i = np.flatnonzero(f < FORCE_MIN_N)
        if bad_i.size:
            i = int(bad_i[0])
            raise fail(
                f"force {f[i]:.6g} N is below {FORCE_MIN_N:g} N "
                "(force_n is 0 when unloaded, after tare)",
                i,
                "force_n",
            )
    if kind == "pressure":
        p = arrays["pressure_pa"]
        lo, hi = PRESSURE_RANGE_PA
        bad_i = np.flatnonzero((p < lo) | (p > hi))
        if bad_i.size:
            i = int(bad_i[0])
            raise fail(
                f"pressure {p[i]:.6g} Pa is outside {lo:.0f} to {hi:.0f} Pa "
                "(absolute air pressure in Pa expected)",
                i,
                "pressure_pa",
            )


def _numeric(col: pd.Series, name: str, fail: Callable[..., SessionFormatError]) -> np.ndarray:
    """Column as float64 (missing values as NaN); SessionFormatError for non-numeric values."""
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise fail(f"not numeric ({dtype})", col=name)
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return np.array(col.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        raise fail(f"not numeric ({dtype})", col=name)
    out = np.empty(len(col), dtype=np.float64)
    for i, v in enumerate(col.to_numpy(dtype=object)):
        if v is None or v is pd.NA:
            out[i] = np.nan
        elif isinstance(v, str):
            parsed = parse_number(v)
            if parsed is None:
                raise fail(not_a_number(v), i, name)
            out[i] = parsed
        elif is_real(v):
            out[i] = float(v)
        else:
            raise fail(f"not a number: {show(v)}", i, name)
    return out


def parse_number(text: str) -> float | None:
    """A CSV field as float, or None when it is not a plain decimal number."""
    try:
        value = float(text)
    except ValueError:
        return None
    # float() also takes "1_000" and non-ASCII digits and spaces; a CSV number does not.
    return value if text.isascii() and "_" not in text else None


def not_a_number(text: str) -> str:
    """Problem text for a CSV field that is not a number."""
    return "empty value" if not text.strip() else f"not a number: {show(text)}"


def show(value: object) -> str:
    """Short one-line repr of a bad value for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Two times with 2 decimals, or as many more as it takes to tell them apart."""
    if max(abs(a), abs(b)) >= 1e9:
        return repr(float(a)), repr(float(b))
    for digits in range(2, 18):
        sa, sb = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if sa != sb:
            return sa, sb
    return repr(float(a)), repr(float(b))


def detect_gaps(
    time_s: np.ndarray, nominal_rate_hz: float | None, *, min_gap_s: float = MAX_SAMPLE_SPACING_S
) -> list[tuple[float, float]]:
    """(start_s, end_s) of intervals between consecutive samples that are data gaps.

    A gap is longer than max(min_gap_s, 5 / nominal_rate_hz, 5 x the median positive interval);
    the last term keeps packetised timestamps (many samples per stamp) from looking like gaps.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if len(t) < 2:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(t)
    positive = d[d > 0]
    if positive.size == 0:
        return []
    threshold = max(min_gap_s, 5.0 * float(np.median(positive)))
    if nominal_rate_hz is not None and math.isfinite(nominal_rate_hz) and nominal_rate_hz > 0:
        threshold = max(threshold, 5.0 / nominal_rate_hz)
    idx = np.flatnonzero(d > threshold)
    return [(float(t[i]), float(t[i + 1])) for i in idx]


def estimate_rate(time_s: np.ndarray) -> float | None:
    """Sample rate: samples per timestamp (median) / median positive interval; None if unknown."""
    t = np.asarray(time_s, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(t)
    positive = d > 0
    if not positive.any():
        return None
    interval = float(np.median(d[positive]))
    starts = np.flatnonzero(np.concatenate(([True], positive)))
    per_stamp = float(np.median(np.diff(np.concatenate((starts, [len(t)])))))
    with np.errstate(over="ignore", divide="ignore"):
        rate = per_stamp / interval
    return float(f"{rate:.6g}") if math.isfinite(rate) and rate > 0 else None


def checked_for_write(session: Session, path: PathLike) -> tuple[str, dict[str, np.ndarray]]:
    """Validate a session before writing it (never write what cannot be read back)."""
    name = os.fspath(path)
    try:
        kind, arrays = check_samples(
            session.data, "session data", rows=None, line_offset=0, row_label="row"
        )
    except SessionFormatError as e:
        problem = f"invalid session data: {e.location}{e.problem}"
        raise ValueError(f"cannot write {name}: {problem}") from e
    if kind != session.meta.sensor_kind:
        raise ValueError(
            f"cannot write {name}: meta.sensor_kind is {session.meta.sensor_kind!r} "
            f"but the columns are {kind!r}"
        )
    return kind, arrays
