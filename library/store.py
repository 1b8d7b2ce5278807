"""Session files in the library folder: copied in whole or not at all, named after who and when.

A file is first copied to a hidden staging name (hashing it on the way, fsynced), and only a
finished, analysed copy is renamed to its place; a crash leaves at most a staging file, which
the next opening of the library removes once the process that made it is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from holdtrack.library.names import file_part, file_part_name
from holdtrack.sensing.session.opening import open_regular

STAGING_PREFIX = ".staging-"
COPY_CHUNK = 1 << 20


def staging_path(folder: Path, suffix: str) -> Path:
    """A fresh hidden name in ``folder`` that says which process is writing it."""
    return folder / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(8)}{suffix}"


def copy_in(source: Path, staged: Path) -> str:
    """Copy a regular session file to ``staged`` (fsynced); return its content's SHA-256.

    SessionFormatError for what is not a regular file of a session's size; OSError (the
    partial copy removed) when the library's disk cannot take it.
    """
    h = hashlib.sha256()
    try:
        with open_regular(source) as src, open(staged, "xb") as dst:
            while block := src.read(COPY_CHUNK):
                h.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content: how the library knows a session, whoever sends it."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(COPY_CHUNK):
            h.update(block)
    return h.hexdigest()


def stored_name(patient_id: str, start: datetime, digest: str, suffix: str) -> str:
    """``PERSON_YYYYMMDDTHHMMSS_DIGEST.suffix``: readable, sortable and unique by content."""
    return f"{file_part(patient_id)}_{start:%Y%m%dT%H%M%S}_{digest[:16]}{suffix}"


def stored_identity(name: str) -> tuple[str, datetime] | None:
    """(person, start) a :func:`stored_name` encodes, or None when it is not such a name."""
    parts = Path(name).stem.rsplit("_", 2)
    if len(parts) != 3:
        return None
    person = file_part_name(parts[0])
    try:
        start = datetime.strptime(parts[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (person, start) if person else None


def staging_owner(path: Path) -> int | None:
    """The process id in a staging file's name (None when the name is not a staging name)."""
    if not path.name.startswith(STAGING_PREFIX):
        return None
    pid = path.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def abandoned_staging(folder: Path) -> list[Path]:
    """Staging files whose writing process is gone (left by a crash or kill)."""
    out = []
    for p in folder.glob(f"{STAGING_PREFIX}*"):
        pid = staging_owner(p)
        if pid is not None and not process_alive(pid):
            out.append(p)
    return sorted(out)


def remove_quietly(path: Path) -> None:
    """Delete a file if it is there."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
