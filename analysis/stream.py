"""Holds as they happen: samples fed in chunks, events out (docs/stream-events.md).

Two clocks run side by side. The *live* view reads the last seconds of features every half
second of samples while something changes (every second through a hold, every 2 s through
rolling or an idle ball), so a hold is announced about 3 s after the ball settles and a move
off it within a second or two. The *final* view re-runs the whole detector on a window that
reaches from a minute before the oldest unsettled stretch to now; once a hold ended more than
``SETTLE_S`` ago it can no longer change, and it is reported as the batch analysis would.
Only that window is kept, so memory and CPU do not grow with the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from holdtrack.analysis.clean import FRAME_S, runs_find
from holdtrack.analysis.features import block_noise, noise_of_blocks
from holdtrack.analysis.holds import Hold, holds_find
from holdtrack.analysis.process import sample_columns, session_features
from holdtrack.analysis.schema import (
    DEFAULT_HOLD_TARGET_S,
    MIN_HOLD_S,
    SENSOR_COLUMNS,
    STATES,
    infer_sensor_kind,
)
from holdtrack.analysis.states import HOLD, states_classify
from holdtrack.analysis.stream_frames import LiveLook
from holdtrack.analysis.stream_live import LIVE_WINDOW_S, LiveHold, LiveSteps
from holdtrack.analysis.stream_tail import tail_read

if TYPE_CHECKING:
    import pandas as pd

    from holdtrack.analysis.features import Features

TICK_S = 0.5  # stream time between two looks at the last seconds (the live view)
HOLD_TICK_S = 1.0  # ... while a hold goes on as announced
STEADY_TICK_S = 2.0  # ... while rolling or an idle ball goes on as announced
FINAL_EVERY_S = 10.0  # stream time between two runs of the full detector (the final view)
# ... at least: a run over a longer window waits this share of the window's length, so the
# full detector's cost per sample stays a few times the batch analysis's, whatever the hold.
FINAL_SHARE = 1 / 3
SETTLE_S = 30.0  # the detector's look-ahead: a hold that ended this long ago is final
CONTEXT_S = 60.0  # samples kept before the oldest stretch that may still change
MAX_WINDOW_S = 1200.0  # never more than this (a hold longer keeps the start it was seen with)
STABLE_S = 0.5  # a hold is final once two runs of the full detector agree on it this closely
LOST_S = 20.0  # the full detector saw no hold this long: the live hold under way has ended
# A hold under way: whether a body loads the ball is read this often (a hold ends unloaded
# only once the body's signal has been gone for stream_tail.LOADED_OFF_S).
LOADED_EVERY_S = 2.0

LOAD_COLUMN = {"force": "force_n", "pressure": "pressure_pa"}
MAX_HISTORY = 8 * 3600  # values kept of earlier samples (8 hours of loads a second)

EVENTS = ("state", "hold_start", "hold_target", "hold_end", "rolling")


class HoldStream(LiveSteps):
    """Feed samples as they arrive; get state changes and hold events at once, and the same
    holds as :func:`session_process` by the end."""

    def __init__(
        self, sensor_kind: str | None = None, hold_target_s: float = DEFAULT_HOLD_TARGET_S
    ) -> None:
        self.kind = sensor_kind
        self.hold_target_s = hold_target_s
        self.holds: list[Hold] = []  # final holds, in order
        self.state = "idle"  # the live state last announced
        self._blocks: list[np.ndarray] = []  # the kept samples: rows of time_s, sensor columns
        self._look: LiveLook | None = None  # the latest samples as frames, for the live view
        self._first_s: float | None = None
        self._now_s = -np.inf
        self._next_tick_s = -np.inf
        self._next_final_s = -np.inf
        self._settled_s = -np.inf  # holds ending before this were judged
        self._open_start_s: float | None = None  # start of a final-view hold still open
        self._final_open_s: float | None = None  # start of its hold reaching the window's end
        self._final_at = -np.inf  # when the full detector last ran
        self._seen: list[tuple[float, float]] = []  # holds it saw then (start, end)
        self._live: list[LiveHold] = []
        self._history: dict[str, np.ndarray] = {}  # what earlier samples told (see _summary)
        self._live_history: dict[str, np.ndarray] = {}  # ... and the final view's window
        self._pending: tuple[str, float] | None = None  # a live state waiting to be announced
        self._idle_since: float | None = None  # a hold's body signal gone since
        self._move_from_s: float | None = None  # the reposition under way left its spot then
        self._tail_state: str | None = None  # what the live view's last look saw
        self._loaded_at = -np.inf  # when a look last read the body's signal in a hold

    @property
    def now_s(self) -> float:
        """Time of the latest sample fed (-inf before any)."""
        return self._now_s

    @property
    def hold_start_s(self) -> float | None:
        """Estimated start of the hold under way as the live view sees it, or None."""
        live = self._open_live()
        return live.start_s if live is not None else None

    def feed(self, data: pd.DataFrame | Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
        """Take the next samples (``time_s`` plus sample columns); return the events they
        bring, in order. Chunks may be of any size, irregular, and have gaps between them."""
        if self.kind is None:
            self.kind = infer_sensor_kind(sample_columns(data))
        names = SENSOR_COLUMNS[self.kind]
        try:
            t = np.asarray(data["time_s"], dtype=np.float64)
            if len(t) == 0:
                return []
            columns = [np.asarray(data[c]) for c in names]
        except KeyError:
            missing = ", ".join(c for c in ("time_s", *names) if c not in data)
            raise ValueError(f"samples lack {missing} for a {self.kind} sensor") from None
        if not t[0] >= self._now_s:  # samples older than the newest fed are dropped
            keep = t >= self._now_s
            if not keep.any():
                return []
            t, columns = t[keep], [c[keep] for c in columns]
        # One copy of the chunk, as rows: a caller may fill its buffers anew after this.
        block = np.array([t, *columns], np.float64).T
        self._blocks.append(block)
        if self._look is None:
            self._look = LiveLook(self.kind, LIVE_WINDOW_S)
        self._look.frames.add(block)
        if self._first_s is None:
            self._first_s = float(t[0])
            self._next_tick_s = self._first_s + TICK_S
            self._next_final_s = self._first_s + FINAL_EVERY_S
        self._now_s = float(t[-1])
        events: list[dict[str, Any]] = []
        final_due = self._now_s >= self._next_final_s
        if final_due and not np.isfinite(self._final_at):
            # A first chunk of many seconds: the live view needs the noise the full detector
            # measures, so that runs first.
            events += self._final_tick()
            final_due = False
        if self._now_s >= self._next_tick_s:
            events += self._live_tick()
            self._next_tick_s = self._now_s + self._tick_gap()
        if final_due:
            events += self._final_tick()
        return events + self._target_reached()

    def _final_tick(self) -> list[dict[str, Any]]:
        events = self._tick(final=False)
        window_s = self._now_s - float(self._blocks[0][0, 0])
        self._next_final_s = self._now_s + max(FINAL_EVERY_S, FINAL_SHARE * window_s)
        return events

    def finish(self) -> list[dict[str, Any]]:
        """The session ended: every hold is final now."""
        if self._first_s is None:
            return []
        return self._tick(final=True)

    def _window(self) -> dict[str, np.ndarray]:
        """The kept samples as columns, trimmed to the window."""
        block = self._kept()
        frontier = self._open_start_s if self._open_start_s is not None else self._settled_s
        start = max(min(frontier, self._now_s - SETTLE_S) - CONTEXT_S, self._now_s - MAX_WINDOW_S)
        first = int(np.searchsorted(block[:, 0], start, side="left"))
        old = self._columns(block[:first])
        self._keep_history(old["time_s"], old)
        self._blocks = [block[first:]]
        return self._columns(block[first:])

    def _kept(self) -> np.ndarray:
        """The kept samples' rows, as one array."""
        blocks = self._blocks
        return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]

    def _columns(self, block: np.ndarray) -> dict[str, np.ndarray]:
        """Rows of samples as named columns (each contiguous)."""
        assert self.kind is not None
        return dict(zip(("time_s", *SENSOR_COLUMNS[self.kind]), block.T.copy()))

    def _keep_history(self, t: np.ndarray, cols: dict[str, np.ndarray]) -> None:
        """Remember what samples leaving the window tell of the whole session."""
        for key, values in self._summary(t, cols).items():
            old = self._history.get(key)
            both = values if old is None else np.concatenate([old, values])
            self._history[key] = both[-MAX_HISTORY:]

    def _summary(self, t: np.ndarray, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What samples ``t`` (the first of ``cols``) tell of the whole session: loads, one a
        second, for the loaded levels; IMU noise per block for the sensor's own noise."""
        if len(t) == 0:
            return {}
        name = LOAD_COLUMN.get(self.kind or "")
        if name is not None:
            second = np.floor(t - t[0]).astype(np.int64)
            count = np.bincount(second)
            sums = np.bincount(second, weights=np.asarray(cols[name][: len(t)], dtype=np.float64))
            return {"load": sums[count > 0] / count[count > 0]}
        return {c: block_noise(cols[c][: len(t)]) for c in SENSOR_COLUMNS.get(self.kind or "", ())}

    def _tick(self, final: bool) -> list[dict[str, Any]]:
        cols = self._window()
        t = cols["time_s"]
        if len(t) < 2 or not t[-1] > t[0]:
            return []
        assert self.kind is not None
        window = self._summary(t, cols)
        self._live_history = {
            k: np.concatenate([self._history[k], v]) if k in self._history else v
            for k, v in window.items()
        }
        # The IMU noise of the session so far, measured once for both views.
        for c in SENSOR_COLUMNS[self.kind] if self.kind in ("imu", "accel") else ():
            noise = noise_of_blocks(self._live_history[c], cols[c])
            self._live_history[f"noise:{c}"] = np.array([noise])
        known = {k: v for k, v in self._live_history.items() if k.startswith("noise:")}
        feat = session_features(cols, self.kind, {**self._history, **known})
        self._measured(feat)
        codes, _ = states_classify(feat)
        edges = np.clip(feat.info["t0"] + np.arange(len(codes) + 1) * FRAME_S, t[0], t[-1])
        events = self._settle(codes, feat, edges, final)
        self._final_open_s, self._final_at = None, self._now_s
        if len(codes) and codes[-1] == HOLD:
            self._final_open_s = float(edges[runs_find(codes == HOLD)[-1][0]])
            events += self._resync_live(self._final_open_s)
        elif len(codes):
            events += self._lost_live(codes, edges)
        return events

    def _lost_live(self, codes: np.ndarray, edges: np.ndarray) -> list[dict[str, Any]]:
        """The full detector sees no hold for ``LOST_S`` since the one the live view still
        follows ended (a move too slow for the last seconds to show): the live hold ends."""
        current = self._open_live()
        runs = runs_find(codes == HOLD)
        if current is None or not runs:
            return []
        end_s = float(edges[runs[-1][1]])
        if not current.start_s < end_s <= self._now_s - LOST_S:
            return []
        current.end_s, current.moved, current.broken_at = end_s, True, self._now_s
        state = STATES[int(codes[-1])]
        events = self._announce(state, self._now_s, at_once=True)
        self._tell_rolling(events)
        return events

    def _measured(self, feat: Features) -> None:
        """Tell the live view what the full detector measured on its window: the session's
        levels and noise, and the gyroscope's zero (so both views integrate the same turns)."""
        assert self._look is not None
        self._look.measured(self._live_history, feat.info.get("gyro_bias"))

    def _live_tick(self) -> list[dict[str, Any]]:
        """The live view: features of the latest frames, read at their end."""
        assert self.kind is not None and self._look is not None
        feat = self._look.view(lambda: list(self._kept()[:, 1:].T))
        if feat is None:
            return []
        live = self._open_live()
        holding = live is not None
        move_from = self._move_from_s if self.state == "reposition" else None
        recent = self._now_s - self._loaded_at < LOADED_EVERY_S
        known = holding and self._tail_state == "hold" and recent
        held_from = live.start_s if live is not None else None
        tail = tail_read(feat, held_from, move_from, True if known else None)
        if holding and not known:
            self._loaded_at = self._now_s
        self._tail_state = tail.state
        return self._live_step(tail)

    def _tick_gap(self) -> float:
        """Stream time to the next look: ``TICK_S`` while a change, or a step to a new spot,
        is under way; longer while the state goes on as announced (a hold is watched closer:
        the ball leaving it is a change to tell at once)."""
        if self._pending is not None or self._tail_state != self.state:
            return TICK_S
        if self.state == "reposition":
            return TICK_S
        return HOLD_TICK_S if self.state == "hold" else STEADY_TICK_S

    def _settle(
        self, codes: np.ndarray, feat: Features, edges: np.ndarray, final: bool
    ) -> list[dict[str, Any]]:
        """Report holds that can no longer change; remember where the unsettled part begins."""
        horizon = self._now_s if final else self._now_s - SETTLE_S
        due: list[tuple[int, int]] = []
        self._open_start_s = None
        seen, self._seen = self._seen, []
        for a, b in runs_find(codes == HOLD):
            start, end = float(edges[a]), float(edges[b])
            self._seen.append((start, end))
            stable = final or any(
                abs(start - s0) <= STABLE_S and abs(end - e0) <= STABLE_S for s0, e0 in seen
            )
            if end <= self._settled_s or end - start < MIN_HOLD_S and end <= horizon:
                continue
            if self.holds and start < self.holds[-1].end_s:
                continue  # seen and reported with an earlier window
            if end <= horizon and stable and not (b == len(codes) and not final):
                due.append((a, b))
            elif self._open_start_s is None:
                self._open_start_s = start
        events: list[dict[str, Any]] = []
        if due:
            mask = np.zeros(len(codes), dtype=bool)
            for a, b in due:
                mask[a:b] = True
            found, _ = holds_find(np.where(mask, codes, -1), feat, edges, self.hold_target_s)
            for hold in found:
                events.append(self._report(hold))
        if self._open_start_s is not None:
            horizon = min(horizon, self._open_start_s)
        self._settled_s = max(self._settled_s, horizon)
        events += self._forget_live(final)
        return events

    def _report(self, hold: Hold) -> dict[str, Any]:
        """A final hold: remembered, matched to the live one, and its ``hold_end`` event."""
        self.holds.append(hold)
        for live in self._live:
            end = live.end_s if live.end_s is not None else self._now_s
            if live.start_s < hold.end_s and end > hold.start_s:
                live.counted = True
        return {"event": "hold_end", "t_s": self._now_s, "counted": True, **hold.to_dict()}

    def _forget_live(self, final: bool) -> list[dict[str, Any]]:
        """Live holds that broke before the settled time and match no final hold did not
        count (too short, or not a hold after all); say so once."""
        events = []
        for live in list(self._live):
            if live.end_s is None and final:
                live.end_s = self._now_s
            if live.end_s is None or (live.end_s > self._settled_s and not final):
                continue
            if not final and self._open_start_s is not None and live.end_s > self._open_start_s:
                continue  # inside a hold still under way
            self._live.remove(live)
            if not live.counted:
                events.append(
                    {
                        "event": "hold_end",
                        "t_s": self._now_s,
                        "counted": False,
                        "start_s": round(live.start_s, 2),
                        "end_s": round(live.end_s, 2),
                        "duration_s": round(live.end_s - live.start_s, 2),
                    }
                )
        return events
