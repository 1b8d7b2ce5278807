"""Fixing the record from the pages (AppTest): reassign and re-date a session, merge two ids,
remove a person; what was stored, and in clinic mode the audit log and the therapist's scope."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from streamlit.testing.v1 import AppTest
from test_dashboard_clinic import APP, EVIL, clinic_root, logged_in  # noqa: F401 (fixture)

from holdtrack.dashboard.record_fixes import removal_text, removals
from holdtrack.library import Library, import_sample_set
from holdtrack.library.accounts import Accounts
from holdtrack.library.trash import Trashed
from holdtrack.library.upkeep import check


def _local(tmp_path: Path, monkeypatch, view: str, person: str) -> tuple[AppTest, Library]:
    lib = Library(tmp_path / "lib")
    import_sample_set(lib)
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = {"view": view, "person": person}
    at.run()
    assert not at.exception
    return at, lib


def test_a_session_is_reassigned_and_re_dated_from_its_page(tmp_path, monkeypatch):
    at, lib = _local(tmp_path, monkeypatch, "session", "carla")
    sid = at.session_state["session_id"]
    at.selectbox(key="fix_to").set_value("anna")
    at.text_input(key="fix_site").input("calf")
    at.date_input(key="fix_day").set_value(datetime(2026, 11, 3).date())
    at.time_input(key="fix_time").set_value(time(7, 30))
    [b for b in at.button if b.label == "Save"][0].click().run()
    assert not at.exception
    row = lib.session(sid)
    assert (row.patient_id, row.body_site) == ("anna", "calf")
    assert row.start_utc == datetime(2026, 11, 3, 7, 30, tzinfo=UTC)
    assert "carla" not in lib.patients() and check(lib) == []
    assert at.session_state["patient"] == "anna"
    assert at.session_state["session_id"] == sid  # the moved session stays open


def test_two_ids_are_merged_and_a_person_removed_from_the_person_page(tmp_path, monkeypatch):
    at, lib = _local(tmp_path, monkeypatch, "person", "ben")
    ben = {s.id for s in lib.sessions("ben")}
    at.selectbox(key="merge_into").set_value("anna")
    at.checkbox(key="merge_sure").check().run()
    at.button(key="merge_go").click().run()
    assert not at.exception
    assert ben <= {s.id for s in lib.sessions("anna")} and "ben" not in lib.patients()
    assert at.session_state["patient"] == "anna"
    # Removing needs the id typed out.
    assert at.button(key="remove_person_go").disabled
    at.text_input(key="remove_person_id").input("anna").run()
    at.button(key="remove_person_go").click().run()
    assert not at.exception
    assert lib.patients() == ["carla"] and check(lib) == []
    # It went to the trash: Undo brings anna back with every session.
    assert any("moved to the trash" in i.value for i in at.info)
    at.button(key="undo_removal").click().run()
    assert not at.exception
    assert lib.patients() == ["anna", "carla"] and ben <= {s.id for s in lib.sessions("anna")}
    assert at.session_state["patient"] == "anna"
    assert not any("moved to the trash" in i.value for i in at.info)
    # Removed again, then restored from the clinic page's trash.
    at.text_input(key="remove_person_id").input("anna").run()
    at.button(key="remove_person_go").click().run()
    at.button(key="undo_dismiss").click().run()
    at.sidebar.radio(key="view").set_value("Clinic").run()
    assert lib.patients() == ["carla"]
    at.button(key="restore_0").click().run()
    assert not at.exception and lib.patients() == ["anna", "carla"] and lib.trash() == []


def test_a_removed_session_is_undone_and_the_trash_gives_back_one_removal_at_a_time(
    tmp_path, monkeypatch
):
    at, lib = _local(tmp_path, monkeypatch, "session", "anna")
    sid = at.session_state["session_id"]
    anna = {s.id for s in lib.sessions("anna")}
    at.checkbox(key="remove_sure").check().run()
    at.button(key="remove_session").click().run()
    assert not at.exception and sid not in {s.id for s in lib.sessions()}
    assert any("moved to the trash" in i.value for i in at.info)
    at.button(key="undo_removal").click().run()
    assert not at.exception and {s.id for s in lib.sessions("anna")} == anna
    # A session again, then the whole person: two removals in the trash, newest first.
    sid = at.session_state["session_id"]
    at.checkbox(key="remove_sure").check().run()
    at.button(key="remove_session").click().run()
    at.sidebar.radio(key="view").set_value("Person").run()
    at.text_input(key="remove_person_id").input("anna").run()
    at.button(key="remove_person_go").click().run()
    at.sidebar.radio(key="view").set_value("Clinic").run()
    assert not at.exception and "anna" not in lib.patients()
    lines = [m.value for m in at.markdown if m.value.startswith("anna: ")]
    assert len(lines) == 2 and all("the session of" in line for line in lines)
    at.button(key="restore_0").click().run()  # the person, without the session removed alone
    assert not at.exception and {s.id for s in lib.sessions("anna")} == anna - {sid}
    assert not any("moved to the trash" in i.value for i in at.info)  # nothing left to undo
    at.button(key="restore_0").click().run()
    assert {s.id for s in lib.sessions("anna")} == anna and lib.trash() == []


def test_in_a_clinic_record_fixes_are_audited_and_stay_within_the_therapists_people(clinic_root):  # noqa: F811
    at = logged_in("tess")
    at.sidebar.selectbox(key="patient").set_value("anna").run()
    at.sidebar.radio(key="view").set_value("Session").run()
    assert "tomas" not in at.selectbox(key="fix_to").options  # tom's patient is not offered
    sid = at.session_state["session_id"]
    at.text_input(key="fix_site").input("hip")
    [b for b in at.button if b.label == "Save"][0].click().run()
    assert not at.exception
    assert Library(clinic_root).session(sid).body_site == "hip"
    log = Accounts(clinic_root).audit_log()
    entry = next(e for e in log if e["action"] == "correct session")
    assert entry["actor"] == "tess" and entry["patient_id"] == "anna"
    assert sid in str(entry["detail"]) and "site hip" in str(entry["detail"])


def test_a_removal_is_told_in_the_clinics_local_time():
    removed = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    items = [Trashed(f"s{d}", "a*b", "calf", datetime(2026, 11, d, 7, 30, tzinfo=UTC), removed)
             for d in range(1, 6)]  # fmt: skip
    zone = ZoneInfo("Europe/Berlin")
    assert removal_text(items[:1], zone) == (
        r"a\*b: the session of 2026-11-01 08:30 (calf), removed 2026-12-01 10:00"
    )
    assert removal_text(items, zone) == (
        r"a\*b: 5 sessions (2026-11-05 08:30, 2026-11-04 08:30, 2026-11-03 08:30 and 2 more), "
        "removed 2026-12-01 10:00"
    )
    later = Trashed("s9", "a*b", None, removed, removed + timedelta(hours=1))
    assert [len(r) for r in removals([*items, later])] == [1, 5]  # newest removal first
