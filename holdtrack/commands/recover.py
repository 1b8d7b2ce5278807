"""``holdtrack recover PATH``: finish recordings cut off by a crash."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from holdtrack.commands.base import EXIT_BAD_INPUT, EXIT_OK, CliError

log = logging.getLogger("holdtrack")

DESCRIPTION = "Turn unfinished recordings (.htjournal) into .parquet session files."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``recover``."""
    p.add_argument("path", type=Path, metavar="PATH", help="a .htjournal file or a folder")


def run(args: argparse.Namespace) -> int:
    """Recover one journal, or every journal in a folder."""
    from holdtrack.sensing.journal import unfinished

    path: Path = args.path
    if not path.exists():
        raise CliError(f"{path}: no such file or folder")
    paths = unfinished(path) if path.is_dir() else [path]
    if not paths:
        log.info("nothing to recover in %s", path)
    return EXIT_BAD_INPUT if recover_journals(paths) else EXIT_OK


def recover_journals(paths: list[Path], done: str = "recovered") -> bool:
    """Turn journals into session files, reporting each (and sending them to the clinic when
    this machine is linked); True if any failed."""
    from holdtrack.commands.record import send_to_clinic
    from holdtrack.sensing.journal import recover

    failed = False
    finished = []
    for p in paths:
        try:
            finished.append(recover(p))
            log.info("%s %s", done, finished[-1])
        except (ValueError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"holdtrack: {p}: {reason}", file=sys.stderr)
            failed = True
    send_to_clinic(finished)
    return failed
