"""What the dashboard pages show, computed without Streamlit (so it can be tested alone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import numpy as np
import pandas as pd
from tsdownsample import MinMaxDownsampler

from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.analysis.text import clock_text
from holdtrack.library import Prescription, SessionRow
from holdtrack.library.clinic_settings import ClinicSettings
from holdtrack.library.period import is_routine, monitoring_band

PLOT_POINTS = 2000
SPARK_WEEKS = 8  # weeks of adherence drawn in each clinic row


def clinic_table(
    sessions: list[SessionRow],
    now: datetime | None = None,
    prescriptions: dict[str, Prescription] | None = None,
    settings: ClinicSettings | None = None,
) -> pd.DataFrame:
    """One row per patient: last session, days with data, band, adherence, trend and flags.

    Adherence is judged against each person's own prescription (routines and hold target), days
    and weeks in the clinic's time zone, flags at the clinic's thresholds. People who need
    attention come first: most flags first, then by name.
    """
    prescriptions = prescriptions or {}
    settings = settings or ClinicSettings()
    now = (now or datetime.now(UTC)).astimezone(settings.zone())
    by_patient: dict[str, list[SessionRow]] = {}
    for s in sessions:
        by_patient.setdefault(s.patient_id, []).append(s)
    rows = [
        _clinic_row(patient, items, prescriptions.get(patient, Prescription()), now, settings)
        for patient, items in by_patient.items()
    ]
    rows.sort(key=lambda r: (-r.pop("_n_flags"), r["patient"]))
    return pd.DataFrame(rows)


def patient_flags(
    items: list[SessionRow], rx: Prescription, now: datetime, settings: ClinicSettings | None = None
) -> list[str]:
    """What needs a therapist's attention, in words with the number behind each; ``items`` in
    time order."""
    cfg = settings or ClinicSettings()
    flags = []
    failed = sum(s.error is not None for s in items)
    if failed:
        flags.append(f"{failed} session{'s' * (failed > 1)} could not be analysed")
    last = items[-1]
    if (now - last.start_utc).days >= cfg.no_data_days:
        flags.append(f"no data for {(now - last.start_utc).days} days")
    rolling = last.rolling_s / last.loaded_s if last.loaded_s > 0 else 0.0
    if last.error is None and rolling > cfg.mostly_rolling_share:
        flags.append(f"latest session mostly rolling ({rolling:.0%})")
    if last.error is None and last.n_holds and not last.adherent_holds:
        target = clock_text(rx.hold_target_s)
        flags.append(f"no hold reached {target} in the latest session (0 of {last.n_holds})")
    if last.error is None and not is_routine(last, rx, cfg.routine_min_share):
        flags.append(
            f"latest session far shorter than prescribed "
            f"({clock_text(last.duration_s)} of {rx.routine_min:g} min)"
        )
    week = [s for s in items if now - timedelta(days=7) < s.start_utc <= now]
    done = sum(is_routine(s, rx, cfg.routine_min_share) for s in week)
    if done < rx.routines_per_week_min:
        flags.append(f"{done} of {rx.routines_per_week_min} routines in the last 7 days")
    return flags


def _clinic_row(
    patient: str, items: list[SessionRow], rx: Prescription, now: datetime, cfg: ClinicSettings
) -> dict[str, Any]:
    """The clinic table's row for one person; ``now`` in the clinic's time zone."""
    zone = now.tzinfo
    week_start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    items = sorted(items, key=lambda s: s.start_utc)
    last = items[-1].start_utc.astimezone(zone)
    recent = [s for s in items if now - timedelta(days=30) < s.start_utc <= now]
    days = len({s.start_utc.astimezone(zone).date() for s in recent})
    this_week = [s for s in items if week_start <= s.start_utc <= now]
    routines = sum(is_routine(s, rx, cfg.routine_min_share) for s in this_week)
    holds = sum(s.n_holds for s in this_week)
    adherent = sum(s.adherent_holds for s in this_week)
    flags = patient_flags(items, rx, now, cfg)
    return {
        "patient": patient,
        "flags": "; ".join(flags),  # second, so it is never cut off at the right
        "adherent minutes a week": weekly_minutes(items, week_start),
        "last session": last.strftime("%Y-%m-%d %H:%M"),
        "days with data (30 d)": days,
        "band": monitoring_band(days),
        "routines this week": routines,
        "on target": rx.routines_per_week_min <= routines,
        "prescribed": f"{rx.routines_per_week_min}-{rx.routines_per_week_max}",
        "hold target": clock_text(rx.hold_target_s),
        "holds at target this week": f"{adherent} of {holds}",
        "trend": hold_trend(items),
        "_n_flags": len(flags),
    }


def weekly_minutes(items: list[SessionRow], week_start: datetime) -> list[float]:
    """Minutes in adherent holds in each of the last :data:`SPARK_WEEKS` weeks, oldest first,
    this week last (for a small chart per row)."""
    out = [0.0] * SPARK_WEEKS
    for s in items:
        back = (week_start - s.start_utc).total_seconds() / (7 * 86400.0)
        k = SPARK_WEEKS - 1 - (int(np.ceil(back)) if back > 0 else 0)
        if 0 <= k < SPARK_WEEKS:
            out[k] += s.adherent_time_s / 60.0
    return [round(m, 1) for m in out]


def hold_trend(items: list[SessionRow]) -> str:
    """Longest-hold trend over the patient's last sessions: up, down or steady."""
    longest = [s.longest_hold_s for s in items[-6:]]
    if len(longest) < 2:
        return "-"
    half = len(longest) // 2
    before, after = np.mean(longest[:half]), np.mean(longest[half:])
    if after > before * 1.1:
        return "up"
    if after < before * 0.9:
        return "down"
    return "steady"


def progress_table(
    sessions: list[SessionRow], freq: str = "W-MON", zone: tzinfo = UTC
) -> pd.DataFrame:
    """Per week (or day, freq="D") in time zone ``zone``: routines, adherent minutes, share of
    holds at target."""
    if not sessions:
        return pd.DataFrame(
            columns=["period", "routines", "adherent minutes", "holds", "share at target"]
        )
    df = pd.DataFrame(
        {
            "start": [s.start_utc.astimezone(zone) for s in sessions],
            "holds": [s.n_holds for s in sessions],
            "adherent": [s.adherent_holds for s in sessions],
            "adherent_s": [s.adherent_time_s for s in sessions],
            "longest": [s.longest_hold_s for s in sessions],
        }
    )
    g = df.groupby(pd.Grouper(key="start", freq=freq, label="left", closed="left"))
    out = pd.DataFrame(
        {
            "routines": g.size(),
            "adherent minutes": g["adherent_s"].sum() / 60.0,
            "holds": g["holds"].sum(),
            "holds at target": g["adherent"].sum(),
            "longest hold s": g["longest"].max(),
        }
    )
    out = out[out["routines"] > 0]
    out["share at target"] = np.where(out["holds"] > 0, out["holds at target"] / out["holds"], 0.0)
    out.index = [p.strftime("%Y-%m-%d") for p in out.index]
    out.index.name = "period"
    return out.reset_index()


def site_minutes(sessions: list[SessionRow]) -> pd.DataFrame:
    """Minutes of hold time per body site."""
    df = pd.DataFrame(
        {
            "body site": [s.body_site or "unknown" for s in sessions],
            "hold_s": [s.hold_s for s in sessions],
        }
    )
    if df.empty:
        return pd.DataFrame(columns=["body site", "hold minutes"])
    out = df.groupby("body site")["hold_s"].sum().div(60).rename("hold minutes").reset_index()
    return out.sort_values("hold minutes", ascending=False)


def plot_signal(
    data: pd.DataFrame, kind: str, n_out: int = PLOT_POINTS
) -> tuple[np.ndarray, np.ndarray, str]:
    """One channel to plot (rotation rate, tilt or load), downsampled by min-max per bin.

    Never sends every point to the browser: an hour at 100 Hz becomes at most ``n_out`` points,
    keeping each bin's minimum and maximum so that no burst of movement disappears.
    """
    t = data["time_s"].to_numpy(np.float64)
    if kind == "imu":
        y = np.degrees(np.linalg.norm(data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy(), axis=1))
        label = "rotation rate (deg/s)"
    elif kind == "accel":
        a = data[["acc_x", "acc_y", "acc_z"]].to_numpy()
        g = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)
        ref = np.median(g, axis=0)
        ref /= np.linalg.norm(ref) + 1e-12
        y = np.degrees(np.arccos(np.clip(g @ ref, -1.0, 1.0)))
        label = "tilt from median (deg)"
    elif kind == "force":
        y = data["force_n"].to_numpy(np.float64)
        label = "force (N)"
    else:
        y = data["pressure_pa"].to_numpy(np.float64) / 1000.0
        label = "pressure (kPa)"
    # Equal timestamps (several samples per packet) are fine for the downsampler, which needs
    # only non-decreasing x.
    if len(t) > n_out:
        idx = MinMaxDownsampler().downsample(t, y, n_out=n_out - n_out % 2)
        t, y = t[idx], y[idx]
    return t, y, label


def replay_state(
    data: pd.DataFrame, kind: str, t_s: float, hold_target_s: float = DEFAULT_HOLD_TARGET_S
) -> dict[str, Any]:
    """What was knowable at time ``t_s`` of a replayed session: only samples up to then count.

    Returns the current state, the running hold timer (seconds in the current hold, 0 when not
    holding), whether the target cue has sounded, and how many holds have reached the target.
    """
    from holdtrack.analysis.live import state_now

    now = state_now(data[data["time_s"] <= t_s], kind, hold_target_s)
    # The timer runs to the cursor, which may lie past the last sample before it.
    hold_s = float(t_s - now.segments[-1]["start_s"]) if now.state == "hold" else 0.0
    return {
        "state": now.state,
        "hold_s": hold_s,
        "cue": hold_s >= hold_target_s,
        # The ongoing hold is among the holds, measured up to t_s.
        "adherent_so_far": now.adherent_holds,
        "segments": now.segments,
    }


def session_list(sessions: list[SessionRow], zone: tzinfo = UTC) -> pd.DataFrame:
    """A person's sessions, newest first, one line each, started in time zone ``zone``."""
    return pd.DataFrame(
        {
            "start": [f"{s.start_utc.astimezone(zone):%Y-%m-%d %H:%M}" for s in sessions],
            "body site": [s.body_site or "-" for s in sessions],
            "length": [clock_text(s.duration_s) for s in sessions],
            "holds at target": [f"{s.adherent_holds} of {s.n_holds}" for s in sessions],
            "longest hold": [clock_text(s.longest_hold_s) for s in sessions],
        }
    )
