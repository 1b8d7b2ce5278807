"""WitMotion BLE 5.0 IMUs (WT901BLECL family): ``55 61`` frames on a notification byte stream.

20-byte frames, no checksum and no timestamp: acc i16 / 32768 * 16 g, gyro i16 / 32768 * 2000
deg/s, angles i16 / 32768 * 180 deg (all little-endian). The stream is resynchronised on the
``55 61`` / ``55 71`` headers after garbage. Output rate is set by register writes.
"""

from __future__ import annotations

import struct

from holdtrack.analysis.schema import DEG_RAD, G_MS2
from holdtrack.sensing.devices.base import DecodeStats, Sample, keep_plausible

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"
NAME_PREFIX = "WT"
FRAME_LEN = 20
DATA_FLAG = 0x61
REGISTER_FLAG = 0x71
MAX_BUFFER = 4 * FRAME_LEN
RATE_CODES = {0.2: 0x01, 0.5: 0x02, 1: 0x03, 2: 0x04, 5: 0x05, 10: 0x06, 20: 0x07, 50: 0x08,
              100: 0x09, 200: 0x0B}  # fmt: skip
UNLOCK = bytes.fromhex("FFAA6988B5")
SAVE = bytes.fromhex("FFAA000000")


def rate_commands(rate_hz: float) -> list[bytes]:
    """Writes that set the output rate: unlock, RRATE register 0x03, save."""
    if rate_hz not in RATE_CODES:
        raise ValueError(f"WitMotion rates are {sorted(RATE_CODES)} Hz, not {rate_hz}")
    return [UNLOCK, bytes([0xFF, 0xAA, 0x03, RATE_CODES[rate_hz], 0x00]), SAVE]


def decode_frame(frame: bytes) -> tuple[Sample, tuple[float, float, float]]:
    """One ``55 61`` frame -> (sample with acc m/s^2 and gyro rad/s, Euler angles in deg)."""
    if len(frame) != FRAME_LEN or frame[0] != 0x55 or frame[1] != DATA_FLAG:
        raise ValueError("not a 20-byte 55 61 frame")
    v = struct.unpack_from("<9h", frame, 2)
    acc = [x / 32768 * 16 * G_MS2 for x in v[0:3]]
    gyro = [x / 32768 * 2000 * DEG_RAD for x in v[3:6]]
    angles = (v[6] / 32768 * 180, v[7] / 32768 * 180, v[8] / 32768 * 180)
    cols = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
    return Sample(dict(zip(cols, acc + gyro))), angles


def encode_frame(
    acc_ms2: tuple[float, float, float], gyro_rads: tuple[float, float, float]
) -> bytes:
    """A ``55 61`` frame as the sensor would send it (angles zero), for virtual sensors."""

    def i16(x: float) -> int:
        return max(-32768, min(32767, round(x)))

    acc = [i16(a / G_MS2 / 16 * 32768) for a in acc_ms2]
    gyro = [i16(w / DEG_RAD / 2000 * 32768) for w in gyro_rads]
    return bytes([0x55, DATA_FLAG]) + struct.pack("<9h", *acc, *gyro, 0, 0, 0)


class WitMotionDecoder:
    """Byte-stream decoder: frames may be split across notifications or follow garbage."""

    sensor_kind = "imu"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Sample]:
        """Decode every complete data frame in the stream so far."""
        self.stats.packets += 1
        self._buf += data
        out: list[Sample] = []
        while True:
            start = self._find_header()
            if start is None:
                # Keep a trailing 0x55 that may start the next frame.
                keep = 1 if self._buf[-1:] == b"\x55" else 0
                self._drop(len(self._buf) - keep)
                break
            self._drop(start)
            if len(self._buf) < FRAME_LEN:
                break
            frame = bytes(self._buf[:FRAME_LEN])
            if frame[1] == DATA_FLAG:
                out.append(decode_frame(frame)[0])
            del self._buf[:FRAME_LEN]
        if len(self._buf) > MAX_BUFFER:  # pragma: no cover - a header always cuts it shorter
            self._drop(len(self._buf))
        return keep_plausible(out, self.stats)

    def reset(self) -> None:
        """Forget a partial frame (the link dropped; the next notification starts afresh)."""
        self._buf.clear()

    def _find_header(self) -> int | None:
        for i in range(len(self._buf) - 1):
            if self._buf[i] == 0x55 and self._buf[i + 1] in (DATA_FLAG, REGISTER_FLAG):
                return i
        return None

    def _drop(self, n: int) -> None:
        if n > 0:
            self.stats.skipped_bytes += n
            self.stats.bad("bytes outside a frame")
            del self._buf[:n]
