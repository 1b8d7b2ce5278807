"""A person's adherence over a period, as a therapist files it: days with data and the
remote-monitoring band, routines against the prescription, holds at the target, time in
adherent holds, its trend, time per body site, notable sessions, data gaps and sensors.

One source for these numbers: the period report (PDF and HTML), the clinic's period export and
the tests all read :func:`period_summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from holdtrack.library.clinic_settings import ClinicSettings, local_day
from holdtrack.library.index import SessionRow
from holdtrack.library.prescription import Prescription

# A recording shorter than this share of the prescribed routine is no routine.
ROUTINE_MIN_SHARE = 0.5


def monitoring_band(days_with_data: int) -> str:
    """Remote-monitoring band of the days with data in a 30-day period."""
    if days_with_data <= 1:
        return "0-1"
    if days_with_data <= 15:
        return "2-15"
    return "16-30"


def is_routine(s: SessionRow, rx: Prescription, min_share: float = ROUTINE_MIN_SHARE) -> bool:
    """Whether a session counts as a routine: analysed, and at least ``min_share`` (the clinic's
    setting, half by default) of the prescribed length."""
    return s.error is None and s.duration_s >= min_share * rx.routine_min * 60.0


@dataclass
class PeriodSummary:
    """What one person did from ``first_day`` to ``last_day`` (both included)."""

    patient_id: str
    first_day: date
    last_day: date
    prescription: Prescription
    zone_name: str = "UTC"  # the time zone whose calendar days are counted
    sessions: int = 0
    days_with_data: int = 0
    routines: int = 0
    holds: int = 0
    holds_at_target: int = 0
    adherent_time_s: float = 0.0
    rolling_s: float = 0.0
    loaded_s: float = 0.0
    gap_s: float = 0.0
    trend: str = "-"  # time in adherent holds, second half of the period against the first
    site_hold_s: dict[str, float] = field(default_factory=dict)
    sensors: list[str] = field(default_factory=list)
    notable: list[tuple[str, SessionRow]] = field(default_factory=list)

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.last_day - self.first_day).days + 1

    @property
    def band(self) -> str:
        """The remote-monitoring band of the days with data."""
        return monitoring_band(self.days_with_data)

    @property
    def routines_prescribed(self) -> tuple[float, float]:
        """Routines the prescription asks for over the period (fewest, most)."""
        weeks = self.days / 7.0
        rx = self.prescription
        return rx.routines_per_week_min * weeks, rx.routines_per_week_max * weeks


def period_summary(
    patient_id: str,
    sessions: list[SessionRow],
    rx: Prescription,
    first_day: date,
    last_day: date,
    gaps_s: dict[str, float] | None = None,
    settings: ClinicSettings | None = None,
) -> PeriodSummary:
    """The person's sessions that started on ``first_day`` to ``last_day`` (days in the
    clinic's time zone), summarised; ``gaps_s`` gives each session's data gaps where known."""
    settings = settings or ClinicSettings()
    zone = settings.zone()
    day = {s.id: local_day(s.start_utc, zone) for s in sessions}
    inside = sorted(
        (s for s in sessions if first_day <= day[s.id] <= last_day), key=lambda s: s.start_utc
    )
    out = PeriodSummary(patient_id, first_day, last_day, rx, str(zone))
    out.sessions = len(inside)
    out.days_with_data = len({day[s.id] for s in inside})
    out.routines = sum(is_routine(s, rx, settings.routine_min_share) for s in inside)
    ok = [s for s in inside if s.error is None]
    out.holds = sum(s.n_holds for s in ok)
    out.holds_at_target = sum(s.adherent_holds for s in ok)
    out.adherent_time_s = sum(s.adherent_time_s for s in ok)
    out.rolling_s = sum(s.rolling_s for s in ok)
    out.loaded_s = sum(s.loaded_s for s in ok)
    out.gap_s = sum((gaps_s or {}).get(s.id, 0.0) for s in inside)
    for s in ok:
        site = s.body_site or "unknown"
        out.site_hold_s[site] = out.site_hold_s.get(site, 0.0) + s.hold_s
    out.sensors = sorted({s.device or s.sensor_kind for s in inside})
    out.trend = _trend([(day[s.id], s) for s in ok], first_day, out.days)
    out.notable = _notable(ok)
    return out


def _trend(ok: list[tuple[date, SessionRow]], first_day: date, days: int) -> str:
    """Up, down or steady: time in adherent holds in the second half against the first."""
    middle = first_day + timedelta(days=days / 2)
    first = sum(s.adherent_time_s for d, s in ok if d < middle)
    second = sum(s.adherent_time_s for d, s in ok if d >= middle)
    if not ok or first == second == 0:
        return "-"
    if second > first * 1.1:
        return "up"
    if second < first * 0.9:
        return "down"
    return "steady"


def _notable(ok: list[SessionRow]) -> list[tuple[str, SessionRow]]:
    """The sessions worth a look: the longest hold, and the most rolling."""
    if not ok:
        return []
    out = [("longest hold", max(ok, key=lambda s: s.longest_hold_s))]
    rolling = max(ok, key=lambda s: s.rolling_s / s.loaded_s if s.loaded_s else 0.0)
    if rolling.loaded_s and rolling.rolling_s / rolling.loaded_s > 0.3:
        out.append(("most rolling", rolling))
    return out


def period_row(p: PeriodSummary) -> dict[str, Any]:
    """One CSV row of the clinic's period export."""
    lo, hi = p.routines_prescribed
    return {
        "person": p.patient_id,
        "first day": p.first_day.isoformat(),
        "last day": p.last_day.isoformat(),
        "days with data": p.days_with_data,
        "monitoring band": p.band,
        "sessions": p.sessions,
        "routines": p.routines,
        "routines prescribed": f"{lo:.0f}-{hi:.0f}",
        "holds": p.holds,
        "holds at target": p.holds_at_target,
        "hold target s": p.prescription.hold_target_s,
        "minutes in adherent holds": round(p.adherent_time_s / 60.0, 1),
        "rolling share of loaded time": round(p.rolling_s / p.loaded_s, 3) if p.loaded_s else "",
        "trend": p.trend,
        "data gaps s": round(p.gap_s, 1),
        "sensors": " ".join(p.sensors),
    }


def period_default(today: date, days: int = 30) -> tuple[date, date]:
    """The last ``days`` days up to today."""
    return today - timedelta(days=days - 1), today
