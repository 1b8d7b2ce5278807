"""The session library: session files with an index of who, where, when and their analyses.

A session enters whole or not at all: its file is copied and checked, read, analysed, and only
then put in place and indexed with its analysis in one transaction (a crash between the two
leaves at most a file that no session names, which importing it again or ``repair`` indexes).
Identical content is one session, whoever imports it and however often. Opening a library
never fails on one bad session: a session whose analysis fails is kept, marked with the reason,
and shown as such.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from holdtrack.library.index import NewSession, SessionIndex, SessionRow
from holdtrack.library.names import BadName, person_id, site_name
from holdtrack.library.prescription import Prescription
from holdtrack.library.store import (
    abandoned_staging,
    copy_in,
    remove_quietly,
    staging_path,
    stored_name,
)
from holdtrack.library.trash import (
    TRASH_KEEP_S,
    Trashed,
    purge,
    restore_sessions,
    trash_listing,
    trash_sessions,
)
from holdtrack.sensing.session import SUFFIXES, Session, SessionFormatError, read_session
from holdtrack.sensing.session.atomic import os_reason

log = logging.getLogger(__name__)


class ImportRejected(ValueError):
    """A file that cannot enter the library; str() is one line naming the file and why."""


@dataclass(frozen=True)
class ImportResult:
    """One imported file: its session id, and whether that session was there already."""

    session_id: str
    patient_id: str
    duplicate: bool = False


def default_library_dir() -> Path:
    """The per-user data folder for the library."""
    return Path(platformdirs.user_data_dir("holdtrack", appauthor=False)) / "library"


def analyse(session: Session) -> dict[str, Any]:
    """The analysis object of a session, with what reading it changed or left out."""
    from holdtrack.analysis import session_process

    result = session_process(session.data, session.meta.sensor_kind).to_dict()
    return {**result, "input": session.report.to_dict()}


class Library:
    """A session library rooted at ``root`` (created on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files = self.root / "sessions"
        self.files.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "index.sqlite"
        self.index = SessionIndex(self.db_path, self.files)
        for leftover in abandoned_staging(self.files):
            remove_quietly(leftover)
        self.purge_trash()  # the undo window is over for these

    # ------------------------------------------------------------------ import

    def import_file(
        self,
        path: Path,
        *,
        patient_id: str | None = None,
        body_site: str | None = None,
        start_utc: datetime | None = None,
        original_name: str | None = None,
    ) -> ImportResult:
        """Validate, copy, analyse and index one session file.

        ImportRejected with a one-line reason for a file that cannot enter; nothing is left
        behind then. A file whose content is already in the library is a duplicate, whoever
        it was imported for.
        """
        name = original_name or Path(path).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            raise ImportRejected(f"{name}: not a session file (expected .csv or .parquet)")
        staged = staging_path(self.files, suffix)
        try:
            return self._import_staged(path, staged, name, patient_id, body_site, start_utc)
        except SessionFormatError as exc:
            raise ImportRejected(f"{name}: {exc.location}{exc.problem}") from exc
        except BadName as exc:
            raise ImportRejected(f"{name}: {exc}") from exc
        except OSError as exc:
            reason = os_reason(exc)
            raise ImportRejected(f"{name}: cannot store it in {self.root}: {reason}") from exc
        finally:
            remove_quietly(staged)

    def _import_staged(
        self, path: Path, staged: Path, name: str, patient_id: str | None,
        body_site: str | None, start_utc: datetime | None,
    ) -> ImportResult:  # fmt: skip
        """The steps of :meth:`import_file`, from a staging copy of the file."""
        given = person_id(patient_id) if patient_id is not None else None
        site = site_name(body_site)
        digest = copy_in(Path(path), staged)
        sid = digest[:16]
        if restore_sessions(self.index, [sid]):  # imported again after it was removed: it is back
            return ImportResult(sid, self.session(sid).patient_id)
        known = self.index.sessions(session_id=sid)
        if known:
            return ImportResult(sid, known[0].patient_id, duplicate=True)
        session = read_session(staged)
        meta = session.meta
        patient = given or person_id(meta.patient_id)
        start = start_utc or _parse_start(meta.start_time_utc)
        if start is None:  # a file's date on disk is when it was copied, not when it was done
            raise ImportRejected(
                f"{name}: the file does not say when the session started; give its start time "
                "(holdtrack import --start, or the start field of an upload)"
            )
        try:
            result = analyse(session)
        except Exception as exc:  # untrusted data into numerics: any failure refuses the file
            raise ImportRejected(f"{name}: cannot analyse it: {exc}") from exc
        start = start.astimezone(UTC)  # the index keeps every start in UTC
        final = self.files / stored_name(patient, start, digest, Path(name).suffix.lower())
        new = NewSession(
            sid, final.name, _shown_name(name), patient, site or site_name(meta.body_site),
            meta.device_model, meta.sensor_kind, start, session.duration_s,
        )  # fmt: skip
        if not self.index.add(new, result, place=lambda: os.replace(staged, final)):
            return ImportResult(sid, patient, duplicate=True)  # imported meanwhile elsewhere
        return ImportResult(sid, patient)

    def import_files(self, paths: list[Path], **kw: Any) -> tuple[list[ImportResult], list[str]]:
        """Import several files: (results, one-line errors). One bad file stops none."""
        done, errors = [], []
        for p in paths:
            try:
                done.append(self.import_file(Path(p), **kw))
            except ImportRejected as exc:
                errors.append(str(exc))
        return done, errors

    # ------------------------------------------------------------------ analyses

    def analyse_stored(self, session_id: str) -> None:
        """Analyse a stored session again; a failure is recorded with its reason, not raised."""
        from holdtrack.analysis import DETECTOR_VERSION

        rows = self.index.sessions(session_id=session_id)
        if not rows:
            raise KeyError(session_id)
        try:
            result, error = analyse(read_session(rows[0].file)), None
        except Exception as exc:  # one bad session must not stop the library from opening
            result, error = None, str(exc) or type(exc).__name__
            log.warning("session %s could not be analysed (detector %s): %s",
                        session_id, DETECTOR_VERSION, error)  # fmt: skip
        self.index.set_analysis(session_id, result, error)

    def refresh(self) -> int:
        """Analyse every session whose analysis is missing or from another detector version."""
        from holdtrack.analysis import DETECTOR_VERSION

        stale = self.index.stale(DETECTOR_VERSION)
        for sid in stale:
            self.analyse_stored(sid)
        return len(stale)

    def analysis(self, session_id: str) -> dict[str, Any]:
        """The analysis of a session (the ``analyze --json`` object), judged against its
        person's hold target; ``{"error": reason}`` when it could not be analysed."""
        from holdtrack.analysis import DETECTOR_VERSION, result_retarget

        found = self.index.analysis_json(session_id)
        if found is None:
            raise KeyError(session_id)
        text, version, error, patient = found
        if version != DETECTOR_VERSION:
            self.analyse_stored(session_id)
            text, version, error, patient = self.index.analysis_json(session_id)  # type: ignore[misc]
        if error is not None:
            return {"error": error}
        return result_retarget(json.loads(text), self.prescription(patient).hold_target_s)

    # ------------------------------------------------------------------ queries and changes

    def sessions(self, patient_id: str | None = None) -> list[SessionRow]:
        """Indexed sessions (newest first), optionally of one person."""
        return self.index.sessions(patient_id=patient_id)

    def session(self, session_id: str) -> SessionRow:
        """One indexed session by id (KeyError if absent)."""
        rows = self.index.sessions(session_id=session_id)
        if not rows:
            raise KeyError(session_id)
        return rows[0]

    def patients(self) -> list[str]:
        """Every person id in the library, sorted."""
        return self.index.patients()

    def prescription(self, patient_id: str) -> Prescription:
        """The person's prescription (the defaults unless one was set)."""
        return self.index.prescription(patient_id)

    def set_prescription(self, patient_id: str, rx: Prescription) -> None:
        """Store a person's prescription."""
        self.index.set_prescription(patient_id, rx)

    def remove(self, session_id: str) -> bool:
        """Put a session in the trash (undone by :meth:`restore`, deleted with its file after
        30 days); False when there is no such session (or it is in the trash already)."""
        return trash_sessions(self.index, [session_id]) == 1

    def remove_person(self, patient_id: str) -> int:
        """Put every session of a person in the trash, together; how many sessions. Their
        prescription stays for when they are restored."""
        ids = [s.id for s in self.index.sessions(patient_id=patient_id)]
        return trash_sessions(self.index, ids)

    def trash(self, patient_id: str | None = None) -> list[Trashed]:
        """What is in the trash (of one person when given), most recently removed first."""
        return trash_listing(self.index, patient_id)

    def restore(self, session_ids: list[str]) -> int:
        """Bring sessions back from the trash; how many came back."""
        return restore_sessions(self.index, session_ids)

    def restore_session(self, session_id: str) -> bool:
        """Bring one session back from the trash; False when it is not there."""
        return self.restore([session_id]) == 1

    def restore_person(self, patient_id: str) -> int:
        """Bring back everything of a person in the trash (whenever removed); how many."""
        return self.restore([t.session_id for t in self.trash(patient_id)])

    def purge_trash(self, older_than_s: float = TRASH_KEEP_S) -> int:
        """Delete for good, files too, what was removed more than ``older_than_s`` ago."""
        names = purge(self.index, older_than_s)
        for name in names:
            remove_quietly(self.files / name)
        return len(names)

    def correct(self, session_id: str, **changes: Any) -> bool:
        """Fix a session's record: ``patient_id``, ``body_site`` or ``start_utc`` (see
        :meth:`SessionIndex.correct`; not one in the trash). The analysis stays; adherence
        follows the new person's target at once."""
        return self.index.correct(session_id, **changes)

    def merge_people(self, source: str, into: str) -> int:
        """Two ids of one person become one: ``source``'s sessions (not those in the trash)
        move to ``into``."""
        if source == into:
            return 0
        return self.index.merge_people(source, into)


def _shown_name(name: str) -> str:
    """A file's original name as kept for display: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c if c.isprintable() else "?" for c in base)[:120] or "session"


def _parse_start(text: str | None) -> datetime | None:
    """A recording's ISO 8601 start time (UTC assumed when it has no zone)."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
