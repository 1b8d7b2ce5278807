"""Dashboard: the session library, the view tables and every page through Streamlit's AppTest."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rows import sample_library_in, session_row
from streamlit.testing.v1 import AppTest

from holdtrack.analysis import session_process
from holdtrack.dashboard.humane import duration_text, percent_text, progress_display
from holdtrack.dashboard.views import clinic_table, monitoring_band, plot_signal, progress_table
from holdtrack.library import (
    ImportRejected,
    Library,
    SessionRow,
)
from holdtrack.sensing.session import read_session

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory) -> Library:
    return sample_library_in(tmp_path_factory.mktemp("lib"))


# ----------------------------------------------------------------------------- library


def test_sample_library_contents(sample_library: Library):
    assert sample_library.patients() == ["anna", "ben", "carla"]
    rows = sample_library.sessions()
    assert len(rows) == 5
    for r in rows:
        expected = session_process(read_session(r.file).data)
        assert r.n_holds == len(expected.holds)
        assert r.adherent_holds == sum(h.adherent for h in expected.holds)


def test_import_deduplicates_and_rejects(tmp_path: Path):
    lib = Library(tmp_path / "lib")
    src = ROOT / "sample_data" / "good_holder_force_floor.csv"
    a = lib.import_file(src, patient_id="Dora O'Neil/../x", start_utc=START)
    again = lib.import_file(src, start_utc=START)  # same content, same session
    assert again.session_id == a.session_id and again.duplicate and not a.duplicate
    assert len(lib.sessions()) == 1
    assert lib.sessions()[0].patient_id == "Dora O'Neil/../x"  # kept as given
    assert lib.sessions()[0].file.parent == lib.files
    assert "/" not in lib.sessions()[0].file.name
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,force_n\n0,1\n1,oops\n")
    with pytest.raises(ImportRejected, match=r"bad.csv: line 3, column force_n"):
        lib.import_file(bad)
    pickle_file = tmp_path / "evil.pkl"
    pickle_file.write_bytes(b"\x80\x04K\x01.")
    done, errors = lib.import_files([pickle_file, bad, src], start_utc=START)
    assert [d.session_id for d in done] == [a.session_id] and len(errors) == 2
    assert "evil.pkl: not a session file" in errors[0]
    assert len(lib.sessions()) == 1


def test_stale_analysis_is_recomputed(tmp_path: Path):
    lib = Library(tmp_path / "lib")
    sid = lib.import_file(
        ROOT / "sample_data" / "mixed_pressure_floor.parquet", start_utc=START
    ).session_id
    with sqlite3.connect(lib.db_path) as db:
        db.execute("UPDATE analyses SET detector_version = 'old', n_holds = 99")
    assert lib.refresh() == 1
    assert lib.session(sid).n_holds == len(lib.analysis(sid)["holds"]) != 99


# ----------------------------------------------------------------------------- views


def _row(patient: str, days_ago: float, now: datetime, **kw) -> SessionRow:
    return session_row(patient, days_ago, now, **kw)


def test_clinic_table_bands_and_flags():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)  # a Sunday
    rows = [_row("a", d, now) for d in (0.1, 1, 2, 3)]
    rows += [_row("b", 4, now, rolling_s=400.0, loaded_s=500.0)]
    rows += [_row("c", d, now) for d in range(0, 20)]
    table = clinic_table(rows, now=now).set_index("patient")
    assert table.loc["a", "days with data (30 d)"] == 4
    assert table.loc["a", "band"] == "2-15"
    assert table.loc["c", "band"] == "16-30"
    assert table.loc["b", "band"] == "0-1"
    assert "no data for 4 days" in table.loc["b", "flags"]
    assert "latest session mostly rolling (80%)" in table.loc["b", "flags"]
    assert table.loc["a", "flags"] == ""
    assert table.loc["a", "routines this week"] == 4
    assert table.loc["a", "holds at target this week"] == "12 of 16"
    assert [monitoring_band(d) for d in (0, 1, 2, 15, 16, 30)] == [
        "0-1",
        "0-1",
        "2-15",
        "2-15",
        "16-30",
        "16-30",
    ]


def test_progress_table_per_week():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows = [_row("a", d, now) for d in (0, 1, 8, 9, 10)]
    table = progress_table(rows, "W-MON")
    assert list(table["routines"]) == [3, 2]
    assert list(table["adherent minutes"]) == [15.0, 10.0]
    assert list(table["share at target"]) == [0.75, 0.75]
    shown = progress_display(table, "week of")
    assert list(shown["week of"]) == list(table["period"])[::-1]  # newest first
    assert list(shown["routines"]) == [2, 3]
    assert list(shown["time in adherent holds"]) == ["10:00", "15:00"]
    assert list(shown["holds at target"]) == ["6 of 8 (75%)", "9 of 12 (75%)"]


def test_numbers_read_as_people_read_them():
    assert duration_text(89.6) == "1:30"
    assert duration_text(3725) == "1:02:05"
    assert duration_text(float("nan")) == duration_text(None) == "-"
    assert percent_text(2 / 3) == "67%"
    assert percent_text(None) == "-"


def test_plot_signal_is_downsampled():
    data = read_session(ROOT / "sample_data" / "good_holder_imu_floor.parquet").data
    t, y, label = plot_signal(data, "imu", n_out=1000)
    assert 900 <= len(t) == len(y) <= 1000
    assert len(data) > 40_000
    assert "deg/s" in label
    assert y.max() == pytest.approx(
        (data[["gyro_x", "gyro_y", "gyro_z"]] ** 2).sum(axis=1).pow(0.5).max() * 57.29578, rel=1e-6
    )


# ----------------------------------------------------------------------------- pages (AppTest)


@pytest.fixture()
def app(sample_library: Library, monkeypatch) -> AppTest:
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(sample_library.root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_clinic_page(app: AppTest, sample_library: Library):
    m = _metrics(app)
    table = clinic_table(sample_library.sessions())
    assert m["People"] == "3"
    assert m["Need attention"] == str(int((table["flags"] != "").sum()))
    shown = app.dataframe[0].value
    # Ben first: his latest session was 81 % rolling with no hold reaching 90 s.
    assert list(shown["patient"]) == ["ben", "carla", "anna"]
    flags = shown.set_index("patient")["flags"]
    assert "latest session mostly rolling (81%)" in flags["ben"]
    assert "no hold reached 1:30 in the latest session (0 of 2)" in flags["ben"]
    assert "no data for 5 days" in flags["carla"]


def test_clinic_page_filters_the_people_who_need_attention(sample_library, monkeypatch):
    from holdtrack.library import Prescription

    lib = Library(sample_library.root)
    lib.set_prescription("anna", Prescription(1, 4))  # her 2 routines this week are enough
    try:
        monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        assert list(at.dataframe[0].value["patient"]) == ["ben", "carla", "anna"]
        at.toggle(key="clinic_attention").set_value(True).run()
        assert not at.exception
        assert list(at.dataframe[0].value["patient"]) == ["ben", "carla"]
    finally:
        lib.set_prescription("anna", Prescription())


def test_person_page(app: AppTest, sample_library: Library):
    app.sidebar.selectbox(key="patient").set_value("anna")
    app.sidebar.radio(key="view").set_value("Person").run()
    assert not app.exception
    m = _metrics(app)
    rows = sample_library.sessions("anna")
    assert m["Sessions in these days"] == str(len(rows))
    assert m["Holds reaching 1:30"] == (
        f"{sum(r.adherent_holds for r in rows)} of {sum(r.n_holds for r in rows)}"
    )


@pytest.mark.parametrize("patient", ["anna", "ben", "carla"])
def test_session_page_shows_the_analysis(app: AppTest, sample_library: Library, patient: str):
    app.sidebar.selectbox(key="patient").set_value(patient).run()
    sid = app.session_state["session_id"]
    app.sidebar.radio(key="view").set_value("Session").run()
    assert not app.exception
    row = sample_library.session(sid)
    expected = session_process(read_session(row.file).data)
    n_adh = sum(h.adherent for h in expected.holds)
    m = _metrics(app)
    assert m["Holds >= 1:30"] == f"{n_adh} of {len(expected.holds)}"
    assert any(expected.summary["verdict"] in md.value for md in app.markdown)
    holds_table = app.dataframe[0].value
    assert len(holds_table) == len(expected.holds)
    assert list(holds_table["reached the target"]) == [
        "yes" if h.adherent else "no" for h in expected.holds
    ]
    # Durations as m:ss, steadiness as a percentage, as the stored analysis has them.
    stored = sample_library.analysis(sid)["holds"]
    assert list(holds_table["duration"]) == [
        f"{round(h['duration_s']) // 60}:{round(h['duration_s']) % 60:02d}" for h in stored
    ]
    assert list(holds_table["steadiness"]) == [f"{h['steadiness']:.0%}" for h in stored]


def test_replay_page_shows_what_was_knowable(app: AppTest, sample_library: Library):
    from holdtrack.dashboard.views import replay_state

    app.sidebar.selectbox(key="patient").set_value("anna").run()
    sid = app.session_state["session_id"]
    app.sidebar.radio(key="view").set_value("Replay").run()
    assert not app.exception
    assert _metrics(app)["Time"] == "0:00"
    data = read_session(sample_library.session(sid).file).data
    # Find a moment 100 s into a hold, from the full analysis, and jump there.
    first_long = next(h for h in session_process(data).holds if h.duration_s > 110)
    t = round(first_long.start_s + 100)
    app.slider(key="replay_jump").set_value(float(t)).run()
    assert not app.exception
    expected = replay_state(data, sample_library.session(sid).sensor_kind, float(t))
    m = _metrics(app)
    assert m["State"] == expected["state"] == "hold"
    minutes, seconds = divmod(int(expected["hold_s"]), 60)
    assert m["Hold timer"] == f"{minutes}:{seconds:02d}"
    assert abs(expected["hold_s"] - 100) <= 3
    assert m["Holds reaching the target so far"] == str(expected["adherent_so_far"])
    assert any("1:30 reached" in s.value for s in app.success)
    # Playing advances by the speed each tick, and the position slider follows.
    app.button(key="replay_play").click().run()
    assert _metrics(app)["Time"] != m["Time"]
    assert app.slider(key="replay_jump").value == app.session_state["replay_pos"] == t + 10


def _clock_s(text: str) -> int:
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


def test_replay_plays_to_the_end_stops_and_starts_again(app: AppTest, sample_library: Library):
    app.sidebar.selectbox(key="patient").set_value("carla").run()
    sid = app.session_state["session_id"]
    app.sidebar.radio(key="view").set_value("Replay").run()
    data = read_session(sample_library.session(sid).file).data
    t0, t1 = float(data["time_s"].iloc[0]), float(data["time_s"].iloc[-1])
    app.slider(key="replay_jump").set_value(float(int(t1) - 15)).run()
    app.button(key="replay_play").click().run()
    assert app.button(key="replay_play").label == "Pause"
    for _ in range(3):  # 10 s a tick at the default 10x
        app.run()
    assert not app.exception
    assert app.session_state["replay_pos"] == t1
    assert app.button(key="replay_play").label == "Play"  # it stopped at the end
    assert _clock_s(_metrics(app)["Time"]) == int(t1 - t0)
    app.run()
    assert app.session_state["replay_pos"] == t1  # and stays there
    # Play at the end starts from the beginning.
    app.button(key="replay_play").click().run()
    assert _clock_s(_metrics(app)["Time"]) == 10
    # Restart goes back to the start, playing or not.
    app.button(key="replay_play").click().run()  # pause
    app.button(key="replay_restart").click().run()
    assert _metrics(app)["Time"] == "0:00"
    assert app.slider(key="replay_jump").value == t0


def test_replay_chart_draws_the_data_gaps(app: AppTest, sample_library: Library):
    rows = [r for r in sample_library.sessions() if sample_library.analysis(r.id)["gaps"]]
    assert rows, "a sample session with data gaps"
    row = rows[0]
    app.sidebar.selectbox(key="patient").set_value(row.patient_id).run()
    app.sidebar.selectbox(key="session_id").set_value(row.id).run()
    app.sidebar.radio(key="view").set_value("Replay").run()
    assert not app.exception
    fig = app.get("plotly_chart")[0].proto.spec
    gaps = sample_library.analysis(row.id)["gaps"]
    assert fig.count('"fillcolor":"black"') >= len(gaps)


def test_session_report(sample_library: Library):
    from holdtrack.dashboard.report import session_report_html

    row = sample_library.sessions("anna")[0]
    result = sample_library.analysis(row.id)
    page = session_report_html(row, result)
    assert result["summary"]["verdict"] in page
    assert page.count("<tr><td>") == len(result["holds"])
    assert "<script" not in page


def test_prescription_is_stored_and_validated(tmp_path: Path):
    from holdtrack.library import Prescription

    lib = Library(tmp_path / "lib")
    assert lib.prescription("anna") == Prescription()
    lib.set_prescription("anna", Prescription(4, 5, 12.0, 120.0))
    assert Library(tmp_path / "lib").prescription("anna") == Prescription(4, 5, 12.0, 120.0)
    with pytest.raises(ValueError, match="routines per week"):
        Prescription(5, 4)


def test_triage_flags_the_latest_session_not_a_pool_of_five():
    """The worst patient: four good sessions, then one 81 % rolling with no hold at target.
    Pooled over five sessions that is under half rolling; the flag reads the latest."""
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows = [_row("w", d, now) for d in (4, 3, 2, 1)]
    rows.append(_row("w", 0.1, now, rolling_s=405.0, loaded_s=500.0, n_holds=2, adherent_holds=0))
    assert sum(r.rolling_s for r in rows) / sum(r.loaded_s for r in rows) < 0.5
    flags = clinic_table(rows, now=now).set_index("patient").loc["w", "flags"]
    assert "latest session mostly rolling (81%)" in flags
    assert "no hold reached 1:30 in the latest session (0 of 2)" in flags


def test_a_14_s_recording_is_no_routine_and_is_flagged_as_short():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)  # a Sunday
    rows = [_row("s", d, now) for d in (3, 2)]
    rows.append(_row("s", 0.1, now, duration_s=14.0, n_holds=0, adherent_holds=0))
    row = clinic_table(rows, now=now).set_index("patient").loc["s"]
    assert row["routines this week"] == 2  # the 14 s recording does not count
    assert not row["on target"]
    assert "latest session far shorter than prescribed (0:14 of 10 min)" in row["flags"]
    assert "2 of 3 routines in the last 7 days" in row["flags"]


def test_clinic_table_puts_the_most_flags_first():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows = [_row("a-fine", d, now) for d in (0.1, 1, 2)]
    rows += [_row("b-lapsed", 9, now)]  # no data for 9 days, 0 routines
    rows += [_row("c-rolling", d, now) for d in (2, 1)]
    rows += [_row("c-rolling", 0.1, now, rolling_s=400.0, loaded_s=450.0)]
    table = clinic_table(rows, now=now)
    assert list(table["patient"]) == ["b-lapsed", "c-rolling", "a-fine"]
    assert [f.count(";") + 1 if f else 0 for f in table["flags"]] == [2, 1, 0]


def test_clinic_uses_each_prescription():
    from holdtrack.library import Prescription

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows = [_row("a", d, now) for d in (0.1, 1, 2)]
    table = clinic_table(rows, now=now, prescriptions={"a": Prescription(4, 5)}).set_index(
        "patient"
    )
    assert table.loc["a", "prescribed"] == "4-5"
    assert not table.loc["a", "on target"]
    assert clinic_table(rows, now=now).set_index("patient").loc["a", "on target"]
