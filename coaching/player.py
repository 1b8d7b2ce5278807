"""Cues through the machine's audio output (sounddevice over PortAudio), off the caller's thread.

Without PortAudio or an output device the player says so once and carries on silently: the
caller still shows every cue as text. Cues play one after another; one that waited longer than
``STALE_S`` behind others is dropped, since a late "hold" misleads more than silence.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable

import numpy as np

from holdtrack.coaching.cues import Cue
from holdtrack.coaching.sound import RATE_HZ, cue_render

STALE_S = 3.0

Sink = Callable[[np.ndarray, int], None]  # plays samples at a rate, returning when done


def audio_output() -> tuple[Sink | None, str]:
    """The default audio output as a sink, or None and why there is none."""
    try:
        import sounddevice as sd
    except OSError as exc:  # the PortAudio library is not installed
        return None, f"no audio library: {exc}"
    try:
        sd.query_devices(kind="output")
    except (sd.PortAudioError, ValueError) as exc:
        return None, f"no audio output device ({exc})"

    def play(samples: np.ndarray, rate_hz: int) -> None:
        sd.play(samples, rate_hz, blocking=True)

    return play, ""


class CuePlayer:
    """Plays cues as they come, in order, without blocking the caller.

    ``sink`` plays samples (default: the machine's audio output); ``started`` records when each
    cue's sound was handed to it (monotonic seconds), for latency measurements.
    """

    def __init__(
        self,
        speak: bool = False,
        mute: bool = False,
        sink: Sink | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.speak = speak
        self.mute = mute
        self.started: list[tuple[Cue, float]] = []
        self.dropped = 0
        self._warn = warn or (lambda text: print(f"holdtrack: {text}", file=sys.stderr))
        self._sink = sink
        self._queue: queue.Queue[tuple[Cue, float] | None] = queue.Queue()
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._thread: threading.Thread | None = None
        if not mute and sink is None:
            self._sink, why = audio_output()
            if self._sink is None:
                self._warn(f"{why}; cues are shown as text only")

    @property
    def audible(self) -> bool:
        """Whether cues make a sound."""
        return not self.mute and self._sink is not None

    def play(self, cue: Cue) -> None:
        """Queue a cue; returns at once."""
        if not self.audible:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cues", daemon=True)
            self._thread.start()
        self._queue.put((cue, time.monotonic()))

    def close(self, wait_s: float = 5.0) -> None:
        """Let queued cues finish (at most ``wait_s``), then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(wait_s)
            self._thread = None

    def _sound(self, cue: Cue) -> np.ndarray:
        key = (cue.name, cue.phrase)
        if key not in self._cache:
            self._cache[key] = cue_render(cue, self.speak, RATE_HZ)
        return self._cache[key]

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            cue, queued = item
            if time.monotonic() - queued > STALE_S:
                self.dropped += 1
                continue
            samples = self._sound(cue)
            self.started.append((cue, time.monotonic()))
            try:
                assert self._sink is not None
                self._sink(samples, RATE_HZ)
            except Exception as exc:  # a device that vanished must not stop a recording
                self._sink = None
                self._warn(f"audio output failed ({exc}); cues are shown as text only")
                return


def cue_track(
    cues: list[Cue], start_s: float = 0.0, speak: bool = False, rate_hz: int = RATE_HZ
) -> np.ndarray:
    """Every cue placed at its stream time (from ``start_s``) in one track: what a session
    sounded like, to listen to later or to check."""
    sounds = [(c, cue_render(c, speak, rate_hz)) for c in cues if c.t_s >= start_s]
    if not sounds:
        return np.zeros(0, dtype=np.float32)
    t0 = start_s
    ends = [int(round((c.t_s - t0) * rate_hz)) + len(s) for c, s in sounds]
    track = np.zeros(max(ends), dtype=np.float32)
    for c, s in sounds:
        a = int(round((c.t_s - t0) * rate_hz))
        track[a : a + len(s)] += s
    return np.clip(track, -1.0, 1.0)
