"""The recorder: stream a sensor over bleak into a crash-safe journal, reconnecting on drops.

Connection goes through ``bleak-retry-connector``; after a disconnect the recorder reconnects
with backoff, configures and subscribes again, and keeps recording into the same session with
the gap marked. Devices without their own clock are stamped by :class:`SampleClock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from sensing.clock import SampleClock
from sensing.devices import witmotion
from sensing.devices.witmotion import WitMotionDecoder
from sensing.journal import Journal

log = logging.getLogger(__name__)

BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class Profile:
    """How to talk to one device family."""

    model: str
    notify_uuid: str
    make_decoder: Callable[[], Any]
    setup: Callable[[BleakClient, float], Awaitable[None]]


async def _witmotion_setup(client: BleakClient, rate_hz: float) -> None:
    for cmd in witmotion.rate_commands(rate_hz):
        await client.write_gatt_char(witmotion.WRITE_UUID, cmd, response=True)


PROFILES = {
    "witmotion": Profile("witmotion", witmotion.NOTIFY_UUID, WitMotionDecoder, _witmotion_setup),
}


@dataclass
class RecorderStatus:
    """What the recorder has done so far (for the live display and tests)."""

    connected: bool = False  # connected, configured and subscribed
    samples: int = 0
    connects: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)  # every gap, any cause
    link_gaps: int = 0  # gaps marked because the link dropped
    malformed: int = 0


class Recorder:
    """Record one device into ``journal`` until ``stop`` is set."""

    def __init__(
        self,
        device: BLEDevice,
        model: str,
        journal: Journal,
        rate_hz: float,
        *,
        time_scale: float = 1.0,
        client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if model not in PROFILES:
            raise ValueError(f"recording is supported for {sorted(PROFILES)}, not {model!r}")
        self.device = device
        self.profile = PROFILES[model]
        self.journal = journal
        self.rate_hz = rate_hz
        self.time_scale = time_scale  # virtual devices replaying faster than real time
        self.client_kwargs = client_kwargs or {}
        self.decoder = self.profile.make_decoder()
        self.clock = SampleClock(rate_hz)
        self.status = RecorderStatus()
        self._t0: float | None = None
        self._reconnected = False

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        loop_time = asyncio.get_running_loop().time()
        if self._t0 is None:
            self._t0 = loop_time
        samples = self.decoder.feed(bytes(data))
        self.status.malformed = self.decoder.stats.malformed
        if not samples:
            return
        arrival = (loop_time - self._t0) * self.time_scale
        times, gap = self.clock.stamp(arrival, len(samples))
        if gap is not None:
            self.status.gaps.append(gap)
            self.status.link_gaps += self._reconnected
            self.journal.gap(*gap)
        self._reconnected = False
        for t, s in zip(times, samples):
            self.journal.append(float(t), s.values)
        self.status.samples += len(samples)

    async def run(self, stop: asyncio.Event) -> RecorderStatus:
        """Connect, subscribe and record; reconnect after drops until ``stop`` is set."""
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
            except (BleakError, TimeoutError, OSError) as exc:
                delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                attempt += 1
                log.warning("connect failed (%s); retrying in %.1f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            attempt = 0
            self.status.connects += 1
            try:
                await self.profile.setup(client, self.rate_hz)
                await client.start_notify(self.profile.notify_uuid, self._on_notify)
                self.status.connected = True  # subscribed: samples flow from here
                waiters = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(disconnected.wait()),
                ]
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()
            except BleakError as exc:
                log.warning("link lost during setup: %s", exc)
            finally:
                self.status.connected = False
                with contextlib.suppress(Exception):
                    await client.disconnect()
            if not stop.is_set():
                self.clock.resync()  # whatever arrived during the outage is lost: a gap
                self._reconnected = True
                log.info("disconnected; reconnecting")
        self.journal.flush()
        return self.status


async def record_virtual(
    source: Any,
    model: str,
    out: Any,
    *,
    speed: float = 1.0,
    drop_every_s: float | None = None,
    patient_id: str | None = None,
    body_site: str | None = None,
) -> Any:
    """Record a virtual sensor streaming ``source``'s samples, through the real bleak path.

    ``drop_every_s`` drops the radio link that often (wall time) to exercise reconnection.
    Returns the path of the finished ``.parquet`` recording.
    """
    from datetime import UTC, datetime
    from pathlib import Path

    from bleak import BleakScanner

    from sensing.ble.bumble_backend import BumbleClient, BumbleScanner, VirtualRadio
    from sensing.ble.virtual import VirtualWitMotion
    from sensing.session import SessionMeta, read_session

    if model != "witmotion":
        raise ValueError("virtual recording supports: witmotion")
    session = read_session(Path(source))
    if session.meta.sensor_kind != "imu":
        raise ValueError(f"{Path(source).name}: a witmotion sensor streams IMU data with gyro")
    data = session.data
    dt = data["time_s"].diff().to_numpy()[1:]
    rate = float(round(1.0 / float(max(1e-3, sorted(dt[dt > 0])[len(dt[dt > 0]) // 2]))))
    rate = min(witmotion.RATE_CODES, key=lambda r: abs(r - rate))
    address = "D1:00:00:00:00:01"
    out = Path(out)
    journal_path = out.with_suffix(".htjournal")
    meta = SessionMeta(
        sensor_kind="imu",
        device_model=f"virtual {model}",
        device_address=address,
        nominal_rate_hz=float(rate),
        patient_id=patient_id or session.meta.patient_id,
        body_site=body_site or session.meta.body_site,
        start_time_utc=datetime.now(UTC).replace(microsecond=0).isoformat(),
        extra={"virtual_source": Path(source).name, "speed": speed},
    )
    async with VirtualRadio() as radio:
        dev = VirtualWitMotion(radio, address)
        await dev.start()
        found = await BleakScanner.discover(timeout=2.0, return_adv=True, backend=BumbleScanner)
        if address not in found:
            raise BleakError("virtual sensor not found")
        journal = Journal(journal_path, meta)
        rec = Recorder(
            found[address][0],
            model,
            journal,
            float(rate),
            time_scale=speed,
            client_kwargs={"backend": BumbleClient},
        )
        stop = asyncio.Event()
        task = asyncio.create_task(rec.run(stop))
        while not rec.status.connected:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        stream = asyncio.create_task(dev.stream(data, speed=speed))
        while drop_every_s and not stream.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stream), drop_every_s)
            if not stream.done():
                await dev.drop_link()
        await stream
        await asyncio.sleep(0.5)
        stop.set()
        await task
    return journal.finish(out)
