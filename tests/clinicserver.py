"""A real clinic server for the tests: ``holdtrack server`` on 127.0.0.1 and a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from holdtrack.library.accounts import Accounts

ADMIN_PASSWORD = "admin password 1"
PASSWORDS = {"tess": "tess password 1", "tom": "tom password 12"}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Clinic:
    """A running server: where it is, its library, and its process."""

    url: str
    root: Path
    proc: subprocess.Popen[bytes]
    dashboard_url: str | None = None
    log: Path | None = None  # what the server wrote to stderr

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def login(self, user: str, password: str | None = None) -> dict[str, str]:
        """Authorization headers of a fresh login."""
        pw = password or PASSWORDS.get(user, ADMIN_PASSWORD)
        r = httpx.post(f"{self.api}/login", json={"username": user, "password": pw})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def enrol(self, therapist: str, patient: str) -> str:
        """An enrolment code for a patient of this therapist."""
        r = httpx.post(f"{self.api}/patients", json={"patient_id": patient},
                       headers=self.login(therapist))  # fmt: skip
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    def link(self, therapist: str, patient: str) -> dict[str, str]:
        """Upload headers of a device linked for this patient."""
        r = httpx.post(f"{self.api}/link", json={"code": self.enrol(therapist, patient)})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}


def accounts_for(root: Path) -> Accounts:
    """A clinic's accounts with an administrator and two therapists."""
    acc = Accounts(root)
    if not acc.users():
        acc.add_user("boss", ADMIN_PASSWORD, "admin")
        for name, pw in PASSWORDS.items():
            acc.add_user(name, pw, "therapist")
    return acc


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Wait for the server's health answer (the server may start slowly on a busy machine)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout_s:g} s")


def start(root: Path, *, dashboard: bool = False, port: int | None = None) -> Clinic:
    """``holdtrack server`` on the library at ``root`` (API alone unless ``dashboard``)."""
    accounts_for(root)
    port = port or free_port()
    args = [sys.executable, "-m", "holdtrack", "server", "--library", str(root), "--port",
            str(port), "--name", "Clinic X"]  # fmt: skip
    dash = free_port() if dashboard else None
    args += ["--dashboard-port", str(dash)] if dashboard else ["--no-dashboard"]
    log = root.parent / f"server-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    clinic = Clinic(f"http://127.0.0.1:{port}", root, proc, None, log)
    try:
        wait_up(f"{clinic.url}/api/v1/health", proc)
        if dash:
            clinic.dashboard_url = f"http://127.0.0.1:{dash}"
            wait_up(f"{clinic.dashboard_url}/_stcore/health", proc, timeout_s=90)
    except RuntimeError as e:  # no server left behind, and what it said
        stop(clinic)
        raise RuntimeError(f"{e}; the server said:\n{log.read_text()[-3000:]}") from None
    return clinic


def stop(clinic: Clinic, sig: int = signal.SIGTERM) -> None:
    """End the server (and its dashboard)."""
    if clinic.proc.poll() is None:
        os.kill(clinic.proc.pid, sig)
        try:
            clinic.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            clinic.proc.kill()
            clinic.proc.wait(timeout=30)


@contextlib.contextmanager
def running(root: Path, **kw: object) -> Iterator[Clinic]:
    """A server for the length of a ``with`` block."""
    clinic = start(root, **kw)  # type: ignore[arg-type]
    try:
        yield clinic
    finally:
        stop(clinic)
