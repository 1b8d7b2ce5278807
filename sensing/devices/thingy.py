"""Nordic Thingy:52 motion service: raw accelerometer and gyro, rate set by its config.

Raw data (``EF680406``) is 18 bytes of little-endian int16: acc in 6Q10 (/1024 -> g), gyro in
11Q5 (/32 -> deg/s), compass in 12Q4 (/16 -> uT). No timestamp. The 9-byte config (``EF680401``)
holds the motion processing frequency (5 to 200 Hz) among other intervals.
"""

from __future__ import annotations

import struct

from holdtrack.analysis.schema import DEG_RAD, G_MS2
from holdtrack.sensing.devices.base import DecodeStats, Sample, keep_plausible

BASE = "ef68{:04x}-9b35-4933-9b10-52ffa9740042"
SERVICE_UUID = BASE.format(0x0400)
CONFIG_UUID = BASE.format(0x0401)
RAW_UUID = BASE.format(0x0406)
NAME_PREFIX = "Thingy"
RAW_LEN = 18
CONFIG_LEN = 9
DEFAULT_CONFIG = bytes.fromhex("E803F401F4010A0001")  # 1000/500/500 ms, 10 Hz, wake on


def config_with_rate(config: bytes, rate_hz: int) -> bytes:
    """The 9-byte config with a new motion processing frequency (read-modify-write)."""
    if len(config) != CONFIG_LEN:
        raise ValueError(f"Thingy config is {CONFIG_LEN} bytes, got {len(config)}")
    if not 5 <= rate_hz <= 200:
        raise ValueError("Thingy motion frequency must be 5 to 200 Hz")
    step, temp, mag, _, wake = struct.unpack("<4HB", config)
    return struct.pack("<4HB", step, temp, mag, rate_hz, wake)


def config_rate(config: bytes) -> int:
    """Motion processing frequency (Hz) in a 9-byte config."""
    return struct.unpack("<4HB", config)[3]


def encode_raw(acc_ms2: tuple[float, ...], gyro_rads: tuple[float, ...]) -> bytes:
    """An 18-byte raw motion notification (compass zero), for virtual sensors."""

    def i16(x: float) -> int:
        return max(-32768, min(32767, round(x)))

    acc = [i16(a / G_MS2 * 1024) for a in acc_ms2]
    gyro = [i16(w / DEG_RAD * 32) for w in gyro_rads]
    return struct.pack("<9h", *acc, *gyro, 0, 0, 0)


class ThingyRawDecoder:
    """Decoder for raw motion notifications (one sample each)."""

    sensor_kind = "imu"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self.last_compass_ut: tuple[float, float, float] | None = None

    def reset(self) -> None:
        """Nothing to forget: every notification is a whole sample."""

    def feed(self, data: bytes) -> list[Sample]:
        """One notification -> one sample, or none (counted) when it is not 18 bytes."""
        self.stats.packets += 1
        if len(data) != RAW_LEN:
            self.stats.bad(f"raw motion packet of {len(data)} bytes, expected {RAW_LEN}")
            return []
        v = struct.unpack("<9h", data)
        acc = [x / 1024 * G_MS2 for x in v[0:3]]
        gyro = [x / 32 * DEG_RAD for x in v[3:6]]
        self.last_compass_ut = (v[6] / 16, v[7] / 16, v[8] / 16)
        cols = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
        return keep_plausible([Sample(dict(zip(cols, acc + gyro)))], self.stats)
