"""The ``holdtrack`` command: a small registry of subcommands, each loaded only when it runs.

Every command is a module in ``holdtrack.commands`` with ``DESCRIPTION``, ``add_arguments``
and ``run``; the registry below names them, so ``holdtrack --help`` imports none of them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandInfo:
    """Where a command lives and what it does, in a few words."""

    module: str
    summary: str


COMMANDS: dict[str, CommandInfo] = {
    "analyze": CommandInfo("holdtrack.commands.analyze", "find the holds in a session file"),
    "record": CommandInfo("holdtrack.commands.record", "record a sensor into a session file"),
    "scan": CommandInfo("holdtrack.commands.scan", "list nearby supported sensors"),
    "recover": CommandInfo("holdtrack.commands.recover", "finish recordings cut off by a crash"),
    "import": CommandInfo("holdtrack.commands.import_", "add session files to the library"),
    "library": CommandInfo("holdtrack.commands.library", "list, check, repair the library"),
    "dashboard": CommandInfo("holdtrack.commands.dashboard", "open the dashboard"),
    "convert": CommandInfo("holdtrack.commands.convert", "convert CSV <-> recording"),
    "decode": CommandInfo("holdtrack.commands.decode", "decode raw sensor packets (hex)"),
    "replay": CommandInfo(
        "holdtrack.commands.replay", "stream a session through the live detector"
    ),
    "simulate": CommandInfo("holdtrack.commands.simulate", "write a simulated, labelled session"),
    "link": CommandInfo("holdtrack.commands.link", "link this machine to your clinic"),
    "sync": CommandInfo("holdtrack.commands.sync", "send finished recordings to the clinic"),
    "server": CommandInfo("holdtrack.commands.server", "run the clinic server"),
    "clinic": CommandInfo("holdtrack.commands.clinic", "set up the clinic's accounts"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser, with the options of the one command named in ``argv`` (if any) loaded."""
    p = argparse.ArgumentParser(
        prog="holdtrack",
        description="Tell sustained self-myofascial-release holds from rolling.",
    )
    p.add_argument(
        "--version", action=_VersionAction, help="show program's version number and exit"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, info in COMMANDS.items():
        cp = sub.add_parser(name, help=info.summary, description=info.summary)
        if name == wanted:
            module = importlib.import_module(info.module)
            cp.description = module.DESCRIPTION
            module.add_arguments(cp)
            cp.set_defaults(run=module.run)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``holdtrack`` console command."""
    from holdtrack.commands.base import EXIT_BAD_INPUT, CliError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines are not for people
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"holdtrack: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader (such as ``head``) has had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("holdtrack: interrupted", file=sys.stderr)
        return 130


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (the lookup costs 20 ms)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"holdtrack {_version()}")
        parser.exit()


def _version() -> str:
    """The installed version (from the package metadata)."""
    from importlib import metadata

    try:
        return metadata.version("holdtrack")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


if __name__ == "__main__":
    raise SystemExit(main())
