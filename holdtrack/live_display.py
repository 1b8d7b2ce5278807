"""Live feedback while recording: link, rate, the state and hold timer, events and cues.

The recorder's new samples go to the live detector (:class:`HoldStream`) at every tick; its
events become lines of their own and eyes-free cues (:mod:`holdtrack.coaching`). On a terminal
one status line is redrawn in place; into a file or pipe it is printed every ``every_s``
seconds instead, so logs stay readable.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, TextIO

from holdtrack.analysis.live import LiveState
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.analysis.stream import HoldStream
from holdtrack.analysis.text import clock_text
from holdtrack.coaching.cues import Coach, Cue, cue_line, event_text
from holdtrack.coaching.player import CuePlayer
from holdtrack.sensing.recorder import Recorder, RecorderStatus


def status_line(status: RecorderStatus, live: LiveState | None) -> str:
    """One line: link, rate, samples, gaps, then the state and the hold timer."""
    parts = [
        status.link,
        f"{status.rate_hz:5.1f} Hz",
        f"{status.samples} samples",
        f"{clock_text(status.session_s)} recorded",
    ]
    if status.gaps:
        parts.append(f"{len(status.gaps)} gap{'s' if len(status.gaps) > 1 else ''}")
    if status.malformed:
        parts.append(f"{status.malformed} bad packets skipped")
    if live is not None:
        if live.state == "hold":
            mark = f" - {live.hold_target_s:g} s reached, move the ball" if live.cue else ""
            parts.append(f"HOLD {clock_text(live.hold_s)}{mark}")
        else:
            parts.append(live.state)
    return " | ".join(parts)


class LiveDisplay:
    """Writes the recorder's progress to a terminal or a log, and plays the cues."""

    def __init__(
        self,
        out: TextIO = sys.stderr,
        every_s: float = 10.0,
        hold_target_s: float = DEFAULT_HOLD_TARGET_S,
        coach: Coach | None = None,
        player: CuePlayer | None = None,
    ) -> None:
        self.out = out
        self.hold_target_s = hold_target_s
        self.tty = out.isatty()
        self.every_s = every_s
        self.coach = coach or Coach(hold_target_s)
        self.player = player or CuePlayer(mute=True)
        self.stream: HoldStream | None = None
        self.cues = 0  # holds that reached the target
        # Each cue, and when the first and the last samples the detector read for it arrived.
        self.cue_log: list[tuple[Cue, float, float]] = []
        self._fed = 0
        self._fed_arrival = float("-inf")
        self._last_print = -1e9
        self._events_shown = 0
        self._drawn = False

    def event(self, text: str) -> None:
        """A line of its own (kept on screen)."""
        if self._drawn:
            self.out.write("\r\033[K")
            self._drawn = False
        self.out.write(text + "\n")
        self.out.flush()

    async def tick(self, recorder: Recorder) -> None:
        """Called by the recorder loop: show its news, feed the live detector, redraw."""
        status = recorder.status
        for text in status.events[self._events_shown :]:
            self.event(text)
        self._events_shown = len(status.events)
        newest = recorder.last_arrival
        oldest = recorder.first_arrival_after(self._fed_arrival)
        self._fed, cols = recorder.samples_since(self._fed)
        if cols is not None and recorder.journal is not None:
            self._fed_arrival = newest
            if self.stream is None:
                self.stream = HoldStream(recorder.journal.meta.sensor_kind, self.hold_target_s)
            events = await asyncio.to_thread(self.stream.feed, cols)
            self._react(events, (oldest, newest))
        line = status_line(status, self.live)
        now = time.monotonic()
        if self.tty:
            self.out.write("\r\033[K" + line)
            self.out.flush()
            self._drawn = True
        elif now - self._last_print >= self.every_s:
            self._last_print = now
            self.event(line)

    @property
    def live(self) -> LiveState | None:
        """The state and hold timer the live detector shows now."""
        if self.stream is None or self.stream.now_s == float("-inf"):
            return None
        start = self.stream.hold_start_s
        hold_s = 0.0 if start is None else max(self.stream.now_s - start, 0.0)
        state = "hold" if start is not None else self.stream.state
        return LiveState(state, hold_s, self.cues, hold_target_s=self.hold_target_s)

    def _react(self, events: list[dict[str, Any]], arrival: tuple[float, float]) -> None:
        """Lines for the events, sounds for the cues."""
        assert self.stream is not None
        for e in events:
            if e["event"] == "hold_target":
                self.cues += 1
                bell = "\a" if self.tty and not self.player.audible else ""
                self.event(bell + event_text(e))
            elif e["event"] != "state":
                self.event(event_text(e))
        for cue in self.coach.update(events, self.stream.now_s):
            self.cue_log.append((cue, *arrival))
            self.player.play(cue)
            line = cue_line(cue)
            if line is not None:
                self.event(line)

    def close(self) -> None:
        """End the status line; let the last cue finish."""
        self.player.close()
        if self._drawn:
            self.out.write("\n")
            self.out.flush()
            self._drawn = False
