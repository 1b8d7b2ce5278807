"""Virtual sensors: bumble peripherals with a real device's GATT profile, fed from a session.

Each advertises like the real one (name, service UUID), exposes the same services and
characteristics, answers the same configuration writes, and streams a session's samples in the
device's own byte format (the encoders beside the decoders in ``holdtrack.sensing.devices``).
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
from bumble.core import UUID, AdvertisingData
from bumble.gatt import Characteristic, Service

from holdtrack.analysis.schema import G_MS2, SENSOR_COLUMNS
from holdtrack.sensing.devices import nus, thingy, tindeq, witmotion
from holdtrack.simulation.ble.peripheral import Packet, VirtualSensor, device_clock, imu_packets
from holdtrack.simulation.ble.radio import VirtualRadio


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
        """One 20-byte frame per sample, at the rate it was set to."""
        return imu_packets(data, witmotion.encode_frame, self.rate_hz)


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
        """One 18-byte raw notification per sample, at the rate in its config."""
        return imu_packets(data, thingy.encode_raw, self.rate_hz)


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
        kg = data["force_n"].to_numpy(np.float64) / G_MS2
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
        """Any sensor kind: the header names the columns."""
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
