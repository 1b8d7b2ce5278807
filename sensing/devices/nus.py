"""DIY boards over the Nordic UART Service, speaking the holdtrack line protocol.

The protocol (documented in the README): text lines ending in ``\\n`` (``\\r`` ignored). A header
line names the columns and their units; each following line is one sample, comma separated::

    #holdtrack,1,t:ms,force:N
    1520,12.34
    1540,12.36

Columns: ``t`` (device clock: s, ms or us), ``force`` (N, kg, lbf), ``pressure`` (Pa, hPa, kPa),
``ax``/``ay``/``az`` (m/s2, g, mg), ``gx``/``gy``/``gz`` (rad/s, dps). Notifications carry at most
MTU - 3 bytes, so lines may be split across notifications or several may share one; the decoder
re-frames them. A line may end in ``*HH``, the XOR of its bytes before the ``*`` as two hex
digits (as in NMEA 0183), so corrupted lines are caught. Lines before the first header, not
matching it, or failing their checksum are counted and skipped.
"""

from __future__ import annotations

import math

from holdtrack.analysis.schema import DEG_RAD, G_MS2
from holdtrack.sensing.devices.base import DecodeStats, Sample, keep_plausible

SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
RX_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # central writes
TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # peripheral notifies
HEADER_PREFIX = "#holdtrack,1,"
MAX_LINE = 512
HEADER_REQUEST = b"?\n"  # written to RX: the board answers with its header line

_UNITS: dict[str, tuple[str, dict[str, float]]] = {
    "t": ("time", {"s": 1.0, "ms": 1e-3, "us": 1e-6}),
    "force": ("force_n", {"N": 1.0, "kg": G_MS2, "lbf": 4.4482216152605}),
    "pressure": ("pressure_pa", {"Pa": 1.0, "hPa": 100.0, "kPa": 1000.0}),
    "ax": ("acc_x", {"m/s2": 1.0, "g": G_MS2, "mg": G_MS2 / 1000}),
    "ay": ("acc_y", {"m/s2": 1.0, "g": G_MS2, "mg": G_MS2 / 1000}),
    "az": ("acc_z", {"m/s2": 1.0, "g": G_MS2, "mg": G_MS2 / 1000}),
    "gx": ("gyro_x", {"rad/s": 1.0, "dps": DEG_RAD}),
    "gy": ("gyro_y", {"rad/s": 1.0, "dps": DEG_RAD}),
    "gz": ("gyro_z", {"rad/s": 1.0, "dps": DEG_RAD}),
}


HEADERS = {  # what a board streaming each sensor kind announces (device clock in us)
    "force": "#holdtrack,1,t:us,force:N",
    "pressure": "#holdtrack,1,t:us,pressure:Pa",
    "accel": "#holdtrack,1,t:us,ax:m/s2,ay:m/s2,az:m/s2",
    "imu": "#holdtrack,1,t:us,ax:m/s2,ay:m/s2,az:m/s2,gx:rad/s,gy:rad/s,gz:rad/s",
}


def checksum(text: str) -> str:
    """The two-hex-digit XOR of a line's bytes (the part before ``*``)."""
    x = 0
    for b in text.encode("ascii"):
        x ^= b
    return f"{x:02X}"


def with_checksum(line: str) -> str:
    """``line*HH``: a line as a board sends it with its checksum."""
    return f"{line}*{checksum(line)}"


def parse_header(line: str) -> list[tuple[str, float]]:
    """Column (sample column name or "time") and scale to SI for each field of a header line."""
    if not line.startswith(HEADER_PREFIX):
        raise ValueError("not a '#holdtrack,1,...' header")
    cols = []
    for field in line[len(HEADER_PREFIX) :].split(","):
        name, _, unit = field.strip().partition(":")
        if name not in _UNITS:
            raise ValueError(f"unknown column {name!r}")
        column, scales = _UNITS[name]
        if unit not in scales:
            raise ValueError(f"unit {unit!r} for {name} (use {', '.join(scales)})")
        cols.append((column, scales[unit]))
    if not any(c != "time" for c, _ in cols):
        raise ValueError("header names no sensor column")
    return cols


class HoldtrackLineDecoder:
    """Re-frames notification bytes into lines and lines into samples."""

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self.columns: list[tuple[str, float]] | None = None
        self._buf = bytearray()
        self._resync = False  # after a reset: skip to the next line start

    @property
    def sensor_kind(self) -> str | None:
        """The kind the current header describes (None before a header)."""
        if self.columns is None:
            return None
        names = {c for c, _ in self.columns}
        if "force_n" in names:
            return "force"
        if "pressure_pa" in names:
            return "pressure"
        return "imu" if "gyro_x" in names else "accel"

    def feed(self, data: bytes) -> list[Sample]:
        """Append a notification; decode every complete line."""
        self.stats.packets += 1
        if self._resync and data:
            self._resync = False
            if not data.startswith(b"#"):  # a board restarts at a line start, else skip a part
                cut = data.find(b"\n") + 1
                if cut == 0:
                    self._resync = True
                    cut = len(data)
                self.stats.skipped_bytes += cut
                data = data[cut:]
        self._buf += data
        out: list[Sample] = []
        *lines, rest = self._buf.split(b"\n")
        self._buf = bytearray(rest)
        if len(self._buf) > MAX_LINE:
            self.stats.bad(f"line longer than {MAX_LINE} bytes")
            self._buf.clear()
        for raw in lines:
            sample = self._line(raw.rstrip(b"\r"))
            if sample is not None:
                out.append(sample)
        return keep_plausible(out, self.stats)

    def reset(self) -> None:
        """Forget a partial line (the link dropped) and skip to the next line start; the header
        still holds."""
        self._buf.clear()
        self._resync = True

    def _text(self, raw: bytes) -> str | None:
        """A line's text without its checksum, or None (counted) when it is not ASCII or its
        checksum fails."""
        try:
            line = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            self.stats.bad("line is not ASCII text")
            return None
        if "*" in line:
            line, _, given = line.rpartition("*")
            if given.upper() != checksum(line):
                self.stats.bad("checksum does not match")
                return None
        return line

    def _line(self, raw: bytes) -> Sample | None:
        line = self._text(raw)
        if not line:
            return None
        if line.startswith("#"):
            try:
                self.columns = parse_header(line)
            except ValueError as exc:
                self.stats.bad(f"bad header: {exc}")
            return None
        if self.columns is None:
            self.stats.bad("data line before a header")
            return None
        fields = line.split(",")
        if len(fields) != len(self.columns):
            self.stats.bad(f"{len(fields)} fields, header names {len(self.columns)}")
            return None
        try:
            numbers = [float(f) for f in fields]
        except ValueError:
            self.stats.bad("a field is not a number")
            return None
        if not all(math.isfinite(x) for x in numbers):
            self.stats.bad("a field is not finite")
            return None
        values, device_time = {}, None
        for (column, scale), x in zip(self.columns, numbers):
            if column == "time":
                device_time = x * scale
            else:
                values[column] = x * scale
        return Sample(values, device_time_s=device_time)
