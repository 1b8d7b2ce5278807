"""Live feedback while recording: link state, sample rate, current state, hold timer, target cue.

On a terminal one status line is redrawn in place and events (connected, link lost, the 90 s
cue, a hold ending) get lines of their own; into a file or pipe the status line is printed
every ``every_s`` seconds instead, so logs stay readable.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from holdtrack.analysis.live import LiveState, state_now
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.analysis.text import clock_text
from holdtrack.sensing.recorder import Recorder, RecorderStatus

STATE_EVERY_S = 2.0  # how often the detector runs on the recent samples


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
    """Writes the recorder's progress to a terminal or a log."""

    def __init__(
        self,
        out: TextIO = sys.stderr,
        every_s: float = 10.0,
        hold_target_s: float = DEFAULT_HOLD_TARGET_S,
    ) -> None:
        self.out = out
        self.hold_target_s = hold_target_s
        self.tty = out.isatty()
        self.every_s = every_s
        self.live: LiveState | None = None
        self.cues = 0
        self._last_state_at = -1e9
        self._last_print = -1e9
        self._events_shown = 0
        self._cued = False
        self._drawn = False

    def event(self, text: str) -> None:
        """A line of its own (kept on screen)."""
        if self._drawn:
            self.out.write("\r\033[K")
            self._drawn = False
        self.out.write(text + "\n")
        self.out.flush()

    async def tick(self, recorder: Recorder) -> None:
        """Called by the recorder loop twice a second."""
        status = recorder.status
        for text in status.events[self._events_shown :]:
            self.event(text)
        self._events_shown = len(status.events)
        now = time.monotonic()
        # Every 2 s of session time (a faster replay checks more often), at most twice a second.
        if now - self._last_state_at >= max(0.5, STATE_EVERY_S / recorder.time_scale):
            self._last_state_at = now
            recent = recorder.recent()
            if recent is not None and len(recent) > 1:
                kind = recorder.journal.meta.sensor_kind if recorder.journal else None
                self.live = await asyncio.to_thread(state_now, recent, kind, self.hold_target_s)
                self._cue(self.live)
        line = status_line(status, self.live)
        if self.tty:
            self.out.write("\r\033[K" + line)
            self.out.flush()
            self._drawn = True
        elif now - self._last_print >= self.every_s:
            self._last_print = now
            self.event(line)

    def _cue(self, live: LiveState) -> None:
        if live.state == "hold" and live.cue and not self._cued:
            self._cued = True
            self.cues += 1
            bell = "\a" if self.tty else ""
            target = f"{live.hold_target_s:g} s"
            self.event(f"{bell}{target} reached: hold done, move the ball about an inch")
        elif live.state != "hold" and self._cued:
            self._cued = False

    def close(self) -> None:
        """End the status line."""
        if self._drawn:
            self.out.write("\n")
            self.out.flush()
            self._drawn = False
