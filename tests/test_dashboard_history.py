"""The clinic's settings (time zone, flag thresholds), days counted in the clinic's zone, the
adherence sparkline per row, and a person's history: range, calendar and per-site weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from rows import sample_library_in, session_row
from streamlit.testing.v1 import AppTest

from holdtrack.dashboard.history import calendar_frame, in_range, site_weeks
from holdtrack.dashboard.views import SPARK_WEEKS, clinic_table, patient_flags, progress_table
from holdtrack.library import Prescription
from holdtrack.library.clinic_settings import (
    SETTINGS_FILE,
    ClinicSettings,
    read_settings,
    write_settings,
)
from holdtrack.library.period import period_summary

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday
OSLO = ZoneInfo("Europe/Oslo")
LATE = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # Friday 23:30 UTC is Saturday 00:30 in Oslo


def test_settings_are_saved_whole_and_a_bad_file_means_the_defaults(tmp_path: Path):
    assert read_settings(tmp_path) == ClinicSettings()
    mine = ClinicSettings("Europe/Oslo", 5, 0.7, 0.8)
    write_settings(tmp_path, mine)
    assert read_settings(tmp_path) == mine
    assert read_settings(tmp_path).zone() == OSLO
    assert [p.name for p in tmp_path.iterdir()] == [SETTINGS_FILE]  # no temporary file left
    (tmp_path / SETTINGS_FILE).write_text('{"time_zone": "Mars/Olympus"}')
    assert read_settings(tmp_path) == ClinicSettings()
    (tmp_path / SETTINGS_FILE).write_text("{not json")
    assert read_settings(tmp_path) == ClinicSettings()
    with pytest.raises(ValueError, match="time zone"):
        ClinicSettings("Nowhere/Town")
    with pytest.raises(ValueError, match="days"):
        ClinicSettings(no_data_days=0)


def test_the_flag_thresholds_are_the_clinics():
    rx = Prescription()
    rows = [session_row("a", 4, NOW, rolling_s=300.0, loaded_s=460.0, duration_s=240.0)]
    usual = patient_flags(rows, rx, NOW)
    assert "no data for 4 days" in usual
    assert "latest session mostly rolling (65%)" in usual
    assert any("far shorter than prescribed (4:00 of 10 min)" in f for f in usual)
    lenient = patient_flags(rows, rx, NOW, ClinicSettings("", 7, 0.7, 0.3))
    assert not any("no data" in f or "rolling" in f or "shorter" in f for f in lenient)
    assert "1 of 3 routines in the last 7 days" in lenient  # the 4-minute one counts now


def test_days_are_counted_in_the_clinics_time_zone():
    late = session_row("a", 0, LATE)
    early = session_row("a", 0, LATE - timedelta(hours=12), id="a-early")
    in_utc = period_summary("a", [late, early], Prescription(), date(2026, 11, 20),
                            date(2026, 11, 20))  # fmt: skip
    assert (in_utc.sessions, in_utc.days_with_data) == (2, 1)
    oslo = ClinicSettings("Europe/Oslo")
    friday = period_summary("a", [late, early], Prescription(), date(2026, 11, 20),
                            date(2026, 11, 20), settings=oslo)  # fmt: skip
    assert (friday.sessions, friday.zone_name) == (1, "Europe/Oslo")
    days = progress_table([late, early], "D", OSLO)
    assert list(days["period"]) == ["2026-11-20", "2026-11-21"]
    assert list(progress_table([late, early], "D")["period"]) == ["2026-11-20"]


def test_each_row_has_the_last_weeks_of_adherence_this_week_last():
    rows = [
        session_row("a", 0.5, NOW, adherent_time_s=120.0),  # this week (Monday 23 Nov on)
        session_row("a", 1.0, NOW, adherent_time_s=60.0),
        session_row("a", 3.0, NOW, adherent_time_s=300.0),  # Sunday: last week
        session_row("a", 7 * 7 + 3, NOW, adherent_time_s=600.0),  # eight weeks back: not shown
    ]
    table = clinic_table(rows, NOW)
    spark = table.iloc[0]["adherent minutes a week"]
    assert len(spark) == SPARK_WEEKS
    assert spark[-1] == 3.0 and spark[-2] == 5.0 and sum(spark) == 8.0


def test_the_calendar_has_every_day_and_blank_days_without_data():
    rows = [session_row("a", d, NOW, adherent_time_s=90.0 * (d + 1)) for d in (0, 1, 1.2, 9)]
    first, last = date(2026, 11, 10), date(2026, 11, 25)
    cal = calendar_frame(in_range(rows, first, last, UTC), first, last, UTC)
    assert cal["day"].iloc[0] == date(2026, 11, 9)  # from the Monday on or before the first day
    assert cal["day"].iloc[-1] == last and len(cal) == 17
    by_day = cal.set_index("day")
    assert by_day.loc[date(2026, 11, 24), "sessions"] == 2
    assert by_day.loc[date(2026, 11, 24), "adherent minutes"] == pytest.approx((180 + 198) / 60)
    assert np.isnan(by_day.loc[date(2026, 11, 23), "adherent minutes"])
    assert int((cal["sessions"] > 0).sum()) == 3
    weeks = site_weeks(rows + [session_row("a", 2, NOW, body_site="calf")], UTC)
    assert set(weeks["body site"]) == {"glutes", "calf"}
    assert weeks["hold minutes"].sum() == pytest.approx(5 * 400 / 60)


@pytest.fixture()
def library_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sample_library_in(tmp_path)
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(tmp_path))
    monkeypatch.delenv("HOLDTRACK_CLINIC", raising=False)
    return tmp_path


def test_changing_a_threshold_on_the_page_changes_the_flags(library_env: Path):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    flags = at.dataframe[0].value.set_index("patient")["flags"]
    assert "no data for 5 days" in flags["carla"]
    at.number_input(key="settings_days").set_value(6)
    at.selectbox(key="settings_zone").set_value("Asia/Tokyo")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    assert read_settings(library_env) == ClinicSettings("Asia/Tokyo", 6)
    flags = at.dataframe[0].value.set_index("patient")["flags"]
    assert "no data" not in flags["carla"]
    assert any("Asia/Tokyo time" in c.value for c in at.caption)


def test_the_person_page_shows_the_chosen_days(library_env: Path):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="patient").set_value("anna")
    at.sidebar.radio(key="view").set_value("Person").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions in these days"] == "2"  # one and three days ago
    assert any("2 days with data of" in c.value for c in at.caption)
    today = at.date_input(key="history_range").value[1]
    at.date_input(key="history_range").set_value((today - timedelta(days=2), today)).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions in these days"] == "1"
    assert len(at.dataframe[-1].value) == 1  # the session list follows the range
