"""The latest samples of a recording in memory, for the live state while it records.

The journal on disk keeps every sample; this window keeps about ten minutes, moves with the
sample clock when it retimes, and hands out what arrived since a reader last asked.
"""

from __future__ import annotations

import bisect

import numpy as np

LIVE_WINDOW_S = 600.0  # samples kept in memory for the live state


class LiveWindow:
    """Sample times and values in arrival order, oldest trimmed now and then."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._t: list[float] = []
        self._v: list[list[float]] = []
        self._base = 0  # samples trimmed from the front

    def __len__(self) -> int:
        return len(self._t)

    def append(self, time_s: float, values: list[float]) -> None:
        """One sample, later than every one before it."""
        self._t.append(time_s)
        self._v.append(values)

    def retime(self, after_s: float, by_s: float) -> None:
        """Samples after ``after_s`` move by ``by_s`` (the sample clock took back or put in a
        loss)."""
        for i in range(bisect.bisect_right(self._t, after_s), len(self._t)):
            self._t[i] += by_s

    def since(self, count: int) -> tuple[int, dict[str, np.ndarray] | None]:
        """Samples after the first ``count`` ever appended (as far as the window still holds
        them), as columns with ``time_s``; and the count to ask from next time."""
        if not self._t:
            return count, None
        self._trim(self._t[-1] - LIVE_WINDOW_S)
        total = self._base + len(self._t)
        i = max(count - self._base, 0)
        if i >= len(self._t):
            return total, None
        values = np.asarray(self._v[i:], dtype=np.float64).reshape(-1, len(self.columns))
        cols = {c: values[:, k] for k, c in enumerate(self.columns)}
        return total, {"time_s": np.asarray(self._t[i:], dtype=np.float64), **cols}

    def _trim(self, cut: float) -> None:
        """Drop samples older than ``cut``, once a window's worth has piled up before it."""
        if self._t[0] < cut - LIVE_WINDOW_S:
            i = int(np.searchsorted(self._t, cut))
            del self._t[:i], self._v[:i]
            self._base += i
