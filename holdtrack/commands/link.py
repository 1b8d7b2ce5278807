"""``holdtrack link SERVER_URL CODE``: link this machine to a clinic with an enrolment code."""

from __future__ import annotations

import argparse
import logging
import platform
from pathlib import Path

from holdtrack.commands.base import EXIT_OK, CliError

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Link this machine to your clinic with the enrolment code your therapist gave you. The "
    "clinic's token is kept in your user config folder, readable by you alone; afterwards "
    "'holdtrack record' sends each finished session to the clinic, and 'holdtrack sync' sends "
    "any that are waiting."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``link``."""
    p.add_argument("url", metavar="SERVER_URL", help="the clinic's address, e.g. https://...")
    p.add_argument("code", metavar="CODE", help="the enrolment code")
    p.add_argument("--name", default=platform.node() or "home", help="this machine's name")
    p.add_argument(
        "--ca-cert",
        type=Path,
        metavar="PEM",
        help="the clinic's own certificate authority, when its certificate is self-signed",
    )


def run(args: argparse.Namespace) -> int:
    """Spend the code and keep the token."""
    from holdtrack.server.client import SyncError, link

    try:
        conn = link(args.url, args.code, args.name, args.ca_cert)
    except SyncError as exc:
        raise CliError(f"link: {exc}") from exc
    log.info("linked to %s as %s; finished recordings will be sent there",
             conn["clinic"], conn["patient_id"])  # fmt: skip
    return EXIT_OK
