"""``holdtrack replay FILE``: a recording streamed through the live detector, as it happened."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from holdtrack.commands.base import (
    EXIT_OK,
    CliError,
    add_hold_target_option,
    load_session,
    positive_float,
)

DESCRIPTION = (
    "Stream a session file (interchange CSV or .parquet recording) through the live detector "
    "at --speed times real time, printing what a person would have been told and when. With "
    "--events, print one JSON object per event per line (see docs/stream-events.md)."
)
CHUNK_S = 0.1  # file time fed at once, like a sensor's radio packets


def _speed(text: str) -> float:
    """argparse type: 0 (as fast as the computer can) or a positive factor."""
    return 0.0 if text.strip() in ("0", "0.0") else positive_float(text)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``replay``."""
    p.add_argument("file", type=Path, metavar="FILE", help="session file (.csv or .parquet)")
    p.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="N",
        help="times real time (default 1; 0: as fast as possible)",
    )
    p.add_argument("--events", action="store_true", help="print events as JSON lines")
    add_hold_target_option(p)


def run(args: argparse.Namespace) -> int:
    """Feed the file to the live detector in packet-sized chunks, paced by its own times."""
    import numpy as np

    from holdtrack.analysis import DEFAULT_HOLD_TARGET_S
    from holdtrack.analysis.stream import HoldStream

    session = load_session(args.file)
    cols = {k: np.asarray(v) for k, v in session.samples.items()}
    t = cols["time_s"].astype(np.float64)
    if len(t) < 2:
        raise CliError(f"{args.file}: cannot replay: a session needs at least 2 samples")
    stream = HoldStream(session.meta.sensor_kind, args.hold_target or DEFAULT_HOLD_TARGET_S)
    cuts = np.searchsorted(t, np.arange(t[0] + CHUNK_S, t[-1] + CHUNK_S, CHUNK_S), side="right")
    started, a = time.monotonic(), 0
    for b in [*np.unique(cuts).tolist(), len(t)]:
        if b <= a:
            continue
        if args.speed > 0:
            wait = (t[b - 1] - t[0]) / args.speed - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
        _show(stream.feed({k: v[a:b] for k, v in cols.items()}), args.events)
        a = b
    _show(stream.finish(), args.events)
    if not args.events:
        n = len(stream.holds)
        reached = sum(h.adherent for h in stream.holds)
        print(f"{n} hold{'s' if n != 1 else ''}, {reached} reached the target")
    return EXIT_OK


def _show(events: list[dict[str, Any]], as_json: bool) -> None:
    for event in events:
        line = json.dumps(event, allow_nan=False) if as_json else event_text(event)
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


def event_text(event: dict[str, Any]) -> str:
    """One readable line for an event, timed on the file's own clock (m:ss)."""
    from holdtrack.analysis.text import clock_text

    at = clock_text(event["t_s"])
    kind = event["event"]
    if kind == "state":
        return f"{at}  {event['state']}"
    if kind == "hold_start":
        return f"{at}  hold started (settled at {clock_text(event['start_s'])})"
    if kind == "hold_target":
        return f"{at}  {event['target_s']:g} s reached: move the ball about an inch"
    if kind == "rolling":
        return f"{at}  rolling: that is not a hold"
    if not event["counted"]:
        return f"{at}  that was no hold ({clock_text(event['duration_s'])}, under 10 s or moving)"
    done = "reached the target" if event["adherent"] else "short of the target"
    return (
        f"{at}  hold {clock_text(event['start_s'])}-{clock_text(event['end_s'])}: "
        f"{clock_text(event['duration_s'])}, {done}, steadiness {event['steadiness']:.0%}"
    )
