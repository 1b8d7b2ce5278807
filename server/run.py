"""Running the clinic server: the API on uvicorn, the therapists' dashboard beside it.

Refuses to listen on a non-loopback address without TLS unless told ``insecure_http`` (for a
reverse proxy that does TLS on the same host). The dashboard is a child process that ends with
the server.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


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


def serve(opts: ServeOptions) -> None:
    """Run the API (and the dashboard) until stopped."""
    import uvicorn

    from holdtrack.server.api import create_api

    checked(opts)
    child = start_dashboard(opts) if opts.dashboard else None
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
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
