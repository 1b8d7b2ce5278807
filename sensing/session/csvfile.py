"""The interchange CSV: one header line, ``time_s`` plus one sensor's columns, SI units.

Read in a stream, so memory follows the samples kept, not the file: pyarrow parses the used
columns block by block; when that fails, or a check fails where blank lines or quoted newlines
may have shifted the line numbers, a careful line-aware parse finds the exact line to report.
"""

from __future__ import annotations

import csv
import io
from array import array
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from holdtrack.analysis.schema import SENSOR_COLUMNS, infer_sensor_kind
from holdtrack.sensing.session.atomic import atomic_write
from holdtrack.sensing.session.checks import check_samples, checked_for_write
from holdtrack.sensing.session.limits import MAX_HEADER_BYTES, MAX_SAMPLES
from holdtrack.sensing.session.model import PathLike, Session, SessionFormatError, SessionMeta
from holdtrack.sensing.session.numbers import not_a_number, parse_number
from holdtrack.sensing.session.opening import open_regular
from holdtrack.sensing.session.timing import detect_gaps, estimate_rate

BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 1 << 20
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


def arrow_numpy(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow column as numpy, as pandas gives it (nulls as NaN or None); a view of Arrow's
    memory where it can be one. Tensors, not ``to_numpy``, which imports pandas (0.3 s)."""
    typ = column.type
    plain = pa.types.is_integer(typ) or typ in (pa.float32(), pa.float64())
    if column.null_count or not plain:
        return column.to_pandas().to_numpy()
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [np.asarray(chunk.to_tensor()) for chunk in chunks if len(chunk)]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=typ.to_pandas_dtype())


def read_csv(path: PathLike) -> Session:
    """Read an interchange CSV (docs/session-csv.md; unknown columns dropped).

    Raises SessionFormatError naming file, line and column for anything malformed.
    """
    with open_regular(path) as f:
        head = f.read(MAX_HEADER_BYTES + len(BOM))
        if head.startswith(b"PAR1"):
            problem = "this is a Parquet file, not CSV (read it as a recording)"
            raise SessionFormatError(path, problem)
        start = len(BOM) if head.startswith(BOM) else 0
        names, body_start = _csv_header(head, start, path)
        used = ("time_s",) + SENSOR_COLUMNS[_header_kind(names, path)]
        exact_lines = _utf8_scan(f, path)
        f.seek(0)
        arrays = _fast_csv(f, names, used, path)
        result = None
        if arrays is not None:
            try:
                result = check_samples(arrays, path, rows=None, line_offset=2, row_label="line")
            except SessionFormatError as e:
                if e.row is None or exact_lines:
                    raise  # the reported line is exact
        if result is None:  # blank lines or quoted newlines may shift lines: parse carefully
            f.seek(body_start)
            values, rows = _careful_csv(f, path, names, used)
            result = check_samples(values, path, rows=rows, line_offset=0, row_label="line")
    kind, checked, report = result
    data = {c: checked[c] for c in ("time_s",) + SENSOR_COLUMNS[kind]}
    t = checked["time_s"]
    rate = estimate_rate(t)
    meta = SessionMeta(
        sensor_kind=kind,
        nominal_rate_hz=rate,
        gaps=detect_gaps(t, rate),
        extra={"source_file": Path(path).name},
    )
    return Session(data=data, meta=meta, report=report)


def _csv_header(head: bytes, start: int, path: PathLike) -> tuple[list[str], int]:
    """Column names from the first physical line, and the byte offset where data lines start."""
    ends = [i for i in (head.find(b"\n", start), head.find(b"\r", start)) if i >= 0]
    if not ends:
        if len(head) > MAX_HEADER_BYTES:
            raise SessionFormatError(
                path, f"no line break in the first {MAX_HEADER_BYTES // 1024} KB: not a CSV session"
            )
        end = len(head)
    else:
        end = min(ends)
    if not head[start:].strip():
        raise SessionFormatError(path, "empty file")
    body_start = end + (2 if head[end : end + 2] == b"\r\n" else 1)
    try:
        line = head[start:end].decode("utf-8")
    except UnicodeDecodeError as e:
        problem = f"not UTF-8 text (invalid byte 0x{head[start + e.start]:02x})"
        raise SessionFormatError(path, problem, row=1) from None
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


def _line_breaks(data: bytes) -> int:
    """Line ends in ``data``: LF, CRLF or a lone CR each end one line."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _utf8_scan(f: BinaryIO, path: PathLike) -> bool:
    """Check the whole file is UTF-8, chunk by chunk (SessionFormatError naming the line).

    Returns whether data row i is on file line i + 2: no blank lines and no quotes.
    """
    f.seek(0)
    lines, carry, tail, exact = 1, b"", b"", True
    while chunk := f.read(CHUNK_BYTES):
        data = carry + chunk
        split = tail == b"\r" and data[:1] == b"\n"  # a CRLF across two chunks is one line end
        try:
            data.decode("utf-8")
            carry = b""
        except UnicodeDecodeError as e:
            if e.reason != "unexpected end of data" or e.start < len(data) - 3:
                where = lines + _line_breaks(data[: e.start]) - (split and e.start > 0)
                problem = f"not UTF-8 text (invalid byte 0x{data[e.start]:02x})"
                raise SessionFormatError(path, problem, row=where) from None
            carry, data = data[e.start :], data[: e.start]  # a character cut by the chunk
        joined = tail + data
        if b'"' in data or any(p in joined for p in (b"\n\n", b"\r\r", b"\n\r")):
            exact = False
        lines += _line_breaks(data) - split
        tail = data[-1:] or tail
    if carry:
        raise SessionFormatError(path, "not UTF-8 text (cut off inside a character)", row=lines)
    return exact


def _fast_csv(
    f: BinaryIO, names: list[str], used: tuple[str, ...], path: PathLike
) -> dict[str, np.ndarray] | None:
    """Streamed pyarrow parse of the used columns; None when anything is off."""
    column_names = [n if n in used else f"\0ignored{i}" for i, n in enumerate(names)]
    parts: dict[str, list[np.ndarray]] = {c: [] for c in used}
    rows = 0
    try:
        # One thread, closed here: a streaming reader's readahead thread still alive at
        # interpreter exit can abort the process (apache/arrow#34314).
        with pacsv.open_csv(
            f,
            read_options=pacsv.ReadOptions(
                column_names=column_names, skip_rows=1, use_threads=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.float64() for c in used},
                include_columns=list(used),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        ) as reader:
            for batch in reader:
                rows += batch.num_rows
                if rows > MAX_SAMPLES:
                    raise SessionFormatError(path, f"more than {MAX_SAMPLES} samples; too long")
                for c in used:
                    parts[c].append(arrow_numpy(batch.column(c)))
    except ARROW_ERRORS:
        return None
    empty = np.empty(0, dtype=np.float64)
    return {c: np.concatenate(parts[c]) if parts[c] else empty for c in used}


def _careful_csv(
    f: BinaryIO, path: PathLike, names: list[str], used: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Line-aware parse of the data lines (from the current position) for exact error locations.

    Returns the used columns as float64 and the file line number of every row.
    """
    index = [(c, names.index(c)) for c in used]
    width = len(names)
    values = [array("d") for _ in used]
    lines = array("q")
    text = io.TextIOWrapper(f, encoding="utf-8", newline="")
    reader = csv.reader(text)
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
            if len(lines) > MAX_SAMPLES:
                raise SessionFormatError(path, f"more than {MAX_SAMPLES} samples; too long")
    except csv.Error as e:
        raise SessionFormatError(path, f"malformed CSV ({e})", row=reader.line_num + 1) from None
    finally:
        text.detach()
    out = {c: np.frombuffer(v, dtype=np.float64).copy() for c, v in zip(used, values)}
    return out, np.frombuffer(lines, dtype=np.int64).copy()


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
