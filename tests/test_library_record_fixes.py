"""Fixing the record: reassign a session to another person or body site, correct its start,
merge two ids of one person, remove a person; the index stays consistent (``library check``
finds nothing) and adherence follows the person's own target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from holdtrack.library import Library, Prescription, import_sample_set
from holdtrack.library.scoped import NotYours, ScopedLibrary
from holdtrack.library.upkeep import check


@pytest.fixture()
def lib(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "lib")
    import_sample_set(lib)
    return lib


def _ids(lib: Library, patient: str) -> set[str]:
    return {s.id for s in lib.sessions(patient)}


def test_reassigning_a_session_moves_it_and_judges_it_by_the_new_persons_target(lib: Library):
    (row,) = [s for s in lib.sessions("carla")]
    lib.set_prescription("anna", Prescription(hold_target_s=30.0))
    before = len(lib.sessions("anna"))
    assert lib.correct(row.id, patient_id="anna", body_site="calf")
    moved = lib.session(row.id)
    assert (moved.patient_id, moved.body_site) == ("anna", "calf")
    assert row.id in _ids(lib, "anna") and "carla" not in lib.patients()
    assert len(lib.sessions("anna")) == before + 1
    result = lib.analysis(row.id)
    assert moved.adherent_holds == sum(h["duration_s"] >= 30.0 for h in result["holds"])
    assert (row.hold_target_s, moved.hold_target_s) == (90.0, 30.0)  # judged by anna's target
    assert check(lib) == []
    assert lib.correct(row.id, body_site="")  # "" clears the body site
    assert lib.session(row.id).body_site is None
    assert not lib.correct("no-such-session", patient_id="anna")


def test_correcting_a_start_time_reorders_the_sessions(lib: Library):
    oldest, *_ = sorted(lib.sessions("anna"), key=lambda s: s.start_utc)
    new_start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    assert lib.correct(oldest.id, start_utc=new_start)
    assert lib.session(oldest.id).start_utc == new_start
    assert lib.sessions("anna")[0].id == oldest.id  # newest first now
    assert check(lib) == []


def test_merging_two_ids_of_one_person(lib: Library):
    lib.set_prescription("ben", Prescription(4, 5, 12.0, 60.0))
    ben, anna = _ids(lib, "ben"), _ids(lib, "anna")
    assert lib.merge_people("ben", "anna") == len(ben)
    assert _ids(lib, "anna") == ben | anna
    assert "ben" not in lib.patients() and _ids(lib, "ben") == set()
    assert lib.prescription("anna") == Prescription(4, 5, 12.0, 60.0)  # anna had none of hers
    assert lib.prescription("ben") == Prescription()
    assert check(lib) == []
    assert lib.merge_people("anna", "anna") == 0


def test_removing_a_person_removes_their_sessions_and_files_only(lib: Library):
    files = [s.file for s in lib.sessions("ben")]
    others = {s.id for s in lib.sessions() if s.patient_id != "ben"}
    lib.set_prescription("ben", Prescription(hold_target_s=60.0))
    assert lib.remove_person("ben") == len(files)
    assert not any(f.exists() for f in files)
    assert "ben" not in lib.patients()
    assert {s.id for s in lib.sessions()} == others
    assert lib.prescription("ben") == Prescription()
    assert check(lib) == []


def test_a_therapist_fixes_only_their_own_patients_records(lib: Library):
    tess = ScopedLibrary(lib, {"anna", "ben"})
    sid = lib.sessions("anna")[0].id
    with pytest.raises(NotYours):
        tess.correct(sid, patient_id="carla")  # not hers: the session would leave her care
    with pytest.raises(NotYours):
        tess.correct(lib.sessions("carla")[0].id, body_site="neck")
    with pytest.raises(NotYours):
        tess.merge_people("carla", "anna")
    with pytest.raises(NotYours):
        tess.remove_person("carla")
    assert lib.session(sid).patient_id == "anna" and "carla" in lib.patients()
    assert tess.correct(sid, patient_id="ben")
    assert lib.session(sid).patient_id == "ben"
