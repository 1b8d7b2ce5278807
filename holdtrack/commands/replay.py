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
    add_cue_options,
    add_hold_target_option,
    cues_for,
    load_session,
    positive_float,
)

DESCRIPTION = (
    "Stream a session file (interchange CSV or .parquet recording) through the live detector "
    "at --speed times real time, printing what a person would have been told and when, and "
    "playing the cues they would have heard. With --events, print one JSON object per event "
    "per line (see docs/stream-events.md)."
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
    add_cue_options(p)
    p.add_argument(
        "--cues-wav",
        type=Path,
        metavar="WAV",
        help="also write every cue, at its time in the session, into this WAV file",
    )


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
    target_s = args.hold_target or DEFAULT_HOLD_TARGET_S
    stream = HoldStream(session.meta.sensor_kind, target_s)
    # As fast as possible, sounds would pile up: only the WAV file gets them.
    coach, player = cues_for(args, target_s, mute=args.speed == 0)
    said = []
    cuts = np.searchsorted(t, np.arange(t[0] + CHUNK_S, t[-1] + CHUNK_S, CHUNK_S), side="right")
    started, a = time.monotonic(), 0
    try:
        for b in [*np.unique(cuts).tolist(), len(t)]:
            if b <= a:
                continue
            if args.speed > 0:
                wait = (t[b - 1] - t[0]) / args.speed - (time.monotonic() - started)
                if wait > 0:
                    time.sleep(wait)
            events = stream.feed({k: v[a:b] for k, v in cols.items()})
            said += _tell(events, coach.update(events, stream.now_s), player, args.events)
            a = b
        events = stream.finish()
        said += _tell(events, coach.update(events, stream.now_s), player, args.events)
    finally:
        player.close()
    if args.cues_wav is not None:
        _write_track(args.cues_wav, said, float(t[0]), args.speak)
    if not args.events:
        n = len(stream.holds)
        reached = sum(h.adherent for h in stream.holds)
        print(f"{n} hold{'s' if n != 1 else ''}, {reached} reached the target")
    return EXIT_OK


def _tell(events: list[dict[str, Any]], cues: list[Any], player: Any, as_json: bool) -> list[Any]:
    """Show the events, play the cues (time cues also shown as text); return the cues."""
    from holdtrack.coaching.cues import cue_line

    _show(events, as_json)
    for cue in cues:
        player.play(cue)
        line = None if as_json else cue_line(cue)
        if line is not None:
            sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return cues


def _write_track(path: Path, cues: list[Any], start_s: float, speak: bool) -> None:
    """Every cue at its time in the file, as one WAV."""
    from holdtrack.coaching.player import cue_track
    from holdtrack.coaching.sound import RATE_HZ, wav_bytes

    try:
        path.write_bytes(wav_bytes(cue_track(cues, start_s, speak), RATE_HZ))
    except OSError as exc:
        raise CliError(f"replay: cannot write {path}: {exc.strerror or exc}") from exc


def _show(events: list[dict[str, Any]], as_json: bool) -> None:
    from holdtrack.coaching.cues import event_text

    for event in events:
        line = json.dumps(event, allow_nan=False) if as_json else event_text(event)
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
