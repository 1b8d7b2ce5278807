"""``holdtrack sync [PATH...]``: send finished recordings to the linked clinic."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from holdtrack.commands.base import EXIT_BAD_INPUT, EXIT_OK, CliError, positive_float, start_time

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Send finished recordings to the clinic this machine is linked to. PATHs (files, or "
    "folders of .parquet recordings) join the waiting ones; each is sent once, whatever how "
    "often this runs, and one that cannot be sent now waits for the next run."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``sync``."""
    p.add_argument("paths", type=Path, nargs="*", metavar="PATH", help="recordings to add")
    p.add_argument("--start", type=start_time, metavar="WHEN",
                   help="when the given files' sessions started (for CSV files)")  # fmt: skip
    p.add_argument("--deadline", type=positive_float, default=120.0,
                   help="seconds to keep retrying an unreachable server (default 120)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Queue the given recordings, then send everything queued."""
    from holdtrack.server.client import SyncError, enqueue, sync

    files = []
    for p in args.paths:
        if not p.exists():
            raise CliError(f"sync: {p}: no such file or folder")
        files += sorted(p.glob("*.parquet")) if p.is_dir() else [p]
    if files:
        enqueue(files, args.start)
    try:
        left = sync(args.deadline, report=report_item)
    except SyncError as exc:
        raise CliError(f"sync: {exc}") from exc
    if left:
        print(f"holdtrack: {len(left)} recording(s) wait to be sent: run holdtrack sync later",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    return EXIT_OK


def report_item(item: object) -> None:
    """One line per recording: its verdict and where it went, or why not."""
    name = Path(item.path).name  # type: ignore[attr-defined]
    state = item.state  # type: ignore[attr-defined]
    if state == "synced":
        verdict = str(item.verdict or "").rstrip(".")  # type: ignore[attr-defined]
        log.info("%s: %s; %s", name, verdict, item.reason)  # type: ignore[attr-defined]
    else:
        print(f"holdtrack: {name}: {item.reason}", file=sys.stderr)  # type: ignore[attr-defined]
