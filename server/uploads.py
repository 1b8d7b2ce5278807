"""One upload from a patient's device: bounded, verified, stored once and whole.

The declared size is checked before a byte is read, the body is streamed to a private file and
counted (a body that runs past the limit is dropped at once), its SHA-256 is compared with the
one the device declared, and the library then stores it whole with its analysis, or not at all.
The person comes from the device token, never from the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from holdtrack.library import ImportRejected, Library
from holdtrack.sensing.session import SUFFIXES
from holdtrack.sensing.session.limits import MAX_FILE_BYTES

INCOMING = "incoming"


def _problem(status: int, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"detail": detail}


def _start(text: str | None) -> tuple[datetime | None, str | None]:
    """An ``X-Start-Time`` header as a UTC time (a problem when it is not ISO 8601 with zone)."""
    if not text:
        return None, None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None, f"X-Start-Time {text!r} is not an ISO 8601 time"
    if when.tzinfo is None:
        return None, f"X-Start-Time {text!r} has no time zone"
    return when, None


async def _receive(request: Request, path: Path, limit: int) -> tuple[int, str]:
    """Stream the body to ``path``: (bytes, SHA-256); (-1, "") once it runs past ``limit``."""
    h = hashlib.sha256()
    size = 0
    with open(path, "xb") as f:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return -1, ""
            h.update(chunk)
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    return size, h.hexdigest()


async def store_upload(
    request: Request, lib: Library, patient: str, limit: int = MAX_FILE_BYTES
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for one upload of ``patient``'s device."""
    name = Path(request.headers.get("x-filename", "")).name or "session"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return _problem(422, f"{name}: not a session file (expected .csv or .parquet)")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return _problem(413, f"{name}: larger than {limit // (1 << 20)} MiB")
    start, problem = _start(request.headers.get("x-start-time"))
    if problem:
        return _problem(422, problem)
    folder = lib.root / INCOMING
    folder.mkdir(exist_ok=True)
    path = folder / f".upload-{os.getpid()}-{secrets.token_hex(8)}{suffix}"
    try:
        size, digest = await _receive(request, path, limit)
        if size < 0:
            return _problem(413, f"{name}: larger than {limit // (1 << 20)} MiB")
        expected = request.headers.get("x-content-sha256", "").lower()
        if expected and expected != digest:
            return _problem(400, f"{name}: arrived damaged (its SHA-256 does not match)")
        return await run_in_threadpool(_import, lib, path, name, patient, start)
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _import(
    lib: Library, path: Path, name: str, patient: str, start: datetime | None
) -> tuple[int, dict[str, Any]]:
    """Store the received file for ``patient``; the answer the device gets."""
    try:
        done = lib.import_file(path, patient_id=patient, start_utc=start, original_name=name)
    except ImportRejected as exc:
        return _problem(422, str(exc))
    if done.patient_id != patient:  # the same bytes were uploaded for someone else
        return _problem(409, f"{name}: this recording is already in the clinic for another person")
    row = lib.session(done.session_id)
    result = lib.analysis(done.session_id)
    summary = result.get("summary", {})
    return (200 if done.duplicate else 201), {
        "session_id": done.session_id,
        "duplicate": done.duplicate,
        "patient_id": patient,
        "start_utc": row.start_utc.isoformat(),
        "n_holds": summary.get("n_holds"),
        "adherent_holds": summary.get("adherent_holds"),
        "verdict": summary.get("verdict") or result.get("error"),
    }
