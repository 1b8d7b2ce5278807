"""``holdtrack dashboard``: serve the Streamlit dashboard on the session library."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from holdtrack.commands.base import add_library_option, open_library

if TYPE_CHECKING:
    from holdtrack.library import Library

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Serve the Streamlit dashboard on the session library; an empty library starts with the "
    "bundled sample sessions. Binds 127.0.0.1 unless told otherwise."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``dashboard``."""
    add_library_option(p)
    p.add_argument("--samples", action="store_true", help="import the sample sessions first")
    p.add_argument(
        "--demo",
        action="store_true",
        help="first build a demo clinic: a dozen made-up people (ids demo-...) over the last six "
        "weeks, adherent, fading, rolling-heavy and lapsed; removable from the clinic page",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument(
        "--recordings",
        type=Path,
        metavar="DIR",
        help="where the Live page looks for recordings in progress (default: this folder)",
    )


def build_demo(lib: Library) -> None:
    """Simulate the demo clinic into the library, with a progress bar (once: not when demo
    people are there already)."""
    from holdtrack.library.names import is_demo
    from holdtrack.simulation.demo_clinic import build_demo_clinic

    if any(is_demo(p) for p in lib.patients()):
        log.info("the library has its demo clinic already")
        return

    def bar(done: int, total: int) -> None:
        filled = round(30 * done / total)
        sys.stderr.write(f"\rbuilding the demo clinic [{'#' * filled}{'.' * (30 - filled)}] "
                         f"{done}/{total} sessions")  # fmt: skip
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    people = build_demo_clinic(lib, progress=bar)
    log.info("demo clinic: %d made-up people in %s", len(people), lib.root)


def run(args: argparse.Namespace) -> int:
    """Serve the dashboard (samples imported into an empty library)."""
    import holdtrack.dashboard
    from holdtrack.library import import_sample_set

    lib = open_library(args)
    if args.demo:
        build_demo(lib)
    if args.samples or not lib.patients():
        import_sample_set(lib)
    app = Path(holdtrack.dashboard.__file__).with_name("app.py")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", args.host,
        "--server.port", str(args.port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", "200",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    log.info("holdtrack dashboard on http://%s:%d (library %s)", args.host, args.port, lib.root)
    env = {**os.environ, "HOLDTRACK_LIBRARY": str(lib.root)}
    if args.recordings is not None:
        env["HOLDTRACK_RECORDINGS"] = str(args.recordings.resolve())
    if os.name == "posix":
        # Become the server, so a SIGTERM to this process stops it instead of orphaning it.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, cmd, env)
    return subprocess.call(cmd, env=env)
