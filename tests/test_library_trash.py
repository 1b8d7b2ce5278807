"""The trash: a removed session or person leaves every view but stays whole (file, analysis,
prescription) until restored or purged; a library from before the trash opens and gains one;
a therapist sees and restores only their own patients' trash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rows import sample_library_in

from holdtrack.analysis import DETECTOR_VERSION
from holdtrack.library import Library, Prescription
from holdtrack.library.library import TRASH_KEEP_S
from holdtrack.library.scoped import NotYours, ScopedLibrary
from holdtrack.library.upkeep import check, repair

# The index as it was before the trash (same columns; no trash table).
OLD_SCHEMA = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, file TEXT NOT NULL, original_name TEXT NOT NULL,
    patient_id TEXT NOT NULL, body_site TEXT, device TEXT, sensor_kind TEXT NOT NULL,
    start_utc TEXT NOT NULL, duration_s REAL NOT NULL, imported_utc TEXT NOT NULL
);
CREATE INDEX sessions_patient ON sessions (patient_id, start_utc);
CREATE TABLE prescriptions (
    patient_id TEXT PRIMARY KEY, routines_per_week_min INTEGER NOT NULL,
    routines_per_week_max INTEGER NOT NULL, routine_min REAL NOT NULL,
    hold_target_s REAL NOT NULL
);
CREATE TABLE analyses (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    detector_version TEXT NOT NULL, error TEXT, n_holds INTEGER NOT NULL,
    hold_s REAL NOT NULL, rolling_s REAL NOT NULL, loaded_s REAL NOT NULL,
    longest_hold_s REAL NOT NULL, result_json TEXT NOT NULL
);
CREATE TABLE holds (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    start_s REAL NOT NULL, duration_s REAL NOT NULL
);
CREATE INDEX holds_session ON holds (session_id, duration_s);
PRAGMA user_version = 3;
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample library, built once; each test works on its own copy."""
    return sample_library_in(tmp_path_factory.mktemp("built") / "lib").root


@pytest.fixture()
def lib(built: Path, tmp_path: Path) -> Library:
    root = tmp_path / "lib"
    (root / "sessions").mkdir(parents=True)
    for f in (built / "sessions").iterdir():
        (root / "sessions" / f.name).write_bytes(f.read_bytes())
    with (
        sqlite3.connect(built / "index.sqlite") as src,
        sqlite3.connect(root / "index.sqlite") as dst,
    ):
        src.backup(dst)
    return Library(root)


def _ids(lib: Library | ScopedLibrary, patient: str | None = None) -> set[str]:
    return {s.id for s in lib.sessions(patient)}


def test_a_removed_session_leaves_every_view_and_comes_back_as_it_was(lib: Library):
    (row,) = lib.sessions("carla")  # carla's only session
    analysis = lib.analysis(row.id)
    assert lib.remove(row.id)
    assert row.id not in _ids(lib) and "carla" not in lib.patients()
    assert row.file.exists() and check(lib) == []
    with pytest.raises(KeyError):
        lib.session(row.id)
    with pytest.raises(KeyError):
        lib.analysis(row.id)
    assert not lib.remove(row.id) and not lib.correct(row.id, body_site="neck")
    assert row.id not in lib.index.stale("no such detector")
    (t,) = lib.trash()
    assert (t.session_id, t.patient_id, t.start_utc) == (row.id, "carla", row.start_utc)
    assert lib.restore_session(row.id) and not lib.restore_session(row.id)
    assert lib.session(row.id) == row and lib.analysis(row.id) == analysis
    assert "carla" in lib.patients() and lib.trash() == [] and check(lib) == []


def test_a_removed_person_comes_back_with_every_session_and_their_prescription(lib: Library):
    rx = Prescription(2, 4, 15.0, 45.0)
    lib.set_prescription("ben", rx)
    before = {s.id: s for s in lib.sessions("ben")}
    alone = next(iter(before))
    assert lib.remove(alone)  # one removed earlier, then the rest with the person
    assert lib.remove_person("ben") == len(before) - 1
    assert "ben" not in lib.patients() and lib.sessions("ben") == []
    assert {t.session_id for t in lib.trash("ben")} == set(before)
    assert len({t.trashed_utc for t in lib.trash("ben")}) == 2  # two removals
    assert lib.prescription("ben") == rx  # kept while they wait in the trash
    assert lib.restore_person("ben") == len(before)
    assert {s.id: s for s in lib.sessions("ben")} == before
    assert lib.prescription("ben") == rx and lib.trash() == []
    assert lib.restore_person("ben") == 0


def test_purging_deletes_rows_and_files_and_keeps_what_is_recent(lib: Library):
    gone = lib.sessions("ben")
    lib.remove_person("ben")
    assert lib.purge_trash() == 0 and lib.purge_trash(TRASH_KEEP_S / 2) == 0
    assert all(s.file.exists() for s in gone) and len(lib.trash()) == len(gone)
    assert lib.purge_trash(older_than_s=0) == len(gone)
    assert not any(s.file.exists() for s in gone) and lib.trash() == []
    assert not set(lib.index.files_indexed().values()) & {s.id for s in gone}
    assert lib.restore_person("ben") == 0 and "ben" not in lib.patients()
    assert check(lib) == []
    with sqlite3.connect(lib.db_path) as db:
        left = db.execute("SELECT COUNT(*) FROM analyses a LEFT JOIN sessions s "
                          "ON s.id = a.session_id WHERE s.id IS NULL").fetchone()  # fmt: skip
    assert left == (0,)  # analyses and holds went with their sessions


def test_opening_a_library_purges_what_waited_past_the_window(lib: Library):
    old, recent = lib.sessions("anna")[:2]
    lib.remove(old.id)
    lib.remove(recent.id)
    with sqlite3.connect(lib.db_path) as db:
        db.execute("UPDATE trash SET trashed_utc = '2000-01-01T00:00:00+00:00' "
                   "WHERE session_id = ?", (old.id,))  # fmt: skip
    reopened = Library(lib.root)
    assert [t.session_id for t in reopened.trash()] == [recent.id]
    assert not old.file.exists() and recent.file.exists()


def test_importing_a_removed_sessions_file_again_restores_it(lib: Library, tmp_path: Path):
    row = lib.sessions("anna")[0]
    copy = tmp_path / ("again" + row.file.suffix)
    copy.write_bytes(row.file.read_bytes())
    lib.remove(row.id)
    again = lib.import_file(copy, patient_id="ben")
    assert (again.session_id, again.patient_id, again.duplicate) == (row.id, "anna", False)
    assert lib.session(row.id) == row and lib.trash() == []
    assert lib.import_file(copy).duplicate  # now it is simply there


def test_fixes_and_merges_leave_the_trash_alone(lib: Library):
    lib.set_prescription("ben", Prescription(hold_target_s=30.0))
    kept, *moved = lib.sessions("ben")
    lib.remove(kept.id)
    assert lib.merge_people("ben", "anna") == len(moved)
    assert {s.id for s in moved} <= _ids(lib, "anna") and "ben" not in lib.patients()
    assert lib.prescription("anna") == Prescription(hold_target_s=30.0)  # anna had none
    assert lib.prescription("ben") == Prescription(hold_target_s=30.0)  # ben still waits
    assert not lib.correct(kept.id, patient_id="anna")
    assert lib.restore_person("ben") == 1
    assert _ids(lib, "ben") == {kept.id} and lib.session(kept.id).hold_target_s == 30.0


def test_repair_leaves_a_removed_sessions_copy_aside_instead_of_restoring_it(lib: Library):
    row = lib.sessions("anna")[0]
    lib.remove(row.id)
    copy = lib.files / ("copy" + row.file.suffix)
    copy.write_bytes(row.file.read_bytes())
    assert [(p.kind, p.target) for p in check(lib)] == [("unindexed", copy.name)]
    (done,) = repair(lib)
    assert done.endswith("the same session is in the trash") and not copy.exists()
    assert row.id not in _ids(lib) and [t.session_id for t in lib.trash()] == [row.id]
    assert check(lib) == []


def test_a_library_from_before_the_trash_is_migrated(lib: Library):
    rows = {s.id: s for s in lib.sessions()}
    old = lib.root / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("ATTACH ? AS cur", (str(lib.db_path),))
        for table in ("sessions", "prescriptions", "analyses", "holds"):
            db.execute(f"INSERT INTO {table} SELECT * FROM cur.{table}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{lib.db_path}{suffix}").unlink(missing_ok=True)
    old.rename(lib.db_path)
    migrated = Library(lib.root)
    assert {s.id: s for s in migrated.sessions()} == rows and migrated.trash() == []
    assert migrated.index.stale(DETECTOR_VERSION) == []  # analyses kept, not rebuilt
    assert migrated.remove_person("carla") == 1 and "carla" not in migrated.patients()
    assert migrated.restore_person("carla") == 1 and check(migrated) == []


def test_a_therapist_sees_and_restores_only_their_own_patients_trash(lib: Library):
    tess = ScopedLibrary(lib, {"anna", "ben"})
    (carla,) = lib.sessions("carla")
    anna = lib.sessions("anna")[0]
    lib.remove_person("carla")
    tess.remove(anna.id)
    assert [t.session_id for t in tess.trash()] == [anna.id]
    assert tess.trash("carla") == [] and not tess.restore_session(carla.id)
    assert tess.restore([carla.id]) == 0
    with pytest.raises(NotYours):
        tess.restore_person("carla")
    assert "carla" not in lib.patients()
    assert tess.restore_session(anna.id) and anna.id in _ids(tess, "anna")
    everyone = ScopedLibrary(lib)
    assert [t.session_id for t in everyone.trash()] == [carla.id]
    assert everyone.restore_person("carla") == 1 and "carla" in lib.patients()
