"""``holdtrack analyze FILE``: the holds in one session, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from holdtrack.commands.base import (
    EXIT_OK,
    CliError,
    add_hold_target_option,
    load_session,
)

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Find the holds in a session (interchange CSV or .parquet recording). With --json, print "
    "one JSON object on stdout (see docs/analysis-json.md); logs go to stderr."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``analyze``."""
    p.add_argument("file", type=Path, metavar="FILE", help="session file (.csv or .parquet)")
    p.add_argument("--json", action="store_true", help="print the analysis as one JSON object")
    add_hold_target_option(p)


def run(args: argparse.Namespace) -> int:
    """Find the holds in one session file and report them."""
    from holdtrack.analysis import DEFAULT_HOLD_TARGET_S, session_process

    session = load_session(args.file)
    target = args.hold_target or DEFAULT_HOLD_TARGET_S
    try:
        result = session_process(session.samples, session.meta.sensor_kind, hold_target_s=target)
    except ValueError as exc:
        raise CliError(f"{args.file}: cannot analyse: {exc}") from exc
    for line in session.report.lines():  # what reading changed or left out is never silent
        log.warning("holdtrack: %s: %s", args.file, line)
    if args.json:
        obj = {**result.to_dict(), "input": session.report.to_dict()}
        sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")
        return EXIT_OK
    print(render_table(args.file.name, result, session.duration_s))
    return EXIT_OK


def render_table(name: str, result: Any, duration_s: float) -> str:
    """The readable analysis report: one row per hold, then the verdict."""
    from holdtrack.analysis.text import clock_text

    s = result.summary
    target = f">={s['hold_target_s']:g} s"
    lines = [
        f"{name}: {result.sensor_kind} session, {clock_text(duration_s, tenths=True)} long",
        "",
    ]
    if result.holds:
        lines.append(f"  #   start     duration  {target:>7}  steadiness  breaths/min")
        for i, h in enumerate(result.holds, 1):
            bpm = f"{h.breaths_per_min:.1f}" if h.breaths_per_min is not None else "-"
            lines.append(
                f"{i:3d}   {clock_text(h.start_s, tenths=True):>8}  "
                f"{clock_text(h.duration_s, tenths=True):>8}  "
                f"{'yes' if h.adherent else 'no':>7}  {h.steadiness:10.2f}  {bpm:>11}"
            )
    else:
        lines.append("  no holds of 10 s or more")
    t = s["time_in_state_s"]
    lines += [
        "",
        "  time: "
        + ", ".join(f"{k} {clock_text(v, tenths=True)}" for k, v in t.items())
        + (f"; data gaps {s['gap_s']:.1f} s" if s["gap_s"] else ""),
        "",
        f"Verdict: {s['verdict']}",
    ]
    return "\n".join(lines)
