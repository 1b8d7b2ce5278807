"""The clinic server keeps its therapists' dashboard up: a dashboard process that ends (a
crash, its port taken for a moment) is started again, and the server says so."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from clinicserver import running, wait_up


def _children(pid: int) -> list[int]:
    """The processes any thread of ``pid`` started and that have not ended (Linux)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in found if not _zombie(c)]


def test_a_dashboard_that_ends_is_started_again(tmp_path):
    with running(tmp_path / "clinic", dashboard=True) as clinic:
        assert clinic.dashboard_url is not None and clinic.log is not None
        (first,) = _children(clinic.proc.pid)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _children(clinic.proc.pid) in ([], [first]):
            time.sleep(0.1)
        (second,) = _children(clinic.proc.pid)
        assert second != first
        wait_up(f"{clinic.dashboard_url}/_stcore/health", clinic.proc, timeout_s=90)
        assert "the dashboard ended (exit code -9); starting it again in 1 s" in (
            clinic.log.read_text()
        )
    assert clinic.proc.poll() is not None  # the server ended, and with it the dashboard:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _zombie(second):
        time.sleep(0.1)
    assert _zombie(second)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has ended (and at most waits to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True
