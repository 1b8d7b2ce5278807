"""Session files: the SPEC section 2 interchange CSV and the product's own Parquet recordings.

Readers validate everything the analysis relies on, so a bad file fails here with one
:class:`SessionFormatError` naming the file, line (CSV) or row (Parquet), column and problem.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analysis.columns import KNOWN_COLUMNS, SENSOR_COLUMNS, infer_sensor_kind
from holdtrack import __version__

PathLike = str | os.PathLike[str]

FORMAT_VERSION = 1
METADATA_KEY = b"holdtrack"
EXTRA_PREFIX = "x_"

_ACC = SENSOR_COLUMNS["accel"]
_GYRO = SENSOR_COLUMNS["imu"][3:]
_G = 9.80665
_FORCE_MIN_N = -50.0
_PRESSURE_RANGE_PA = (10_000.0, 1_000_000.0)
_GYRO_MAX_RAD_S = 40.0
_ACC_MAX_MS2 = 32 * 9.80665  # beyond any consumer IMU's range: a corrupted sample
# Errors pyarrow (and the OS) raise for unreadable or corrupt Parquet input.
_ARROW_ERRORS = (
    pa.ArrowException,
    OSError,
    ValueError,
    TypeError,
    LookupError,
    EOFError,
    NotImplementedError,
    OverflowError,
)


class SessionFormatError(ValueError):
    """An unreadable or invalid session file; ``str()`` is one line: file, location, problem."""

    def __init__(
        self,
        path: PathLike,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        row_label: str = "line",
    ) -> None:
        self.path = path
        self.problem = _one_line(re.sub(r"\s*[\r\n]+\s*", " ", str(problem)).strip())
        self.row = row
        self.field = None if field is None else _one_line(str(field))
        self.row_label = row_label
        super().__init__(f"{_one_line(os.fspath(path))}: {self.location}{self.problem}")

    @property
    def location(self) -> str:
        """``"line 17, column time_s: "`` style prefix (empty when neither is known)."""
        parts = []
        if self.row is not None:
            parts.append(f"{self.row_label} {self.row}")
        if self.field is not None:
            parts.append(f"column {self.field}")
        return ", ".join(parts) + ": " if parts else ""

    def __reduce__(self) -> tuple[Any, ...]:
        """Keep the error picklable (keyword-only arguments defeat the default)."""
        return (_rebuild_error, (self.path, self.problem, self.row, self.field, self.row_label))


def _one_line(text: str) -> str:
    """Escape every non-printable character (vertical tab, NUL, line separators...), so that
    text quoted from a damaged file can never break a one-line message."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _rebuild_error(
    path: PathLike, problem: str, row: int | None, field: str | None, row_label: str
) -> SessionFormatError:
    """Unpickle helper for :class:`SessionFormatError`."""
    return SessionFormatError(path, problem, row=row, field=field, row_label=row_label)


@dataclass
class SessionMeta:
    """What is known about a session besides its samples (stored in recordings, not in CSV)."""

    sensor_kind: str
    device_model: str = "unknown"
    device_address: str | None = None
    nominal_rate_hz: float | None = None
    patient_id: str | None = None
    body_site: str | None = None
    start_time_utc: str | None = None  # ISO 8601 with timezone, e.g. "2026-11-22T13:05:00+00:00"
    software_version: str = __version__
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (start_s, end_s), time_s axis
    extra: dict[str, Any] = field(default_factory=dict)  # free JSON-able device/setup info

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (gaps as ``[start_s, end_s]`` lists); inverse of :meth:`from_dict`."""
        return {
            "sensor_kind": self.sensor_kind,
            "device_model": self.device_model,
            "device_address": self.device_address,
            "nominal_rate_hz": self.nominal_rate_hz,
            "patient_id": self.patient_id,
            "body_site": self.body_site,
            "start_time_utc": self.start_time_utc,
            "software_version": self.software_version,
            "gaps": [[float(a), float(b)] for a, b in self.gaps],
            "extra": copy.deepcopy(self.extra),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionMeta:
        """Validated meta from a dict such as :meth:`to_dict` made; ValueError if invalid.

        Unknown keys (e.g. ``format_version``) are ignored.
        """
        if not isinstance(d, Mapping):
            raise ValueError(f"metadata must be a JSON object, not {type(d).__name__}")
        kind = d.get("sensor_kind")
        if not isinstance(kind, str) or kind not in SENSOR_COLUMNS:
            kinds = ", ".join(SENSOR_COLUMNS)
            raise ValueError(f"sensor_kind must be one of {kinds}, not {kind!r}")
        device_model = d.get("device_model", "unknown")
        software_version = d.get("software_version", __version__)
        for key, value in (("device_model", device_model), ("software_version", software_version)):
            if not isinstance(value, str):
                raise ValueError(f"{key} must be a string, not {value!r}")
        optional: dict[str, str | None] = {}
        for key in ("device_address", "patient_id", "body_site", "start_time_utc"):
            value = d.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{key} must be a string or null, not {value!r}")
            optional[key] = value
        start = optional["start_time_utc"]
        if start is not None:
            try:
                stamp = datetime.fromisoformat(start)
            except ValueError:
                raise ValueError(f"start_time_utc {start!r} is not ISO 8601") from None
            if stamp.tzinfo is None:
                raise ValueError(f"start_time_utc {start!r} has no timezone")
        rate = d.get("nominal_rate_hz")
        if rate is not None:
            if not _is_real(rate) or not math.isfinite(rate) or rate <= 0:
                raise ValueError(f"nominal_rate_hz must be a positive number or null, not {rate!r}")
            rate = float(rate)
        gaps_in = d.get("gaps", [])
        if not isinstance(gaps_in, list | tuple):
            raise ValueError(f"gaps must be a list of [start_s, end_s], not {gaps_in!r}")
        gaps: list[tuple[float, float]] = []
        for gap in gaps_in:
            if (
                not isinstance(gap, list | tuple)
                or len(gap) != 2
                or not all(_is_real(v) and math.isfinite(v) for v in gap)
                or gap[0] > gap[1]
            ):
                raise ValueError(f"gap {gap!r} is not [start_s, end_s] with start_s <= end_s")
            gaps.append((float(gap[0]), float(gap[1])))
        extra = d.get("extra", {})
        if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
            raise ValueError("extra must be a JSON object")
        return cls(
            sensor_kind=kind,
            device_model=device_model,
            nominal_rate_hz=rate,
            software_version=software_version,
            gaps=gaps,
            extra=copy.deepcopy(dict(extra)),
            **optional,
        )


@dataclass
class Session:
    """One session: samples (``time_s`` + sensor columns, SI units) and what is known about it."""

    data: pd.DataFrame  # "time_s" + sensor columns (float64) + optional device-extra "x_" columns
    meta: SessionMeta

    @property
    def sensor_columns(self) -> tuple[str, ...]:
        """The SPEC sensor columns of this session's sensor kind."""
        return SENSOR_COLUMNS[self.meta.sensor_kind]

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample (gaps included), in seconds."""
        t = self.data["time_s"].to_numpy()
        return float(t[-1] - t[0]) if len(t) else 0.0


# --------------------------------------------------------------------------- validation


def implausible(kind: str, values: dict[str, float]) -> str | None:
    """Why one sample cannot be a real reading of a ``kind`` sensor (None when it can).

    The same limits as reading a session, applied per sample, so a recorder can skip a
    corrupted sample (counted) instead of writing a file that will not read back.
    """
    if not all(math.isfinite(values[c]) for c in SENSOR_COLUMNS[kind]):
        return "not a finite number"
    if kind in ("imu", "accel") and math.hypot(*(values[c] for c in _ACC)) > _ACC_MAX_MS2:
        return f"acceleration above {_ACC_MAX_MS2 / _G:g} g"
    if kind == "imu" and max(abs(values[c]) for c in _GYRO) > _GYRO_MAX_RAD_S:
        return f"angular rate above {_GYRO_MAX_RAD_S:g} rad/s"
    if kind == "force" and values["force_n"] < _FORCE_MIN_N:
        return f"force below {_FORCE_MIN_N:g} N"
    if kind == "pressure":
        lo, hi = _PRESSURE_RANGE_PA
        if not lo <= values["pressure_pa"] <= hi:
            return f"pressure outside {lo:.0f} to {hi:.0f} Pa"
    return None


def validate_samples(
    df: pd.DataFrame, path: PathLike, *, line_offset: int, row_label: str | None = None
) -> str:
    """Checks shared by CSV and recordings; returns the sensor kind or raises SessionFormatError.

    Row index i is reported as ``i + line_offset`` labelled ``row_label`` (default "line" when
    line_offset > 0, as for CSV, else "row").
    """
    label = row_label or ("line" if line_offset > 0 else "row")
    return _check_samples(df, path, rows=None, line_offset=line_offset, row_label=label)[0]


def _check_samples(
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

    def where(i: int) -> int:
        return int(rows[i]) if rows is not None else int(i) + line_offset

    def fail(problem: str, row: int | None = None, col: str | None = None) -> SessionFormatError:
        return SessionFormatError(
            path, problem, row=None if row is None else where(row), field=col, row_label=row_label
        )

    names = [str(c) for c in df.columns]
    if "time_s" not in names:
        raise fail("no time_s column", col="time_s")
    try:
        kind = infer_sensor_kind(names)
    except ValueError as e:
        raise fail(str(e), col=getattr(e, "field", None)) from None
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    for c in used:
        if names.count(c) > 1:
            raise fail("duplicate column", col=c)
    n = len(df)
    if n < 2:
        raise fail(f"only {n} sample{'' if n == 1 else 's'}; a session needs at least 2")
    arrays = {c: _numeric(df.iloc[:, names.index(c)], c, fail) for c in used}

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

    t = arrays["time_s"]
    back = np.flatnonzero(t[1:] < t[:-1])
    if back.size:
        i = int(back[0]) + 1
        now, before = _fmt_pair(t[i], t[i - 1])
        raise fail(f"time goes backwards ({now} s after {before} s)", i, "time_s")

    if kind in ("imu", "accel"):
        x, y, z = (arrays[c] for c in _ACC)
        with np.errstate(over="ignore"):
            median = float(np.median(np.hypot(np.hypot(x, y), z)))
        if 0.5 <= median <= 2.0:
            raise fail(
                f"accelerations look like g, not m/s^2 (median |a| = {median:.2f}); "
                f"multiply by {_G}"
            )
    if kind == "imu":
        p99 = float(np.percentile(np.abs(np.concatenate([arrays[c] for c in _GYRO])), 99))
        if p99 > _GYRO_MAX_RAD_S:
            raise fail(
                f"angular rates look like deg/s, not rad/s (99th percentile |gyro| = {p99:.1f}); "
                f"multiply by pi/180"
            )
    if kind == "force":
        f = arrays["force_n"]
        bad_i = np.flatnonzero(f < _FORCE_MIN_N)
        if bad_i.size:
            i = int(bad_i[0])
            raise fail(
                f"force {f[i]:.6g} N is below {_FORCE_MIN_N:g} N "
                "(force_n is 0 when unloaded, after tare)",
                i,
                "force_n",
            )
    if kind == "pressure":
        p = arrays["pressure_pa"]
        lo, hi = _PRESSURE_RANGE_PA
        bad_i = np.flatnonzero((p < lo) | (p > hi))
        if bad_i.size:
            i = int(bad_i[0])
            raise fail(
                f"pressure {p[i]:.6g} Pa is outside {lo:.0f} to {hi:.0f} Pa "
                "(absolute air pressure in Pa expected)",
                i,
                "pressure_pa",
            )
    return kind, arrays


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
            parsed = _parse_number(v)
            if parsed is None:
                raise fail(_not_a_number(v), i, name)
            out[i] = parsed
        elif _is_real(v):
            out[i] = float(v)
        else:
            raise fail(f"not a number: {_show(v)}", i, name)
    return out


def _parse_number(text: str) -> float | None:
    """A CSV field as float, or None when it is not a plain decimal number."""
    try:
        value = float(text)
    except ValueError:
        return None
    # float() also takes "1_000" and non-ASCII digits and spaces; a CSV number does not.
    return value if text.isascii() and "_" not in text else None


def _not_a_number(text: str) -> str:
    """Problem text for a CSV field that is not a number."""
    return "empty value" if not text.strip() else f"not a number: {_show(text)}"


def _show(value: object) -> str:
    """Short one-line repr of a bad value for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_real(v: object) -> bool:
    """True for int/float (Python or numpy) but not bool."""
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Two times with 2 decimals, or as many more as it takes to tell them apart."""
    if max(abs(a), abs(b)) >= 1e9:
        return repr(float(a)), repr(float(b))
    for digits in range(2, 18):
        sa, sb = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if sa != sb:
            return sa, sb
    return repr(float(a)), repr(float(b))


# --------------------------------------------------------------------------- gaps and rate


def detect_gaps(
    time_s: np.ndarray, nominal_rate_hz: float | None, *, min_gap_s: float = 0.5
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


def _estimate_rate(time_s: np.ndarray) -> float | None:
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


# --------------------------------------------------------------------------- CSV


def read_csv(path: PathLike) -> Session:
    """Read a SPEC section 2 interchange CSV (unknown columns dropped).

    Raises SessionFormatError naming file, line and column for anything malformed.
    """
    raw = _read_bytes(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise SessionFormatError(path, "empty file")
    if raw.startswith(b"PAR1"):
        raise SessionFormatError(path, "this is a Parquet file, not CSV (read it as a recording)")
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = len(re.findall(rb"\r\n|\r|\n", raw[: e.start])) + 1
            raise SessionFormatError(
                path, f"not UTF-8 text (invalid byte 0x{raw[e.start]:02x})", row=line
            ) from None
    names, body_start = _csv_header(raw, path)
    used = ("time_s",) + SENSOR_COLUMNS[_header_kind(names, path)]

    arrays = _fast_csv(raw, names, used)
    if arrays is not None:
        try:
            kind, arrays = _check_samples(
                pd.DataFrame(arrays), path, rows=None, line_offset=2, row_label="line"
            )
        except SessionFormatError as e:
            if e.row is None or _rows_are_lines(raw[body_start:]):
                raise  # the reported line is exact
            arrays = None  # blank lines or quoted newlines may shift lines: parse carefully
    if arrays is None:
        df, rows = _careful_csv(raw[body_start:].decode("utf-8"), path, names, used)
        kind, arrays = _check_samples(df, path, rows=rows, line_offset=0, row_label="line")

    data = pd.DataFrame({c: arrays[c] for c in ("time_s",) + SENSOR_COLUMNS[kind]})
    t = arrays["time_s"]
    rate = _estimate_rate(t)
    meta = SessionMeta(
        sensor_kind=kind,
        nominal_rate_hz=rate,
        gaps=detect_gaps(t, rate),
        extra={"source_file": Path(path).name},
    )
    return Session(data=data, meta=meta)


def _rows_are_lines(body: bytes) -> bool:
    """True when data row i is on file line i + 2: no blank lines and no quoted newlines."""
    if body[:1] in (b"\n", b"\r") or b'"' in body:
        return False
    return not any(pair in body for pair in (b"\n\n", b"\r\r", b"\n\r"))


def _read_bytes(path: PathLike) -> bytes:
    """Whole file, with OS failures turned into SessionFormatError."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise SessionFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise SessionFormatError(path, "is a directory, not a file") from None
    except PermissionError:
        raise SessionFormatError(path, "permission denied") from None
    except OSError as e:
        raise SessionFormatError(path, f"cannot read file ({e.strerror or e})") from None


def _csv_header(raw: bytes, path: PathLike) -> tuple[list[str], int]:
    """Column names from the first physical line, and the byte offset where data lines start."""
    ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
    end = min(ends) if ends else len(raw)
    body_start = end + (2 if raw[end : end + 2] == b"\r\n" else 1)
    line = raw[:end].decode("utf-8")
    if not line.strip():
        raise SessionFormatError(path, "no header line (line 1 is empty)", row=1)
    if line.count('"') % 2:
        raise SessionFormatError(path, "malformed header line (unbalanced quotes)", row=1)
    try:
        names = [n.strip() for n in next(csv.reader([line]))]
    except (csv.Error, StopIteration) as e:
        raise SessionFormatError(path, f"malformed header line ({e})", row=1) from None
    return names, body_start


def _header_kind(names: list[str], path: PathLike) -> str:
    """Sensor kind from the header, or SessionFormatError (reported at line 1)."""
    if "time_s" not in names:
        shown = ", ".join(names)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise SessionFormatError(path, f"no time_s column in the header (found: {shown})", row=1)
    try:
        kind = infer_sensor_kind(names)
    except ValueError as e:
        raise SessionFormatError(path, str(e), row=1, field=getattr(e, "field", None)) from None
    for c in ("time_s",) + SENSOR_COLUMNS[kind]:
        if names.count(c) > 1:
            raise SessionFormatError(path, "duplicate column in the header", row=1, field=c)
    return kind


def _fast_csv(raw: bytes, names: list[str], used: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """Multi-threaded pyarrow parse of the used columns; None when anything is off."""
    column_names = [n if n in used else f"\0ignored{i}" for i, n in enumerate(names)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),
            read_options=pacsv.ReadOptions(column_names=column_names, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.float64() for c in used},
                include_columns=list(used),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return {c: table.column(c).to_numpy() for c in used}
    except _ARROW_ERRORS:
        return None


def _careful_csv(
    body: str, path: PathLike, names: list[str], used: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Line-aware parse of the data lines (after the header) for exact error locations.

    Returns the used columns as float64 and the file line number of every row.
    """
    index = [(c, names.index(c)) for c in used]
    width = len(names)
    values: list[list[float]] = [[] for _ in used]
    lines: list[int] = []
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        for record in reader:
            line = reader.line_num + 1  # the header is line 1
            if not record:
                continue  # blank line
            if len(record) != width:
                raise SessionFormatError(
                    path, f"expected {width} fields as in the header, found {len(record)}", row=line
                )
            for k, (c, j) in enumerate(index):
                v = _parse_number(record[j])
                if v is None:
                    raise SessionFormatError(path, _not_a_number(record[j]), row=line, field=c)
                values[k].append(v)
            lines.append(line)
    except csv.Error as e:
        raise SessionFormatError(path, f"malformed CSV ({e})", row=reader.line_num + 1) from None
    df = pd.DataFrame({c: np.array(v, dtype=np.float64) for c, v in zip(used, values)})
    return df, np.array(lines, dtype=np.int64)


def write_csv(session: Session, path: PathLike) -> None:
    """Write time_s + sensor columns as interchange CSV; floats round-trip bit for bit.

    Device-extra columns and metadata are not written. ValueError if the session is invalid.
    """
    kind, arrays = _checked_for_write(session, path)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    table = pa.table({c: arrays[c] for c in used})

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write((",".join(used) + "\n").encode("utf-8"))
            # pyarrow prints doubles in shortest round-trip form ("0.30000000000000004", "-0").
            pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False))

    _atomic_write(path, write)


# --------------------------------------------------------------------------- recordings


def read_recording(path: PathLike) -> Session:
    """Read a holdtrack recording (Parquet + JSON metadata); SessionFormatError if bad."""
    p = Path(path)
    if not p.exists():
        raise SessionFormatError(path, "file not found")
    if p.is_dir():
        raise SessionFormatError(path, "is a directory, not a file")
    try:
        if p.stat().st_size == 0:
            raise SessionFormatError(path, "empty file")
        pf = pq.ParquetFile(p)
    except _ARROW_ERRORS as e:
        if isinstance(e, SessionFormatError):
            raise
        raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
    try:
        try:
            schema = pf.schema_arrow
        except _ARROW_ERRORS as e:
            raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
        meta = _recording_meta(schema.metadata or {}, path)
        _check_recording_columns(schema, path)
        try:
            df = pf.read().to_pandas()
        except _ARROW_ERRORS as e:
            raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
    finally:
        pf.close()

    kind, arrays = _check_samples(df, path, rows=None, line_offset=0, row_label="row")
    if kind != meta.sensor_kind:
        raise SessionFormatError(
            path, f"metadata says sensor_kind {meta.sensor_kind!r} but the columns are {kind!r}"
        )
    data = pd.DataFrame({c: arrays[c] for c in ("time_s",) + SENSOR_COLUMNS[kind]})
    for c in df.columns:
        if str(c).startswith(EXTRA_PREFIX):
            data[c] = df[c].to_numpy()
    return Session(data=data, meta=meta)


def _recording_meta(metadata: Mapping[bytes, bytes], path: PathLike) -> SessionMeta:
    """SessionMeta from the Parquet schema metadata, or SessionFormatError."""
    if METADATA_KEY not in metadata:
        raise SessionFormatError(
            path, "not a holdtrack recording (a Parquet file without holdtrack metadata)"
        )
    try:
        obj = json.loads(metadata[METADATA_KEY].decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise SessionFormatError(path, f"unreadable holdtrack metadata ({e})") from None
    if not isinstance(obj, dict):
        raise SessionFormatError(path, "holdtrack metadata is not a JSON object")
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionFormatError(path, f"invalid format_version in metadata: {_show(version)}")
    if version > FORMAT_VERSION:
        raise SessionFormatError(
            path,
            f"format_version {version} is newer than this software supports ({FORMAT_VERSION}); "
            "upgrade holdtrack",
        )
    try:
        return SessionMeta.from_dict(obj)
    except (ValueError, TypeError) as e:
        raise SessionFormatError(path, f"invalid holdtrack metadata: {e}") from None


def _check_recording_columns(schema: pa.Schema, path: PathLike) -> None:
    """Every column is a numeric SPEC column or a numeric device-extra ``x_`` column."""
    seen: set[str] = set()
    for name, typ in zip(schema.names, schema.types):
        if name in seen:
            raise SessionFormatError(path, "duplicate column", field=name)
        seen.add(name)
        numeric = pa.types.is_integer(typ) or pa.types.is_floating(typ)
        if name in KNOWN_COLUMNS:
            if not numeric:
                raise SessionFormatError(path, f"not numeric ({typ})", field=name)
        elif name.startswith(EXTRA_PREFIX):
            if not (numeric or pa.types.is_boolean(typ)):
                problem = f"device-extra column is not numeric ({typ})"
                raise SessionFormatError(path, problem, field=name)
        else:
            problem = "unknown column (neither a SPEC column nor a device-extra x_ column)"
            raise SessionFormatError(path, problem, field=name)


def write_recording(session: Session, path: PathLike) -> None:
    """Write a holdtrack recording: Parquet (zstd) with the metadata as JSON in the schema.

    meta.gaps, when empty, is filled from :func:`detect_gaps` (the session is not modified).
    ValueError if the session or its metadata is invalid.
    """
    kind, arrays = _checked_for_write(session, path)
    name = os.fspath(path)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    columns: dict[str, pa.Array] = {c: pa.array(arrays[c]) for c in used}
    for c in session.data.columns:
        if c in KNOWN_COLUMNS:
            continue
        if not (isinstance(c, str) and c.startswith(EXTRA_PREFIX)):
            raise ValueError(
                f"cannot write {name}: column {c!r} is neither a SPEC column nor a device-extra "
                "column (x_...)"
            )
        arr = pa.Array.from_pandas(session.data[c])
        if not (
            pa.types.is_integer(arr.type)
            or pa.types.is_floating(arr.type)
            or pa.types.is_boolean(arr.type)
        ):
            raise ValueError(f"cannot write {name}: column {c} is not numeric ({arr.type})")
        columns[c] = arr

    meta = session.meta.to_dict()
    if not meta["gaps"]:
        gaps = detect_gaps(arrays["time_s"], session.meta.nominal_rate_hz)
        meta["gaps"] = [[a, b] for a, b in gaps]
    try:
        payload = json.dumps(
            {"format_version": FORMAT_VERSION, **meta}, allow_nan=False, default=_json_default
        )
        SessionMeta.from_dict(json.loads(payload))
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot write {name}: invalid metadata ({e})") from e
    table = pa.table(columns).replace_schema_metadata({METADATA_KEY: payload.encode("utf-8")})
    _atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _json_default(obj: object) -> Any:
    """JSON encoding for numpy scalars and arrays in meta.extra."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _checked_for_write(session: Session, path: PathLike) -> tuple[str, dict[str, np.ndarray]]:
    """Validate a session before writing it (never write what cannot be read back)."""
    name = os.fspath(path)
    try:
        kind, arrays = _check_samples(
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


def _atomic_write(path: PathLike, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename: no half-written files."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- dispatch


def read_session(path: PathLike) -> Session:
    """Read a session file: ``.csv`` as CSV, ``.parquet`` as recording, else by magic bytes."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".parquet":
        return read_recording(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return read_csv(path)  # reports the OS problem as SessionFormatError
    return read_recording(path) if head == b"PAR1" else read_csv(path)
