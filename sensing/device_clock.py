"""Session times from a sensor's own sample timestamps (a Tindeq, a line board with a clock)."""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.schema import MAX_SAMPLE_SPACING_S


class DeviceClock:
    """Session times from the device's own sample timestamps.

    The first sample maps to its host arrival time; later ones keep the device's spacing
    exactly. Samples further apart than ``gap_s`` on the device clock are a gap. While the link
    stays up the device clock runs on, so a sample whose time does not follow (backwards, or
    further ahead than the host clock allows) is corrupt and gets NaN, unless ``confirm`` such
    samples in a row agree on a new timeline. After a reconnect (:meth:`resync`) the outage is
    always a gap; the clock is kept when it ran on consistently with the host clock and
    re-anchored to the arrival time when it restarted or jumped.
    """

    def __init__(
        self, gap_s: float = MAX_SAMPLE_SPACING_S, tolerance_s: float = 2.0, confirm: int = 5
    ) -> None:
        self.gap_s = gap_s
        self.tolerance_s = tolerance_s
        self.confirm = confirm
        self._offset: float | None = None
        self._last_device = 0.0
        self._last = 0.0
        self._last_arrival = 0.0
        self._resync = False
        self._strays: list[float] = []  # device times of consecutive samples that did not fit

    def resync(self) -> None:
        """The link dropped: the next sample ends a gap."""
        self._resync = True

    def stamp(
        self, arrival_s: float, device_s: np.ndarray
    ) -> tuple[np.ndarray, tuple[float, float] | None]:
        """Times of samples with device times ``device_s`` (seconds) arriving at ``arrival_s``
        (NaN for a corrupt one), and a gap if samples were lost before them."""
        dev = np.asarray(device_s, dtype=np.float64)
        times = np.full(len(dev), np.nan)
        gap = None
        host_elapsed = arrival_s - self._last_arrival
        for i, d in enumerate(dev):
            if self._offset is None:
                self._offset = arrival_s - float(dev[-1])
            else:
                step = d - self._last_device
                fits = 0.0 < step <= host_elapsed + self.tolerance_s
                if not fits and not self._resync:
                    self._strays.append(d)
                    if len(self._strays) < self.confirm or not _runs_on(self._strays):
                        if len(self._strays) >= self.confirm:
                            self._strays.pop(0)
                        continue
                if not fits:  # a new timeline: the device clock restarted or jumped
                    self._offset = arrival_s - float(dev[-1]) if self._resync else (arrival_s - d)
                if self._resync or not fits or step > self.gap_s:
                    gap = (self._last, float(d + self._offset))
                self._resync = False
            self._strays.clear()
            t = float(d + self._offset)
            if t <= self._last and gap is not None:
                # Re-anchored onto an arrival time before the last stamp: keep time moving on.
                self._offset += self._last - t + 1e-3
                t = float(d + self._offset)
                gap = (gap[0], t)
            times[i] = t
            self._last_device = float(d)
            self._last = t
        self._last_arrival = arrival_s
        return times, gap


def _runs_on(device_s: list[float]) -> bool:
    """Whether device times run forward consistently (a real new timeline, not noise)."""
    d = np.diff(device_s)
    return bool(len(d) and (d > 0).all() and d.max() < 1.0)
