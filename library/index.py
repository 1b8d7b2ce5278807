"""The library's index in SQLite: sessions, their analyses and holds, prescriptions, trash.

Kept behind this one class so another database can serve a clinic network later. WAL mode and a
busy timeout let several processes import at once; every change is one transaction, so a
session enters with its analysis or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.library import sqlite
from holdtrack.library.prescription import Prescription

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
CREATE INDEX IF NOT EXISTS sessions_patient ON sessions (patient_id, start_utc);
CREATE TABLE IF NOT EXISTS prescriptions (
    patient_id TEXT PRIMARY KEY,
    routines_per_week_min INTEGER NOT NULL,
    routines_per_week_max INTEGER NOT NULL,
    routine_min REAL NOT NULL,
    hold_target_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS analyses (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    detector_version TEXT NOT NULL,
    error TEXT,
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
CREATE TABLE IF NOT EXISTS trash (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    trashed_utc TEXT NOT NULL
);
"""
# A session in the trash is kept whole (file, analysis, holds) but no read or fix touches it.
_IN_VIEW = "id NOT IN (SELECT session_id FROM trash)"
_SHOWN = f"s.{_IN_VIEW}"
# 2: adherence judged per person at query time from the holds table; 3: a failed analysis is
# kept with its reason. The analyses and holds tables are a cache, rebuilt on an upgrade.
SCHEMA_VERSION = 3
_TARGET = f"COALESCE(p.hold_target_s, {DEFAULT_HOLD_TARGET_S})"
_SELECT = f"""
SELECT s.*, a.error, a.detector_version,
    COALESCE(a.n_holds, 0) AS n_holds, COALESCE(a.hold_s, 0) AS hold_s,
    COALESCE(a.rolling_s, 0) AS rolling_s, COALESCE(a.loaded_s, 0) AS loaded_s,
    COALESCE(a.longest_hold_s, 0) AS longest_hold_s, {_TARGET} AS hold_target_s,
    (SELECT COUNT(*) FROM holds h WHERE h.session_id = s.id
        AND h.duration_s >= {_TARGET}) AS adherent_holds,
    (SELECT COALESCE(SUM(h.duration_s), 0) FROM holds h WHERE h.session_id = s.id
        AND h.duration_s >= {_TARGET}) AS adherent_time_s
FROM sessions s LEFT JOIN analyses a ON a.session_id = s.id
LEFT JOIN prescriptions p ON p.patient_id = s.patient_id
"""


@dataclass
class SessionRow:
    """One indexed session with its cached summary (zeros and ``error`` when it has none)."""

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
    error: str | None = None  # why it could not be analysed (None when it was)


@dataclass(frozen=True)
class NewSession:
    """What the index records about a session being imported."""

    id: str
    file: str
    original_name: str
    patient_id: str
    body_site: str | None
    device: str | None
    sensor_kind: str
    start_utc: datetime
    duration_s: float


class SessionIndex:
    """Sessions, analyses and prescriptions of one library, in one SQLite file."""

    def __init__(self, db_path: Path, files: Path) -> None:
        self.db_path = Path(db_path)
        self.files = Path(files)
        with self.connect() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                db.execute("DROP TABLE IF EXISTS holds")  # a cache: refreshing rebuilds it
                db.execute("DROP TABLE IF EXISTS analyses")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection to the index (see :mod:`holdtrack.library.sqlite`)."""
        return sqlite.connect(self.db_path)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction on the index."""
        return sqlite.transaction(self.db_path)

    # ------------------------------------------------------------------ writes

    def add(self, new: NewSession, result: dict[str, Any], place: Callable[[], None]) -> bool:
        """Index a session with its analysis in one transaction; ``place()`` puts its file in
        place inside it. False (and nothing done) when the session is already indexed."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (new.id,)).fetchone():
                return False
            place()
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.id, new.file, new.original_name, new.patient_id, new.body_site, new.device,
                 new.sensor_kind, new.start_utc.isoformat(), new.duration_s,
                 datetime.now(UTC).isoformat()),
            )  # fmt: skip
            _store_analysis(db, new.id, result, None)
        return True

    def set_analysis(
        self, session_id: str, result: dict[str, Any] | None, error: str | None
    ) -> None:
        """Cache a session's analysis, or why it could not be made."""
        with self.transaction() as db:
            _store_analysis(db, session_id, result, error)

    def remove(self, session_id: str) -> str | None:
        """Forget a session (its analysis and holds go with it); its file name, or None."""
        with self.transaction() as db:
            row = db.execute("SELECT file FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return str(row["file"])

    def correct(
        self,
        session_id: str,
        patient_id: str | None = None,
        body_site: str | None = None,
        start_utc: datetime | None = None,
    ) -> bool:
        """Change who a session belongs to, its body site ("" clears it) or its start time;
        False when there is no such session (or it is in the trash)."""
        changes: dict[str, Any] = {}
        if patient_id is not None:
            changes["patient_id"] = patient_id
        if body_site is not None:
            changes["body_site"] = body_site or None
        if start_utc is not None:
            changes["start_utc"] = start_utc.astimezone(UTC).isoformat()
        if not changes:
            return self.sessions(session_id=session_id) != []
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction() as db:
            cur = db.execute(
                f"UPDATE sessions SET {sets} WHERE id = ? AND {_IN_VIEW}",
                [*changes.values(), session_id],
            )
        return cur.rowcount == 1

    def merge_people(self, source: str, into: str) -> int:
        """Every session of ``source`` not in the trash becomes ``into``'s; ``into``'s
        prescription stays (or ``source``'s is copied over when ``into`` had none). ``source``'s
        own goes unless sessions of theirs wait in the trash. The sessions moved."""
        with self.transaction() as db:
            moved = db.execute(
                f"UPDATE sessions SET patient_id = ? WHERE patient_id = ? AND {_IN_VIEW}",
                (into, source),
            ).rowcount
            db.execute(
                "INSERT OR IGNORE INTO prescriptions SELECT ?, routines_per_week_min, "
                "routines_per_week_max, routine_min, hold_target_s FROM prescriptions "
                "WHERE patient_id = ?",
                (into, source),
            )
            if not db.execute("SELECT 1 FROM sessions WHERE patient_id = ?", (source,)).fetchone():
                db.execute("DELETE FROM prescriptions WHERE patient_id = ?", (source,))
        return int(moved)

    def set_prescription(self, patient_id: str, rx: Prescription) -> None:
        """Store a person's prescription."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO prescriptions VALUES (?, ?, ?, ?, ?)",
                (patient_id, rx.routines_per_week_min, rx.routines_per_week_max,
                 rx.routine_min, rx.hold_target_s),
            )  # fmt: skip

    # ------------------------------------------------------------------ reads

    def sessions(
        self,
        patient_id: str | None = None,
        session_id: str | None = None,
        patients: Collection[str] | None = None,
    ) -> list[SessionRow]:
        """Indexed sessions (newest first): of one person, one id, or these people when given."""
        where: list[str] = [_SHOWN]
        args: list[Any] = []
        if patients is not None:
            where.append(f"s.patient_id IN ({','.join('?' * len(patients))})")
            args.extend(sorted(patients))
        if patient_id is not None:
            where.append("s.patient_id = ?")
            args.append(patient_id)
        if session_id is not None:
            where.append("s.id = ?")
            args.append(session_id)
        sql = _SELECT + " WHERE " + " AND ".join(where)
        with self.connect() as db:
            rows = db.execute(sql + " ORDER BY s.start_utc DESC, s.id", args).fetchall()
        return [self._row(r) for r in rows]

    def _row(self, r: sqlite3.Row) -> SessionRow:
        """A SessionRow from a row of :data:`_SELECT`."""
        error = r["error"]
        if r["detector_version"] is None:
            error = "not analysed yet"
        return SessionRow(
            id=r["id"], file=self.files / r["file"], original_name=r["original_name"],
            patient_id=r["patient_id"], body_site=r["body_site"], device=r["device"],
            sensor_kind=r["sensor_kind"], start_utc=datetime.fromisoformat(r["start_utc"]),
            duration_s=r["duration_s"], n_holds=r["n_holds"],
            adherent_holds=r["adherent_holds"], adherent_time_s=r["adherent_time_s"],
            hold_target_s=r["hold_target_s"], hold_s=r["hold_s"], rolling_s=r["rolling_s"],
            loaded_s=r["loaded_s"], longest_hold_s=r["longest_hold_s"], error=error,
        )  # fmt: skip

    def analysis_json(self, session_id: str) -> tuple[str, str | None, str | None, str] | None:
        """(result JSON, detector version, error, patient) of a session; None if not indexed."""
        with self.connect() as db:
            r = db.execute(
                "SELECT a.result_json, a.detector_version, a.error, s.patient_id FROM sessions s "
                f"LEFT JOIN analyses a ON a.session_id = s.id WHERE s.id = ? AND {_SHOWN}",
                (session_id,),
            ).fetchone()
        if r is None:
            return None
        return r["result_json"] or "{}", r["detector_version"], r["error"], r["patient_id"]

    def stale(self, detector_version: str) -> list[str]:
        """Sessions without an analysis from this detector version."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT s.id FROM sessions s LEFT JOIN analyses a ON a.session_id = s.id "
                f"WHERE (a.detector_version IS NULL OR a.detector_version != ?) AND {_SHOWN}",
                (detector_version,),
            ).fetchall()
        return [r["id"] for r in rows]

    def patients(self) -> list[str]:
        """Every person id in the library, sorted."""
        with self.connect() as db:
            sql = f"SELECT DISTINCT patient_id FROM sessions s WHERE {_SHOWN} ORDER BY 1"
            return [r[0] for r in db.execute(sql)]

    def files_indexed(self) -> dict[str, str]:
        """File name -> session id, for every indexed session (those in the trash too)."""
        with self.connect() as db:
            return {r["file"]: r["id"] for r in db.execute("SELECT id, file FROM sessions")}

    def prescription(self, patient_id: str) -> Prescription:
        """The person's prescription (the defaults unless one was set)."""
        with self.connect() as db:
            r = db.execute(
                "SELECT * FROM prescriptions WHERE patient_id = ?", (patient_id,)
            ).fetchone()
        if r is None:
            return Prescription()
        return Prescription(
            r["routines_per_week_min"], r["routines_per_week_max"], r["routine_min"],
            r["hold_target_s"],
        )  # fmt: skip


def _store_analysis(
    db: sqlite3.Connection, session_id: str, result: dict[str, Any] | None, error: str | None
) -> None:
    """Write (or replace) one session's analysis and holds inside the caller's transaction."""
    from holdtrack.analysis import DETECTOR_VERSION

    db.execute("DELETE FROM holds WHERE session_id = ?", (session_id,))
    if result is None:
        values = (session_id, DETECTOR_VERSION, error, 0, 0.0, 0.0, 0.0, 0.0, "{}")
    else:
        t = result["summary"]["time_in_state_s"]
        holds = result["holds"]
        values = (
            session_id, DETECTOR_VERSION, None, len(holds), t["hold"], t["rolling"],
            t["hold"] + t["rolling"] + t["reposition"], result["summary"]["longest_hold_s"],
            json.dumps(result, allow_nan=False),
        )  # fmt: skip
        db.executemany(
            "INSERT INTO holds VALUES (?, ?, ?)",
            [(session_id, h["start_s"], h["duration_s"]) for h in holds],
        )
    db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
