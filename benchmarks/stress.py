"""Limits of hold detection: accuracy with each physical quantity pinned to its extremes, one at
a time and all together, on simulated sessions of the wide world.

Usage: python benchmarks/stress.py [--seeds N] [--quantity NAME ...] [--quick] [--jobs J]
       [--markdown FILE] [--json FILE]

Every row scores the same sessions (held-out seeds from 9_500_000, never used while tuning: N per
sensor kind, cycling through both setups and all scenarios) with some quantities pinned to one
value and the rest drawn from the wide world's ranges (simulation/world.py). The first row pins
nothing; the last rows pin every quantity of a group, then all of them, at its hardest extreme
(``KNOBS``). A value marked "beyond" lies outside the wide world's range. Scoring is
benchmarks/accuracy.py's: a detected hold matches a true one when overlap / union >= 0.5.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or imported

from benchmarks.accuracy import configs, evaluate_one, tables  # noqa: E402
from holdtrack.analysis import DETECTOR_VERSION  # noqa: E402
from holdtrack.simulation.config import SENSOR_KINDS  # noqa: E402
from holdtrack.simulation.world import QUANTITIES, WIDE  # noqa: E402

STRESS_FIRST_SEED = 9_500_000
SESSIONS_PER_KIND = 12  # each setup and scenario twice per sensor kind
KIND_NAMES = {
    "imu": "IMU (gyro)",
    "accel": "accelerometer",
    "force": "force",
    "pressure": "pressure",
}


@dataclass(frozen=True)
class Knob:
    """One quantity in the product's words, its hardest extreme and extra values to try."""

    label: str
    group: str  # "holding" (the body during a hold), "moving" (between holds), "equipment"
    hardest: float
    sweep: tuple[float, ...] = ()  # values besides the wide world's two extremes


# The hardest extreme of each quantity, and why it is the hardest.
KNOBS: dict[str, Knob] = {
    # Deep breaths move the contact point most, like the start of a stroke.
    "breath_depth_mm": Knob(
        "breathing depth, mm of contact travel per breath", "holding", 6.0, (1.0, 2.0, 4.0, 8.0)
    ),
    # Fast breaths turn and shake the ball fastest.
    "breath_rate_bpm": Knob("breathing rate, breaths/min", "holding", 30.0),
    "creep_mm": Knob("settling creep at the start of a hold, mm", "holding", 4.0, (8.0,)),
    "creep_tau_s": Knob("settling creep time constant, s", "holding", 3.0),  # fast: a jolt
    "sink_mm": Knob("sinking into tissue over a hold, mm", "holding", 3.0),
    "micro_per_min": Knob("micro-adjustments per minute", "holding", 4.0),
    "micro_mm": Knob("micro-adjustment size, mm", "holding", 4.0, (2.0, 6.0)),
    "micro_s": Knob("micro-adjustment duration, s", "holding", 0.3),  # fast: a jolt
    "sway_deg": Knob("postural sway of the ball, degrees RMS", "holding", 1.5, (3.0,)),
    "shake_mm": Knob("shake of the ball centre with the trunk, mm RMS", "holding", 0.6),
    # Short, slow strokes travel least per second, the most like a hold.
    "stroke_mm": Knob("rolling stroke, mm of contact travel", "moving", 20.0),
    "stroke_hz": Knob("rolling strokes per second", "moving", 0.05),
    # Small, slow changes between holds are the easiest to miss (two holds read as one).
    "reposition_mm": Knob("reposition, mm of contact travel", "moving", 10.0),
    "shift_mm": Knob("shift of posture between holds, mm", "moving", 10.0),
    "shift_s": Knob("shift of posture duration, s", "moving", 3.5),
    # A large ball turns least for a given contact travel, so moves between holds look smallest
    # (a small one is the harder for holds alone: breaths turn it most).
    "ball_radius_mm": Knob("ball radius, mm", "equipment", 60.0),
    "rate_hz": Knob("sample rate, Hz", "equipment", 10.0, (25.0, 50.0, 100.0)),
    "noise_gain": Knob("sensor noise, times a typical part", "equipment", 3.0, (6.0,)),
    "gyro_bias_dps": Knob("gyroscope bias, deg/s (IMU only)", "equipment", 3.0),
    "lever_mm": Knob(
        "sensor distance from the ball centre, mm (IMU, accelerometer)", "equipment", 25.0
    ),
}
GROUPS = {
    "holding": "holding (body)",
    "moving": "moving (between holds)",
    "equipment": "ball and sensor",
}


@dataclass(frozen=True)
class Row:
    """One row of the table: which quantity, the pinned-value cell, and the pins."""

    quantity: str
    value: str
    pins: dict[str, float] = field(default_factory=dict)


def values_of(name: str) -> list[float]:
    """A quantity's values to pin: the wide world's extremes and its sweep, ascending."""
    lo, hi = getattr(WIDE, name)
    return sorted({float(lo), float(hi), *KNOBS[name].sweep})


def value_cell(name: str, value: float) -> str:
    """A pinned value as the table shows it; "beyond" outside the wide world's range."""
    lo, hi = getattr(WIDE, name)
    return f"{value:g}" + (" (beyond)" if not lo <= value <= hi else "")


def hardest_pins(group: str | None = None) -> dict[str, float]:
    """Every quantity of ``group`` (all quantities when None) at its hardest extreme."""
    return {q: k.hardest for q, k in KNOBS.items() if group is None or k.group == group}


def rows_make(quantities: list[str] | None = None) -> list[Row]:
    """The table's rows: nothing pinned, each quantity's values, then the all-at-once rows.

    With ``quantities`` given, only their rows."""
    names = quantities or list(QUANTITIES)
    rows = [] if quantities else [Row("none", "wide world")]
    for q in names:
        rows += [Row(q, value_cell(q, v), {q: v}) for v in values_of(q)]
    if not quantities:
        rows += [Row("all at once", f"{GROUPS[g]} at hardest", hardest_pins(g)) for g in GROUPS]
        rows.append(Row("all at once", "everything at hardest", hardest_pins()))
    return rows


def rows_score(rows: list[Row], n_per_kind: int, jobs: int) -> list[list[dict[str, Any]]]:
    """Simulate, analyse and score each row's sessions (the same seeds in every row)."""
    cfgs = [configs(n_per_kind, STRESS_FIRST_SEED, "wide", r.pins) for r in rows]
    flat = [c for cs in cfgs for c in cs]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as ex:
            scored = list(ex.map(evaluate_one, flat, chunksize=4))
    else:
        scored = [evaluate_one(c) for c in flat]
    out, i = [], 0
    for cs in cfgs:
        out.append(scored[i : i + len(cs)])
        i += len(cs)
    return out


def lowest_of(scores: dict[str, float]) -> tuple[str, float]:
    """The lowest score and whose it is ("all" when every one is the same)."""
    name = min(scores, key=scores.__getitem__)
    return ("all" if len(set(scores.values())) == 1 else name), scores[name]


def row_summary(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Hold F1 and recall per sensor kind, the lowest F1 of a kind and setup, and the share of
    rolling seconds read as hold."""
    table = tables(sessions)
    recall = {kind: table[kind]["recall"] for kind in SENSOR_KINDS if kind in table}
    return {
        "f1": {kind: table[kind]["f1"] for kind in SENSOR_KINDS if kind in table},
        "recall": recall,
        "lowest_recall": lowest_of(recall),
        "lowest_f1": lowest_of({k: v["f1"] for k, v in table.items() if "/" in k}),
        "rolling_as_hold": table["all"]["rolling_labelled_hold"],
        "true_holds": table["all"]["true_holds"],
        "sessions": len(sessions),
    }


def quantity_cell(name: str) -> str:
    """The first cell of a quantity's rows: what it is and the wide world's range."""
    if name not in KNOBS:
        return name
    lo, hi = getattr(WIDE, name)
    return f"{KNOBS[name].label} (`{name}`, {lo:g} to {hi:g})"


def markdown(rows: list[Row], summaries: list[dict[str, Any]]) -> str:
    """One markdown table: rows grouped by quantity; hold F1 per sensor kind, then the lowest
    recall and F1 and rolling read as hold."""
    head = ["quantity", "pinned at", *(KIND_NAMES[k] for k in SENSOR_KINDS)]
    head += ["holds kept, lowest kind", "lowest F1, kind/setup", "rolling read as hold"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    last = None
    for row, s in zip(rows, summaries):
        first = quantity_cell(row.quantity) if row.quantity != last else ""
        last = row.quantity
        cells = [first, row.value, *(f"{s['f1'][k]:.3f}" for k in SENSOR_KINDS)]
        cells += [f"{s[key][1]:.3f} {s[key][0]}" for key in ("lowest_recall", "lowest_f1")]
        cells.append(f"{100 * s['rolling_as_hold']:.1f} %")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def caption(n_per_kind: int) -> str:
    """The line under the table: what every row scored, and which detector."""
    n = n_per_kind * len(SENSOR_KINDS)
    seed = f"{STRESS_FIRST_SEED:,}".replace(",", " ")
    return (
        f"Each row: the same {n} sessions ({n_per_kind} per sensor kind), seeds from {seed}; "
        f"detector version {DETECTOR_VERSION}.\n"
    )


def hardest_markdown() -> str:
    """The hardest extreme of every quantity, as the all-at-once rows pin them."""
    lines = ["| group | quantity | hardest |", "|---|---|---|"]
    for g in GROUPS:
        for q, k in KNOBS.items():
            if k.group == g:
                lines.append(f"| {GROUPS[g]} | {k.label} (`{q}`) | {k.hardest:g} |")
    return "\n".join(lines) + "\n"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] + " " + __doc__.splitlines()[1]
    )
    ap.add_argument(
        "--seeds",
        type=int,
        default=SESSIONS_PER_KIND,
        help=f"sessions per sensor kind in each row (default {SESSIONS_PER_KIND})",
    )
    ap.add_argument(
        "--quantity",
        action="append",
        choices=QUANTITIES,
        metavar="NAME",
        help="only this quantity's rows (repeatable); names: " + ", ".join(QUANTITIES),
    )
    ap.add_argument("--quick", action="store_true", help="one session per sensor kind per row")
    ap.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--markdown", type=Path, help="also write the table here")
    ap.add_argument("--json", type=Path, help="write every row's summary and sessions here")
    ap.add_argument("--hardest", action="store_true", help="print the hardest extremes and exit")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the stress benchmark and print its markdown table."""
    args = arguments(argv)
    if args.hardest:
        print(hardest_markdown(), end="")
        return 0
    n_per_kind = 1 if args.quick else args.seeds
    rows = rows_make(args.quantity)
    t0 = time.perf_counter()
    scored = rows_score(rows, n_per_kind, args.jobs)
    summaries = [row_summary(s) for s in scored]
    elapsed_s = time.perf_counter() - t0
    table = markdown(rows, summaries) + "\n" + caption(n_per_kind)
    print(table, end="")
    n = sum(len(s) for s in scored)
    print(f"\n{len(rows)} rows, {n} sessions: {elapsed_s:.0f} s on {args.jobs} processes")
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        out = [
            {"quantity": r.quantity, "value": r.value, "pins": r.pins, "summary": s, "sessions": sc}
            for r, s, sc in zip(rows, summaries, scored)
        ]
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
