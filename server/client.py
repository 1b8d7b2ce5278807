"""The patient's side: link this machine to a clinic, and send finished recordings there.

The link (server address, device token) lives in the user's config folder, readable by the
user alone. Recordings wait in an outbox that survives crashes and reboots; sending retries with
backoff, and since the server knows a recording by its content, a repeated send never makes a
second session. Recording never waits for any of this.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import platformdirs
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from holdtrack.library.store import file_sha256

try:
    import fcntl
except ImportError:  # not POSIX: one process at a time is then the user's to keep
    fcntl = None  # type: ignore[assignment]

API = "/api/v1"
TIMEOUT_S = 60.0


class SyncError(Exception):
    """Linking or sending failed for good; str() is one line for the person."""


class Transient(Exception):
    """The server could not be reached or was busy: worth trying again later."""


class Revoked(SyncError):
    """The clinic no longer accepts this machine's token."""


@dataclass
class Item:
    """One recording in the outbox."""

    path: str
    sha256: str
    state: str = "queued"  # queued, synced, refused
    start_utc: str | None = None  # for files that do not say when they started
    session_id: str | None = None
    verdict: str | None = None
    reason: str | None = None


def config_dir() -> Path:
    """Where the link is kept (``HOLDTRACK_CONFIG_DIR`` overrides, for tests and kiosks)."""
    return Path(os.environ.get("HOLDTRACK_CONFIG_DIR") or platformdirs.user_config_dir("holdtrack"))


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _verify(conn: dict[str, Any]) -> ssl.SSLContext | bool:
    """What to check the clinic's TLS certificate against: its own CA when given at linking."""
    return ssl.create_default_context(cafile=conn["ca_cert"]) if conn.get("ca_cert") else True


def link(url: str, code: str, device_name: str, ca_cert: Path | None = None) -> dict[str, Any]:
    """Spend an enrolment code at the clinic and keep the device token; the link's details.

    ``ca_cert`` is the clinic's own certificate authority, for a clinic whose certificate no
    public authority signed."""
    base = url.rstrip("/")
    ca = str(Path(ca_cert).resolve()) if ca_cert else None
    try:
        r = httpx.post(f"{base}{API}/link", json={"code": code, "device_name": device_name},
                       timeout=TIMEOUT_S, verify=_verify({"ca_cert": ca}))  # fmt: skip
    except httpx.HTTPError as exc:
        raise SyncError(f"cannot reach {base}: {exc}") from exc
    if r.status_code != 201:
        raise SyncError(f"{base} refused the code: {_detail(r)}")
    body = r.json()
    saved = {"server": base, "token": body["token"], "patient_id": body["patient_id"],
             "clinic": body["clinic"], "ca_cert": ca}  # fmt: skip
    _write_private(config_dir() / "link.json", json.dumps(saved))
    return saved


def load_link() -> dict[str, Any] | None:
    """This machine's link to a clinic, or None."""
    path = config_dir() / "link.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _detail(r: httpx.Response) -> str:
    """The server's one-line reason."""
    try:
        return str(r.json().get("detail", r.text))
    except ValueError:
        return r.text.strip()[:200] or f"HTTP {r.status_code}"


@contextlib.contextmanager
def outbox() -> Iterator[list[Item]]:
    """The outbox, locked against other processes while in use, saved when done."""
    path = config_dir() / "outbox.json"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(config_dir() / "outbox.lock", "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        items = [Item(**x) for x in raw]
        try:
            yield items
        finally:  # what was sent is remembered even when sending stops half-way
            _write_private(path, json.dumps([asdict(i) for i in items], indent=1))


def enqueue(paths: list[Path], start: datetime | None = None) -> int:
    """Put recordings in the outbox (once each, by content); how many were new."""
    new = 0
    with outbox() as items:
        known = {i.sha256 for i in items}
        for p in paths:
            digest = file_sha256(p)
            if digest not in known:
                items.append(Item(str(Path(p).resolve()), digest,
                                  start_utc=start.isoformat() if start else None))  # fmt: skip
                known.add(digest)
                new += 1
    return new


def upload(conn: dict[str, Any], item: Item) -> dict[str, Any]:
    """Send one recording; the server's answer. Transient when worth retrying."""
    path = Path(item.path)
    headers = {
        "Authorization": f"Bearer {conn['token']}",
        "X-Filename": path.name,
        "X-Content-SHA256": item.sha256,
        "Content-Type": "application/octet-stream",
    }
    if item.start_utc:
        headers["X-Start-Time"] = item.start_utc
    try:
        with open(path, "rb") as f:
            r = httpx.post(f"{conn['server']}{API}/sessions", content=f.read(),
                           headers=headers, timeout=TIMEOUT_S, verify=_verify(conn))  # fmt: skip
    except httpx.TransportError as exc:
        raise Transient(str(exc)) from exc
    if r.status_code in (200, 201):
        return r.json()
    if r.status_code == 401:
        raise Revoked("this machine's link was revoked by the clinic; link it again")
    if r.status_code == 429 or r.status_code >= 500:
        raise Transient(f"HTTP {r.status_code}")
    raise SyncError(_detail(r))


def sync(deadline_s: float = 120.0, report: Callable[[Item], None] | None = None) -> list[Item]:
    """Send every queued recording, retrying with backoff until ``deadline_s``; the items that
    are still queued afterwards (to be sent next time)."""
    conn = load_link()
    if conn is None:
        raise SyncError("this machine is not linked to a clinic (holdtrack link URL CODE)")
    send = retry(
        retry=retry_if_exception_type(Transient),
        wait=wait_exponential(multiplier=0.5, max=8.0),
        stop=stop_after_delay(deadline_s) | stop_after_attempt(12),
        reraise=True,
    )(upload)
    with outbox() as items:
        for item in [i for i in items if i.state == "queued"]:
            if not Path(item.path).exists():
                item.state, item.reason = "refused", "the file is gone"
            else:
                _send_one(send, conn, item)
            if report is not None:
                report(item)
        return [i for i in items if i.state == "queued"]


def _send_one(send: Callable[..., dict[str, Any]], conn: dict[str, Any], item: Item) -> None:
    """Send one item and record how it went (queued again when the server stays away)."""
    try:
        answer = send(conn, item)
    except Transient as exc:
        item.reason = f"not sent yet: {exc}"
        return
    except Revoked:
        raise
    except SyncError as exc:
        item.state, item.reason = "refused", str(exc)
        return
    item.state = "synced"
    item.session_id = answer.get("session_id")
    item.verdict = answer.get("verdict")
    item.reason = f"synced to {answer.get('clinic', conn.get('clinic'))}"
