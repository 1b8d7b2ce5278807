"""The live view's decisions for :mod:`.stream`: what each look at the last seconds announces.

Each look (``stream_tail.tail_read``) gives a state; these steps turn it into events: a hold
started, broke, reached its target; rolling; a new state once it has lasted ``STATE_KEEP_S``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from holdtrack.analysis.stream_tail import TailState

LIVE_WINDOW_S = 30.0  # the live view reads features of this much of the latest samples
RESYNC_S = 5.0  # the live hold restarts where the full detector puts it, if that is later
STATE_KEEP_S = 1.0  # a new live state must last this long before it is announced


@dataclass
class LiveHold:
    """A hold the live view announced: its estimated start, and end once it broke."""

    start_s: float
    end_s: float | None = None
    targeted: bool = False
    counted: bool = False
    moved: bool = False  # it broke because the ball moved away (not a lapse of the body signal)
    broken_at: float | None = None  # when the live view found it broken


class LiveSteps:
    """The live view's half of :class:`stream.HoldStream` (which sets these attributes)."""

    hold_target_s: float
    state: str
    _live: list[LiveHold]
    _now_s: float
    _pending: tuple[str, float] | None
    _idle_since: float | None
    _final_open_s: float | None
    _final_at: float
    _move_from_s: float | None

    def _open_live(self) -> LiveHold | None:
        """The live hold under way (announced and not broken), or None."""
        return self._live[-1] if self._live and self._live[-1].end_s is None else None

    def _tell_rolling(self, events: list[dict[str, Any]]) -> None:
        """Before a ``state`` event that announces rolling, put the ``rolling`` event, with
        the hold it broke within the last 10 s."""
        if not events or events[-1]["event"] != "state" or events[-1]["state"] != "rolling":
            return
        now = self._now_s
        broke = self._live[-1] if self._live else None
        recent = broke is not None and broke.broken_at is not None and now - broke.broken_at <= 10.0
        events.insert(
            len(events) - 1,
            {
                "event": "rolling",
                "t_s": now,
                "hold_start_s": round(broke.start_s, 2) if recent and broke else None,
            },
        )

    def _live_step(self, tail: TailState) -> list[dict[str, Any]]:
        """Announce what the last seconds show: hold start, rolling, state changes."""
        events: list[dict[str, Any]] = []
        now = self._now_s
        current = self._open_live()
        if current is None and tail.state == "hold" and tail.start_s is not None:
            current = self._reopened()
            if current is None:
                start = self._start_seen(tail.start_s)
                current = LiveHold(start_s=start)
                self._live.append(current)
                events.append({"event": "hold_start", "t_s": now, "start_s": round(start, 2)})
            events += self._announce("hold", now, at_once=True)
        elif current is not None and tail.stepped and tail.start_s is not None:
            events += self._resync_live(tail.start_s)  # a step it took for an adjustment
        elif current is not None and self._breaks(tail, now):
            # A move may have begun before the hold was announced (a pause in rolling taken
            # for a hold): then the hold ends where it began.
            current.end_s, current.moved = max(tail.since_s, current.start_s), tail.state != "idle"
            current.broken_at, self._move_from_s = now, tail.since_s
            events += self._announce(tail.state, now, at_once=True)
            current = None
        else:
            # A move that turns out to be rolling has waited for its own evidence.
            moving_on = tail.state == "rolling" and self.state == "reposition"
            events += self._announce(tail.state, now, at_once=moving_on)
        self._tell_rolling(events)
        return events

    def _target_reached(self) -> list[dict[str, Any]]:
        """The ``hold_target`` event once the live hold under way has lasted the target,
        checked with every chunk fed (not only at looks)."""
        current = self._open_live()
        if current is None or current.targeted:
            return []
        if self._now_s < current.start_s + self.hold_target_s:
            return []
        current.targeted = True
        return [
            {
                "event": "hold_target",
                "t_s": self._now_s,
                "start_s": round(current.start_s, 2),
                "target_s": self.hold_target_s,
            }
        ]

    def _resync_live(self, start_s: float) -> list[dict[str, Any]]:
        """The hold under way began at ``start_s``, later than the live view thought: a step to
        a new spot was taken for an adjustment (seen by the full detector, or by the settled
        step of the last seconds). The live hold starts anew."""
        current = self._open_live()
        if current is None:
            return []
        if start_s <= current.start_s + RESYNC_S:
            if not current.targeted and current.start_s - RESYNC_S <= start_s < current.start_s:
                current.start_s = start_s  # the same hold, found to have begun earlier
            return []
        current.end_s = start_s
        self._live.append(LiveHold(start_s=start_s))
        return [{"event": "hold_start", "t_s": self._now_s, "start_s": round(start_s, 2)}]

    def _start_seen(self, tail_start_s: float) -> float:
        """A new hold's start: where the last seconds put it, unless they show it going on
        since their beginning (a view joined mid-hold) and the full detector saw it start
        earlier."""
        at_edge = tail_start_s <= self._now_s - LIVE_WINDOW_S + 2.0
        final = self._final_open_s
        return final if at_edge and final is not None and final < tail_start_s else tail_start_s

    def _breaks(self, tail: TailState, now: float) -> bool:
        """Whether the hold under way ends: at once when the ball moves away; when the body's
        signal is gone, only once that has lasted ``STATE_KEEP_S`` (no flicker)."""
        if tail.state in ("hold", None):
            self._idle_since = None
            return False
        if tail.state != "idle":
            return True
        if self._idle_since is None:
            self._idle_since = now
        return now - self._idle_since >= STATE_KEEP_S

    def _reopened(self) -> LiveHold | None:
        """The last live hold, open again, if the full detector (run since it broke) still
        sees it going on: the live view missed the body's signal for a moment. Not after the
        ball moved away: the full detector sees a step to a new spot only seconds later."""
        prev = self._live[-1] if self._live else None
        final = self._final_open_s
        if prev is None or prev.end_s is None or prev.moved or final is None:
            return None
        if self._final_at < prev.end_s:
            return None
        if final > prev.start_s + RESYNC_S:
            return None
        prev.end_s = None
        return prev

    def _announce(self, state: str | None, now: float, at_once: bool) -> list[dict[str, Any]]:
        """A ``state`` event once a new state has lasted ``STATE_KEEP_S`` (at once for a hold
        starting or breaking, which have waited for their own evidence)."""
        if state is None:
            return []
        if state == self.state:
            self._pending = None
            return []
        if not at_once:
            if self._pending is None or self._pending[0] != state:
                self._pending = (state, now)
                return []
            if now - self._pending[1] < STATE_KEEP_S:
                return []
        self._pending = None
        self.state = state
        return [{"event": "state", "t_s": now, "state": state}]
