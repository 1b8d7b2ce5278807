"""Runs: the frames cut into stretches of stillness, movement and data gaps, with labels.

A run carries a provisional :class:`Label` (still and loaded, a short move, a gap, ...) that
the context passes in :mod:`holdtrack.analysis.states` settle into the four reported states.
Still runs are judged loaded or idle here, over stillness joined across short gaps, and a
clearly unloaded head or tail of a loaded stretch is split off as idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from holdtrack.analysis.clean import FRAME_S, runs_find
from holdtrack.analysis.features import Features
from holdtrack.analysis.schema import MAX_BRIDGED_GAP_S


class Label(StrEnum):
    """Provisional run labels; the last four are also the final states."""

    STILL = "still"  # not yet judged loaded or idle
    STILL_LOADED = "still-loaded"
    STILL_IDLE = "still-idle"
    MOVE = "move"  # not yet judged by length and displacement
    MICRO = "micro"  # a small move: part of its hold, or of the ball being set down
    CARRIED = "carried"  # moving in the hand, not on the floor or wall
    GAP = "gap"  # no data
    REPOSITION = "reposition"
    ROLLING = "rolling"
    HOLD = "hold"
    IDLE = "idle"


STILL_LABELS = frozenset({Label.STILL, Label.STILL_LOADED, Label.STILL_IDLE})

MIN_MOVE_FRAMES = 2  # moves this short (0.2 s) or shorter are noise
# Stillness inside a move shorter than this plus half the motion window is part of the move.
MIN_PAUSE_S = 0.5
IDLE_END_EVIDENCE = 0.5  # local evidence this low is clearly an unloaded ball
IDLE_END_MIN_S = 3.0
IDLE_END_WINDOW_S = 2.0  # short, so the settling movement does not smear into the quiet part

# Frame kinds while cutting runs.
_STILL, _MOVING, _GAP = 0, 1, 2


@dataclass
class Run:
    """A run of frames [a, b) with its provisional label."""

    a: int
    b: int
    label: Label
    still: int = 0  # frames of stillness inside (kept through merges)
    split_at: int | None = None  # frame where a clearly idle head or tail begins or ends
    split_tail: bool = False  # the idle part is the tail [split_at, b), else the head

    @property
    def frames(self) -> int:
        """Length in frames."""
        return self.b - self.a


def runs_make(feat: Features) -> list[Run]:
    """Cut frames into still, move and gap runs; still runs judged loaded or idle."""
    runs = runs_cut(feat)
    runs_judge_loaded(runs, feat)
    return _split_marked(runs)


def later_steps(feat: Features) -> list[tuple[np.ndarray, float]]:
    """The IMU steps read besides the 4 s one (settled, slow), each with the least that makes a
    reposition; only those the kind has."""
    p = feat.params
    pairs = ((feat.settled_step, p.settled_step_min_mm), (feat.slow_step, p.slow_step_min_mm))
    return [(step, least) for step, least in pairs if step is not None and least is not None]


def runs_cut(feat: Features) -> list[Run]:
    """Cut frames into still, move (or carried) and gap runs, tiny blips absorbed."""
    fps = 1.0 / FRAME_S
    moving = feat.motion > feat.params.motion_on
    if feat.step is not None:
        moving |= feat.step > feat.params.reposition_min
    for step, least in later_steps(feat):
        moving |= step > least
    moving = fill_short(moving, True, MIN_MOVE_FRAMES)
    # Stillness shorter than about half the feature window inside a move is part of the move.
    moving = fill_short(moving, False, int((MIN_PAUSE_S + feat.params.motion_window_s / 2) * fps))
    frame_kind = np.where(moving, _MOVING, _STILL)
    frame_kind[feat.gap] = _GAP
    runs: list[Run] = []
    n = len(frame_kind)
    edges = np.flatnonzero(np.diff(frame_kind)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [n]])
    for a, b in zip(starts.tolist(), ends.tolist()):
        what = int(frame_kind[a])
        if what == _GAP:
            runs.append(Run(a, b, Label.GAP))
        elif what == _MOVING:
            carried = float(feat.carried[a:b].mean()) > 0.5
            runs.append(Run(a, b, Label.CARRIED if carried else Label.MOVE))
        else:
            runs.append(Run(a, b, Label.STILL, still=b - a))
    return runs


def runs_judge_loaded(runs: list[Run], feat: Features) -> None:
    """Label still runs loaded or idle, judged over stillness joined by short gaps.

    Joining keeps a gap from leaving a fragment too short to show its breathing. A loaded
    stretch's clearly unloaded ends are marked for splitting (see :func:`_trim_idle_ends`).
    """
    fps = 1.0 / FRAME_S
    i = 0
    while i < len(runs):
        if runs[i].label != Label.STILL:
            i += 1
            continue
        j = i
        while (
            j + 2 < len(runs)
            and runs[j + 1].label == Label.GAP
            and runs[j + 1].frames <= MAX_BRIDGED_GAP_S * fps
            and runs[j + 2].label == Label.STILL
        ):
            j += 2
        loaded = feat.body_evidence(runs[i].a, runs[j].b) > 1.0
        for r in runs[i : j + 1]:
            if r.label == Label.STILL:
                r.label = Label.STILL_LOADED if loaded else Label.STILL_IDLE
        if loaded:
            _trim_idle_ends(runs, i, j, feat)
        i = j + 1


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
        if r.label == Label.GAP:
            continue
        if tail_idle and r.b > tail_from:
            r.split_at = max(tail_from, r.a)
            r.split_tail = True
        elif head_idle and r.a < head_to:
            r.split_at = min(head_to, r.b)
            r.split_tail = False


def _split_marked(runs: list[Run]) -> list[Run]:
    """Split runs marked by :func:`_trim_idle_ends` into a loaded and an idle part."""
    out: list[Run] = []
    for r in runs:
        k = r.split_at
        if k is None:
            out.append(r)
            continue
        if r.split_tail:
            parts = [Run(r.a, k, r.label, k - r.a), Run(k, r.b, Label.STILL_IDLE, r.b - k)]
        else:
            parts = [Run(r.a, k, Label.STILL_IDLE, k - r.a), Run(k, r.b, r.label, r.b - k)]
        out += [p for p in parts if p.b > p.a]
    return out


def fill_short(mask: np.ndarray, value: bool, max_frames: int) -> np.ndarray:
    """Flip runs equal to ``value`` that are at most ``max_frames`` long."""
    out = mask.copy()
    for a, b in runs_find(mask == value):
        if b - a <= max_frames:
            out[a:b] = not value
    return out


def runs_merge(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs with the same label (their stillness adds up)."""
    out: list[Run] = []
    for r in runs:
        if out and out[-1].label == r.label:
            out[-1] = Run(out[-1].a, r.b, r.label, out[-1].still + r.still)
        else:
            out.append(r)
    return out


def nearest_still(runs: list[Run], i: int, step: int) -> Label | None:
    """Label of the nearest still run from i in direction step, across micro moves and gaps."""
    j = i + step
    while 0 <= j < len(runs):
        lab = runs[j].label
        if lab in STILL_LABELS:
            return lab
        if lab not in (Label.MICRO, Label.GAP):
            return None
        j += step
    return None


def neighbours(runs: list[Run], i: int) -> tuple[Label | None, Label | None]:
    """Labels of the nearest non-gap runs before and after run i."""
    prev = next((runs[j].label for j in range(i - 1, -1, -1) if runs[j].label != Label.GAP), None)
    nxt = next((runs[j].label for j in range(i + 1, len(runs)) if runs[j].label != Label.GAP), None)
    return prev, nxt
