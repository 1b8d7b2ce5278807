"""What to tell a person lying on the ball, and when: cues from the live detector's events.

Each cue has a sound of its own (a short tone pattern you learn to tell apart without looking)
and a phrase that can be spoken. A hold under way also gets its elapsed time every 30 s and,
with a countdown, the seconds left before its target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from holdtrack.analysis.text import clock_text

PROGRESS_EVERY_S = 30.0  # a hold under way hears its time this often
COUNTDOWN_MARKS_S = (20.0, 10.0, 5.0, 4.0, 3.0, 2.0, 1.0)  # seconds left, said once each


@dataclass(frozen=True)
class Tone:
    """One beep: a pitch held for a moment."""

    freq_hz: float
    duration_s: float


@dataclass(frozen=True)
class Cue:
    """Something to tell the person: ``name`` picks its sound, ``phrase`` is what is said."""

    name: str
    phrase: str
    t_s: float  # stream time of the event behind it

    @property
    def tones(self) -> tuple[Tone, ...]:
        """The cue's sound."""
        return CUE_SOUNDS[self.name]


# Rising for good news, falling for a warning, one short tick for time passing.
CUE_SOUNDS: dict[str, tuple[Tone, ...]] = {
    "hold": (Tone(660.0, 0.12), Tone(880.0, 0.12)),
    "progress": (Tone(880.0, 0.08),),
    "countdown": (Tone(1320.0, 0.05),),
    "target": (Tone(784.0, 0.15), Tone(988.0, 0.15), Tone(1319.0, 0.35)),
    "rolling": (Tone(440.0, 0.25), Tone(311.0, 0.35)),
}


def seconds_text(seconds: float) -> str:
    """Words for a time as people count a hold: "30 seconds", "90 seconds", "2 minutes 30"."""
    s = int(round(seconds))
    if s < 120:
        return f"{s} second{'s' if s != 1 else ''}"
    m, s = divmod(s, 60)
    return f"{m} minutes {s}" if s else f"{m} minutes"


class Coach:
    """Turns events from :class:`~holdtrack.analysis.stream.HoldStream` into cues.

    ``update(events, now_s)`` is called after every feed with the stream's latest time; time
    cues come from ``now_s``, so they follow the data, not the computer's clock.
    """

    def __init__(
        self,
        hold_target_s: float = 90.0,
        countdown: bool = False,
        every_s: float = PROGRESS_EVERY_S,
    ) -> None:
        self.hold_target_s = hold_target_s
        self.countdown = countdown
        self.every_s = every_s
        self._start_s: float | None = None  # estimated start of the hold under way
        self._said: set[float] = set()  # elapsed or left marks already said for it

    def update(self, events: Iterable[dict[str, Any]], now_s: float) -> list[Cue]:
        """Cues for these events and for the time the hold under way has reached."""
        cues: list[Cue] = []
        for e in events:
            cue = self._for_event(e)
            if cue is not None:
                cues.append(cue)
        if self._start_s is not None:
            cue = self._time_cue(now_s)
            if cue is not None:
                cues.append(cue)
        return cues

    def _for_event(self, e: dict[str, Any]) -> Cue | None:
        kind, t = e["event"], float(e["t_s"])
        if kind == "hold_start":
            self._start_s = float(e["start_s"])
            # Marks already behind the announced hold are not said late.
            self._said = {m for m in self._marks() if m <= t - self._start_s}
            return Cue("hold", "hold", t)
        if kind == "hold_target":
            self._said |= set(self._marks())
            target = seconds_text(float(e["target_s"]))
            return Cue("target", f"{target}, move the ball an inch", t)
        if kind == "rolling":
            self._start_s = None
            return Cue("rolling", "you are rolling", t)
        if kind == "state" and e["state"] != "hold":
            self._start_s = None
        return None

    def _marks(self) -> list[float]:
        """Elapsed times (s into the hold) that get a cue before the target."""
        marks = []
        k = 1
        while k * self.every_s < self.hold_target_s:
            marks.append(k * self.every_s)
            k += 1
        if self.countdown:
            marks += [self.hold_target_s - left for left in COUNTDOWN_MARKS_S]
        return sorted(m for m in set(marks) if 0 < m < self.hold_target_s)

    def _time_cue(self, now_s: float) -> Cue | None:
        """The latest mark the hold under way has passed and not yet said (one at most)."""
        assert self._start_s is not None
        elapsed = now_s - self._start_s
        passed = [m for m in self._marks() if m <= elapsed and m not in self._said]
        if not passed:
            return None
        self._said |= set(passed)
        mark = passed[-1]
        left = self.hold_target_s - mark
        if self.countdown and left in COUNTDOWN_MARKS_S:
            return Cue("countdown", f"{left:g}", now_s)
        return Cue("progress", seconds_text(mark), now_s)


def event_text(event: dict[str, Any]) -> str:
    """One readable line for a live event, timed on the session's own clock (m:ss)."""
    at = clock_text(event["t_s"])
    kind = event["event"]
    if kind == "state":
        return f"{at}  {event['state']}"
    if kind == "hold_start":
        return f"{at}  hold started (settled at {clock_text(event['start_s'])})"
    if kind == "hold_target":
        return f"{at}  {event['target_s']:g} s reached: move the ball about an inch"
    if kind == "rolling":
        return f"{at}  rolling: that is not a hold"
    if not event["counted"]:
        return f"{at}  that was no hold ({clock_text(event['duration_s'])}, under 10 s or moving)"
    done = "reached the target" if event["adherent"] else "short of the target"
    return (
        f"{at}  hold {clock_text(event['start_s'])}-{clock_text(event['end_s'])}: "
        f"{clock_text(event['duration_s'])}, {done}, steadiness {event['steadiness']:.0%}"
    )


def cue_line(cue: Cue) -> str | None:
    """A line for a cue no event line already tells (the time cues), timed on the session's
    clock; None for the others."""
    if cue.name not in ("progress", "countdown"):
        return None
    return f"{clock_text(cue.t_s)}  {cue.phrase}"
