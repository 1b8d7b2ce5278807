"""What a session is: samples plus what is known about them, and the error bad files raise."""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from holdtrack.analysis.schema import SENSOR_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

PathLike = str | os.PathLike[str]

FORMAT_VERSION = 1
METADATA_KEY = b"holdtrack"
EXTRA_PREFIX = "x_"


@cache
def software_version() -> str:
    """The installed holdtrack version (written into every recording)."""
    try:
        return metadata.version("holdtrack")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def is_real(v: object) -> bool:
    """True for int/float (Python or numpy) but not bool."""
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )


class SessionFormatError(ValueError):
    """An unreadable or invalid session file; ``str()`` is one line: file, location, problem."""

    def __init__(
        self,
        path: PathLike,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        row_label: str = "line",
    ) -> None:
        self.path = path
        self.problem = _one_line(re.sub(r"\s*[\r\n]+\s*", " ", str(problem)).strip())
        self.row = row
        self.field = None if field is None else _one_line(str(field))
        self.row_label = row_label
        super().__init__(f"{_one_line(os.fspath(path))}: {self.location}{self.problem}")

    @property
    def location(self) -> str:
        """``"line 17, column time_s: "`` style prefix (empty when neither is known)."""
        parts = []
        if self.row is not None:
            parts.append(f"{self.row_label} {self.row}")
        if self.field is not None:
            parts.append(f"column {self.field}")
        return ", ".join(parts) + ": " if parts else ""

    def __reduce__(self) -> tuple[Any, ...]:
        """Keep the error picklable (keyword-only arguments defeat the default)."""
        return (_rebuild_error, (self.path, self.problem, self.row, self.field, self.row_label))


def _one_line(text: str) -> str:
    """Escape every non-printable character (vertical tab, NUL, line separators...), so that
    text quoted from a damaged file can never break a one-line message."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _rebuild_error(
    path: PathLike, problem: str, row: int | None, field: str | None, row_label: str
) -> SessionFormatError:
    """Unpickle helper for :class:`SessionFormatError`."""
    return SessionFormatError(path, problem, row=row, field=field, row_label=row_label)


@dataclass
class SessionMeta:
    """What is known about a session besides its samples (stored in recordings, not in CSV)."""

    sensor_kind: str
    device_model: str = "unknown"
    device_address: str | None = None
    nominal_rate_hz: float | None = None
    patient_id: str | None = None
    body_site: str | None = None
    start_time_utc: str | None = None  # ISO 8601 with timezone, e.g. "2026-11-22T13:05:00+00:00"
    software_version: str = field(default_factory=lambda: software_version())
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (start_s, end_s), time_s axis
    extra: dict[str, Any] = field(default_factory=dict)  # free JSON-able device/setup info

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (gaps as ``[start_s, end_s]`` lists); inverse of :meth:`from_dict`."""
        return {
            "sensor_kind": self.sensor_kind,
            "device_model": self.device_model,
            "device_address": self.device_address,
            "nominal_rate_hz": self.nominal_rate_hz,
            "patient_id": self.patient_id,
            "body_site": self.body_site,
            "start_time_utc": self.start_time_utc,
            "software_version": self.software_version,
            "gaps": [[float(a), float(b)] for a, b in self.gaps],
            "extra": copy.deepcopy(self.extra),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionMeta:
        """Validated meta from a dict such as :meth:`to_dict` made; ValueError if invalid.

        Unknown keys (e.g. ``format_version``) are ignored.
        """
        if not isinstance(d, Mapping):
            raise ValueError(f"metadata must be a JSON object, not {type(d).__name__}")
        kind = d.get("sensor_kind")
        if not isinstance(kind, str) or kind not in SENSOR_COLUMNS:
            kinds = ", ".join(SENSOR_COLUMNS)
            raise ValueError(f"sensor_kind must be one of {kinds}, not {kind!r}")
        device_model = d.get("device_model", "unknown")
        version = d["software_version"] if "software_version" in d else software_version()
        for key, value in (("device_model", device_model), ("software_version", version)):
            if not isinstance(value, str):
                raise ValueError(f"{key} must be a string, not {value!r}")
        extra = d.get("extra", {})
        if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
            raise ValueError("extra must be a JSON object")
        return cls(
            sensor_kind=kind,
            device_model=device_model,
            nominal_rate_hz=_meta_rate(d.get("nominal_rate_hz")),
            software_version=version,
            gaps=_meta_gaps(d.get("gaps", [])),
            extra=copy.deepcopy(dict(extra)),
            **_meta_optional_strings(d),
        )


def _meta_optional_strings(d: Mapping[str, Any]) -> dict[str, str | None]:
    """The optional text fields of the metadata, the start time checked as ISO 8601 with zone."""
    optional: dict[str, str | None] = {}
    for key in ("device_address", "patient_id", "body_site", "start_time_utc"):
        value = d.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be a string or null, not {value!r}")
        optional[key] = value
    start = optional["start_time_utc"]
    if start is not None:
        try:
            stamp = datetime.fromisoformat(start)
        except ValueError:
            raise ValueError(f"start_time_utc {start!r} is not ISO 8601") from None
        if stamp.tzinfo is None:
            raise ValueError(f"start_time_utc {start!r} has no timezone")
    return optional


def _meta_rate(rate: object) -> float | None:
    """``nominal_rate_hz``: a positive number or None."""
    if rate is None:
        return None
    if not is_real(rate) or not math.isfinite(rate) or rate <= 0:  # type: ignore[arg-type]
        raise ValueError(f"nominal_rate_hz must be a positive number or null, not {rate!r}")
    return float(rate)  # type: ignore[arg-type]


def _meta_gaps(gaps_in: object) -> list[tuple[float, float]]:
    """``gaps``: a list of ``[start_s, end_s]`` with start_s <= end_s."""
    if not isinstance(gaps_in, list | tuple):
        raise ValueError(f"gaps must be a list of [start_s, end_s], not {gaps_in!r}")
    gaps: list[tuple[float, float]] = []
    for gap in gaps_in:
        if (
            not isinstance(gap, list | tuple)
            or len(gap) != 2
            or not all(is_real(v) and math.isfinite(v) for v in gap)
            or gap[0] > gap[1]
        ):
            raise ValueError(f"gap {gap!r} is not [start_s, end_s] with start_s <= end_s")
        gaps.append((float(gap[0]), float(gap[1])))
    return gaps


@dataclass
class ReadReport:
    """What reading a file changed or left out, for the person to be told (never silent)."""

    converted: list[str] = field(default_factory=list)  # "rotation rates from deg/s to rad/s"
    excluded: dict[str, int] = field(default_factory=dict)  # impossible readings, by reason
    first_excluded: str | None = None  # where the first one was, e.g. "line 17"

    @property
    def excluded_samples(self) -> int:
        """How many samples were left out as impossible readings."""
        return sum(self.excluded.values())

    def lines(self) -> list[str]:
        """One line per thing to tell, in plain words."""
        out = [f"converted {what}" for what in self.converted]
        for reason, n in self.excluded.items():
            where = f" (first at {self.first_excluded})" if self.first_excluded else ""
            out.append(f"left out {n} impossible sample{'s' * (n != 1)}: {reason}{where}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"converted": list(self.converted), "excluded_samples": dict(self.excluded)}


class Session:
    """One session: samples (``time_s`` + sensor columns, SI units) and what is known about it.

    The samples are kept as they come, column arrays or a DataFrame; ``samples`` gives arrays
    and ``data`` a DataFrame, made (and pandas imported) only when asked for.
    """

    def __init__(
        self,
        data: pd.DataFrame | Mapping[str, np.ndarray],
        meta: SessionMeta,
        report: ReadReport | None = None,
    ) -> None:
        self.data = data
        self.meta = meta
        self.report = ReadReport() if report is None else report  # what reading changed

    @property
    def data(self) -> pd.DataFrame:
        """The samples as a DataFrame: ``time_s`` + sensor columns (float64) + device extras."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self._columns)
            self._columns = None  # the frame holds the samples from now on
        return self._frame

    @data.setter
    def data(self, value: pd.DataFrame | Mapping[str, np.ndarray]) -> None:
        if isinstance(value, Mapping):
            self._frame, self._columns = None, dict(value)
        else:
            self._frame, self._columns = value, None

    @property
    def samples(self) -> dict[str, np.ndarray]:
        """Every column as a numpy array (views where possible), without pandas."""
        if self._columns is not None:
            return dict(self._columns)
        assert self._frame is not None
        return {str(c): self._frame[c].to_numpy() for c in self._frame.columns}

    @property
    def sensor_columns(self) -> tuple[str, ...]:
        """The sample columns of this session's sensor kind."""
        return SENSOR_COLUMNS[self.meta.sensor_kind]

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample (gaps included), in seconds."""
        t = self.samples["time_s"]
        return float(t[-1] - t[0]) if len(t) else 0.0

    def __repr__(self) -> str:
        """Kind, sample count and columns, not the samples."""
        samples = self.samples
        n = len(next(iter(samples.values()), ()))
        return f"Session({self.meta.sensor_kind!r}, {n} samples of {', '.join(samples)})"
