"""Per-frame states (hold, rolling, reposition, idle) from frame features.

The frames are cut into runs of stillness and movement (:mod:`holdtrack.analysis.runs`). Still
runs are holds when a body loads the ball and idle otherwise; movement runs are rolling when
long, and short ones are told apart by how far they take the ball: a reposition moves the
contact point more than about 1 cm, a micro-adjustment less (and stays part of its hold).
Context then settles what runs alone cannot, in a fixed order of passes (:data:`PASSES`): a
short pause between rolling strokes is rolling, a short move next to an idle ball is the ball
being put down or picked up, and data gaps of up to 5 s inside a hold do not split it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from holdtrack.analysis.clean import FRAME_S
from holdtrack.analysis.edges import departure, edges_refine
from holdtrack.analysis.features import Features
from holdtrack.analysis.runs import (
    Label,
    Run,
    later_steps,
    nearest_still,
    neighbours,
    runs_make,
    runs_merge,
)
from holdtrack.analysis.schema import MAX_BRIDGED_GAP_S, MIN_HOLD_S, STATES

# State codes: indices into STATES (not to be confused with the run labels of the same names).
IDLE, ROLLING, REPOSITION, HOLD = (
    STATES.index(s) for s in ("idle", "rolling", "reposition", "hold")
)
STATE_CODE: dict[Label, int] = {
    Label.HOLD: HOLD,
    Label.ROLLING: ROLLING,
    Label.REPOSITION: REPOSITION,
    Label.IDLE: IDLE,
}

MIN_HOLD_STILL = 0.6  # a hold is mostly still; mostly-moving stretches between rolling are rolling
MAX_SHORT_MOVE_S = 4.0  # longer movement (plus the feature's smoothing) is rolling
# A move that goes this many reposition distances out, even if it comes back, is a stroke (the
# last of slow rolling into a hold), never a micro-adjustment inside the hold.
SWING_GAIN = 1.5
IDLE_REMNANT_S = 5.0  # a loaded still run shorter than this beside an idle one is not a hold
IDLE_LIKE = frozenset({Label.STILL_IDLE, Label.CARRIED, Label.IDLE})

Pass = Callable[[list[Run], float], list[Run]]


def states_classify(feat: Features) -> tuple[np.ndarray, dict[str, Any]]:
    """Label every frame with a state code (index into ``STATES``).

    Returns the codes and info with the runs as finally labelled.
    """
    runs = runs_make(feat)
    fps = 1.0 / FRAME_S
    label_moves(runs, feat, fps)
    runs = _resolve(runs, fps)
    edges_refine(runs, feat)
    runs = pass_short_stretches_take_context(runs, fps)  # sharper edges can leave a hold short
    codes = np.empty(len(feat.t), dtype=np.int8)
    for r in runs:
        codes[r.a : r.b] = STATE_CODE[r.label]
    return codes, {"runs": runs}


def label_moves(runs: list[Run], feat: Features, fps: float) -> None:
    """Label move runs (in place): long ones rolling, short ones reposition or micro.

    A short move is a reposition when it displaces the ball by the kind's ``reposition_min``.
    For IMUs only the frames where the contact ranges widely count towards the length.
    """
    longest = (MAX_SHORT_MOVE_S + feat.params.motion_window_s) * fps
    for r in runs:
        if r.label != Label.MOVE:
            continue
        if move_frames(feat, r) > longest:
            r.label = Label.ROLLING
            continue
        r.label = Label.REPOSITION if displaces(feat, r) else Label.MICRO


def displaces(feat: Features, r: Run) -> bool:
    """Whether move run r takes the ball to a new spot: its net displacement reaches the kind's
    ``reposition_min``, or it swings ``SWING_GAIN`` times that far on the way, or (IMUs) the
    settled levels either side differ by ``settled_step_min_mm``, or a step made slowly
    reaches ``slow_step_min_mm``."""
    p = feat.params
    if feat.net_change(r.a, r.b) >= p.reposition_min:
        return True
    if r.b <= r.a:
        return False
    if swing(feat, r.a, r.b) >= SWING_GAIN * p.reposition_min:
        return True
    return any(float(step[r.a : r.b].max()) >= least for step, least in later_steps(feat))


def swing(feat: Features, a: int, b: int, span: int = 10) -> float:
    """Farthest frames [a, b) take the ball from where it rested just before them (median of
    ``span`` frames): mm of contact travel for IMUs, fraction of the load for load sensors."""
    rest = np.median(feat.path[max(a - span, 0) : max(a, 1)], axis=0)
    return float(departure(feat, rest, a, b).max())


def move_frames(feat: Features, r: Run) -> int:
    """How long run r moves: its frames, or (IMUs) only those where the contact ranges widely,
    since a step to a new spot is seen for a while around the step itself."""
    if feat.step is None:
        return r.frames
    return int((feat.motion[r.a : r.b] > feat.params.motion_on).sum())


def pass_quiet_between_loaded(runs: list[Run], fps: float) -> list[Run]:
    """A still-idle run under 10 s between loaded ones (only micro moves or gaps between) is
    loaded: a hold whose breathing was too brief to show."""
    for i, r in enumerate(runs):
        if r.label != Label.STILL_IDLE or r.frames >= MIN_HOLD_S * fps:
            continue
        before = nearest_still(runs, i, -1)
        after = nearest_still(runs, i, 1)
        if before == after == Label.STILL_LOADED:
            r.label = Label.STILL_LOADED
    return runs


def pass_remnant_beside_idle(runs: list[Run], fps: float) -> list[Run]:
    """A loaded still run under 5 s right beside a still-idle one is idle: the turn of setting
    the ball down or picking it up, not a hold."""
    for i, r in enumerate(runs):
        if r.label == Label.STILL_LOADED and r.frames < IDLE_REMNANT_S * fps:
            beside = [runs[j].label for j in (i - 1, i + 1) if 0 <= j < len(runs)]
            if Label.STILL_IDLE in beside:
                r.label = Label.STILL_IDLE
    return runs


def pass_micro_by_context(runs: list[Run], fps: float) -> list[Run]:
    """Micro moves join their hold, but are idle next to an idle ball and rolling next to rolling;
    still runs become hold or idle in the same sweep (micro moves read settled neighbours)."""
    for i, r in enumerate(runs):
        if r.label == Label.MICRO:
            p, n = neighbours(runs, i)
            if p in IDLE_LIKE or n in IDLE_LIKE:
                r.label = Label.IDLE
            elif p == Label.ROLLING or n == Label.ROLLING:
                r.label = Label.ROLLING
            else:
                r.label = Label.HOLD
        elif r.label == Label.STILL_LOADED:
            r.label = Label.HOLD
        elif r.label in (Label.STILL_IDLE, Label.CARRIED):
            r.label = Label.IDLE
    return runs


def gap_label(prev: Label | None, nxt: Label | None, frames: int, fps: float) -> Label:
    """The state a gap takes from its neighbours: theirs when they agree (for holds only up to
    5 s); otherwise the non-hold side, and idle between two holds it splits."""
    bridgeable = prev != Label.HOLD or frames <= MAX_BRIDGED_GAP_S * fps
    if prev == nxt and prev is not None and bridgeable:
        return prev
    if prev is None or nxt is None:
        return nxt or prev or Label.IDLE
    if prev == Label.HOLD and nxt == Label.HOLD:
        return Label.IDLE
    return prev if prev != Label.HOLD else nxt


def pass_bridge_gaps(runs: list[Run], fps: float) -> list[Run]:
    """Gaps are bridged inside a stretch of one state (holds: up to 5 s), else split it; then
    runs of one state are merged. A short dropout must not end a hold."""
    for i, r in enumerate(runs):
        if r.label == Label.GAP:
            r.label = gap_label(*neighbours(runs, i), r.frames, fps)
    return runs_merge(runs)


def rule_short_or_restless_hold(
    r: Run, prev: Label | None, nxt: Label | None, fps: float
) -> Label | None:
    """A hold under 10 s, or mostly moving beside rolling, is no hold: rolling beside rolling,
    else idle beside idle or at the session's ends, else rolling."""
    if r.label != Label.HOLD:
        return None
    short = r.frames < MIN_HOLD_S * fps
    restless = r.still < MIN_HOLD_STILL * r.frames and Label.ROLLING in (prev, nxt)
    if not (short or restless):
        return None
    if Label.ROLLING in (prev, nxt):
        return Label.ROLLING
    if Label.IDLE in (prev, nxt) or prev is None or nxt is None:
        return Label.IDLE
    return Label.ROLLING


def rule_pause_between_rolling(
    r: Run, prev: Label | None, nxt: Label | None, fps: float
) -> Label | None:
    """Idle under 10 s between rolling on both sides is rolling: a pause between strokes."""
    if r.label == Label.IDLE and r.frames < MIN_HOLD_S * fps and prev == nxt == Label.ROLLING:
        return Label.ROLLING
    return None


def rule_reposition_needs_two_holds(
    r: Run, prev: Label | None, nxt: Label | None, fps: float
) -> Label | None:
    """A reposition not between two holds is none: rolling beside rolling, else idle."""
    if r.label == Label.REPOSITION and not (prev == Label.HOLD and nxt == Label.HOLD):
        return Label.ROLLING if Label.ROLLING in (prev, nxt) else Label.IDLE
    return None


SHORT_STRETCH_RULES = (
    rule_short_or_restless_hold,
    rule_pause_between_rolling,
    rule_reposition_needs_two_holds,
)


def pass_short_stretches_take_context(runs: list[Run], fps: float) -> list[Run]:
    """Short stretches take their context (:data:`SHORT_STRETCH_RULES`), sweeping and merging
    until nothing changes, since each change can make a neighbour short or lone."""
    changed = True
    while changed:
        changed = False
        for i, r in enumerate(runs):
            prev, nxt = neighbours(runs, i)
            for rule in SHORT_STRETCH_RULES:
                new = rule(r, prev, nxt, fps)
                if new is not None:
                    r.label = new
                    changed = True
                    break
        if changed:
            runs = runs_merge(runs)
    return runs


PASSES: tuple[Pass, ...] = (
    pass_quiet_between_loaded,
    pass_remnant_beside_idle,
    pass_micro_by_context,
    pass_bridge_gaps,
    pass_short_stretches_take_context,
)


def _resolve(runs: list[Run], fps: float) -> list[Run]:
    """Turn provisional run labels into the four states, applying :data:`PASSES` in order."""
    for apply in PASSES:
        runs = apply(runs, fps)
    return runs
