"""The recorder: stream a sensor over bleak into a crash-safe journal, reconnecting on drops.

Connection goes through ``bleak-retry-connector``; after a disconnect the recorder reconnects
with backoff, configures and subscribes again, and keeps recording into the same session with
the gap marked. Samples with the device's own timestamps keep them (:class:`DeviceClock`);
the others are timed by their count (:class:`SampleClock`), which may later retime the samples
after a pause once it tells a loss from a delay. When samples trail their arrival by seconds the
recorder says it is falling behind real time (a busy computer). The journal is flushed to disk
at least twice a second, whether or not samples arrive, so a crash loses at most the last second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak_retry_connector import establish_connection

from holdtrack.analysis.schema import implausible
from holdtrack.sensing.ble.profiles import DeviceProfile, RecordOptions
from holdtrack.sensing.ble.profiles import new_meta as new_meta  # where they were
from holdtrack.sensing.ble.profiles import recording_name as recording_name
from holdtrack.sensing.clock import LagWatch, SampleClock, Stamped
from holdtrack.sensing.device_clock import DeviceClock
from holdtrack.sensing.journal import FLUSH_EVERY_S, Journal, retimed_gaps
from holdtrack.sensing.journal import journal_path as checked_journal_path
from holdtrack.sensing.journal import journal_path_for as journal_path_for  # where it was
from holdtrack.sensing.live_window import LiveWindow
from holdtrack.sensing.session import SessionMeta
from holdtrack.sensing.session.atomic import os_reason

log = logging.getLogger(__name__)

BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


class RecordError(Exception):
    """A recording that cannot start or produced nothing; the message is for the user."""


@dataclass
class RecorderStatus:
    """What the recorder has done so far (for the live display and tests)."""

    link: str = "connecting"  # connecting, connected (configured and subscribed), reconnecting
    samples: int = 0
    connects: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)  # every gap, any cause
    link_gaps: int = 0  # gaps marked because the link dropped
    malformed: int = 0  # packets or frames the decoder skipped
    out_of_order: int = 0  # samples skipped because their time did not fit the timeline
    implausible: int = 0  # samples skipped as impossible readings (corrupted on the way)
    rate_hz: float = 0.0  # samples per second over the last few seconds (wall clock)
    session_s: float = 0.0  # session time of the latest sample
    lag_s: float = 0.0  # real seconds the latest samples trailed their arrival (falling behind)
    events: list[str] = field(default_factory=list)  # link events, in order, for the display

    @property
    def connected(self) -> bool:
        """Connected, configured and subscribed: samples flow."""
        return self.link == "connected"


class Recorder:
    """Record one device into a journal at ``journal_path`` until ``stop`` is set.

    The journal opens at the first decoded samples, once the sensor kind is known (a DIY board
    names it in its header). ``time_scale`` is for virtual devices replaying faster than real
    time: host arrival times are scaled to session time.
    """

    def __init__(
        self,
        device: BLEDevice,
        profile: DeviceProfile,
        journal_path: Path,
        meta: SessionMeta,
        options: RecordOptions | None = None,
        *,
        time_scale: float = 1.0,
        client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.device = device
        self.profile = profile
        self.journal_path = checked_journal_path(journal_path)  # fail now, not at first data
        self.meta = meta
        self.options = profile.resolve(options or RecordOptions())
        assert self.options.rate_hz is not None
        self.rate_hz = self.options.rate_hz
        self.time_scale = time_scale
        self.client_kwargs = client_kwargs or {}
        self.decoder = profile.make_decoder()
        self.sample_clock = SampleClock(self.rate_hz, time_scale=time_scale)
        self.device_clock = DeviceClock()
        self.lag_watch = LagWatch()
        self.status = RecorderStatus()
        self.journal: Journal | None = None
        self.trace: list[tuple[float, int]] | None = None  # (arrival, samples so far) if set
        self.error: RecordError | None = None  # why recording had to stop, if it did
        self.busy_s = 0.0  # time spent handling notifications (decode, stamp, journal)
        self._stop: asyncio.Event | None = None
        self._t0: float | None = None
        self._last_t = -np.inf
        self._reconnected = False
        self._arrivals: deque[tuple[float, int]] = deque()
        self.window: LiveWindow | None = None  # the latest samples, once the kind is known
        self.last_arrival = -np.inf  # monotonic time of the last notification with samples

    # --- samples ------------------------------------------------------------------------------
    def _open_journal(self) -> Journal | None:
        kind = self.profile.sensor_kind or getattr(self.decoder, "sensor_kind", None)
        if kind is None:
            return None
        meta = replace(self.meta, sensor_kind=kind, nominal_rate_hz=self.rate_hz)
        self.journal = Journal(self.journal_path, meta)
        self.window = LiveWindow(list(self.journal.columns))
        return self.journal

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        if self.error is not None:
            return
        wall = time.monotonic()
        started = time.perf_counter()
        try:
            self._handle(data, wall)
        finally:
            self.busy_s += time.perf_counter() - started

    def _handle(self, data: bytearray, wall: float) -> None:
        loop_time = asyncio.get_running_loop().time()
        if self._t0 is None:
            self._t0 = loop_time
        samples = self.decoder.feed(bytes(data))
        self.status.malformed = self.decoder.stats.malformed
        if not samples:
            return
        try:
            self._record(samples, loop_time, wall)
        except OSError as exc:  # cannot write the recording: stop rather than carry on blind
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.error = RecordError(f"cannot write {self.journal_path}: {os_reason(exc)}")
        if self._stop is not None:
            self._stop.set()

    def _record(self, samples: list[Any], loop_time: float, wall: float) -> None:
        assert self._t0 is not None
        journal = self.journal or self._open_journal()
        if journal is None:
            return
        arrival = (loop_time - self._t0) * self.time_scale
        stamped = self._stamp(samples, arrival)
        for after_s, by_s in stamped.retimes:
            self._retime(journal, after_s, by_s)
        if stamped.gap is not None:
            self.status.gaps.append(stamped.gap)
            self.status.link_gaps += self._reconnected
            journal.gap(*stamped.gap)
        self._reconnected = False
        if np.isfinite(stamped.times).any():
            self.status.lag_s = (arrival - float(np.nanmax(stamped.times))) / self.time_scale
            warning = self.lag_watch.update(self.status.lag_s, wall)
            if warning:
                self.status.events.append(warning)
                log.debug(warning)
        columns = journal.columns
        kept = 0
        for t, s in zip(stamped.times, samples):
            t = float(t)
            if any(c not in s.values for c in columns) or implausible(s.values):
                self.status.implausible += 1
                continue
            if not t > self._last_t:  # NaN: a device time that does not fit
                self.status.out_of_order += 1
                continue
            self._last_t = t
            journal.append(t, s.values)
            self.window.append(t, [s.values[c] for c in columns])
            kept += 1
        self.status.samples += kept
        self.status.session_s = max(self.status.session_s, self._last_t)
        self._arrivals.append((wall, kept))
        if kept:
            self.last_arrival = wall
        if self.trace is not None:
            self.trace.append((wall, journal.samples))

    def _stamp(self, samples: list[Any], arrival: float) -> Stamped:
        """Session times for decoded samples: the device's own clock where every sample has
        one, else their count at the configured rate."""
        device_times = [s.device_time_s for s in samples]
        if all(t is not None for t in device_times):
            if self._reconnected:
                self.device_clock.resync()
            times, gap = self.device_clock.stamp(arrival, np.array(device_times, dtype=float))
            return Stamped(times, gap)
        if self._reconnected:
            self.sample_clock.resync()
        return self.sample_clock.stamp(arrival, len(samples))

    def _retime(self, journal: Journal, after_s: float, by_s: float) -> None:
        """Samples already recorded after ``after_s`` move by ``by_s``: in the journal, the
        live window, the gaps and the last time."""
        journal.retime(after_s, by_s)
        if self.window is not None:
            self.window.retime(after_s, by_s)
        if self._last_t > after_s:
            self._last_t += by_s
            self.status.session_s = self._last_t
        period_s = self.sample_clock.period_s
        self.status.gaps = retimed_gaps(self.status.gaps, after_s, by_s, period_s)

    def live_rate(self, now: float | None = None, window_s: float = 3.0) -> float:
        """Samples per second received over the last ``window_s`` (wall clock)."""
        now = time.monotonic() if now is None else now
        while self._arrivals and self._arrivals[0][0] < now - window_s:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / window_s

    def first_arrival_after(self, wall: float) -> float:
        """Monotonic time of the first notification with samples after ``wall`` (within the
        last 3 s), else the last one's."""
        return next((t for t, n in self._arrivals if t > wall and n), self.last_arrival)

    def samples_since(self, count: int) -> tuple[int, dict[str, np.ndarray] | None]:
        """Samples recorded after the first ``count``, as columns; and the count to ask from
        next time (see :meth:`LiveWindow.since`)."""
        return (count, None) if self.window is None else self.window.since(count)

    # --- connection ---------------------------------------------------------------------------
    async def _flush_regularly(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_EVERY_S)
            if self.journal is not None and self.error is None:
                try:
                    self.journal.flush()
                except OSError as exc:
                    self._fail(exc)

    async def run(self, stop: asyncio.Event) -> RecorderStatus:
        """Connect, subscribe and record; reconnect after drops until ``stop`` is set."""
        self._stop = stop
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        flusher = asyncio.create_task(self._flush_regularly(stop))
        try:
            await self._connect_loop(stop)
        finally:
            stop.set()
            await flusher
            if self.journal is not None and self.error is None:
                with contextlib.suppress(OSError):
                    self.journal.flush()
        return self.status

    async def _connect_loop(self, stop: asyncio.Event) -> None:
        """Connect and stream until ``stop``; any failure of the stack means: try again."""
        attempt = 0
        while not stop.is_set():
            disconnected = asyncio.Event()
            try:
                client = await establish_connection(
                    BleakClient,
                    self.device,
                    self.device.name or self.device.address,
                    disconnected_callback=lambda _c, ev=disconnected: ev.set(),
                    max_attempts=2,
                    **self.client_kwargs,
                )
            except (Exception, asyncio.CancelledError) as exc:
                _raise_if_ours(exc)
                delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                attempt += 1
                log.warning("connect failed (%s); retrying in %.1f s", _why(exc), delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            attempt = 0
            self.status.connects += 1
            await self._stream(client, stop, disconnected)
            if not stop.is_set():
                # Whatever the device sent during the outage is lost: the next samples end a gap.
                self._reconnected = True
                self.decoder.reset()
                self.status.events.append("link lost: reconnecting (the gap will be marked)")
                log.debug("disconnected; reconnecting")
        self.status.link = "stopped"

    async def _stream(
        self, client: BleakClient, stop: asyncio.Event, disconnected: asyncio.Event
    ) -> None:
        """Configure and subscribe, then record until the link drops or ``stop`` is set."""
        try:
            self._check_services(client)
            await self.profile.configure(client, self.options)
            await client.start_notify(self.profile.notify_uuid, self._on_notify)
            await self.profile.start(client, self.options)
            self.status.link = "connected"  # subscribed: samples flow from here
            self.status.events.append(f"connected to {self.device.address} ({self.profile.label})")
            waiters = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(disconnected.wait()),
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
            if stop.is_set() and client.is_connected:
                with contextlib.suppress(Exception):
                    await self.profile.stop(client, self.options)
        except RecordError:
            raise
        except (Exception, asyncio.CancelledError) as exc:
            _raise_if_ours(exc)
            log.warning("link lost during setup: %s", _why(exc))
        finally:
            self.status.link = "reconnecting"
            with contextlib.suppress(Exception):
                await client.disconnect()

    def _check_services(self, client: BleakClient) -> None:
        if client.services.get_characteristic(self.profile.notify_uuid) is None:
            raise RecordError(
                f"{self.device.address} has no {self.profile.label} data characteristic "
                f"({self.profile.notify_uuid}); is --model right?"
            )


def _raise_if_ours(exc: BaseException) -> None:
    """Re-raise a cancellation aimed at the recorder itself; any other failure of the Bluetooth
    stack (its own cancellations and timeouts included) is for the reconnect loop."""
    task = asyncio.current_task()
    if isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling():
        raise exc


def _why(exc: BaseException) -> str:
    """An exception in a few words for the log."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def record(
    recorder: Recorder,
    stop: asyncio.Event,
    out: Path | None = None,
    on_tick: Callable[[Recorder], Any] | None = None,
    tick_s: float = 0.25,
) -> Path:
    """Run ``recorder`` until ``stop``, calling ``on_tick`` regularly; finish the session file.

    Returns the ``.parquet`` recording (``out``, or beside the journal).
    """
    task = asyncio.create_task(recorder.run(stop))
    while not task.done():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), tick_s)
        recorder.status.rate_hz = recorder.live_rate()
        if on_tick is not None and not task.done():
            result = on_tick(recorder)
            if asyncio.iscoroutine(result):
                await result
    await task
    if recorder.error is not None:
        if recorder.journal is not None:
            recorder.journal.close()
        raise recorder.error
    if recorder.journal is None:
        raise RecordError("no samples were received, so nothing was recorded")
    return finish_recording(recorder.journal, out)


def finish_recording(journal: Journal, out: Path | None = None) -> Path:
    """Turn the journal into the session file; RecordError naming both files when the disk
    cannot take it (the journal, and so every sample, stays)."""
    target = out or journal.path.with_suffix(".parquet")
    try:
        return journal.finish(target)
    except OSError as exc:
        raise RecordError(
            f"cannot write {target}: {os_reason(exc)}; every sample is kept in "
            f"{journal.path} (make room, then run: holdtrack recover {journal.path})"
        ) from exc
