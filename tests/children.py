"""Running the real command in a child process with limits, and measuring what it took."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GUARD_MB = 2048  # address-space ceiling: a runaway child fails instead of taking the machine


@dataclass
class Ran:
    """A finished child: exit status, output, peak resident memory and wall time."""

    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float


def holdtrack_limited(
    *args: str,
    cwd: Path | None = None,
    timeout_s: float = 120.0,
    guard_mb: int = GUARD_MB,
    file_size_limit: int | None = None,
) -> Ran:
    """``python -m holdtrack ARGS`` with an address-space guard (and optionally a file-size
    limit, which makes writing fail as on a full disk); its peak RSS from the kernel."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (guard_mb << 20, guard_mb << 20))
        if file_size_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "holdtrack", *map(str, args)],
            stdout=out, stderr=err, cwd=cwd, preexec_fn=limits,
        )  # fmt: skip
        deadline = t0 + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Ran(
            returncode=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            peak_mb=usage.ru_maxrss / 1024,
            seconds=seconds,
        )
