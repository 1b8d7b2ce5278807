"""``holdtrack library``: look after the session library (list, check, repair, remove)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from holdtrack.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    CliError,
    add_library_option,
    open_library,
)

if TYPE_CHECKING:
    from holdtrack.library import Library

DESCRIPTION = (
    "Look after the session library: list its sessions, check it for problems (a missing or "
    "changed file, a session that could not be analysed, an unfinished import), repair them, "
    "remove sessions to the trash (kept 30 days), restore them, or empty the trash."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``library``."""
    add_library_option(p)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="one line per session")
    sub.add_parser("check", help="report problems; change nothing (exit 1 if there are any)")
    sub.add_parser("repair", help="mend what check finds")
    rm = sub.add_parser("remove", help="put sessions in the trash (deleted after 30 days)")
    rm.add_argument("ids", nargs="+", metavar="SESSION_ID", help="session ids (see list)")
    sub.add_parser("trash", help="one line per session in the trash")
    back = sub.add_parser("restore", help="bring sessions back from the trash")
    back.add_argument("ids", nargs="+", metavar="SESSION_ID", help="session ids (see trash)")
    sub.add_parser("empty-trash", help="delete what is in the trash, files too, now")


def run(args: argparse.Namespace) -> int:
    """Do the chosen action on the library."""
    from holdtrack.library.upkeep import check, repair

    lib = open_library(args)
    if args.action == "list":
        for r in lib.sessions():
            state = (
                f"could not be analysed: {r.error}"
                if r.error
                else (f"{r.adherent_holds} of {r.n_holds} holds reached {r.hold_target_s:g} s")
            )
            print(f"{r.id}  {r.start_utc:%Y-%m-%d %H:%M}  {r.patient_id}  {state}")
        return EXIT_OK
    if args.action == "check":
        problems = check(lib)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {lib.root}", file=sys.stderr)
        return EXIT_BAD_INPUT if problems else EXIT_OK
    if args.action == "repair":
        for line in repair(lib):
            print(line)
        return EXIT_OK
    if args.action in ("trash", "restore", "empty-trash"):
        return _trash(lib, args)
    missing = [sid for sid in args.ids if not lib.remove(sid)]
    if missing:
        raise CliError(f"library remove: no session {', '.join(missing)} in {lib.root}")
    return EXIT_OK


def _trash(lib: Library, args: argparse.Namespace) -> int:
    """List the trash, restore from it or empty it."""
    if args.action == "trash":
        for t in lib.trash():
            print(f"{t.session_id}  {t.start_utc:%Y-%m-%d %H:%M}  {t.patient_id}  "
                  f"removed {t.trashed_utc:%Y-%m-%d %H:%M} UTC")  # fmt: skip
        return EXIT_OK
    if args.action == "empty-trash":
        print(f"{lib.purge_trash(0.0)} session(s) deleted", file=sys.stderr)
        return EXIT_OK
    inside = {t.session_id for t in lib.trash()}
    missing = [sid for sid in args.ids if sid not in inside]
    lib.restore([sid for sid in args.ids if sid in inside])
    if missing:
        raise CliError(f"library restore: no session {', '.join(missing)} in the trash")
    return EXIT_OK
