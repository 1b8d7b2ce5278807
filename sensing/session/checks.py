"""Checks every session passes: columns, numbers, time, units and plausible values.

Shared by the CSV and recording readers and by the writers (nothing is written that would not
read back). A file that cannot be used fails with one :class:`SessionFormatError` naming the row
and column; what reading changes (a unit converted, a few impossible readings left out) is put
in the session's :class:`ReadReport`, never done silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from holdtrack.analysis.schema import (
    PLAUSIBLE_RANGE,
    SENSOR_COLUMNS,
    UNITS,
    infer_sensor_kind,
)
from holdtrack.sensing.session.limits import (
    MAX_ABS_TIME_S,
    MAX_EXCLUDED_SHARE,
    MAX_RATE_HZ,
    MAX_SAMPLES,
    MAX_SPAN_S,
)
from holdtrack.sensing.session.model import PathLike, ReadReport, Session, SessionFormatError
from holdtrack.sensing.session.numbers import numeric_column, times_apart
from holdtrack.sensing.session.timing import detect_gaps, estimate_rate
from holdtrack.sensing.session.units import units_to_si

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_samples", "checked_for_write", "detect_gaps", "estimate_rate", "validate_samples"]


class _Fail:
    """Builds the SessionFormatError for a problem at a data row (file line or row number)."""

    def __init__(
        self, path: PathLike, rows: np.ndarray | None, line_offset: int, row_label: str
    ) -> None:
        self.path, self.rows, self.line_offset, self.row_label = path, rows, line_offset, row_label

    def where(self, row: int) -> int:
        """The file line (CSV) or row (recording) of data row ``row``."""
        return int(self.rows[row]) if self.rows is not None else int(row) + self.line_offset

    def __call__(
        self, problem: str, row: int | None = None, col: str | None = None
    ) -> SessionFormatError:
        where = None if row is None else self.where(row)
        label = self.row_label
        return SessionFormatError(self.path, problem, row=where, field=col, row_label=label)


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
    df: pd.DataFrame | Mapping[str, np.ndarray],
    path: PathLike,
    *,
    rows: np.ndarray | None,
    line_offset: int,
    row_label: str,
    strict: bool = False,
    carry: dict[str, np.ndarray] | None = None,
) -> tuple[str, dict[str, np.ndarray], ReadReport]:
    """The sensor kind, float64 arrays of time_s + sensor columns in SI units, and the report.

    ``rows`` (file line per row), when given, overrides ``line_offset``. ``strict`` (for
    writing) refuses what a reader would convert or leave out. ``carry`` (other columns of the
    same rows) comes back among the arrays, less the rows left out.
    """
    fail = _Fail(path, rows, line_offset, row_label)
    frame = not isinstance(df, Mapping)  # a DataFrame (pandas is imported only for those)
    names = [str(c) for c in (df.columns if frame else df)]  # type: ignore[union-attr]
    kind = _kind_checked(names, fail)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    n = len(df) if frame else len(df["time_s"])
    if n < 2:
        raise fail(f"only {n} sample{'' if n == 1 else 's'}; a session needs at least 2")
    if n > MAX_SAMPLES:
        raise fail(f"{n} samples; a session holds at most {MAX_SAMPLES}")
    if frame:
        arrays = {c: numeric_column(df.iloc[:, names.index(c)], c, fail) for c in used}
    else:  # already float64 arrays (the CSV reader's)
        arrays = {c: np.asarray(df[c], dtype=np.float64) for c in used}
    arrays.update(carry or {})
    _finite_checked(arrays, used, fail)
    _time_checked(arrays["time_s"], fail)
    report = ReadReport()
    report.converted, problem = units_to_si(kind, arrays)
    if problem or (strict and report.converted):
        raise fail(problem or f"not in SI units: would convert {report.converted[0]}")
    arrays = _plausible_only(kind, arrays, fail, report, strict)
    return kind, arrays, report


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


def _time_checked(t: np.ndarray, fail: _Fail) -> None:
    """Time never goes backwards (equal times are fine: several samples in one packet), stays in
    seconds, and spans a real session: more than no time, at most a day."""
    back = np.flatnonzero(t[1:] < t[:-1])
    if back.size:
        i = int(back[0]) + 1
        now, before = times_apart(t[i], t[i - 1])
        raise fail(f"time goes backwards ({now} s after {before} s)", i, "time_s")
    far = np.flatnonzero(np.abs(t) > MAX_ABS_TIME_S)
    if far.size:
        i = int(far[0])
        raise fail(f"time {t[i]:.6g} s is beyond {MAX_ABS_TIME_S:g} s: not seconds?", i, "time_s")
    span = float(t[-1] - t[0])
    if not span > 0:
        raise fail("all samples share one timestamp: a session needs a time span", col="time_s")
    if span > MAX_SPAN_S:
        raise fail(
            f"the samples span {span / 3600:.4g} h; a session lasts at most "
            f"{MAX_SPAN_S / 3600:g} h (is time_s in milliseconds?)",
            col="time_s",
        )
    if len(t) / span > MAX_RATE_HZ:
        raise fail(
            f"{len(t)} samples in {span:.4g} s is more than {MAX_RATE_HZ:g} per second",
            col="time_s",
        )


def _plausible_only(
    kind: str, arrays: dict[str, np.ndarray], fail: _Fail, report: ReadReport, strict: bool
) -> dict[str, np.ndarray]:
    """The samples without impossible readings (counted in ``report``); an error when there are
    more than a few of them, or any at all when ``strict``."""
    bad = np.zeros(len(arrays["time_s"]), dtype=bool)
    first: tuple[int, str] | None = None
    for c in SENSOR_COLUMNS[kind]:
        lo, hi = PLAUSIBLE_RANGE[c]
        out = (arrays[c] < lo) | (arrays[c] > hi)
        if out.any():
            i = int(np.argmax(out))
            if first is None or i < first[0]:
                first = (i, c)
            reason = f"{c} outside {lo:.6g} to {hi:.6g} {UNITS[c]}"
            report.excluded[reason] = int((out & ~bad).sum())
            bad |= out
    if first is None:
        return arrays
    i, c = first
    lo, hi = PLAUSIBLE_RANGE[c]
    what = f"{c} {arrays[c][i]:.6g} {UNITS[c]} is outside {lo:.6g} to {hi:.6g} {UNITS[c]}"
    n_bad = int(bad.sum())
    if strict or n_bad > MAX_EXCLUDED_SHARE * len(bad) or len(bad) - n_bad < 2:
        more = f" ({n_bad} such samples: wrong units or a damaged file?)" if n_bad > 1 else ""
        raise fail(f"impossible reading: {what}{more}", i, c)
    report.first_excluded = f"{fail.row_label} {fail.where(i)}"
    return {name: a[~bad] for name, a in arrays.items()}


def checked_for_write(session: Session, path: PathLike) -> tuple[str, dict[str, np.ndarray]]:
    """Validate a session before writing it (never write what cannot be read back as it is)."""
    name = os.fspath(path)
    try:
        kind, arrays, _ = check_samples(
            session.data, "session data", rows=None, line_offset=0, row_label="row", strict=True
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
