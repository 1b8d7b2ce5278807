"""What a clinic sets once for everyone: its time zone (days are counted there) and the lines
at which the clinic view flags a person.

Kept as a small JSON file beside the index, replaced whole on every change, so a half-written
file can never be read. A missing or unreadable file means the defaults.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from holdtrack.sensing.session.atomic import atomic_write

log = logging.getLogger(__name__)

SETTINGS_FILE = "clinic_settings.json"


@dataclass(frozen=True)
class ClinicSettings:
    """The clinic's time zone ("" is this machine's) and its flag thresholds."""

    time_zone: str = ""
    no_data_days: int = 3  # flag a person with no session for this many days
    mostly_rolling_share: float = 0.5  # flag a latest session rolling more than this share
    routine_min_share: float = 0.5  # a recording under this share of the routine is no routine

    def __post_init__(self) -> None:
        if self.time_zone and self.time_zone not in zone_names():
            raise ValueError(f"unknown time zone {self.time_zone!r} (use a name like Europe/Oslo)")
        if not 1 <= self.no_data_days <= 365:
            raise ValueError("days without data must be 1-365")
        if not (0 < self.mostly_rolling_share < 1 and 0 < self.routine_min_share <= 1):
            raise ValueError("the rolling share must be between 0 and 1, the routine share 0-1")

    def zone(self) -> tzinfo:
        """The clinic's time zone, or this machine's when none is set."""
        return ZoneInfo(self.time_zone) if self.time_zone else machine_zone()


@cache
def zone_names() -> frozenset[str]:
    """Every IANA time zone name this machine knows."""
    return frozenset(available_timezones() | {"UTC"})


def machine_zone() -> tzinfo:
    """This machine's time zone: $TZ, else /etc/localtime, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        target = os.path.realpath("/etc/localtime")
        name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of a moment in a time zone (a session at 23:30 UTC may be tomorrow)."""
    return moment.astimezone(zone).date()


def read_settings(root: Path) -> ClinicSettings:
    """The clinic's settings in library ``root`` (the defaults when none were saved or the file
    cannot be read, which is logged)."""
    path = Path(root) / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(ClinicSettings)}
        return ClinicSettings(**{k: v for k, v in raw.items() if k in known})
    except FileNotFoundError:
        return ClinicSettings()
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("%s: cannot read the clinic settings (%s); using the defaults", path, exc)
        return ClinicSettings()


def write_settings(root: Path, settings: ClinicSettings) -> None:
    """Save the clinic's settings, replacing the file whole."""
    text = json.dumps(asdict(settings), indent=1)
    atomic_write(Path(root) / SETTINGS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def now_in(zone: tzinfo) -> datetime:
    """The present moment in a time zone."""
    return datetime.now(UTC).astimezone(zone)
