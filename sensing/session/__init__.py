"""Session files: the interchange CSV and the product's own Parquet recordings.

Readers validate everything the analysis relies on, so a bad file fails with one
:class:`SessionFormatError` naming the file, line (CSV) or row (recording), column and problem.
Writers refuse what would not read back, and files appear whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from holdtrack.sensing.session.checks import detect_gaps, validate_samples
from holdtrack.sensing.session.csvfile import read_csv, write_csv
from holdtrack.sensing.session.model import (
    EXTRA_PREFIX,
    FORMAT_VERSION,
    METADATA_KEY,
    PathLike,
    ReadReport,
    Session,
    SessionFormatError,
    SessionMeta,
    software_version,
)
from holdtrack.sensing.session.parquetfile import read_recording, write_recording

SUFFIXES = (".csv", ".parquet")

__all__ = [
    "EXTRA_PREFIX",
    "FORMAT_VERSION",
    "METADATA_KEY",
    "SUFFIXES",
    "PathLike",
    "Session",
    "SessionFormatError",
    "SessionMeta",
    "detect_gaps",
    "ReadReport",
    "read_csv",
    "read_recording",
    "read_session",
    "software_version",
    "validate_samples",
    "write_csv",
    "write_recording",
    "write_session",
]


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


def write_session(session: Session, path: PathLike) -> None:
    """Write a session by suffix: ``.csv`` as interchange CSV, ``.parquet`` as recording.

    ValueError for another suffix or an invalid session; OSError when the file cannot be made.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(session, path)
    elif suffix == ".parquet":
        write_recording(session, path)
    else:
        raise ValueError(f"{path}: unknown session file type {suffix!r}; use .csv or .parquet")
