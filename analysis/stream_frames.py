"""The latest samples as regular frames, and their features, for the live view of :mod:`.stream`.

Up to twice a second the live view reads features of the last 30 s. Computing them anew each
time would cost far more than the samples between two looks bring; here each frame is
averaged once, when its last sample has arrived, an IMU's contact path is extended by the new
frames only and how long it has stayed still carried on, and what a look may not need (the
body signal's last seconds, how far the contact ranges, whether the ball is carried) is
computed only when asked for.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from holdtrack.analysis.clean import FRAME_S, SHORT_GAP_S, runs_find
from holdtrack.analysis.features import (
    BODY_SERIES_WINDOW_S,
    BODY_SMOOTH_FRAMES,
    GAP_TILT_FRAMES,
    body_scale_of,
    body_series,
    carried_flags,
    contact_path,
    contact_travel,
)
from holdtrack.analysis.kinds import KindParams, kind_params
from holdtrack.analysis.process import frame_features, imu_noise
from holdtrack.analysis.schema import SENSOR_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from holdtrack.analysis.features import Features

# Frames either side that one frame of the body signal depends on (two moving means over the
# window, one over the smoothing).
_BODY_REACH = int(BODY_SERIES_WINDOW_S / FRAME_S) + BODY_SMOOTH_FRAMES


class LiveLook:
    """What the live view looks at: the latest frames of ``kind``'s columns, their features so
    far, and what the full detector measured on more samples (``measured``)."""

    def __init__(self, kind: str, keep_s: float) -> None:
        self.kind = kind
        self.params = kind_params(kind)
        self.columns = SENSOR_COLUMNS[kind]
        self.frames = LiveFrames(len(self.columns), keep_s)
        self._history: Mapping[str, np.ndarray] = {}
        self._gyro_bias: np.ndarray | None = None
        self._noise: dict[float, dict[str, float]] = {}  # per samples-per-frame
        self._path = np.empty((0, 3))  # IMUs: per frame kept, as features.contact_path
        self._src = np.empty((0, 3))
        # ... and the body signal (unscaled) of the frames whose windows are whole, computed
        # on when a look asks for it; and of every frame, for the current look
        self._body = np.empty(0)
        self._body_now: np.ndarray | None = None
        # ... and how many of the last frames the contact stays still over, with their range
        self._still: tuple[int, np.ndarray, np.ndarray] | None = None

    def measured(
        self, history: Mapping[str, np.ndarray], gyro_bias: np.ndarray | None = None
    ) -> None:
        """What the full detector measured: the session's history (levels, noise) and the
        gyroscope's zero."""
        self._history, self._noise = history, {}
        if gyro_bias is not None or self._gyro_bias is not None:
            self._gyro_bias = gyro_bias
            self._path = self._path[:0]  # integrated anew from the new zero

    def view(self, samples: Callable[[], list[np.ndarray]]) -> Features | ImuView | None:
        """Features of the latest frames (None before two frames); ``samples`` gives the
        sensor columns' recent samples, asked for only while the noise is not yet known."""
        fr = self.frames
        new = fr.update()
        if len(fr.t) < 2:
            return None
        if not self.params.is_motion_sensor:
            return frame_features(
                fr.t, fr.values, fr.gap, self.kind, fr.spf, [], self._history, steps=False
            )
        self._extend(new)
        spf = round(fr.spf, 1)
        noise = self._noise.get(spf)
        if noise is None:
            known = all(f"noise:{c}" in self._history for c in self.columns)
            noise = imu_noise([] if known else samples(), spf, self.params, self._history)
            if known:
                self._noise[spf] = noise
        scale = body_scale_of(self.params, noise)
        return ImuView(
            self.params, fr.t, fr.values[:, :3], self._path, self._body_signal, self._settled, scale
        )

    def _settled(self, most: int) -> int:
        """How many of the last frames (up to ``most``) the contact stays within the kind's
        stillness range over: carried on from the last look while the new frames stay in."""
        if self._still is None:
            n = still_frames(self._path, len(self._path), self.params.motion_on)
            last = self._path[len(self._path) - n :]
            self._still = (n, last.min(axis=0), last.max(axis=0))
        return min(self._still[0], most, len(self._path))

    def _body_signal(self) -> np.ndarray:
        """The body signal (unscaled) of every frame kept: the frames whose windows were whole
        at the last computation as they were, the others anew."""
        if self._body_now is None:
            first, n = len(self._body), len(self._src)
            if first < _BODY_REACH:
                body = body_series(self._src, 1.0, self.params, BODY_SERIES_WINDOW_S)
            else:
                body = np.concatenate([self._body, _body_from(self._src, first)])
            self._body, self._body_now = body[: max(n - _BODY_REACH, 0)], body
        return self._body_now

    def _extend(self, new: int) -> None:
        """The IMU path of the ``new`` frames just made: integrated on from the last path,
        unless the zero is not yet known or a gap is near (then all anew)."""
        fr, n = self.frames, len(self.frames.t)
        dropped = len(self._path) - (n - new)  # frames no longer kept
        self._path, self._src = self._path[-(n - new) or n :], self._src[-(n - new) or n :]
        self._body, self._body_now = self._body[max(dropped, 0) :], None
        gyro = fr.values[:, 3:6] if self.params.has_gyro else None
        near = fr.gap[max(n - new - GAP_TILT_FRAMES - 1, 0) :].any()
        unknown = gyro is not None and (self._gyro_bias is None or near)
        if len(self._path) != n - new or unknown:
            self._path, self._src = contact_path(fr.values[:, :3], gyro, fr.gap, self._gyro_bias)
            self._body, self._still = self._body[:0], None
            return
        if new == 0:
            return
        a = n - new
        path, src = contact_path(
            fr.values[a:, :3], None if gyro is None else gyro[a:], fr.gap[a:], self._gyro_bias
        )
        if gyro is not None and a > 0:
            path += self._path[-1]
        self._path = np.concatenate([self._path, path])
        self._src = np.concatenate([self._src, src])
        if self._still is not None:
            count, lo, hi = self._still
            lo, hi = np.minimum(lo, path.min(axis=0)), np.maximum(hi, path.max(axis=0))
            d = hi - lo
            still = float((d * d).sum()) <= self.params.motion_on**2
            self._still = (count + new, lo, hi) if still else None


def still_frames(path: np.ndarray, most: int, still: float) -> int:
    """How many of the last frames of ``path`` (up to ``most``) stay within ``still``: the
    length of their per-channel ranges."""
    back = path[::-1][:most]
    spread = np.maximum.accumulate(back) - np.minimum.accumulate(back)
    over = np.flatnonzero((spread * spread).sum(axis=1) > still**2)
    return int(over[0]) if len(over) else min(most, len(path))


def _body_from(src: np.ndarray, first: int) -> np.ndarray:
    """:func:`features.body_series` (unscaled, the default window) of frames ``first`` on, from
    the body channels ``src``: the same moving means, computed only where they are needed."""
    win = int(BODY_SERIES_WINDOW_S / FRAME_S)
    lead = first - 2 * (win // 2)  # the smoothed channels are needed from here on
    x = _centred_means(src, BODY_SMOOTH_FRAMES, lead)
    resid = x[win // 2 :] - _centred_means(x, win, win // 2)
    return np.sqrt(_centred_means((resid * resid).sum(axis=1), win, win // 2))


def _centred_means(x: np.ndarray, n: int, first: int) -> np.ndarray:
    """:func:`clean.moving_mean` over ``n`` frames of ``x``'s frames ``first`` on, where no
    window is cut short on the left (``first >= n // 2``); on the right they are."""
    m, half = len(x), n // 2
    c = np.empty((m + 1, *x.shape[1:]))
    c[0] = 0.0
    np.cumsum(x, axis=0, out=c[1:])
    lo = np.arange(first - half, m - half)
    hi = np.minimum(lo + n, m)
    return (c[hi] - c[lo]) / (hi - lo).reshape((-1,) + (1,) * (x.ndim - 1))


class LiveFrames:
    """Frames of the samples fed so far (``FRAME_S`` long, from the first sample on): a frame
    is made once a sample of a later frame has arrived; the last ``keep_s`` of them are kept.

    After :meth:`update`: frame centres ``t``, ``values`` (empty frames filled in between their
    neighbours), ``gap`` flags (empty runs longer than ordinary packet spacing) and ``spf``,
    the samples a frame averages."""

    def __init__(self, n_columns: int, keep_s: float) -> None:
        self.keep = int(round(keep_s / FRAME_S))
        self._t0: float | None = None
        self._first = 0  # index, from the first sample's frame, of the first frame kept
        self.t = np.empty(0)
        self.values = np.empty((0, n_columns))
        self.gap = np.empty(0, dtype=bool)
        self.spf = 1.0
        self._count = np.empty(0, dtype=np.int64)
        self._pending: list[np.ndarray] = []  # per chunk: rows of the time, then each column

    def add(self, block: np.ndarray) -> None:
        """Queue samples (rows of ``block``: the time, then each column), after any queued
        before."""
        if len(block) == 0:
            return
        if self._t0 is None:
            self._t0 = float(block[0, 0])
        self._pending.append(block)

    def update(self) -> int:
        """Make every frame the queued samples complete; how many were made."""
        n_before = len(self._count)
        new = self._make()
        if new:
            n = len(self._count)
            self.t = self._t0 + (self._first + np.arange(n) + 0.5) * FRAME_S
            fresh = self._count[max(n - new - 1, 0) :]
            if fresh.all() and not self.gap[-1:].any() and n_before:
                self.gap = np.concatenate([self.gap[n_before + new - n :], np.zeros(new, bool)])
            else:  # an empty frame among the new ones, or just before them
                self.gap = np.zeros(n, dtype=bool)
                min_frames = int(round(SHORT_GAP_S / FRAME_S))
                for a, b in runs_find(self._count == 0):
                    if b - a > min_frames:
                        self.gap[a:b] = True
            self.spf = max(float(self._count.sum()) / max(np.count_nonzero(self._count), 1), 1.0)
        return new

    def _make(self) -> int:
        """Average the queued samples of every complete frame into the kept frames."""
        if self._t0 is None or not self._pending:
            return 0
        block = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        idx = ((block[:, 0] - self._t0) / FRAME_S).astype(np.int64)  # t >= t0: floor
        next_frame = self._first + len(self._count)
        last = int(idx[-1])
        new = last - next_frame
        if new <= 0:
            self._pending = [block]
            return 0
        done = int(np.searchsorted(idx, last, side="left"))  # samples of complete frames
        self._pending = [block[done:]]
        count = np.bincount(idx[:done] - next_frame, minlength=new)
        starts = np.cumsum(count) - count  # first sample of each frame
        if done and count.all():
            out = np.add.reduceat(block[:done, 1:], starts, axis=0) / count[:, None]
        else:  # empty frames among the new ones
            have = count > 0
            out = np.empty((new, block.shape[1] - 1))
            if done:
                sums = np.add.reduceat(block[:done, 1:], starts[have], axis=0)
                out[have] = sums / count[have, None]
            out = self._fill(out, have, block[done:, 1:])
        values = np.concatenate([self.values, out])
        counts = np.concatenate([self._count, count])
        drop = max(len(counts) - self.keep, 0)
        self.values, self._count, self._first = values[drop:], counts[drop:], self._first + drop
        return min(new, self.keep)

    def _fill(self, out: np.ndarray, have: np.ndarray, later: np.ndarray) -> np.ndarray:
        """Empty new frames, filled in between the frames either side (the last frame made
        before, and the samples of the frame still being filled)."""
        x = np.flatnonzero(have).astype(np.float64)
        ys = [out[have]]
        if len(self._count):
            x = np.concatenate([[-1.0], x])
            ys = [self.values[-1:], *ys]
        x = np.concatenate([x, [float(len(out))]])
        ys.append(later.mean(axis=0, keepdims=True))
        y = np.concatenate(ys)
        empty = np.flatnonzero(~have)
        for c in range(out.shape[1]):
            out[empty, c] = np.interp(empty, x, y[:, c])
        return out


class ImuView:
    """The features of an IMU's latest frames the live view reads: the contact ``path`` and,
    when asked for, the body signal (``body`` gives it unscaled, per frame), from
    :class:`LiveLook`; how far the contact ranges and whether the ball is carried, computed
    when first asked for."""

    def __init__(
        self,
        params: KindParams,
        t: np.ndarray,
        acc: np.ndarray,
        path: np.ndarray,
        body: Callable[[], np.ndarray],
        settled: Callable[[int], int],
        body_scale: float,
    ) -> None:
        self.params, self.t, self.path = params, t, path
        self._acc, self._body, self.body_scale = acc, body, body_scale
        self.settled_frames = settled  # how many of the last frames (up to a most) stay still

    @cached_property
    def motion(self) -> np.ndarray:
        """How far the contact ranges (mm), as :func:`features.contact_travel`."""
        assert self.params.travel_window_s is not None
        return contact_travel(self.path, self.params.travel_window_s)

    @cached_property
    def carried(self) -> np.ndarray:
        """Frames of a ball carried in the hand."""
        if not self.params.detects_carried:
            return np.zeros(len(self.t), dtype=bool)
        return carried_flags(self._acc)

    def body_series(self, a: int, b: int) -> np.ndarray:
        """Body evidence per frame of [a, b) (above 1: loaded), as the session's
        :meth:`features.Features.body_series` reads it."""
        return self._body()[a:b] / self.body_scale
