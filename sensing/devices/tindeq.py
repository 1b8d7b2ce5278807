"""Tindeq Progressor: force with tare and start/stop commands, microsecond device timestamps.

Notifications are TLV: response code, payload length, payload. Code 1 carries N samples of
``f32 LE kg`` + ``u32 LE microseconds``; the u32 counter wraps after ~71.6 min, which is undone
here. Weight is converted to newtons.
"""

from __future__ import annotations

import math
import struct

from holdtrack.analysis.schema import G_MS2
from holdtrack.sensing.devices.base import DecodeStats, Sample, keep_plausible

SERVICE_UUID = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57"
DATA_UUID = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57"
CONTROL_UUID = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57"
NAME_PREFIX = "Progressor"
TARE = bytes([0x64, 0x00])
START_WEIGHT = bytes([0x65, 0x00])
STOP_WEIGHT = bytes([0x66, 0x00])
GET_BATTERY = bytes([0x6F, 0x00])
CODE_COMMAND, CODE_WEIGHT, CODE_LOW_POWER = 0, 1, 4
WRAP_US = 1 << 32


class TindeqDecoder:
    """Decoder for data-point notifications; keeps the timestamp unwrapping state."""

    sensor_kind = "force"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self.low_power = False
        self.last_command_payload: bytes | None = None
        self._last_us: int | None = None
        self._wraps = 0

    def feed(self, data: bytes) -> list[Sample]:
        """One notification -> its weight samples (none for other responses or bad packets)."""
        self.stats.packets += 1
        if len(data) < 2:
            self.stats.bad("packet shorter than its 2-byte header")
            return []
        code, length = data[0], data[1]
        payload = data[2:]
        if len(payload) != length:
            self.stats.bad(f"length byte says {length}, payload has {len(payload)} bytes")
            return []
        if code == CODE_COMMAND:
            self.last_command_payload = bytes(payload)
            return []
        if code == CODE_LOW_POWER:
            self.low_power = True
            return []
        if code != CODE_WEIGHT:
            self.stats.bad(f"response code {code} is not weight data")
            return []
        if length % 8:
            self.stats.bad(f"weight payload of {length} bytes is not a multiple of 8")
            return []
        out = []
        for kg, us in struct.iter_unpack("<fI", payload):
            if not math.isfinite(kg):
                self.stats.bad("weight is not a number")
                continue
            out.append(Sample({"force_n": kg * G_MS2}, device_time_s=self._unwrap(us) / 1e6))
        return keep_plausible(out, self.stats)

    def reset(self) -> None:
        """Forget the clock history (a new start command may restart the device clock)."""
        self._last_us = None
        self._wraps = 0

    def _unwrap(self, us: int) -> int:
        if self._last_us is not None and us < self._last_us - WRAP_US // 2:
            self._wraps += 1
        self._last_us = us
        return us + self._wraps * WRAP_US


def encode_weights(points: list[tuple[float, int]]) -> bytes:
    """A weight notification carrying ``(kg, microseconds)`` points, for virtual sensors."""
    payload = b"".join(struct.pack("<fI", kg, us % WRAP_US) for kg, us in points)
    return bytes([CODE_WEIGHT, len(payload)]) + payload


def battery_mv(payload: bytes) -> int:
    """Battery voltage (mV) from the payload of the reply to GET_BATTERY."""
    if len(payload) != 4:
        raise ValueError("battery reply payload must be 4 bytes")
    return struct.unpack("<I", payload)[0]
