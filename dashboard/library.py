"""The session library: a folder of session files with an embedded SQLite index.

Each imported session is validated, copied into the library under a sanitised name, indexed
(patient, body site, device, start time, duration) and analysed; the analysis is cached in the
index and recomputed when the detector's version changes. Uploaded content is only ever parsed
as CSV or Parquet: nothing is unpickled or evaluated.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from holdtrack.analysis import DETECTOR_VERSION, result_retarget, session_process
from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.dashboard.prescription import Prescription
from holdtrack.sensing.session import Session, SessionFormatError, read_session

MAX_FILE_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".parquet")
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    original_name TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    body_site TEXT,
    device TEXT,
    sensor_kind TEXT NOT NULL,
    start_utc TEXT NOT NULL,
    duration_s REAL NOT NULL,
    imported_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS prescriptions (
    patient_id TEXT PRIMARY KEY,
    routines_per_week_min INTEGER NOT NULL,
    routines_per_week_max INTEGER NOT NULL,
    routine_min REAL NOT NULL,
    hold_target_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_patient ON sessions (patient_id, start_utc);
CREATE TABLE IF NOT EXISTS analyses (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    detector_version TEXT NOT NULL,
    n_holds INTEGER NOT NULL,
    hold_s REAL NOT NULL,
    rolling_s REAL NOT NULL,
    loaded_s REAL NOT NULL,
    longest_hold_s REAL NOT NULL,
    result_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS holds (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    start_s REAL NOT NULL,
    duration_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS holds_session ON holds (session_id, duration_s);
"""
# Version 2: adherence is judged per person at query time from the holds table; older
# libraries cached it for 90 s in the analyses table, which is only a cache and is rebuilt.
SCHEMA_VERSION = 2
# A session's adherent holds and time in them, against its person's hold target.
_ADHERENCE = f"""
    COALESCE(p.hold_target_s, {DEFAULT_HOLD_TARGET_S}) AS hold_target_s,
    (SELECT COUNT(*) FROM holds h WHERE h.session_id = s.id
        AND h.duration_s >= COALESCE(p.hold_target_s, {DEFAULT_HOLD_TARGET_S})) AS adherent_holds,
    (SELECT COALESCE(SUM(h.duration_s), 0) FROM holds h WHERE h.session_id = s.id
        AND h.duration_s >= COALESCE(p.hold_target_s, {DEFAULT_HOLD_TARGET_S})) AS adherent_time_s
"""


class ImportRejected(ValueError):
    """A file that cannot enter the library; str() is one line naming the file and why."""


def default_library_dir() -> Path:
    """The per-user data folder for the library."""
    return Path(platformdirs.user_data_dir("holdtrack", appauthor=False)) / "library"


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sanitise(text: str, *, fallback: str = "unknown", max_len: int = 64) -> str:
    """A safe identifier or file name part: letters, digits, dot, dash, underscore only."""
    cleaned = _SAFE.sub("-", text.strip()).strip(".-")[:max_len]
    return cleaned or fallback


@dataclass
class SessionRow:
    """One indexed session with its cached summary."""

    id: str
    file: Path
    original_name: str
    patient_id: str
    body_site: str | None
    device: str | None
    sensor_kind: str
    start_utc: datetime
    duration_s: float
    n_holds: int
    adherent_holds: int  # holds that reached the person's target
    adherent_time_s: float  # time in those holds
    hold_target_s: float  # the person's hold target
    hold_s: float
    rolling_s: float
    loaded_s: float
    longest_hold_s: float


class Library:
    """A session library rooted at ``root`` (created on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files = self.root / "sessions"
        self.files.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "index.sqlite"
        with self._db() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                db.execute("DROP TABLE IF EXISTS analyses")  # a cache: refresh() rebuilds it
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db_path)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        try:
            yield con
            con.commit()
        finally:
            con.close()

    # ------------------------------------------------------------------ import

    def import_file(
        self,
        path: Path,
        *,
        patient_id: str | None = None,
        body_site: str | None = None,
        start_utc: datetime | None = None,
        original_name: str | None = None,
    ) -> str:
        """Validate, copy, index and analyse one session file; return its id.

        Raises ImportRejected with a one-line reason for files that cannot be read. A file
        already in the library (same content) is not imported twice.
        """
        path = Path(path)
        name = original_name or path.name
        suffix = Path(name).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise ImportRejected(f"{name}: not a session file (expected .csv or .parquet)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportRejected(f"{name}: too large ({size / 1e6:.0f} MB; limit 200 MB)")
        digest = _sha256(path)[:16]
        with self._db() as db:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (digest,)).fetchone():
                return digest
        try:
            session = read_session(path)
        except SessionFormatError as exc:
            raise ImportRejected(f"{name}: {exc.location}{exc.problem}") from exc
        meta = session.meta
        patient = sanitise(patient_id or meta.patient_id or "unknown")
        start = start_utc or _parse_start(meta.start_time_utc) or _mtime(path)
        stored = self.files / f"{patient}_{start:%Y%m%dT%H%M%S}_{digest}{suffix}"
        shutil.copyfile(path, stored)
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    stored.name,
                    sanitise(name, max_len=120),
                    patient,
                    body_site or meta.body_site,
                    meta.device_model,
                    meta.sensor_kind,
                    start.isoformat(),
                    session.duration_s,
                    datetime.now(UTC).isoformat(),
                ),
            )
        self._analyse(digest, session)
        return digest

    def import_files(self, paths: Iterable[Path], **kw: Any) -> tuple[list[str], list[str]]:
        """Import several files; return (ids imported, one-line errors). One bad file stops none."""
        ok, errors = [], []
        for p in paths:
            try:
                ok.append(self.import_file(Path(p), **kw))
            except (ImportRejected, OSError) as exc:
                errors.append(str(exc))
        return ok, errors

    # ------------------------------------------------------------------ analysis cache

    def _analyse(self, session_id: str, session: Session | None = None) -> dict[str, Any]:
        """Run the analysis for a session and cache it with the detector version."""
        with self._db() as db:
            row = db.execute("SELECT file FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(session_id)
        if session is None:
            session = read_session(self.files / row["file"])
        result = session_process(session.data, session.meta.sensor_kind).to_dict()
        t = result["summary"]["time_in_state_s"]
        holds = result["holds"]
        values = (
            session_id,
            DETECTOR_VERSION,
            len(holds),
            t["hold"],
            t["rolling"],
            t["hold"] + t["rolling"] + t["reposition"],
            result["summary"]["longest_hold_s"],
            json.dumps(result),
        )
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
            db.execute("DELETE FROM holds WHERE session_id = ?", (session_id,))
            db.executemany(
                "INSERT INTO holds VALUES (?, ?, ?)",
                [(session_id, h["start_s"], h["duration_s"]) for h in holds],
            )
        return result

    def refresh(self) -> int:
        """Re-analyse every session whose cached analysis is missing or from another detector."""
        with self._db() as db:
            stale = [
                r["id"]
                for r in db.execute(
                    "SELECT s.id FROM sessions s LEFT JOIN analyses a ON a.session_id = s.id "
                    "WHERE a.detector_version IS NULL OR a.detector_version != ?",
                    (DETECTOR_VERSION,),
                )
            ]
        for sid in stale:
            self._analyse(sid)
        return len(stale)

    def analysis(self, session_id: str) -> dict[str, Any]:
        """The analysis of a session (the ``analyze --json`` object), fresh for this detector
        and judged against its person's hold target."""
        with self._db() as db:
            row = db.execute(
                "SELECT a.result_json, a.detector_version, s.patient_id FROM sessions s "
                "LEFT JOIN analyses a ON a.session_id = s.id WHERE s.id = ?",
                (session_id,),
            ).fetchone()
        if row is None:
            raise KeyError(session_id)
        if row["result_json"] is None or row["detector_version"] != DETECTOR_VERSION:
            result = self._analyse(session_id)
        else:
            result = json.loads(row["result_json"])
        return result_retarget(result, self.prescription(row["patient_id"]).hold_target_s)

    # ------------------------------------------------------------------ queries

    def sessions(self, patient_id: str | None = None) -> list[SessionRow]:
        """Indexed sessions (newest first), optionally of one patient."""
        sql = (
            "SELECT s.*, a.n_holds, a.hold_s, a.rolling_s, a.loaded_s, a.longest_hold_s, "
            f"{_ADHERENCE} FROM sessions s JOIN analyses a ON a.session_id = s.id "
            "LEFT JOIN prescriptions p ON p.patient_id = s.patient_id"
        )
        args: tuple[Any, ...] = ()
        if patient_id is not None:
            sql += " WHERE s.patient_id = ?"
            args = (patient_id,)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY s.start_utc DESC", args).fetchall()
        return [
            SessionRow(
                id=r["id"],
                file=self.files / r["file"],
                original_name=r["original_name"],
                patient_id=r["patient_id"],
                body_site=r["body_site"],
                device=r["device"],
                sensor_kind=r["sensor_kind"],
                start_utc=datetime.fromisoformat(r["start_utc"]),
                duration_s=r["duration_s"],
                n_holds=r["n_holds"],
                adherent_holds=r["adherent_holds"],
                adherent_time_s=r["adherent_time_s"],
                hold_target_s=r["hold_target_s"],
                hold_s=r["hold_s"],
                rolling_s=r["rolling_s"],
                loaded_s=r["loaded_s"],
                longest_hold_s=r["longest_hold_s"],
            )
            for r in rows
        ]

    def patients(self) -> list[str]:
        """Every patient id in the library, sorted."""
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT patient_id FROM sessions ORDER BY 1")]

    def prescription(self, patient_id: str) -> Prescription:
        """The person's prescription (the defaults unless one was set)."""
        with self._db() as db:
            r = db.execute(
                "SELECT * FROM prescriptions WHERE patient_id = ?", (patient_id,)
            ).fetchone()
        if r is None:
            return Prescription()
        return Prescription(
            r["routines_per_week_min"],
            r["routines_per_week_max"],
            r["routine_min"],
            r["hold_target_s"],
        )

    def set_prescription(self, patient_id: str, rx: Prescription) -> None:
        """Store a person's prescription."""
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO prescriptions VALUES (?, ?, ?, ?, ?)",
                (
                    patient_id,
                    rx.routines_per_week_min,
                    rx.routines_per_week_max,
                    rx.routine_min,
                    rx.hold_target_s,
                ),
            )

    def session(self, session_id: str) -> SessionRow:
        """One indexed session by id (KeyError if absent)."""
        for row in self.sessions():
            if row.id == session_id:
                return row
        raise KeyError(session_id)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parse_start(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)


def import_sample_set(lib: Library, sample_dir: Path | None = None) -> list[str]:
    """Import the bundled sample sessions, dated back from today so the views have recent data.

    The samples are installed with holdtrack; ``samples.json`` beside them names each file's
    person and how many days ago the library places it.
    """
    from datetime import timedelta
    from importlib import resources

    src = sample_dir or Path(str(resources.files("holdtrack.sample_data")))
    listing = json.loads((src / "samples.json").read_text(encoding="utf-8"))["samples"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ids = []
    for s in listing:
        start = now - timedelta(days=int(s["days_ago"]), hours=1)
        ids.append(lib.import_file(src / s["file"], patient_id=s["patient_id"], start_utc=start))
    return ids
