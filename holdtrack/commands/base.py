"""What every command shares: the one-line error, exit codes, option types, file helpers."""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line on stderr with exit status 1."""


def positive_float(text: str) -> float:
    """argparse type: a finite number above 0."""
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def share(text: str) -> float:
    """argparse type: a share from 0 to below 1 (0.02 is 2 %)."""
    value = _number(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be a share from 0 to below 1, not {text}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def start_time(text: str) -> datetime:
    """argparse type: an ISO 8601 time (local time unless it names a zone), as UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-11-20T10:15") from None
    return when.astimezone(UTC)  # a time without a zone is the machine's local time


def add_hold_target_option(parser: argparse.ArgumentParser, what: str = "") -> None:
    """``--hold-target S``: seconds a hold must last to count (default 90)."""
    parser.add_argument(
        "--hold-target",
        type=positive_float,
        default=None,
        metavar="S",
        help=f"seconds a hold must last to count{what} (default 90)",
    )


def add_cue_options(parser: argparse.ArgumentParser) -> None:
    """Eyes-free cues: ``--mute``, ``--speak``, ``--countdown``."""
    g = parser.add_argument_group("cues (sounds while holding)")
    g.add_argument("--mute", action="store_true", help="no sounds")
    g.add_argument(
        "--speak",
        action="store_true",
        help='also say the cues ("hold", "30 seconds", ...) where espeak-ng is installed',
    )
    g.add_argument(
        "--countdown", action="store_true", help="count down the last seconds to the target"
    )


def cues_for(args: argparse.Namespace, hold_target_s: float, mute: bool = False) -> Any:
    """The coach and the player the cue options ask for: ``(Coach, CuePlayer)``."""
    from holdtrack.coaching.cues import Coach
    from holdtrack.coaching.player import CuePlayer
    from holdtrack.coaching.sound import speech_engine

    coach = Coach(hold_target_s, countdown=args.countdown)
    player = CuePlayer(speak=args.speak, mute=args.mute or mute)
    if args.speak and player.audible and speech_engine() is None:
        print("holdtrack: --speak: espeak-ng is not installed; cues are tones only",
              file=sys.stderr)  # fmt: skip
    return coach, player


def add_library_option(parser: argparse.ArgumentParser) -> None:
    """``--library DIR``, shared by the commands that work on the session library."""
    parser.add_argument(
        "--library", type=Path, help="library folder (default: the per-user data folder)"
    )


def open_library(args: argparse.Namespace) -> Any:
    """The library named by ``--library``, else the per-user one."""
    from holdtrack.library import Library, default_library_dir

    return Library(args.library or default_library_dir())


def load_session(path: Path) -> Any:
    """Read a session file; CliError with the reader's one-line message when it is bad."""
    from holdtrack.sensing.session import SessionFormatError, read_session

    try:
        return read_session(path)
    except SessionFormatError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{path}: {_reason(exc)}") from exc


def check_output_path(out: Path) -> None:
    """CliError now, before any work, when ``out`` cannot be a session file to write."""
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise CliError(f"{out}: unknown output type {out.suffix!r}; use .csv or .parquet")
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"{out}: the folder {folder} does not exist")


def save_session(session: Any, out: Path) -> None:
    """Write a session by suffix; CliError with one line when it cannot be written."""
    from holdtrack.sensing.session import write_session

    check_output_path(out)
    try:
        write_session(session, out)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {_reason(exc)}") from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def run_until_interrupted(make: Any) -> Any:
    """Run the coroutine ``make(stop)``; Ctrl-C or SIGTERM set ``stop`` so it ends cleanly."""
    import asyncio
    import contextlib
    import signal

    async def main() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has none
                loop.add_signal_handler(sig, stop.set)
        return await make(stop)

    return asyncio.run(main())


def _reason(exc: OSError) -> str:
    """An OS error in the system's own few words."""
    from holdtrack.sensing.session.atomic import os_reason

    return os_reason(exc)
