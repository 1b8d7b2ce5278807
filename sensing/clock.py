"""Sample times for devices without their own clock: late samples are told from lost ones.

Radio packets arrive late and in bursts, so each sample is timed by its count at the sensor's
rate; arrivals only tell late from lost. A pause followed by a burst that brings the missing
samples is a delay. Once the link keeps the sensor's pace again (a steady stretch), lateness
left over is a loss if one pause can hold it (or it is a few scattered samples): that time is
inserted where the pause was, retiming the samples stamped since. Otherwise the link is behind
(a backlog) and the samples are late; later arrivals that come early by as much as an insertion
(or in a burst) disprove it, and it is taken back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from holdtrack.analysis.schema import MAX_SAMPLE_SPACING_S

LATE_TOLERANCE_S = 0.5  # lateness spread of a link that keeps pace (radio bursts, host hiccups)
STEADY_S = 3.0  # arrivals spanning this long at the sensor's pace show how late the link is
STEADY_PACKETS = 8  # ... and at least this many packets
LOSS_SHARE = 0.2  # share of time between checks that scattered losses may explain (no pause),
# counted over at most two steady stretches (longer: the link was behind)
HOST_STEADY_S = 0.5  # ... or this many real seconds: how long a busy computer's pace wanders
MAX_PAUSES = 32  # pauses remembered between two checks
BURST_S = 2.0  # early arrivals adding up to more than the tolerance this fast are a burst
HOST_BURST_S = 0.5  # ... or this many real seconds: how fast a busy computer works one off
RECLAIM_S = 30.0  # real seconds a link keeps pace still late before that lateness is a loss
BEHIND_S = 2.0  # real seconds samples may trail their arrival, for as long, before a warning


@dataclass
class Stamped:
    """A packet's sample times, the gap before them, and revisions of earlier sample times.

    Each revision ``(after_s, by_s)`` moves every sample stamped earlier at a time after
    ``after_s`` by ``by_s`` seconds (gap ends after ``after_s`` move with them).
    """

    times: np.ndarray
    gap: tuple[float, float] | None = None
    retimes: list[tuple[float, float]] = field(default_factory=list)


class SampleClock:
    """Stamp packets of samples at a nominal rate; tell late samples from lost ones."""

    def __init__(
        self,
        rate_hz: float,
        gap_s: float = MAX_SAMPLE_SPACING_S,
        tolerance_s: float = LATE_TOLERANCE_S,
        time_scale: float = 1.0,
    ) -> None:
        """``time_scale``: arrivals are this many times faster than real time (a replay), so
        the computer's own stalls and catch-ups last that many times longer in session time."""
        if rate_hz <= 0:
            raise ValueError("rate must be positive")
        self.period_s = 1.0 / rate_hz
        self.gap_s = gap_s
        self.tolerance_s = tolerance_s
        self.steady_s = max(STEADY_S, HOST_STEADY_S * time_scale)
        self.burst_s = max(BURST_S, HOST_BURST_S * time_scale)
        self.reclaim_s = RECLAIM_S * time_scale
        self.lateness_s = 0.0  # how far the latest packet trailed its count time
        self._origin: float | None = None  # time of sample 0 had none been lost
        self._count = 0
        self._lost_s = 0.0  # time inserted for lost samples and link outages
        self._last = -math.inf
        self._resync = False
        self._inserted: list[list[float]] = []  # [after_s, amount_s, least_s], newest last
        self._lowered: list[list[float]] = []  # [after_s, amount_s, 0, arrival] moved earlier
        self._burst_until = -math.inf  # arrival until which early samples take back insertions
        self._pauses: list[tuple[float, float, float]] = []  # (rise, after_s, lateness before)
        self._widest = (0.0, -math.inf)  # largest lateness rise since the last check, and where
        self._steady: list[tuple[float, float]] = []  # (arrival, arrival - count time)
        self._range = (0.0, 0.0)  # lowest and highest arrival - count time in the stretch
        self._previous: float | None = None  # lateness of the previous packet
        self._checked_at = 0.0  # arrival at the last check of a steady stretch
        self._delay_s = 0.0  # lateness taken for a backlog (the link is behind), not a loss
        self._delay_since = 0.0  # arrival when the link was last found behind
        self._peak_s = -math.inf  # highest lateness since the last check
        self._drained_s = 0.0  # most lateness worked off since then: a backlog was there

    def resync(self) -> None:
        """The link dropped: the next packet ends an outage, which is always a gap."""
        self._resync = True

    def stamp(self, arrival_s: float, n: int) -> Stamped:
        """Times of the ``n`` samples in a packet that arrived at ``arrival_s``."""
        out = Stamped(np.empty(0))
        if self._origin is None:
            self._origin = arrival_s - (n - 1) * self.period_s
            self._checked_at = arrival_s
        elif self._resync:
            self._outage(arrival_s, n, out)
        late = self._lateness(arrival_s, n)
        if late < -self.period_s / 2:  # earlier than the count allows: less latency, or no loss
            self._earlier(arrival_s, -late, out)
            late = self._lateness(arrival_s, n)
        if late < self._delay_s:  # a backlog shrinks as it is worked off
            if late < self._delay_s - self.tolerance_s:
                self._delay_since = arrival_s
            self._delay_s = max(late, 0.0)
        self._peak_s = max(self._peak_s, late)
        self._drained_s = max(self._drained_s, self._peak_s - late)
        self._note_rise(late)
        level = self._steady_level(arrival_s, late)
        if level is not None:
            self._check(level, arrival_s, out)
            late = self._lateness(arrival_s, n)
        assert self._origin is not None
        times = self._origin + self._lost_s + (self._count + np.arange(n)) * self.period_s
        if times[0] <= self._last:
            times = times + (self._last - times[0] + 1e-6)
        out.times = times
        self._count += n
        self._last = float(times[-1])
        self._previous = self.lateness_s = late
        return out

    def _lateness(self, arrival_s: float, n: int) -> float:
        assert self._origin is not None
        due = self._origin + self._lost_s + (self._count + n - 1) * self.period_s
        return arrival_s - due

    def _outage(self, arrival_s: float, n: int, out: Stamped) -> None:
        """After a reconnect: the outage is inserted (at least one sample period) as a gap."""
        outage = max(self._lateness(arrival_s, n), self.period_s)
        self._inserted.append([self._last, outage, self.period_s])
        self._lost_s += outage
        out.gap = (self._last, self._last + self.period_s + outage)
        self._resync = False
        self._forget(arrival_s)
        self._steady.clear()
        self._lowered.clear()
        self._previous = None
        self._peak_s, self._drained_s = -math.inf, 0.0

    def _forget(self, arrival_s: float) -> None:
        """Lateness is accounted for up to now."""
        self._pauses.clear()
        self._widest = (0.0, self._last)
        self._checked_at = arrival_s

    def _note_rise(self, late: float) -> None:
        """Remember where lateness rose: a pause, where a loss would be placed."""
        if self._previous is None:
            return
        rise = late - self._previous
        if rise > self._widest[0]:
            self._widest = (rise, self._last)
        if rise > self.tolerance_s:
            self._pauses.append((rise, self._last, self._previous))
            if len(self._pauses) > MAX_PAUSES:
                self._pauses.remove(min(self._pauses))
            self._steady.clear()

    def _steady_level(self, arrival_s: float, late: float) -> float | None:
        """The lowest lateness of a completed steady stretch (arrivals keeping the sensor's
        pace, within the tolerance), else None."""
        assert self._origin is not None
        raw = late + self._origin + self._lost_s  # arrival minus count time: no revision moves it
        if not self._steady:
            self._range = (raw, raw)
        self._range = (min(self._range[0], raw), max(self._range[1], raw))
        self._steady.append((arrival_s, raw))
        if self._range[1] - self._range[0] > self.tolerance_s:
            del self._steady[:-1]
            self._range = (raw, raw)
            return None
        if arrival_s - self._steady[0][0] < self.steady_s or len(self._steady) < STEADY_PACKETS:
            return None
        lowest = self._range[0]
        del self._steady[: len(self._steady) // 2]  # the newer half goes on to the next stretch
        kept = [r for _, r in self._steady]
        self._range = (min(kept), max(kept))
        return lowest - self._origin - self._lost_s

    def _check(self, level: float, arrival_s: float, out: Stamped) -> None:
        """A steady link is ``level`` behind the count. Beyond the known backlog that is a
        loss, if one pause can hold it or it is a few scattered samples on a link that worked
        off no backlog meanwhile; otherwise the link is behind and the samples are late."""
        since_s = min(arrival_s - self._checked_at, 2 * self.steady_s)
        scattered = self._drained_s <= self.tolerance_s
        self._checked_at, self._peak_s, self._drained_s = arrival_s, -math.inf, 0.0
        if self._delay_s > self.tolerance_s:  # behind: a backlog hides losses, all are late
            after = self._reclaimed(level, arrival_s)
            excess = level
        else:
            excess = level - self._delay_s
            if excess < self.period_s / 2:
                self._forget(arrival_s)
                return
            after = self._loss_place(excess, since_s, scattered)
        if after is None:
            if level - self._delay_s >= self.period_s / 2:
                self._delay_s = level
                self._delay_since = arrival_s
            return
        lost = round(excess / self.period_s) * self.period_s
        self._insert(after, lost, out)
        if self.period_s + lost > self.gap_s:
            out.gap = (after, after + self.period_s + lost)
        self._forget(arrival_s)

    def _reclaimed(self, level: float, arrival_s: float) -> float | None:
        """Where to put a backlog that the link has carried at the sensor's pace for
        ``reclaim_s`` without working any of it off: it was a loss after all."""
        if (
            arrival_s - self._delay_since < self.reclaim_s
            or level < self._delay_s - self.tolerance_s
        ):
            return None
        self._delay_s = 0.0
        return max(self._pauses)[1] if self._pauses else self._widest[1]

    def _loss_place(self, excess: float, since_s: float, scattered: bool) -> float | None:
        """Where a loss of ``excess`` goes: after the sample before the pause that can hold it
        (the link on time before it), else at the widest pause for scattered losses."""
        if not scattered:
            return None  # a burst worked off a backlog meanwhile: the link was behind
        clean = [
            (rise, after)
            for rise, after, before in self._pauses
            if rise >= excess - self.tolerance_s and before <= self._delay_s + self.tolerance_s
        ]
        if clean:
            return max(clean)[1]
        if excess <= LOSS_SHARE * since_s + 2 * self.period_s:
            return self._widest[1]
        return None

    def _insert(self, after: float, amount: float, out: Stamped) -> None:
        self._inserted.append([after, amount, 0.0])
        self._lost_s += amount
        self._retime(after, amount, out)
        self._lowered.clear()  # moves made before a loss are no evidence against it

    def _earlier(self, arrival_s: float, early: float, out: Stamped) -> None:
        """Arrivals came ``early`` before their count time: later samples move earlier (a
        sensor a little fast, or less latency than the first packets had). More than the
        tolerance within ``burst_s`` is a burst working off a backlog: it disproves the newest
        insertions since the link last dropped, which are taken back instead."""
        assert self._origin is not None
        self._origin -= early
        self._lowered = [x for x in self._lowered if x[3] >= arrival_s - self.burst_s]
        self._lowered.append([self._last, early, 0.0, arrival_s])
        recent = sum(x[1] for x in self._lowered)
        since_drop = next(
            (i for i in range(len(self._inserted), 0, -1) if self._inserted[i - 1][2]), 1
        )
        takeable = self._inserted[since_drop - 1 :]
        total = sum(x[1] - x[2] for x in takeable)
        # Early by as much as the insertions (at least half the tolerance, more than jitter;
        # at most the tolerance) disproves them.
        disproof = min(self.tolerance_s, max(total - self.period_s / 2, self.tolerance_s / 2))
        if (recent <= disproof and arrival_s > self._burst_until) or total <= 0:
            return
        self._burst_until = arrival_s + self.burst_s  # what the burst brings next counts too
        take = min(recent, total)
        self._give_back(self._lowered, take, 1.0, out)
        self._give_back(self._inserted, take, -1.0, out)
        self._origin += take
        self._lost_s -= take

    def _give_back(
        self, items: list[list[float]], amount: float, sign: float, out: Stamped
    ) -> None:
        """Undo ``amount`` of the newest ``items`` (``[after_s, amount_s, least_s, ...]``)."""
        while amount > 1e-12 and items:
            item = items[-1]
            part = min(item[1] - item[2], amount)
            self._retime(item[0], sign * part, out)
            amount -= part
            item[1] -= part
            if item[1] <= item[2] + 1e-12:
                items.pop()

    def _retime(self, after: float, by: float, out: Stamped) -> None:
        if out.retimes and out.retimes[-1][0] == after:
            out.retimes[-1] = (after, out.retimes[-1][1] + by)
        else:
            out.retimes.append((after, by))
        self._shift(after, by)

    def _shift(self, after: float, by: float) -> None:
        """Keep remembered sample times in step with a revision."""
        if self._last > after:
            self._last += by
        for item in [*self._inserted, *self._lowered]:
            if item[0] > after:
                item[0] += by
        self._pauses = [(r, a + by if a > after else a, b) for r, a, b in self._pauses]
        if self._widest[1] > after:
            self._widest = (self._widest[0], self._widest[1] + by)


class LagWatch:
    """Tells when samples trail their arrival by more than ``behind_s`` real seconds for that
    long: the recorder is falling behind real time (a busy computer), not losing samples."""

    def __init__(self, behind_s: float = BEHIND_S) -> None:
        self.behind_s = behind_s
        self.behind = False
        self._since: float | None = None  # wall time the lag passed ``behind_s``

    def update(self, lag_s: float, wall_s: float) -> str | None:
        """The latest lag (real seconds) at wall time ``wall_s``: a message when it changes."""
        if lag_s <= self.behind_s:
            if lag_s <= self.behind_s / 2:
                self._since = None
                if self.behind:
                    self.behind = False
                    return "caught up with real time"
            return None
        if self._since is None:
            self._since = wall_s
        if self.behind or wall_s - self._since < self.behind_s:
            return None
        self.behind = True
        return (
            f"falling behind real time: samples arrive {lag_s:.1f} s late (this computer is "
            "too busy); every sample is kept and timed by its count"
        )
