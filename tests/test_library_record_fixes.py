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


def test_removing_a_person_puts_them_in_the_trash_until_restored_or_purged(lib: Library):
    lib.set_prescription("ben", Prescription(hold_target_s=60.0))
    files = [s.file for s in lib.sessions("ben")]
    before = {s.id: s for s in lib.sessions("ben")}
    others = {s.id for s in lib.sessions() if s.patient_id != "ben"}
    assert lib.remove_person("ben") == len(files)
    assert "ben" not in lib.patients() and lib.sessions("ben") == []
    assert {s.id for s in lib.sessions()} == others
    with pytest.raises(KeyError):
        lib.analysis(next(iter(before)))
    assert {t.session_id for t in lib.trash()} == set(before)
    assert all(f.exists() for f in files)  # kept whole for the undo window
    assert check(lib) == []
    assert lib.restore(list(before)) == len(before)
    assert {s.id: s for s in lib.sessions("ben")} == before  # analyses and all, as they were
    assert lib.prescription("ben") == Prescription(hold_target_s=60.0)
    assert lib.remove_person("ben") == len(files)
    assert lib.purge_trash(older_than_s=3600.0) == 0  # still inside the window
    assert lib.purge_trash(older_than_s=0.0) == len(files)
    assert not any(f.exists() for f in files) and lib.trash() == []
    assert {s.id for s in lib.sessions()} == others
    assert check(lib) == []


def test_a_removed_session_comes_back_when_its_file_is_imported_again(lib: Library):
    row = lib.sessions("anna")[0]
    copy = row.file.with_name("again" + row.file.suffix)
    copy.write_bytes(row.file.read_bytes())
    assert lib.remove(row.id) and row.id not in {s.id for s in lib.sessions()}
    assert not lib.remove(row.id)  # already in the trash
    again = lib.import_file(copy, patient_id="someone else")
    copy.unlink()
    assert (again.session_id, again.patient_id, again.duplicate) == (row.id, "anna", False)
    assert lib.session(row.id) == row and lib.trash() == []


def test_a_library_from_before_the_trash_opens_and_purges_on_opening(lib: Library):
    import sqlite3

    with sqlite3.connect(lib.db_path) as db:
        db.execute("DROP TABLE trash")  # as an older version left it
    reopened = Library(lib.root)
    sid = reopened.sessions()[0].id
    reopened.remove(sid)
    with sqlite3.connect(lib.db_path) as db:
        db.execute("UPDATE trash SET trashed_utc = '2000-01-01T00:00:00+00:00'")
    file = reopened.index.files_indexed()
    assert Library(lib.root).trash() == []  # opening deleted what had waited 30 days
    assert sid not in {s.id for s in reopened.sessions()}
    assert not any((lib.files / name).exists() for name, i in file.items() if i == sid)


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
    lib.remove_person("carla")
    assert tess.trash() == [] and tess.restore([t.session_id for t in lib.trash()]) == 0
    assert "carla" not in lib.patients()
    lib.restore([t.session_id for t in lib.trash()])
    assert lib.session(sid).patient_id == "anna" and "carla" in lib.patients()
    assert tess.correct(sid, patient_id="ben")
    assert lib.session(sid).patient_id == "ben"
