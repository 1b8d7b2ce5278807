"""Sample times for devices without their own clock, from bursty host arrival times.

Radio packets arrive in bursts with variable latency, so host arrival times are no sample
times: stamping them directly makes jitter look like rate changes. Instead each sample gets
``anchor + index / rate``. The anchor follows the earliest arrivals (latency is never
negative); a packet arriving later than ``gap_s`` beyond its prediction means samples were lost,
so the clock re-anchors and reports the gap rather than squeezing the loss into the timeline.
"""

from __future__ import annotations

import numpy as np

DRIFT_GAIN = 0.01  # how fast the anchor follows late packets (slow sensor-clock drift)


class SampleClock:
    """Stamp packets of samples at a nominal rate, detecting dropouts."""

    def __init__(self, rate_hz: float, gap_s: float = 0.5) -> None:
        if rate_hz <= 0:
            raise ValueError("rate must be positive")
        self.period_s = 1.0 / rate_hz
        self.gap_s = gap_s
        self._anchor: float | None = None
        self._count = 0
        self._last: float | None = None
        self._resync = False

    def resync(self) -> None:
        """The link dropped: the next packet starts a new anchor and the outage is a gap."""
        self._resync = True

    def stamp(self, arrival_s: float, n: int) -> tuple[np.ndarray, tuple[float, float] | None]:
        """Times of the ``n`` samples in a packet that arrived at ``arrival_s``, and a gap if
        samples were lost before it (start, end on the same axis)."""
        gap = None
        if self._anchor is None:
            self._anchor = arrival_s - (n - 1) * self.period_s
        else:
            predicted_last = self._anchor + (self._count + n - 1) * self.period_s
            late = arrival_s - predicted_last
            if self._resync or late > self.gap_s:
                assert self._last is not None
                self._anchor = arrival_s - (n - 1) * self.period_s
                self._count = 0
                gap = (self._last, float(self._anchor))
                self._resync = False
            elif late < 0:
                self._anchor += late  # arrived earlier than predicted: less latency
            else:
                self._anchor += DRIFT_GAIN * late
        times = self._anchor + (self._count + np.arange(n)) * self.period_s
        if self._last is not None and times[0] <= self._last:
            times = times + (self._last - times[0] + 1e-6)
        self._count += n
        self._last = float(times[-1])
        return times, gap
