"""What every virtual sensor shares: a bumble peripheral on the radio, pacing, radio faults.

Each virtual device advertises like the real one (name, service UUID), exposes the same
services and characteristics, answers the same configuration writes, and streams a session's
samples in the device's own byte format, paced by the samples' times. :class:`Faults` makes the
radio misbehave on purpose: dropped links, lost packets, garbage packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from bumble.core import UUID, AdvertisingData
from bumble.device import Device
from bumble.gatt import Characteristic

from holdtrack.analysis.clean import timestamps_clean
from holdtrack.analysis.schema import MAX_SAMPLE_SPACING_S, SENSOR_COLUMNS
from holdtrack.simulation.ble.radio import VirtualRadio, make_device

NOTIFY = Characteristic.Properties.NOTIFY
READ = Characteristic.Properties.READ
WRITE = Characteristic.Properties.WRITE
WRITE_NO_RESPONSE = Characteristic.Properties.WRITE_WITHOUT_RESPONSE


@dataclass(frozen=True)
class Faults:
    """Radio faults a virtual sensor injects while streaming."""

    drop_every_s: float | None = None  # drop the link this often (seconds of the session)
    loss: float = 0.0  # share of notifications lost
    garbage: float = 0.0  # share of notifications followed by a packet of random bytes
    seed: int = 0

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        """``"drop=10,loss=0.02,garbage=0.01"`` (any subset; empty means no faults)."""
        if not spec:
            return cls()
        keys = {"drop": "drop_every_s", "loss": "loss", "garbage": "garbage", "seed": "seed"}
        values: dict[str, float | int] = {}
        for part in spec.split(","):
            key, sep, raw = part.strip().partition("=")
            if not sep or key not in keys:
                raise ValueError(
                    f"fault {part.strip()!r}: use drop=SECONDS, loss=SHARE, garbage=SHARE, seed=N"
                )
            try:
                number = float(raw)
            except ValueError:
                raise ValueError(f"fault {key}: {raw!r} is not a number") from None
            if key in ("loss", "garbage") and not 0.0 <= number < 1.0:
                raise ValueError(f"fault {key}: a share from 0 to below 1, not {raw}")
            if key == "drop" and number <= 0:
                raise ValueError(f"fault drop: seconds above 0, not {raw}")
            values[keys[key]] = int(number) if key == "seed" else number
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Packet:
    """One notification a device sends: when (session seconds), its content, samples carried.

    ``payload`` is the notification's bytes, or what :meth:`VirtualSensor.encode` turns into
    bytes at send time (for devices whose bytes depend on state, such as a tare).
    """

    time_s: float
    payload: object
    samples: int


class VirtualSensor:
    """Common parts: a bumble device on the radio, advertising, pacing, faults."""

    model = ""
    sensor_kinds: tuple[str, ...] = ()

    def __init__(self, radio: VirtualRadio, address: str, name: str) -> None:
        self.radio = radio
        self.address = address
        self.name = name
        self.device: Device = make_device(radio.link, name, address)
        self.writes: list[bytes] = []
        self.sent_while_connected = 0  # samples sent, or lost to faults, to a subscribed central
        self.lost = 0  # samples in notifications lost to the loss fault
        self.garbage_sent = 0
        self.drops = 0
        self.previous: Packet | None = None  # the packet before the current one
        self.notify_char = self._characteristics()
        self.device.advertising_data = bytes(AdvertisingData(self._advertisement()))

    # --- what each model defines -------------------------------------------------------------
    def _characteristics(self) -> Characteristic:
        """Add the GATT services; return the characteristic that notifies samples."""
        raise NotImplementedError

    def _advertisement(self) -> list[tuple[int, bytes]]:
        return [
            (AdvertisingData.FLAGS, bytes([0x06])),
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
        ]

    def packets(self, data: pd.DataFrame) -> list[Packet]:
        """The session's samples as the device's notifications."""
        raise NotImplementedError

    def streaming(self) -> bool:
        """Whether the device sends samples now (some need a start command)."""
        return True

    def garbage(self, rng: random.Random) -> bytes:
        """A packet of 1 to 20 random bytes (a fault)."""
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))

    def encode(self, payload: object) -> bytes:
        """A packet's bytes as sent now."""
        assert isinstance(payload, bytes)
        return payload

    def on_disconnect(self) -> None:
        """The link went down (devices that need a start command stop)."""

    # --- shared behaviour --------------------------------------------------------------------
    def _writable(self, uuid: str, value: bytes = b"", readable: bool = False) -> Characteristic:
        props = WRITE | WRITE_NO_RESPONSE | (READ if readable else 0)
        perms = Characteristic.WRITEABLE | (Characteristic.READABLE if readable else 0)
        char = Characteristic(UUID(uuid), props, perms, value)
        char.on("write", lambda _conn, v: self._on_write(uuid, bytes(v)))
        return char

    def _notifier(self, uuid: str) -> Characteristic:
        return Characteristic(UUID(uuid), NOTIFY | READ, Characteristic.READABLE, b"")

    def _on_write(self, uuid: str, value: bytes) -> None:
        self.writes.append(value)
        self.handle_write(uuid, value)

    def handle_write(self, uuid: str, value: bytes) -> None:
        """React to a central's write (rate, start, stop, header request)."""

    def check_source(self, data: pd.DataFrame, kind: str) -> None:
        """A clear error when the session cannot come from this device."""
        if kind not in self.sensor_kinds:
            raise ValueError(
                f"a {self.model} sensor streams {' or '.join(self.sensor_kinds)} data, "
                f"this session is {kind}"
            )

    async def start(self) -> None:
        """Power on and advertise."""
        await self.device.power_on()
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=50, advertising_interval_max=50
        )

    @property
    def connected(self) -> bool:
        """Whether a central is connected."""
        return bool(self.device.connections)

    @property
    def subscribed(self) -> bool:
        """Whether a central has enabled notifications of the sample characteristic."""
        handle = self.notify_char.handle
        for subs in self.device.gatt_server.subscribers.values():
            cccd = subs.get(handle)
            if cccd and cccd[0] & 0x01:
                return True
        return False

    async def notify(self, data: bytes) -> None:
        """Send one notification to subscribed centrals."""
        await self.device.notify_subscribers(self.notify_char, data)

    async def stream(
        self, data: pd.DataFrame, speed: float = 1.0, faults: Faults | None = None
    ) -> int:
        """Send every sample, paced by its time at ``speed`` x real time; return the count."""
        faults = faults or Faults()
        rng = random.Random(faults.seed)
        packets = self.packets(data)
        loop = asyncio.get_running_loop()
        start = loop.time()
        t0 = packets[0].time_s if packets else 0.0
        next_drop = faults.drop_every_s
        was_connected = self.connected
        for p in packets:
            delay = start + (p.time_s - t0) / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if next_drop is not None and p.time_s - t0 >= next_drop:
                next_drop += faults.drop_every_s or 0.0
                if self.connected:
                    await self.drop_link()
            if was_connected and not self.connected:
                self.on_disconnect()
            was_connected = self.connected
            if self.connected and self.subscribed and self.streaming():
                self.sent_while_connected += p.samples
                if rng.random() < faults.loss:
                    self.lost += p.samples
                else:
                    await self.notify(self.encode(p.payload))
                if rng.random() < faults.garbage:
                    self.garbage_sent += 1
                    await self.notify(self.garbage(rng))
            self.previous = p
        return int(sum(p.samples for p in packets))

    async def drop_link(self) -> None:
        """Drop every connection from the sensor's side (it keeps advertising)."""
        self.drops += 1
        for conn in list(self.device.connections.values()):
            with contextlib.suppress(Exception):
                await conn.disconnect()
        self.on_disconnect()

    async def stop(self) -> None:
        """Stop advertising."""
        with contextlib.suppress(Exception):
            await self.device.stop_advertising()


def device_clock(data: pd.DataFrame) -> np.ndarray:
    """Strictly increasing sample times for a device clock: a session stamped on the host gives
    every sample of a radio packet the packet's time, which a device clock would not."""
    return timestamps_clean(data["time_s"].to_numpy(np.float64))[0]


def at_rate(data: pd.DataFrame, rate_hz: float) -> pd.DataFrame:
    """The session as a sensor running at ``rate_hz`` samples it (device-clock times): on its own
    grid, interpolated between the session's samples, never across its gaps (more than
    ``MAX_SAMPLE_SPACING_S`` apart). Unchanged when the rates agree within 2 %."""
    t, timing = timestamps_clean(data["time_s"].to_numpy(np.float64))  # as device_clock
    period_s = timing["sample_period_s"]
    if len(t) < 2 or not period_s > 0 or abs(1.0 / period_s - rate_hz) <= 0.02 * rate_hz:
        return data.assign(time_s=t)
    breaks = np.flatnonzero(np.diff(t) > MAX_SAMPLE_SPACING_S) + 1
    grid = [np.arange(seg[0], seg[-1], 1.0 / rate_hz) for seg in np.split(t, breaks)]
    new_t = np.concatenate(grid)
    columns = {c: np.interp(new_t, t, data[c].to_numpy(np.float64)) for c in data.columns}
    return pd.DataFrame({**columns, "time_s": new_t})[list(data.columns)]


def imu_packets(data: pd.DataFrame, encode: Callable[..., bytes], rate_hz: float) -> list[Packet]:
    """One notification per IMU sample at the sensor's ``rate_hz``, ``encode(acc_ms2,
    gyro_rads)`` giving its bytes."""
    data = at_rate(data[["time_s", *SENSOR_COLUMNS["imu"]]], rate_hz)
    acc = data[["acc_x", "acc_y", "acc_z"]].to_numpy(np.float64)
    gyro = data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy(np.float64)
    t = data["time_s"].to_numpy(np.float64)
    return [Packet(float(ti), encode(tuple(a), tuple(g)), 1) for ti, a, g in zip(t, acc, gyro)]
