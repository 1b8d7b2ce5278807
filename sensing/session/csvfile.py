"""The interchange CSV: one header line, ``time_s`` plus one sensor's columns, SI units.

Read fast with pyarrow; when a check fails and lines may have shifted (blank lines, quoted
newlines), the careful line-aware parser finds the exact line to report.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from holdtrack.analysis.schema import SENSOR_COLUMNS, infer_sensor_kind
from holdtrack.sensing.session.atomic import atomic_write
from holdtrack.sensing.session.checks import (
    check_samples,
    checked_for_write,
    detect_gaps,
    estimate_rate,
    not_a_number,
    parse_number,
)
from holdtrack.sensing.session.model import PathLike, Session, SessionFormatError, SessionMeta

# Errors pyarrow (and the OS) raise for unreadable or corrupt input.
ARROW_ERRORS = (
    pa.ArrowException,
    OSError,
    ValueError,
    TypeError,
    LookupError,
    EOFError,
    NotImplementedError,
    OverflowError,
)


def read_csv(path: PathLike) -> Session:
    """Read an interchange CSV (docs/session-csv.md; unknown columns dropped).

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
            kind, arrays = check_samples(
                pd.DataFrame(arrays), path, rows=None, line_offset=2, row_label="line"
            )
        except SessionFormatError as e:
            if e.row is None or _rows_are_lines(raw[body_start:]):
                raise  # the reported line is exact
            arrays = None  # blank lines or quoted newlines may shift lines: parse carefully
    if arrays is None:
        df, rows = _careful_csv(raw[body_start:].decode("utf-8"), path, names, used)
        kind, arrays = check_samples(df, path, rows=rows, line_offset=0, row_label="line")

    data = pd.DataFrame({c: arrays[c] for c in ("time_s",) + SENSOR_COLUMNS[kind]})
    t = arrays["time_s"]
    rate = estimate_rate(t)
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
    except ARROW_ERRORS:
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
                v = parse_number(record[j])
                if v is None:
                    raise SessionFormatError(path, not_a_number(record[j]), row=line, field=c)
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
    kind, arrays = checked_for_write(session, path)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    table = pa.table({c: arrays[c] for c in used})

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write((",".join(used) + "\n").encode("utf-8"))
            # pyarrow prints doubles in shortest round-trip form ("0.30000000000000004", "-0").
            pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False))

    atomic_write(path, write)
