"""A person's history over a chosen range of days: a calendar of the days with data and their
adherence, and time per body site week by week. Days are those of the clinic's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from holdtrack.dashboard.humane import duration_text
from holdtrack.library import SessionRow
from holdtrack.library.clinic_settings import local_day

DEFAULT_DAYS = 84  # twelve weeks
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def in_range(sessions: list[SessionRow], first: date, last: date, zone: tzinfo) -> list[SessionRow]:
    """The sessions that started on ``first`` to ``last`` (both included) in ``zone``."""
    return [s for s in sessions if first <= local_day(s.start_utc, zone) <= last]


def calendar_frame(
    sessions: list[SessionRow], first: date, last: date, zone: tzinfo
) -> pd.DataFrame:
    """One row per day from the Monday on or before ``first`` to ``last``: its week (Monday),
    weekday, sessions and minutes in adherent holds (NaN on a day without data)."""
    start = first - timedelta(days=first.weekday())
    days = pd.date_range(start, last, freq="D").date
    per_day: dict[date, list[SessionRow]] = {}
    for s in sessions:
        per_day.setdefault(local_day(s.start_utc, zone), []).append(s)
    return pd.DataFrame(
        {
            "day": days,
            "week": [d - timedelta(days=d.weekday()) for d in days],
            "weekday": [WEEKDAYS[d.weekday()] for d in days],
            "sessions": [len(per_day.get(d, [])) for d in days],
            "adherent minutes": [
                sum(s.adherent_time_s for s in per_day[d]) / 60.0 if d in per_day else np.nan
                for d in days
            ],
        }
    )


def site_weeks(sessions: list[SessionRow], zone: tzinfo) -> pd.DataFrame:
    """Minutes of hold time per body site per week (Monday), oldest week first."""
    rows = [
        {
            "week": (d := local_day(s.start_utc, zone)) - timedelta(days=d.weekday()),
            "body site": s.body_site or "unknown",
            "hold minutes": s.hold_s / 60.0,
        }
        for s in sessions
        if s.error is None
    ]
    if not rows:
        return pd.DataFrame(columns=["week", "body site", "hold minutes"])
    df = pd.DataFrame(rows).groupby(["week", "body site"], as_index=False)["hold minutes"].sum()
    return df.sort_values(["week", "body site"]).reset_index(drop=True)


def range_picker(sessions: list[SessionRow], today: date, zone: tzinfo) -> tuple[date, date]:
    """The days to show: by default the twelve weeks up to the latest session, and on to today;
    any range from the first session."""
    days = [local_day(s.start_utc, zone) for s in sessions]
    oldest, newest = min(days, default=today), min(max(days, default=today), today)
    default = (max(oldest, newest - timedelta(days=DEFAULT_DAYS - 1)), today)
    picked = st.date_input(
        "Days shown", default, min_value=min(oldest, default[0]), max_value=today,
        key="history_range",
    )  # fmt: skip
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return default  # one end picked so far


def calendar_chart(cal: pd.DataFrame) -> go.Figure:
    """The calendar heat map: weeks across, weekdays down, colour by minutes in adherent holds;
    days without data stay blank."""
    weeks = sorted(cal["week"].unique())
    grid = cal.pivot(index="weekday", columns="week", values="adherent minutes").reindex(WEEKDAYS)
    count = cal.pivot(index="weekday", columns="week", values="sessions").reindex(WEEKDAYS)
    day = cal.pivot(index="weekday", columns="week", values="day").reindex(WEEKDAYS)
    hover = [
        [
            f"{day.iat[r, c]}: no data" if pd.isna(grid.iat[r, c])
            else f"{day.iat[r, c]}: {int(count.iat[r, c])} session(s), "
                 f"{duration_text(grid.iat[r, c] * 60)} in adherent holds"
            for c in range(len(weeks))
        ]
        for r in range(len(WEEKDAYS))
    ]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=float), x=[f"{w:%d %b}" for w in weeks], y=WEEKDAYS,
            text=hover, hoverinfo="text", colorscale="Greens", zmin=0, xgap=3, ygap=3,
            zmax=max(float(np.nanmax(grid.to_numpy(dtype=float), initial=0.0)), 1.0),
            colorbar={"title": "adherent min"},
        )
    )  # fmt: skip
    fig.update_layout(
        height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis_autorange="reversed",
        plot_bgcolor="rgba(0,0,0,0)", xaxis_title="week of",
    )  # fmt: skip
    return fig


def site_chart(weeks: pd.DataFrame) -> go.Figure:
    """Hold minutes per body site, week by week: one bar per week, stacked by site (a week
    without a site shows none of it, rather than a line drawn across it)."""
    fig = go.Figure()
    for site, part in weeks.groupby("body site"):
        fig.add_trace(go.Bar(x=part["week"], y=part["hold minutes"], name=site))
    fig.update_layout(
        height=280, margin=dict(l=10, r=10, t=10, b=10), yaxis_title="hold minutes",
        xaxis_title="week of", legend_title="body site", barmode="stack",
    )  # fmt: skip
    return fig


def history_section(sessions: list[SessionRow], now: datetime) -> list[SessionRow]:
    """The range picker, the calendar and the per-site trends; the sessions in range."""
    zone = now.tzinfo or UTC
    first, last = range_picker(sessions, now.date(), zone)
    shown = in_range(sessions, first, last, zone)
    cal = calendar_frame(shown, first, last, zone)
    with_data = int((cal["sessions"] > 0).sum())
    st.subheader("Calendar")
    st.plotly_chart(calendar_chart(cal), width="stretch", key="history_calendar")
    st.caption(
        f"{with_data} days with data of {(last - first).days + 1}, {first} to {last} "
        f"({zone} time). Darker green: more minutes in holds at the target."
    )
    weeks = site_weeks(shown, zone)
    if not weeks.empty:
        st.subheader("Hold time per body site, week by week")
        st.plotly_chart(site_chart(weeks), width="stretch", key="history_sites")
    return shown
