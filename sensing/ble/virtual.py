"""Virtual sensors: bumble peripherals with a real device's GATT profile, fed from a session.

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
from bumble.gatt import Characteristic, Service

from analysis.clean import timestamps_clean
from analysis.columns import SENSOR_COLUMNS
from sensing.ble.bumble_backend import VirtualRadio, make_device
from sensing.devices import nus, thingy, tindeq, witmotion
from sensing.devices.base import G

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


def imu_packets(data: pd.DataFrame, encode: Callable[..., bytes]) -> list[Packet]:
    """One notification per IMU sample, ``encode(acc_ms2, gyro_rads)`` giving its bytes."""
    acc = data[["acc_x", "acc_y", "acc_z"]].to_numpy(np.float64)
    gyro = data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy(np.float64)
    t = device_clock(data)
    return [Packet(float(ti), encode(tuple(a), tuple(g)), 1) for ti, a, g in zip(t, acc, gyro)]


class VirtualWitMotion(VirtualSensor):
    """A WitMotion BLE 5.0 IMU: ``55 61`` frames, rate set by register writes."""

    model = "witmotion"
    sensor_kinds = ("imu",)

    def __init__(self, radio: VirtualRadio, address: str, name: str = "WT901BLE68") -> None:
        self.rate_hz = 10.0
        super().__init__(radio, address, name)

    def _characteristics(self) -> Characteristic:
        notify = self._notifier(witmotion.NOTIFY_UUID)
        write = self._writable(witmotion.WRITE_UUID)
        self.device.add_service(Service(UUID(witmotion.SERVICE_UUID), [notify, write]))
        return notify

    def handle_write(self, uuid: str, value: bytes) -> None:
        """Register 0x03 sets the output rate."""
        if len(value) == 5 and value[:3] == bytes([0xFF, 0xAA, 0x03]):
            codes = {v: k for k, v in witmotion.RATE_CODES.items()}
            self.rate_hz = float(codes.get(value[3], self.rate_hz))

    def packets(self, data: pd.DataFrame) -> list[Packet]:
        """One 20-byte frame per sample."""
        return imu_packets(data, witmotion.encode_frame)


class VirtualThingy(VirtualSensor):
    """A Nordic Thingy:52: raw motion notifications, rate in its 9-byte config."""

    model = "thingy52"
    sensor_kinds = ("imu",)

    def __init__(self, radio: VirtualRadio, address: str, name: str = "Thingy") -> None:
        super().__init__(radio, address, name)

    def _characteristics(self) -> Characteristic:
        self._config = thingy.DEFAULT_CONFIG
        self.config_char = self._writable(thingy.CONFIG_UUID, thingy.DEFAULT_CONFIG, readable=True)
        raw = self._notifier(thingy.RAW_UUID)
        self.device.add_service(Service(UUID(thingy.SERVICE_UUID), [self.config_char, raw]))
        return raw

    @property
    def rate_hz(self) -> float:
        """Motion processing frequency in the current config."""
        return float(thingy.config_rate(bytes(self.config_char.value)))

    def handle_write(self, uuid: str, value: bytes) -> None:
        """Keep the last valid config (the firmware ignores writes of the wrong size)."""
        if len(value) == thingy.CONFIG_LEN:
            self._config = value
        self.config_char.value = self._config

    def garbage(self, rng: random.Random) -> bytes:
        """Random bytes of any length but the raw packet's: with no checksum in the format, a
        random packet of exactly 18 bytes would be indistinguishable from a reading."""
        data = super().garbage(rng)
        return data + b"\x00" if len(data) == thingy.RAW_LEN else data

    def packets(self, data: pd.DataFrame) -> list[Packet]:
        """One 18-byte raw notification per sample."""
        return imu_packets(data, thingy.encode_raw)


class VirtualTindeq(VirtualSensor):
    """A Tindeq Progressor: weight notifications with µs timestamps after a start command.

    Its clock starts near the u32 limit, so every recording longer than a minute crosses a
    wraparound. It stops on a disconnect, like the real one, until started again.
    """

    model = "tindeq"
    sensor_kinds = ("force",)
    CLOCK_START_US = (1 << 32) - 60_000_000

    def __init__(
        self, radio: VirtualRadio, address: str, name: str = "Progressor_7", per_packet: int = 4
    ) -> None:
        self.started = False
        self.tare_kg = 0.0
        self.per_packet = per_packet
        self._latest_kg = 0.0
        super().__init__(radio, address, name)

    def _characteristics(self) -> Characteristic:
        data = self._notifier(tindeq.DATA_UUID)
        control = self._writable(tindeq.CONTROL_UUID)
        self.device.add_service(Service(UUID(tindeq.SERVICE_UUID), [data, control]))
        return data

    def handle_write(self, uuid: str, value: bytes) -> None:
        """Tare, start and stop (opcode first; the length byte is optional)."""
        op = value[:1]
        if op == tindeq.TARE[:1]:
            self.tare_kg = self._latest_kg
        elif op == tindeq.START_WEIGHT[:1]:
            self.started = True
        elif op == tindeq.STOP_WEIGHT[:1]:
            self.started = False

    def streaming(self) -> bool:
        """Only between start and stop."""
        return self.started

    def on_disconnect(self) -> None:
        """The measurement stops with the link."""
        self.started = False

    def packets(self, data: pd.DataFrame) -> list[Packet]:
        """``per_packet`` samples per notification, each with its µs timestamp."""
        t = device_clock(data)
        kg = data["force_n"].to_numpy(np.float64) / G
        us = self.CLOCK_START_US + np.round((t - t[0]) * 1e6).astype(np.int64)
        return [
            Packet(float(t[min(len(t), i + self.per_packet) - 1]),
                   (kg[i : i + self.per_packet], us[i : i + self.per_packet]),
                   len(t[i : i + self.per_packet]))
            for i in range(0, len(t), self.per_packet)
        ]  # fmt: skip

    def encode(self, payload: object) -> bytes:
        """Weights minus the tare taken at the latest tare command."""
        kg, us = payload  # type: ignore[misc]
        self._latest_kg = float(kg[-1])
        return tindeq.encode_weights([(float(k) - self.tare_kg, int(u)) for k, u in zip(kg, us)])


class VirtualLineBoard(VirtualSensor):
    """A DIY board speaking the holdtrack line protocol over the Nordic UART Service.

    Like a typical firmware, it sends what accumulated every ``every_s`` in notifications of
    up to ``chunk`` bytes (MTU - 3): fast boards pack several lines into one, and a smaller
    ``chunk`` (20 bytes, the default MTU's) splits lines across notifications.
    """

    model = "holdtrack-line"
    sensor_kinds = ("force", "pressure", "accel", "imu")

    def __init__(
        self,
        radio: VirtualRadio,
        address: str,
        name: str = "HT-FSR1",
        chunk: int = 244,
        every_s: float = 0.05,
    ) -> None:
        self.chunk = chunk
        self.every_s = every_s
        self.kind = "force"
        self._pending_header = True  # a board announces its columns when it starts
        super().__init__(radio, address, name)

    def _characteristics(self) -> Characteristic:
        tx = self._notifier(nus.TX_UUID)
        rx = self._writable(nus.RX_UUID)
        self.device.add_service(Service(UUID(nus.SERVICE_UUID), [rx, tx]))
        return tx

    def _advertisement(self) -> list[tuple[int, bytes]]:
        return [
            *super()._advertisement(),
            (
                AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                bytes(UUID(nus.SERVICE_UUID).to_bytes()),
            ),
        ]

    def handle_write(self, uuid: str, value: bytes) -> None:
        """``?`` asks for the header: it goes out ahead of the next data."""
        if value.strip() == nus.HEADER_REQUEST.strip():
            self._pending_header = True

    def check_source(self, data: pd.DataFrame, kind: str) -> None:
        """Any SPEC kind: the header names the columns."""
        super().check_source(data, kind)
        self.kind = kind

    async def notify(self, data: bytes) -> None:
        """Send the header first when it was asked for, restarting output at a line start."""
        if self._pending_header:
            self._pending_header = False
            await super().notify((nus.with_checksum(nus.HEADERS[self.kind]) + "\n").encode())
            before = self.previous.payload if self.previous else b"\n"
            if not before.endswith(b"\n"):  # type: ignore[attr-defined]
                data = data[data.find(b"\n") + 1 :]  # the partial line from before is dropped
            if not data:
                return
        await super().notify(data)

    def on_disconnect(self) -> None:
        """The board announces its header again on the next connection."""
        self._pending_header = True

    def packets(self, data: pd.DataFrame) -> list[Packet]:
        """The samples as text lines: what accumulated every ``every_s``, in notifications of
        at most ``chunk`` bytes (a line longer than what is left is split across two)."""
        cols = SENSOR_COLUMNS[self.kind]
        t = device_clock(data)
        us = np.round((t - t[0]) * 1e6).astype(np.int64)
        values = data[list(cols)].to_numpy(np.float64)
        out: list[Packet] = []
        buf, due = b"", float(t[0])
        for k, (ti, u, row) in enumerate(zip(t, us, values)):
            line = ",".join([str(int(u)), *(format(v, ".9g") for v in row)])
            buf += (nus.with_checksum(line) + "\n").encode()
            if ti < due and k < len(t) - 1:
                continue
            due = float(ti) + self.every_s
            while buf:
                piece, buf = buf[: self.chunk], buf[self.chunk :]
                out.append(Packet(float(ti), piece, piece.count(b"\n")))
        return out


VIRTUAL_MODELS: dict[str, type[VirtualSensor]] = {
    cls.model: cls for cls in (VirtualWitMotion, VirtualThingy, VirtualTindeq, VirtualLineBoard)
}
