"""``holdtrack convert SRC DST``: between the interchange CSV and the recording format."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from holdtrack.commands.base import EXIT_OK, check_output_path, load_session, save_session

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Convert a session between the interchange CSV and the .parquet recording (by suffix). "
    "The CSV holds only the samples: who, where, which device and when stay in the recording."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``convert``."""
    p.add_argument("src", type=Path, metavar="SRC", help="input session file")
    p.add_argument("dst", type=Path, metavar="DST", help="output file, .csv or .parquet")


def run(args: argparse.Namespace) -> int:
    """Convert one session file; say what a CSV cannot carry."""
    check_output_path(args.dst)
    session = load_session(args.src)
    save_session(session, args.dst)
    log.info("wrote %s (%d samples)", args.dst, len(session.data))
    if args.dst.suffix.lower() == ".csv":
        dropped = dropped_in_csv(session.meta)
        if dropped:
            log.warning(
                "%s: the interchange CSV has no place for %s; they were not written "
                "(keep %s for them)",
                args.dst,
                ", ".join(dropped),
                args.src.name,
            )
    return EXIT_OK


def dropped_in_csv(meta: object) -> list[str]:
    """The metadata fields with a value that a CSV file cannot carry."""
    fields = ("patient_id", "body_site", "device_model", "device_address", "start_time_utc")
    out = []
    for name in fields:
        value = getattr(meta, name, None)
        if value not in (None, "", "unknown"):
            out.append(name)
    if getattr(meta, "gaps", None):
        out.append("gaps")
    return out
