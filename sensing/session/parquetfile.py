"""holdtrack recordings: one Parquet file (zstd) per session, metadata as JSON in its schema."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from holdtrack.analysis.schema import KNOWN_COLUMNS, SENSOR_COLUMNS
from holdtrack.sensing.session.atomic import atomic_write
from holdtrack.sensing.session.checks import check_samples, checked_for_write, detect_gaps
from holdtrack.sensing.session.csvfile import ARROW_ERRORS, arrow_numpy
from holdtrack.sensing.session.limits import (
    MAX_COLUMNS,
    MAX_METADATA_BYTES,
    MAX_SAMPLES,
    MAX_UNCOMPRESSED_BYTES,
)
from holdtrack.sensing.session.model import (
    EXTRA_PREFIX,
    FORMAT_VERSION,
    METADATA_KEY,
    PathLike,
    Session,
    SessionFormatError,
    SessionMeta,
)
from holdtrack.sensing.session.numbers import show
from holdtrack.sensing.session.opening import open_regular


def read_recording(path: PathLike) -> Session:
    """Read a holdtrack recording (Parquet + JSON metadata); SessionFormatError if bad.

    The footer, row count and decompressed size are checked before any column is read.
    """
    with open_regular(path) as f:
        _footer_checked(f, path)
        try:
            pf = pq.ParquetFile(f)
        except ARROW_ERRORS as e:
            raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
        try:
            try:
                schema = pf.schema_arrow
            except ARROW_ERRORS as e:
                raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
            meta = _recording_meta(schema.metadata or {}, path)
            _check_recording_columns(schema, path)
            _size_checked(pf, path)
            try:
                table = pf.read()
            except ARROW_ERRORS as e:
                raise SessionFormatError(path, f"not a valid holdtrack recording ({e})") from None
        finally:
            pf.close()
    # Sample columns as float64 (nulls as NaN, refused by the checks); extras keep their type.
    samples = {
        c: np.asarray(arrow_numpy(table.column(c)), dtype=np.float64)
        for c in table.column_names
        if not c.startswith(EXTRA_PREFIX)
    }
    extras = {
        c: arrow_numpy(table.column(c)) for c in table.column_names if c.startswith(EXTRA_PREFIX)
    }
    del table
    kind, arrays, report = check_samples(
        samples, path, rows=None, line_offset=0, row_label="row", carry=extras
    )
    del samples
    if kind != meta.sensor_kind:
        raise SessionFormatError(
            path, f"metadata says sensor_kind {meta.sensor_kind!r} but the columns are {kind!r}"
        )
    data = {c: arrays[c] for c in ("time_s",) + SENSOR_COLUMNS[kind]}
    data.update((c, arrays[c]) for c in extras)
    return Session(data=data, meta=meta, report=report)


def _footer_checked(f: BinaryIO, path: PathLike) -> None:
    """A Parquet file ends in its footer's length and ``PAR1``; refuse a footer too large to be
    a session's (it is read whole before anything else)."""
    size = f.seek(0, 2)
    if size < 12:
        raise SessionFormatError(path, "not a valid holdtrack recording (too short for Parquet)")
    f.seek(size - 8)
    tail = f.read(8)
    f.seek(0)
    if tail[4:] != b"PAR1":
        raise SessionFormatError(path, "not a valid holdtrack recording (no Parquet footer)")
    footer = int.from_bytes(tail[:4], "little")
    if footer > MAX_METADATA_BYTES:
        raise SessionFormatError(
            path, f"Parquet footer of {footer} bytes; a recording's is at most {MAX_METADATA_BYTES}"
        )


def _size_checked(pf: pq.ParquetFile, path: PathLike) -> None:
    """Rows and decompressed bytes within what a session can be, before reading them."""
    md = pf.metadata
    if md.num_rows > MAX_SAMPLES:
        raise SessionFormatError(
            path, f"{md.num_rows} samples; a session holds at most {MAX_SAMPLES}"
        )
    # Encoded sizes say little (zeros run-length encode to nothing): count decoded bytes.
    size = md.num_rows * md.num_columns * 8
    if size > MAX_UNCOMPRESSED_BYTES:
        raise SessionFormatError(
            path,
            f"its columns decompress to {size / 2**20:.0f} MiB; a session's are at most "
            f"{MAX_UNCOMPRESSED_BYTES / 2**20:.0f} MiB",
        )


def _recording_meta(metadata: Mapping[bytes, bytes], path: PathLike) -> SessionMeta:
    """SessionMeta from the Parquet schema metadata, or SessionFormatError."""
    if METADATA_KEY not in metadata:
        raise SessionFormatError(
            path, "not a holdtrack recording (a Parquet file without holdtrack metadata)"
        )
    raw = metadata[METADATA_KEY]
    if len(raw) > MAX_METADATA_BYTES:
        problem = f"holdtrack metadata of {len(raw)} bytes; at most {MAX_METADATA_BYTES}"
        raise SessionFormatError(path, problem)
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise SessionFormatError(path, f"unreadable holdtrack metadata ({e})") from None
    if not isinstance(obj, dict):
        raise SessionFormatError(path, "holdtrack metadata is not a JSON object")
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionFormatError(path, f"invalid format_version in metadata: {show(version)}")
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
    """Every column is a numeric sample column or a numeric device-extra ``x_`` column."""
    if len(schema.names) > MAX_COLUMNS:
        problem = f"{len(schema.names)} columns; a recording has at most {MAX_COLUMNS}"
        raise SessionFormatError(path, problem)
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
            problem = (
                "unknown column (neither a sample column such as time_s or force_n "
                "nor a device-extra x_ column)"
            )
            raise SessionFormatError(path, problem, field=name)


def write_recording(session: Session, path: PathLike) -> None:
    """Write a holdtrack recording: Parquet (zstd) with the metadata as JSON in the schema.

    meta.gaps, when empty, is filled from :func:`detect_gaps` (the session is not modified).
    ValueError if the session or its metadata is invalid.
    """
    kind, arrays = checked_for_write(session, path)
    name = os.fspath(path)
    used = ("time_s",) + SENSOR_COLUMNS[kind]
    columns: dict[str, pa.Array] = {c: pa.array(arrays[c]) for c in used}
    for c in session.data.columns:
        if c in KNOWN_COLUMNS:
            continue
        if not (isinstance(c, str) and c.startswith(EXTRA_PREFIX)):
            raise ValueError(
                f"cannot write {name}: column {c!r} is neither a sample column nor a device-extra "
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
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _json_default(obj: object) -> Any:
    """JSON encoding for numpy scalars and arrays in meta.extra."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")
