"""Running the clinic server: the API on uvicorn, the therapists' dashboard beside it.

Refuses to listen on a non-loopback address without TLS unless told ``insecure_http`` (for a
reverse proxy that does TLS on the same host). The dashboard is a child process that ends with
the server, and is started again if it ends before.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# A dashboard that ends while the server runs is started again after these waits (the longer
# the more often it has ended in a row; a run of this long resets the count).
RESTART_WAITS_S = (1.0, 2.0, 5.0, 15.0, 60.0)
RESTART_RESET_S = 60.0


class ServeError(Exception):
    """The server cannot start as asked; str() is one line."""


@dataclass(frozen=True)
class ServeOptions:
    """How the clinic server is to run."""

    library: Path
    host: str = "127.0.0.1"
    port: int = 8600
    dashboard_port: int = 8601
    name: str = "the clinic"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure_http: bool = False
    dashboard: bool = True

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def checked(opts: ServeOptions) -> ServeOptions:
    """The options, or ServeError for an unsafe or incomplete combination."""
    if (opts.tls_cert is None) != (opts.tls_key is None):
        raise ServeError("give both --tls-cert and --tls-key, or neither")
    for f in (opts.tls_cert, opts.tls_key):
        if f is not None and not Path(f).is_file():
            raise ServeError(f"{f}: no such file")
    if not is_loopback(opts.host) and opts.tls_cert is None and not opts.insecure_http:
        raise ServeError(
            f"refusing plain HTTP on {opts.host}: patient data would cross the network "
            "unencrypted; give --tls-cert and --tls-key, or put a TLS proxy in front and "
            "say --insecure-http"
        )
    return opts


def _die_with_parent() -> None:
    """In the dashboard child: end when the server process ends (Linux), however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_dashboard(opts: ServeOptions) -> subprocess.Popen[bytes]:
    """The therapists' dashboard (Streamlit) on the same library, in clinic mode."""
    import holdtrack.dashboard

    app = Path(holdtrack.dashboard.__file__).with_name("app.py")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", opts.host, "--server.port", str(opts.dashboard_port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", "200", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    if opts.tls_cert is not None:
        cmd += [
            "--server.sslCertFile",
            str(opts.tls_cert),
            "--server.sslKeyFile",
            str(opts.tls_key),
        ]
    env = {
        **os.environ,
        "HOLDTRACK_LIBRARY": str(opts.library),
        "HOLDTRACK_CLINIC": "1",
        "HOLDTRACK_API_URL": f"{opts.scheme}://{opts.host}:{opts.port}",
    }
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    return subprocess.Popen(cmd, env=env, preexec_fn=preexec)


class DashboardKeeper:
    """The dashboard child, started again whenever it ends while the server runs (a crash, its
    port taken for a moment), after a wait that grows while it keeps ending; each time a line
    on stderr says so."""

    def __init__(self, opts: ServeOptions) -> None:
        self.opts = opts
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.child = start_dashboard(opts)
        self._thread = threading.Thread(target=self._watch, name="dashboard", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        ended_in_a_row = 0
        while True:
            started = time.monotonic()
            code = self.child.wait()
            if self._stop.is_set():
                return
            if time.monotonic() - started >= RESTART_RESET_S:
                ended_in_a_row = 0
            wait_s = RESTART_WAITS_S[min(ended_in_a_row, len(RESTART_WAITS_S) - 1)]
            ended_in_a_row += 1
            print(
                f"holdtrack server: the dashboard ended (exit code {code}); "
                f"starting it again in {wait_s:g} s",
                file=sys.stderr,
                flush=True,
            )
            if self._stop.wait(wait_s):
                return
            with self._lock:
                if self._stop.is_set():
                    return
                self.child = start_dashboard(self.opts)

    def stop(self) -> None:
        """End the dashboard and stop starting it again."""
        with self._lock:
            self._stop.set()
            child = self.child
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def serve(opts: ServeOptions) -> None:
    """Run the API (and the dashboard) until stopped."""
    import uvicorn

    from holdtrack.server.api import create_api

    checked(opts)
    keeper = DashboardKeeper(opts) if opts.dashboard else None
    try:
        uvicorn.run(
            create_api(opts.library, opts.name),
            host=opts.host,
            port=opts.port,
            ssl_certfile=str(opts.tls_cert) if opts.tls_cert else None,
            ssl_keyfile=str(opts.tls_key) if opts.tls_key else None,
            log_level="warning",
        )
    finally:
        if keeper is not None:
            keeper.stop()
