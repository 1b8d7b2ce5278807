"""What the last few seconds of features say, for the live view of :mod:`.stream`.

The batch rules look seconds ahead (a hold must last 10 s, stillness is judged over 6 s
windows); live coaching cannot wait for that. Here the ball is *moving* when its contact
ranges more than the kind's stillness threshold within the last second, *settled* when it
stayed within it for the last 2.5 s under load, and *rolling* once a move turns back on
itself, goes further than any step to a new spot, or lasts longer than one. A hold whose ball
has settled 9 s after a move is checked for a step to a new spot the looks took for an
adjustment, by the batch's settled-step rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from holdtrack.analysis.clean import FRAME_S, median, runs_find, window_range
from holdtrack.analysis.features import still_step
from holdtrack.analysis.kinds import SETTLED_FLANK_S, SETTLED_GAP_S, KindParams
from holdtrack.analysis.stream_frames import ImuView, still_frames

CONFIRM_S = 2.5  # settled under load this long: a hold has begun
# ... unless the ball was rolling: a stroke turns round slowly, so then it takes longer.
CONFIRM_ROLLING_S = 4.0
ROLLING_CONTEXT_S = 20.0  # rolling: moving for more than a share of this long before settling
ROLLING_SHARE = 0.3
MOVE_S = 1.0  # the contact ranges beyond stillness within this long: the ball moves
ROLLING_S = 3.0  # a move lasting this long is rolling, not a step to a new spot
# A step to a new spot goes one way: a move that comes back this far towards where it began
# (IMUs, mm, after going the reposition distance) or whose load rises this far above the held
# level and falls again (force, pressure) is a stroke turning round.
TURN_BACK_MM = 8.0
TURN_LOAD = 0.12
ROLLING_MM = 60.0  # IMUs: further than this from the spot in one move is no reposition
SMALL_MOVE_S = 4.0  # inside a hold, a shorter move that stays near the spot is an adjustment
# Load sensors: a settled load stays within this share of its level (breathing in a hold
# spans under 0.11 in 95 % of 2.5 s stretches; rolling over 0.19 in 95 %).
LOAD_SETTLED_RANGE = 0.15
ANCHOR_S = 3.0  # the spot a move starts from: the mean over this long before it
# A hold's ball that moved (its motion feature above the kind's threshold) more than this share
# of the last MOVING_SHARE_S has left the hold, however settled it looks between strokes.
MOVING_SHARE_S = 10.0
MOVING_SHARE = 0.6
LOADED_S = 4.0  # body evidence is read over this long
LOADED_OFF_S = 15.0  # a hold ends unloaded only when the body evidence is gone this long
LOOK_BACK_S = 30.0  # how far back the start of a settled stretch is traced
# A hold under way whose ball has stayed settled this long (a band, so that a look falls in
# it) since a move: the move is checked for a step to a new spot, as the batch's settled-step
# rule checks it (the still ball's means over SETTLED_FLANK_S either side).
STEP_CHECK_S = (9.0, 11.0)
STEP_BEFORE_S = 3.0  # ... a step that ended at most this long before the settled stretch


class Features(Protocol):
    """What the live view reads of the latest frames: :class:`features.Features` has it, and
    so has the live view's own :class:`stream_frames.ImuView`."""

    @property
    def t(self) -> np.ndarray: ...
    @property
    def path(self) -> np.ndarray: ...
    @property
    def motion(self) -> np.ndarray: ...
    @property
    def carried(self) -> np.ndarray: ...
    @property
    def params(self) -> KindParams: ...
    def body_series(self, a: int, b: int) -> np.ndarray: ...


@dataclass(frozen=True)
class TailState:
    """The live state (None: not yet clear), since when, and for a hold its estimated start
    (``stepped``: the ball reached this spot by a step from another, which a hold under way
    may have taken for an adjustment)."""

    state: str | None
    since_s: float
    start_s: float | None = None
    stepped: bool = False


def tail_read(
    feat: Features,
    held_from_s: float | None = None,
    move_from_s: float | None = None,
    loaded: bool | None = None,
) -> TailState:
    """The state at the end of ``feat``; ``held_from_s``: a hold is under way since then, which
    a still ball keeps until the body's signal has been gone for ``LOADED_OFF_S``;
    ``move_from_s``: when the move under way left the spot last held (so pauses at a stroke's
    turns do not hide it); ``loaded``: whether a body loads the ball, if known (else read from
    the body signal)."""
    holding = held_from_s is not None
    n = len(feat.t)
    end_s = float(feat.t[-1] + FRAME_S / 2) if n else 0.0
    confirm = int(round(CONFIRM_S / FRAME_S))
    if n < confirm:
        return TailState(None, end_s)
    settled_frames = _settled_frames(feat, int(round(LOOK_BACK_S / FRAME_S)))
    move = int(round(MOVE_S / FRAME_S))
    body_frames = int(round((LOADED_OFF_S if holding else LOADED_S) / FRAME_S))
    if settled_frames < move:
        return _moving_state(feat, end_s, holding, body_frames, move_from_s, still=settled_frames)
    if loaded is None:
        loaded = _loaded(feat, body_frames)
        if loaded and not holding:
            # Loaded over the whole settled stretch, not just its last seconds: a ball that
            # lay idle and is now being picked up or pushed off is no hold.
            loaded = _loaded(feat, settled_frames)
    if holding and settled_frames < confirm:
        # Still within every second, but not for long: a slow move. A hold whose ball has not
        # stayed settled for CONFIRM_S in SMALL_MOVE_S is moving, however slowly.
        unsettled = _moving_frames(feat, CONFIRM_S)
        if unsettled * FRAME_S >= SMALL_MOVE_S:
            return _moving_state(feat, end_s, holding, body_frames, move_from_s, unsettled)
    held_s = end_s - held_from_s if held_from_s is not None else 0.0
    load = not feat.params.is_motion_sensor
    if load and held_s >= MOVING_SHARE_S and settled_frames * FRAME_S < MOVING_SHARE_S:
        # Slow strokes pause at their turns long enough to look settled: a hold whose load
        # changed (by the batch's measure) most of the last seconds has been left.
        moving = _moving_by_motion(feat)
        if moving is not None:  # since the hold began, at most
            moving = min(moving, int(round(held_s / FRAME_S)))
            return _moving_state(feat, end_s, holding, body_frames, move_from_s, moving)
    if not loaded:
        return TailState("idle" if settled_frames >= confirm else None, end_s)
    longest = int(round(max(CONFIRM_S, CONFIRM_ROLLING_S) / FRAME_S))
    if settled_frames < longest and settled_frames < _confirm_frames(feat, settled_frames):
        return TailState(None, end_s)
    start_s = end_s - settled_frames * FRAME_S
    lo, hi = (int(round(s / FRAME_S)) for s in STEP_CHECK_S)
    stepped = holding and lo <= settled_frames < hi and _stepped(feat, settled_frames)
    return TailState("hold", start_s, start_s, stepped)


def _moving_state(
    feat: Features,
    end_s: float,
    holding: bool,
    body_frames: int,
    move_from_s: float | None,
    moving: int | None = None,
    still: int = 0,
) -> TailState:
    """What a moving ball is doing (moving for the last ``moving`` frames, unless given: since
    its last still second; the last ``still`` of them it has stayed still): carried or set
    down (idle), adjusting within a hold, rolling, or stepping to a new spot (reposition). A
    load sensor is set down when its load is gone over the last ``body_frames``."""
    move = int(round(MOVE_S / FRAME_S))
    if moving is None:
        moving = _moving_frames(feat)
        if holding:  # a hold's spot is where the ball last stayed settled, not a pause since
            moving = max(moving, _moving_frames(feat, CONFIRM_S))
    moving_since = end_s - moving * FRAME_S
    if feat.params.detects_carried and float(feat.carried[-move:].mean()) > 0.5:
        return TailState("idle", moving_since)
    if not feat.params.is_motion_sensor and not _loaded(feat, body_frames):
        return TailState("idle", moving_since)
    if (
        holding
        and moving * FRAME_S < SMALL_MOVE_S
        and _displacement(feat, moving) < (feat.params.reposition_min)
    ):
        return TailState("hold", moving_since)  # a small adjustment: the hold goes on
    if move_from_s is not None and move_from_s < moving_since:
        moving = min(int(round((end_s - move_from_s) / FRAME_S)), len(feat.t) - 1)
    # A move lasting ROLLING_S is rolling; the time the ball has since stayed still is no move.
    lasting = (moving - still) * FRAME_S >= ROLLING_S
    rolling = lasting or _was_rolling(feat, moving) or _strokes(feat, moving)
    return TailState("rolling" if rolling else "reposition", moving_since)


def _confirm_frames(feat: Features, settled: int) -> int:
    """Frames of settling that confirm a hold: more when the ball was rolling before."""
    rolling = _was_rolling(feat, settled)
    return int(round((CONFIRM_ROLLING_S if rolling else CONFIRM_S) / FRAME_S))


def _was_rolling(feat: Features, last: int) -> bool:
    """Whether the ball moved much of the ``ROLLING_CONTEXT_S`` before the last ``last``
    frames: a move after a short pause in rolling is more rolling."""
    n = len(feat.t)
    context = int(round(ROLLING_CONTEXT_S / FRAME_S))
    before = feat.motion[max(n - last - context, 0) : max(n - last, 0)]
    return bool(len(before)) and float((before > feat.params.motion_on).mean()) > ROLLING_SHARE


def _strokes(feat: Features, moving: int) -> bool:
    """Whether the last ``moving`` frames look like strokes rather than one step to a new spot:
    the contact turned back or went too far (IMUs); the load rose and fell again (load)."""
    n = len(feat.t)
    a = max(n - moving, 1)
    anchor = feat.path[max(a - int(round(ANCHOR_S / FRAME_S)), 0) : a].mean(axis=0)
    if not feat.params.is_motion_sensor:
        rel = feat.path[a:, 0] - anchor[0]
        if len(rel) == 0:
            return False
        peak = int(np.argmax(rel))
        return bool(rel[peak] >= TURN_LOAD and rel[peak] - rel[peak:].min() >= TURN_LOAD)
    dist = np.sqrt(((feat.path[a:] - anchor) ** 2).sum(axis=1))
    if len(dist) == 0:
        return False
    far = float(dist.max())
    back = far - float(dist[int(np.argmax(dist)) :].min())
    return far >= ROLLING_MM or (far >= feat.params.reposition_min and back >= TURN_BACK_MM)


def _stepped(feat: Features, settled: int) -> bool:
    """Whether the ball reached the spot it has stayed settled on for the last ``settled``
    frames by a step: the batch's settled step (IMUs) just before those frames exceeds the
    kind's least step."""
    least = feat.params.settled_step_min_mm
    if not feat.params.is_motion_sensor or least is None:
        return False
    step = still_step(feat.path, feat.motion, feat.params.motion_on, SETTLED_FLANK_S, SETTLED_GAP_S)
    a = len(feat.t) - settled
    return bool(step[max(a - int(round(STEP_BEFORE_S / FRAME_S)), 0) : a + 1].max() > least)


def _settled_frames(feat: Features, most: int) -> int:
    """How many of the last frames (up to ``most``) the contact (or load) stays still over:
    within the kind's stillness range (IMUs, mm) or ``LOAD_SETTLED_RANGE`` of the load."""
    if isinstance(feat, ImuView):
        return feat.settled_frames(most)  # carried on from look to look
    return still_frames(feat.path, most, _still_range(feat))


def _still_range(feat: Features) -> float:
    return feat.params.motion_on if feat.params.is_motion_sensor else LOAD_SETTLED_RANGE


def _moving_frames(feat: Features, spell_s: float = MOVE_S) -> int:
    """How long the ball has been moving up to the end, in frames: since the end of the last
    ``spell_s`` spell it stayed still over (shorter still spells are part of the move)."""
    move = int(round(spell_s / FRAME_S))
    last = min(len(feat.t), int(round(LOOK_BACK_S / FRAME_S)))
    if last <= move:
        return last
    whole = last - move + 1  # windows of ``move`` frames the end does not cut short
    spread = np.sqrt((window_range(feat.path[-last:], move)[:whole] ** 2).sum(axis=1))
    still = np.flatnonzero(spread <= _still_range(feat))
    return last - int(still[-1]) - move if len(still) else last


def _moving_by_motion(feat: Features) -> int | None:
    """Frames since the ball began moving, if its motion feature was above the kind's threshold
    for more than ``MOVING_SHARE`` of the last ``MOVING_SHARE_S`` and it has not been still for
    ``CONFIRM_S`` since (else None): since the end of the last such still spell."""
    span = int(round(MOVING_SHARE_S / FRAME_S))
    moving = feat.motion[-int(round(LOOK_BACK_S / FRAME_S)) :] > feat.params.motion_on
    if len(moving) < span or float(moving[-span:].mean()) <= MOVING_SHARE:
        return None
    quiet = int(round(CONFIRM_S / FRAME_S))
    ends = [b for a, b in runs_find(~moving) if b - a >= quiet]
    if ends and ends[-1] == len(moving):
        return None  # still again
    return len(moving) - ends[-1] if ends else len(moving)


def _displacement(feat: Features, moving: int) -> float:
    """How far the last ``moving`` frames took the ball from where it was before them, at
    most: contact travel in mm (IMUs) or a fraction of the load (force, pressure)."""
    n = len(feat.t)
    a = max(n - moving, 1)
    anchor = feat.path[max(a - int(round(ANCHOR_S / FRAME_S)), 0) : a].mean(axis=0)
    return float(np.sqrt(((feat.path[a:] - anchor) ** 2).sum(axis=1)).max(initial=0.0))


def _loaded(feat: Features, frames: int) -> bool:
    """Whether a body loads the ball over the last ``frames``: breathing and tremor for IMUs,
    the load itself for force and pressure sensors."""
    n = len(feat.t)
    a = max(n - frames, 0)
    return bool(median(feat.body_series(a, n)) > 1.0)
