"""``holdtrack import FILE...``: validate, copy, analyse and index sessions into the library."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from holdtrack.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_library_option,
    open_library,
    start_time,
)

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Validate, copy, analyse and index session files into the session library. A file enters "
    "whole with its analysis or not at all; a bad file is reported and skipped, and a file "
    "already in the library is reported as such, not imported twice."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``import``."""
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="session files")
    add_library_option(p)
    p.add_argument("--patient", help="person id (for files without one, such as CSV)")
    p.add_argument("--site", help="body site, e.g. 'upper back'")
    p.add_argument(
        "--start",
        type=start_time,
        metavar="WHEN",
        help="when the session started, e.g. 2026-11-20T10:15 (local time unless a zone is "
        "given); needed for files that do not say, such as CSV",
    )


def run(args: argparse.Namespace) -> int:
    """Import session files (validated; bad files are reported, not fatal)."""
    lib = open_library(args)
    done, errors = lib.import_files(
        args.files, patient_id=args.patient, body_site=args.site, start_utc=args.start
    )
    for e in errors:
        print(f"holdtrack: {e}", file=sys.stderr)
    fresh = [d for d in done if not d.duplicate]
    for d in done:
        if d.duplicate:
            log.info("already in the library: session %s of %s (not imported again)",
                     d.session_id, d.patient_id)  # fmt: skip
    log.info("imported %d of %d files into %s", len(fresh), len(args.files), lib.root)
    return EXIT_OK if not errors else EXIT_BAD_INPUT
