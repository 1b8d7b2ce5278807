"""The library's trash: a removed session or person stays whole, out of every view, for an undo
window (30 days), and is then deleted with its file.

Removing puts the sessions' ids in the index's ``trash`` table in one transaction; restoring
takes them out again; purging deletes the rows (their analysis and holds go with them) and
hands back the file names to delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from holdtrack.library.index import SessionIndex

TRASH_KEEP_S = 30 * 86400.0


@dataclass(frozen=True)
class Trashed:
    """One session in the trash: whose, when it started, when it was removed."""

    session_id: str
    patient_id: str
    body_site: str | None
    start_utc: datetime
    trashed_utc: datetime


def trash_sessions(index: SessionIndex, session_ids: list[str]) -> int:
    """Put sessions in the trash (one moment for all, so they come back together)."""
    now = datetime.now(UTC).isoformat()
    with index.transaction() as db:
        cur = db.executemany(
            "INSERT OR IGNORE INTO trash SELECT id, ? FROM sessions WHERE id = ?",
            [(now, sid) for sid in session_ids],
        )
    return int(cur.rowcount)


def trash_listing(index: SessionIndex, patient_id: str | None = None) -> list[Trashed]:
    """What is in the trash (of one person when given), most recently removed first."""
    sql = (
        "SELECT s.id, s.patient_id, s.body_site, s.start_utc, t.trashed_utc FROM trash t "
        "JOIN sessions s ON s.id = t.session_id"
    )
    args: tuple[str, ...] = ()
    if patient_id is not None:
        sql += " WHERE s.patient_id = ?"
        args = (patient_id,)
    with index.connect() as db:
        rows = db.execute(sql + " ORDER BY t.trashed_utc DESC, s.start_utc DESC", args).fetchall()
    return [
        Trashed(r["id"], r["patient_id"], r["body_site"],
                datetime.fromisoformat(r["start_utc"]), datetime.fromisoformat(r["trashed_utc"]))
        for r in rows
    ]  # fmt: skip


def restore_sessions(index: SessionIndex, session_ids: list[str]) -> int:
    """Take sessions out of the trash; how many came back."""
    with index.transaction() as db:
        cur = db.executemany("DELETE FROM trash WHERE session_id = ?", [(s,) for s in session_ids])
    return int(cur.rowcount)


def purge(index: SessionIndex, older_than_s: float = TRASH_KEEP_S) -> list[str]:
    """Delete for good what was removed more than ``older_than_s`` ago; their file names."""
    cutoff = (datetime.now(UTC) - timedelta(seconds=older_than_s)).isoformat()
    with index.transaction() as db:
        rows = db.execute(
            "SELECT s.id, s.file FROM trash t JOIN sessions s ON s.id = t.session_id "
            "WHERE t.trashed_utc <= ?",
            (cutoff,),
        ).fetchall()
        db.executemany("DELETE FROM sessions WHERE id = ?", [(r["id"],) for r in rows])
    return [str(r["file"]) for r in rows]
