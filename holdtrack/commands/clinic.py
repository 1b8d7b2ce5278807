"""``holdtrack clinic``: set up and look after a clinic's accounts (on the server's machine)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path

from holdtrack.commands.base import EXIT_OK, CliError

DESCRIPTION = (
    "Set up and look after the clinic's accounts in a library folder: create the "
    "administrator, add or disable therapists, assign a patient to a therapist, list and "
    "revoke linked devices, read the audit log."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``clinic``."""
    p.add_argument("--library", type=Path, required=True, help="the clinic's library folder")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("setup", help="create the administrator").add_argument("admin", metavar="NAME")
    sub.add_parser("add-therapist", help="add a therapist").add_argument("name", metavar="NAME")
    sub.add_parser("disable", help="disable an account").add_argument("name", metavar="NAME")
    a = sub.add_parser("assign", help="make THERAPIST the patient's therapist")
    a.add_argument("patient", metavar="PATIENT")
    a.add_argument("therapist", metavar="THERAPIST")
    sub.add_parser("devices", help="list linked devices")
    sub.add_parser("revoke", help="revoke a device at once").add_argument("device", type=int)
    sub.add_parser("audit", help="print the audit log, newest first")


def _password(args: argparse.Namespace) -> str:
    """A new password: from stdin, or typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise CliError("clinic: the two passwords differ")
    return first


def run(args: argparse.Namespace) -> int:
    """Do the chosen action."""
    from holdtrack.library.accounts import Accounts
    from holdtrack.library.accounts_model import AccountError, User

    acc = Accounts(args.library)
    local = User(0, "administrator (command line)", "admin")
    try:
        if args.action == "setup":
            if any(u.role == "admin" for u in acc.users()):
                raise CliError("clinic: this clinic has an administrator already")
            acc.add_user(args.admin, _password(args), "admin")
        elif args.action == "add-therapist":
            acc.add_user(args.name, _password(args), "therapist")
        elif args.action == "disable":
            acc.set_disabled(args.name)
        elif args.action == "assign":
            acc.assign(args.patient, args.therapist)
            acc.audit(local.username, "reassign", args.patient, f"to {args.therapist}")
        elif args.action == "revoke":
            if not acc.revoke(args.device, local):
                raise CliError(f"clinic: no device {args.device}")
        else:
            _print_list(acc, args.action)
    except (AccountError, ValueError) as exc:
        raise CliError(f"clinic: {exc}") from exc
    return EXIT_OK


def _print_list(acc: object, action: str) -> None:
    """Devices or the audit log, one line each."""

    def when(t: float) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")

    if action == "devices":
        for d in acc.devices():  # type: ignore[attr-defined]
            state = f"revoked {when(d.revoked)}" if d.revoked else "active"
            print(f"{d.id}  {d.patient_id}  {d.name}  linked {when(d.created)}  {state}")
        return
    for e in acc.audit_log():  # type: ignore[attr-defined]
        print(
            f"{when(e['at'])}  {e['actor']}  {e['action']}  {e['patient_id'] or '-'}  {e['detail']}"
        )
