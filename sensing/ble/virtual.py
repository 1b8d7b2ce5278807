"""Virtual sensors: bumble peripherals with a real device's GATT profile, fed from a session.

Each virtual device advertises like the real one (name, service UUID), exposes the same
services and characteristics, and streams a session's samples in the device's own byte format.
"""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np
import pandas as pd
from bumble.core import UUID, AdvertisingData
from bumble.device import Device
from bumble.gatt import Characteristic, Service

from sensing.ble.bumble_backend import VirtualRadio, make_device
from sensing.devices import witmotion


class VirtualWitMotion:
    """A WitMotion BLE 5.0 IMU streaming ``55 61`` frames from IMU samples."""

    model = "witmotion"

    def __init__(self, radio: VirtualRadio, address: str, name: str = "WT901BLE68") -> None:
        self.radio = radio
        self.address = address
        self.name = name
        self.device: Device = make_device(radio.link, name, address)
        self.rate_hz = 10.0
        self.writes: list[bytes] = []
        self.notify_char = Characteristic(
            UUID(witmotion.NOTIFY_UUID),
            Characteristic.Properties.NOTIFY | Characteristic.Properties.READ,
            Characteristic.READABLE,
            b"",
        )
        self.write_char = Characteristic(
            UUID(witmotion.WRITE_UUID),
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            b"",
        )
        self.write_char.on("write", self._on_write)
        self.device.add_service(
            Service(UUID(witmotion.SERVICE_UUID), [self.notify_char, self.write_char])
        )
        self.device.advertising_data = bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),
                    (AdvertisingData.COMPLETE_LOCAL_NAME, name.encode()),
                ]
            )
        )
        self._stream: asyncio.Task[None] | None = None
        self.sent_while_connected = 0

    def _on_write(self, _connection: object, value: bytes) -> None:
        value = bytes(value)
        self.writes.append(value)
        if len(value) == 5 and value[:3] == bytes([0xFF, 0xAA, 0x03]):
            codes = {v: k for k, v in witmotion.RATE_CODES.items()}
            self.rate_hz = float(codes.get(value[3], self.rate_hz))

    async def start(self) -> None:
        """Power on and advertise."""
        await self.device.power_on()
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=50, advertising_interval_max=50
        )

    def frames(self, data: pd.DataFrame) -> list[bytes]:
        """The session's samples as the sensor's frames."""
        acc = data[["acc_x", "acc_y", "acc_z"]].to_numpy()
        gyro = data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy()
        return [witmotion.encode_frame(tuple(a), tuple(g)) for a, g in zip(acc, gyro)]

    async def stream(self, data: pd.DataFrame, speed: float = 1.0) -> int:
        """Notify every sample, paced by its time_s at ``speed`` x real time; return the count."""
        t = data["time_s"].to_numpy(np.float64)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for ti, frame in zip(t - t[0], self.frames(data)):
            delay = start + ti / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.device.connections:
                self.sent_while_connected += 1
            await self.device.notify_subscribers(self.notify_char, frame)
        return len(t)

    async def drop_link(self) -> None:
        """Drop every connection from the sensor's side (it keeps advertising)."""
        for conn in list(self.device.connections.values()):
            with contextlib.suppress(Exception):
                await conn.disconnect()

    async def stop(self) -> None:
        """Stop advertising and streaming."""
        if self._stream is not None:
            self._stream.cancel()
        with contextlib.suppress(Exception):
            await self.device.stop_advertising()
