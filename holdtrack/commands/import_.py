"""``holdtrack import FILE...``: validate, copy, index and analyse sessions into the library."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from holdtrack.commands.base import EXIT_BAD_INPUT, EXIT_OK, add_library_option, open_library

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Validate, copy, index and analyse session files into the session library. A bad file is "
    "reported and skipped; the others are imported."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``import``."""
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="session files")
    add_library_option(p)
    p.add_argument("--patient", help="person id (for files without one, such as CSV)")
    p.add_argument("--site", help="body site, e.g. 'upper back'")


def run(args: argparse.Namespace) -> int:
    """Import session files (validated; bad files are reported, not fatal)."""
    lib = open_library(args)
    ok, errors = lib.import_files(args.files, patient_id=args.patient, body_site=args.site)
    for e in errors:
        print(f"holdtrack: {e}", file=sys.stderr)
    log.info("imported %d of %d files into %s", len(ok), len(args.files), lib.root)
    return EXIT_OK if not errors else EXIT_BAD_INPUT
