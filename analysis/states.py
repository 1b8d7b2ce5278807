"""Per-frame states (hold, rolling, reposition, idle) from frame features.

The frames are cut into runs of stillness and movement. Still runs are holds when a body loads
the ball and idle otherwise; movement runs are rolling when long, and short ones are told apart
by how far they take the ball: a reposition moves the contact point more than about 1 cm,
a micro-adjustment less (and stays part of its hold). Context then settles what runs alone
cannot: a short pause between rolling strokes is rolling, a short move next to an idle ball is
the ball being put down or picked up, and data gaps of up to 5 s inside a hold do not split it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.clean import FRAME_S, runs_find
from analysis.features import Features

STATES = ("idle", "rolling", "reposition", "hold")
IDLE, ROLLING, REPOSITION, HOLD = range(4)

MIN_HOLD_S = 10.0  # SPEC: shorter holds are not reported
MIN_HOLD_STILL = 0.6  # a hold is mostly still; mostly-moving stretches between rolling are rolling
MAX_BRIDGED_GAP_S = 5.0  # SPEC: gaps up to 5 s inside a hold do not split it
MAX_SHORT_MOVE_S = 4.0  # longer movement (plus the feature's smoothing) is rolling
# SPEC: 1 cm of contact travel ~ 18 deg. An accelerometer sees only the tilt part of a turn, so a
# diagonal 1.5 cm move up a wall can show as little as ~13 deg; micro-adjustments stay < 14 deg.
REPOSITION_DEG = {"imu": 18.0, "accel": 14.0}
REPOSITION_LOAD_DIP = 0.22  # force / pressure: a reposition eases the load by > 22 %


@dataclass
class Run:
    """A run of frames [a, b) with its provisional label."""

    a: int
    b: int
    label: str  # still-loaded, still-idle, move, micro, reposition, rolling, carried, gap
    still: int = 0  # frames of stillness inside (kept through merges)

    @property
    def frames(self) -> int:
        """Length in frames."""
        return self.b - self.a


def runs_make(feat: Features) -> list[Run]:
    """Cut frames into still, move and gap runs (tiny blips absorbed)."""
    fps = 1.0 / FRAME_S
    moving = feat.motion > feat.motion_on
    moving = _fill_short(moving, True, 2)  # moves shorter than 0.2 s are noise
    # Stillness shorter than about half the feature window inside a move is part of the move.
    moving = _fill_short(moving, False, int((0.5 + feat.window_s / 2) * fps))
    label = np.where(moving, 1, 0)
    label[feat.gap] = 2
    runs: list[Run] = []
    n = len(label)
    edges = np.flatnonzero(np.diff(label)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [n]])
    for a, b in zip(starts.tolist(), ends.tolist()):
        kind = int(label[a])
        if kind == 2:
            runs.append(Run(a, b, "gap"))
        elif kind == 1:
            carried = float(feat.carried[a:b].mean()) > 0.5
            runs.append(Run(a, b, "carried" if carried else "move"))
        else:
            runs.append(Run(a, b, "still", still=b - a))
    # Loaded or idle: judged over stillness joined by short gaps, so a gap does not leave
    # a fragment too short to show its breathing.
    i = 0
    while i < len(runs):
        if runs[i].label != "still":
            i += 1
            continue
        j = i
        while (
            j + 2 < len(runs)
            and runs[j + 1].label == "gap"
            and runs[j + 1].frames <= MAX_BRIDGED_GAP_S * fps
            and runs[j + 2].label == "still"
        ):
            j += 2
        loaded = feat.body_evidence(runs[i].a, runs[j].b) > 1.0
        for r in runs[i : j + 1]:
            if r.label == "still":
                r.label = "still-loaded" if loaded else "still-idle"
        if loaded:
            _trim_idle_ends(runs, i, j, feat)
        i = j + 1
    return _split_marked(runs)


IDLE_END_EVIDENCE = 0.5  # local evidence this low is clearly an unloaded ball
IDLE_END_MIN_S = 3.0
IDLE_REMNANT_S = 5.0
IDLE_END_WINDOW_S = 2.0  # short, so the settling movement does not smear into the quiet part


def _trim_idle_ends(runs: list[Run], i: int, j: int, feat: Features) -> None:
    """Mark a clearly unloaded head or tail of a loaded still stretch (runs i..j) as idle.

    A ball can be loaded or released with too little movement to register; then the body's
    signal starting or stopping is the only sign, and it can only happen at the stretch's ends.
    Gap frames inside the stretch neither count as quiet nor break it.
    """
    a, b = runs[i].a, runs[j].b
    need = int(IDLE_END_MIN_S / FRAME_S)
    if b - a < need:
        return
    e = feat.body_series(a, b, IDLE_END_WINDOW_S)
    real = ~feat.gap[a:b]
    quiet = (e < IDLE_END_EVIDENCE) | ~real
    # Tail: the last loud real frame; everything after it is idle if enough of it is real.
    loud = np.flatnonzero(~quiet)
    if len(loud) == 0:
        return
    tail_from = a + int(loud[-1]) + 1
    head_to = a + int(loud[0])
    tail_idle = int(real[tail_from - a :].sum()) >= need
    head_idle = int(real[: head_to - a].sum()) >= need
    for r in runs[i : j + 1]:
        if r.label == "gap":
            continue
        if tail_idle and r.b > tail_from:
            r.split_at = max(tail_from, r.a)  # type: ignore[attr-defined]
            r.split_tail = True  # type: ignore[attr-defined]
        elif head_idle and r.a < head_to:
            r.split_at = min(head_to, r.b)  # type: ignore[attr-defined]
            r.split_tail = False  # type: ignore[attr-defined]


def _split_marked(runs: list[Run]) -> list[Run]:
    """Split runs marked by :func:`_trim_idle_ends` into a loaded and an idle part."""
    out: list[Run] = []
    for r in runs:
        k = getattr(r, "split_at", None)
        if k is None:
            out.append(r)
            continue
        if r.split_tail:  # type: ignore[attr-defined]
            parts = [Run(r.a, k, r.label, k - r.a), Run(k, r.b, "still-idle", r.b - k)]
        else:
            parts = [Run(r.a, k, "still-idle", k - r.a), Run(k, r.b, r.label, r.b - k)]
        out += [p for p in parts if p.b > p.a]
    return out


def _fill_short(mask: np.ndarray, value: bool, max_frames: int) -> np.ndarray:
    """Flip runs equal to ``value`` that are at most ``max_frames`` long."""
    out = mask.copy()
    for a, b in runs_find(mask == value):
        if b - a <= max_frames:
            out[a:b] = not value
    return out


def states_classify(feat: Features) -> tuple[np.ndarray, dict[str, Any]]:
    """Label every frame with a state code (index into ``STATES``).

    Returns the codes and info with the runs as finally labelled.
    """
    runs = runs_make(feat)
    fps = 1.0 / FRAME_S
    # Short moves: reposition or micro-adjustment by how far they take the ball.
    for r in runs:
        if r.label != "move":
            continue
        if r.frames > (MAX_SHORT_MOVE_S + feat.window_s) * fps:
            r.label = "rolling"
            continue
        net = feat.net_change(r.a, r.b)
        if feat.kind in REPOSITION_DEG:
            big = net >= REPOSITION_DEG[feat.kind]
        else:
            big = net >= REPOSITION_LOAD_DIP
        r.label = "reposition" if big else "micro"
    runs = _resolve(runs, fps)
    _refine_edges(runs, feat)
    codes = np.empty(len(feat.t), dtype=np.int8)
    final = {"hold": HOLD, "rolling": ROLLING, "reposition": REPOSITION, "idle": IDLE}
    for r in runs:
        codes[r.a : r.b] = final[r.label]
    return codes, {"runs": runs}


EDGE_SEARCH_S = 3.0
EDGE_REF_S = (1.5, 5.0)  # reference stretch, this far inside the provisional edge
EDGE_MARGIN = {"imu": 1.0, "accel": 0.7, "force": 0.03, "pressure": 0.03}


def _departure(feat: Features, ref: np.ndarray, a: int, b: int) -> np.ndarray:
    """How far frames [a, b) are from a reference position (degrees, or fraction of load)."""
    p = feat.path[a:b]
    if feat.kind == "accel":
        c = p @ ref / (np.linalg.norm(p, axis=1) * np.linalg.norm(ref) + 1e-12)
        return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))
    return np.linalg.norm(p - ref, axis=1)


def _first_exit(feat: Features, ref_a: int, ref_b: int, frames: np.ndarray) -> int | None:
    """The first of ``frames`` (in order) where the ball leaves the range of [ref_a, ref_b).

    The range is the reference stretch's own spread (breathing) with a margin. The reference
    lies just inside the edge, so slow load swings and sinking do not pose as movement.
    """
    ref = feat.path[ref_a:ref_b].mean(axis=0)
    band = _departure(feat, ref, ref_a, ref_b).max() * 1.2 + EDGE_MARGIN[feat.kind]
    if len(frames) == 0:
        return None
    lo, hi = int(frames.min()), int(frames.max()) + 1
    dep = _departure(feat, ref, lo, hi)[frames - lo]
    out = np.flatnonzero(dep > band)
    return int(frames[out[0]]) if len(out) else None


def _refine_edges(runs: list[Run], feat: Features) -> None:
    """Move each hold edge to where the ball first leaves the hold's own range of positions.

    The movement feature is smoothed over a second or more, which blurs edges; the position
    itself (gravity direction or load) changes sharply when movement starts. Not for IMUs with
    a gyroscope, whose own edges are sharp already (refining them measured worse).
    """
    if feat.kind == "imu":
        return
    fps = 1.0 / FRAME_S
    w = int(EDGE_SEARCH_S * fps)
    r0, r1 = (int(x * fps) for x in EDGE_REF_S)
    n = len(feat.t)
    for i, r in enumerate(runs):
        if r.label != "hold" or r.frames < 3 * w:
            continue
        if i + 1 < len(runs) and runs[i + 1].label != "gap":
            stop = min(r.b + w, runs[i + 1].b - 1, n)
            k = _first_exit(feat, r.b - r1, r.b - r0, np.arange(r.b - r0, stop))
            if k is not None:
                r.b = runs[i + 1].a = k
        if i > 0 and runs[i - 1].label != "gap":
            stop = max(r.a - w, runs[i - 1].a + 1, 0)
            k = _first_exit(feat, r.a + r0, r.a + r1, np.arange(r.a + r0 - 1, stop - 1, -1))
            if k is not None:
                r.a = runs[i - 1].b = k + 1


def _nearest_still(runs: list[Run], i: int, step: int) -> str | None:
    """Label of the nearest still run from i in direction step, across micro moves and gaps."""
    j = i + step
    while 0 <= j < len(runs):
        lab = runs[j].label
        if lab.startswith("still"):
            return lab
        if lab not in ("micro", "gap"):
            return None
        j += step
    return None


def _neighbours(runs: list[Run], i: int) -> tuple[str | None, str | None]:
    """Labels of the nearest non-gap runs before and after run i."""
    prev = next((runs[j].label for j in range(i - 1, -1, -1) if runs[j].label != "gap"), None)
    nxt = next((runs[j].label for j in range(i + 1, len(runs)) if runs[j].label != "gap"), None)
    return prev, nxt


def _resolve(runs: list[Run], fps: float) -> list[Run]:
    """Turn provisional run labels into the four states, using their context."""
    idle_like = {"still-idle", "carried", "idle"}
    # 0. A short quiet stretch between loaded ones, with only small moves or gaps between,
    #    is a hold whose breathing was too brief to show.
    for i, r in enumerate(runs):
        if r.label != "still-idle" or r.frames >= MIN_HOLD_S * fps:
            continue
        before = _nearest_still(runs, i, -1)
        after = _nearest_still(runs, i, 1)
        if before == after == "still-loaded":
            r.label = "still-loaded"
    # 0b. A short loaded remnant right beside a trimmed idle end is the turn of setting the
    #     ball down or picking it up, not a hold.
    for i, r in enumerate(runs):
        if r.label == "still-loaded" and r.frames < IDLE_REMNANT_S * fps:
            beside = [runs[j].label for j in (i - 1, i + 1) if 0 <= j < len(runs)]
            if "still-idle" in beside:
                r.label = "still-idle"
    # 1. Micro-adjustments between loaded stillness belong to the hold; next to an idle ball
    #    they are the ball being settled or released.
    for i, r in enumerate(runs):
        if r.label == "micro":
            p, n = _neighbours(runs, i)
            if p in idle_like or n in idle_like:
                r.label = "idle"
            elif p == "rolling" or n == "rolling":
                r.label = "rolling"
            else:
                r.label = "hold"
        elif r.label == "still-loaded":
            r.label = "hold"
        elif r.label in ("still-idle", "carried"):
            r.label = "idle"
    # 2. Gaps: bridged inside a stretch of one state when short enough; else split.
    for i, r in enumerate(runs):
        if r.label != "gap":
            continue
        p, n = _neighbours(runs, i)
        if p == n and p is not None and (p != "hold" or r.frames <= MAX_BRIDGED_GAP_S * fps):
            r.label = p
        elif p is None or n is None:
            r.label = n or p or "idle"
        else:
            r.label = "idle" if p == "hold" and n == "hold" else (p if p != "hold" else n)
    runs = _merge(runs)
    # 3. Short stretches of stillness take their context; short holds are not holds.
    changed = True
    while changed:
        changed = False
        for i, r in enumerate(runs):
            p, n = _neighbours(runs, i)
            short = r.frames < MIN_HOLD_S * fps
            restless = r.still < MIN_HOLD_STILL * r.frames and "rolling" in (p, n)
            if r.label == "hold" and (short or restless):
                r.label = (
                    "rolling"
                    if "rolling" in (p, n)
                    else "idle"
                    if "idle" in (p, n) or p is None or n is None
                    else "rolling"
                )
                changed = True
            elif r.label == "idle" and r.frames < MIN_HOLD_S * fps and p == n == "rolling":
                r.label = "rolling"
                changed = True
            elif r.label == "reposition" and not (p == "hold" and n == "hold"):
                r.label = "rolling" if "rolling" in (p, n) else "idle"
                changed = True
        if changed:
            runs = _merge(runs)
    return runs


def _merge(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs with the same label."""
    out: list[Run] = []
    for r in runs:
        if out and out[-1].label == r.label:
            out[-1] = Run(out[-1].a, r.b, r.label, out[-1].still + r.still)
        else:
            out.append(r)
    return out
