"""Nothing poisons the library: a bad file leaves nothing, a bad stored session is shown with its
reason, people keep their names, and concurrent, killed or disk-starved imports stay whole."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from children import holdtrack_limited
from streamlit.testing.v1 import AppTest

from holdtrack.library import Library
from holdtrack.library.names import file_part, file_part_decode
from holdtrack.library.upkeep import check, repair

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
SAMPLES = sorted(p for p in (ROOT / "sample_data").iterdir() if p.suffix in (".csv", ".parquet"))
POISON = b"time_s,force_n\n5,1\n5,1\n"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def dashboard_opens(root: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The real dashboard script on this library, run once, with no exception."""
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_poison_file_through_import_leaves_nothing(tmp_path, monkeypatch):
    poison = tmp_path / "p.csv"
    poison.write_bytes(POISON)
    lib_dir = tmp_path / "lib"
    Library(lib_dir).import_file(SAMPLES[0], patient_id="anna", start_utc=START)
    ran = holdtrack_limited("import", poison, "--library", lib_dir)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert "p.csv: column time_s: all samples share one timestamp" in ran.stderr
    lib = Library(lib_dir)
    assert [r.patient_id for r in lib.sessions()] == ["anna"]
    assert check(lib) == []
    at = dashboard_opens(lib_dir, monkeypatch)
    assert list(at.dataframe[0].value["patient"]) == ["anna"]


def upload_script(root: str, payload: bytes, name: str) -> None:
    """A page that imports one uploaded file the way the sidebar does."""
    from pathlib import Path as P

    from holdtrack.dashboard.upload import import_uploads
    from holdtrack.library import Library as L

    class Upload:  # what st.file_uploader hands over: a name and the bytes
        def __init__(self) -> None:
            self.name = name

        def getvalue(self) -> bytes:
            return payload

    import_uploads(L(P(root)), [Upload()], None)


def test_a_poison_file_through_the_sidebar_upload_leaves_nothing(tmp_path, monkeypatch):
    lib_dir = tmp_path / "lib"
    Library(lib_dir).import_file(SAMPLES[0], patient_id="anna", start_utc=START)
    for name, payload in (("p.csv", POISON), ("../../evil.csv", POISON), ("x.pkl", b"\x80")):
        at = AppTest.from_function(upload_script, args=(str(lib_dir), payload, name))
        at.run()
        assert not at.exception
        (error,) = at.sidebar.error
        assert "all samples share one timestamp" in error.value or "not a session" in error.value
    lib = Library(lib_dir)
    assert len(lib.sessions()) == 1 and check(lib) == []
    dashboard_opens(lib_dir, monkeypatch)


def old_library_with_a_hidden_and_a_poisoned_session(root: Path) -> dict[str, str]:
    """A library as the first version left it: a session indexed without an analysis, and one
    whose stored file the analysis now refuses. Returns their ids."""
    files = root / "sessions"
    files.mkdir(parents=True)
    good = SAMPLES[0]
    (files / good.name).write_bytes(good.read_bytes())
    (files / "poison.csv").write_bytes(POISON)
    ids = {
        "good": hashlib.sha256(good.read_bytes()).hexdigest()[:16],
        "poison": hashlib.sha256(POISON).hexdigest()[:16],
    }
    with sqlite3.connect(root / "index.sqlite") as db:
        db.execute(
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, file TEXT NOT NULL, original_name TEXT "
            "NOT NULL, patient_id TEXT NOT NULL, body_site TEXT, device TEXT, sensor_kind TEXT "
            "NOT NULL, start_utc TEXT NOT NULL, duration_s REAL NOT NULL, imported_utc TEXT "
            "NOT NULL)"
        )
        db.execute("CREATE TABLE analyses (session_id TEXT PRIMARY KEY, x TEXT)")
        for sid, name in ((ids["good"], good.name), (ids["poison"], "poison.csv")):
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, 'ben', NULL, NULL, 'force', "
                "'2026-11-20T10:00:00+00:00', 1.0, '2026-11-20T10:00:00+00:00')",
                (sid, name, name),
            )
    return ids


def test_an_old_library_with_bad_sessions_opens_shows_them_and_repairs(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    ids = old_library_with_a_hidden_and_a_poisoned_session(root)
    lib = Library(root)
    assert sorted(p.kind for p in check(lib)) == ["not-analysed", "not-analysed"]
    assert lib.refresh() == 2
    rows = {r.id: r for r in lib.sessions()}
    assert rows[ids["good"]].error is None and rows[ids["good"]].n_holds > 0
    assert rows[ids["poison"]].error.endswith("all samples share one timestamp: a session "
                                              "needs a time span")  # fmt: skip
    at = dashboard_opens(root, monkeypatch)
    flags = at.dataframe[0].value.set_index("patient").loc["ben", "flags"]
    assert "1 session could not be analysed" in flags
    at.sidebar.selectbox(key="session_id").set_value(ids["poison"])
    at.sidebar.radio(key="view").set_value("Session").run()
    assert not at.exception
    assert "could not be analysed" in at.error[0].value
    assert [(p.kind, p.target) for p in check(lib)] == [("analysis-failed", ids["poison"])]
    assert repair(lib) == [f"analysed session {ids['poison']}: still failing "
                           f"({rows[ids['poison']].error})"]  # fmt: skip
    assert lib.remove(ids["poison"])
    assert [r.id for r in lib.sessions()] == [ids["good"]] and check(lib) == []


def test_repair_indexes_a_file_an_interrupted_import_put_in_place(tmp_path):
    lib = Library(tmp_path / "lib")
    done = lib.import_file(SAMPLES[1], start_utc=START)  # names its person
    path = lib.session(done.session_id).file
    lib.index.remove(done.session_id)  # as if killed between placing the file and indexing it
    assert [p.kind for p in check(lib)] == ["unindexed"]
    assert repair(lib) == [f"indexed {path.name} as session {done.session_id} of "
                           f"{lib.session(done.session_id).patient_id}"]  # fmt: skip
    assert check(lib) == [] and lib.session(done.session_id).file.exists()


def test_remove_puts_a_session_in_the_trash_and_restore_or_empty_trash_ends_it(tmp_path):
    lib = Library(tmp_path / "lib")
    sid = lib.import_file(SAMPLES[0], patient_id="anna", start_utc=START).session_id
    path = lib.session(sid).file
    folder = ("library", "--library", tmp_path / "lib")
    ran = holdtrack_limited(*folder, "remove", sid)
    assert ran.returncode == 0, ran.stderr
    assert lib.sessions() == [] and path.exists()
    listed = holdtrack_limited(*folder, "trash")
    assert listed.stdout.startswith(f"{sid}  2026-11-20 10:00  anna  removed ")
    again = holdtrack_limited(*folder, "remove", sid)
    assert again.returncode == 1 and f"no session {sid}" in again.stderr
    assert holdtrack_limited(*folder, "restore", sid).returncode == 0
    assert [s.id for s in lib.sessions()] == [sid]
    assert holdtrack_limited(*folder, "restore", sid).returncode == 1  # not in the trash now
    holdtrack_limited(*folder, "remove", sid)
    emptied = holdtrack_limited(*folder, "empty-trash")
    assert emptied.returncode == 0 and "1 session(s) deleted" in emptied.stderr
    assert lib.sessions() == [] and lib.trash() == [] and not path.exists()


@pytest.mark.parametrize(
    "pair", [("王伟", "李娜"), ("anna smith", "anna/smith"), ("Müller", "Mäller"), ("x", "X")]
)
def test_different_people_stay_different(tmp_path, pair):
    lib = Library(tmp_path / "lib")
    for person, sample in zip(pair, SAMPLES):
        lib.import_file(sample, patient_id=person, start_utc=START)
    assert lib.patients() == sorted(pair)
    for row in lib.sessions():
        part = row.file.name.rsplit("_", 2)[0]
        assert file_part_decode(part) == row.patient_id
    assert file_part(pair[0]) != file_part(pair[1])


def test_a_name_never_becomes_a_path():
    assert file_part("../../etc/passwd") == "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"
    assert file_part_decode(file_part("a%b c/ü")) == "a%b c/ü"
    assert file_part("...") == "%2E%2E%2E"


def test_the_same_content_imported_at_once_is_stored_once(tmp_path):
    lib_dir = tmp_path / "lib"
    Library(lib_dir)
    cmd = [sys.executable, "-m", "holdtrack", "import", *map(str, SAMPLES), "--library",
           str(lib_dir), "--start", START.isoformat()]  # fmt: skip
    for _ in range(3):
        procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outs = [p.communicate(timeout=300)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        assert not any("Traceback" in o or "locked" in o for o in outs)
    lib = Library(lib_dir)
    assert len(lib.sessions()) == len(SAMPLES)
    assert check(lib) == []
    assert len(list(lib.files.iterdir())) == len(SAMPLES)


def test_kill_9_mid_import_leaves_no_hidden_session(tmp_path):
    lib_dir = tmp_path / "lib"
    cmd = [sys.executable, "-m", "holdtrack", "import", *map(str, SAMPLES), "--library",
           str(lib_dir), "--start", START.isoformat()]  # fmt: skip
    for delay in (0.6, 0.9, 1.2, 1.5, 1.8):
        proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        lib = Library(lib_dir)  # opening removes what a killed import left half-staged
        # A kill between putting a file in place and committing its index row leaves that file
        # unindexed (never a session without its analysis); importing it again, or repair,
        # indexes it.
        assert {p.kind for p in check(lib)} <= {"unindexed"}
        assert all(r.error is None and r.file.exists() for r in lib.sessions())
    ran = holdtrack_limited("import", *SAMPLES, "--library", lib_dir, "--start", START.isoformat())
    assert ran.returncode == 0
    lib = Library(lib_dir)
    assert len(lib.sessions()) == len(SAMPLES) and check(lib) == []


def test_a_full_disk_leaves_no_partial_file(tmp_path):
    lib_dir = tmp_path / "lib"
    Library(lib_dir)
    big = max(SAMPLES, key=lambda p: p.stat().st_size)
    ran = holdtrack_limited(
        "import",
        big,
        "--library",
        lib_dir,
        "--start",
        START.isoformat(),
        file_size_limit=big.stat().st_size // 2,
    )
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert f"{big.name}: cannot store it in {lib_dir}" in ran.stderr
    lib = Library(lib_dir)
    assert lib.sessions() == [] and list(lib.files.iterdir()) == []
