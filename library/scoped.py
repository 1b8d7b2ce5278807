"""The library as one reader may see it: every read of patient data checks whose it is.

In clinic mode a therapist reads through a :class:`ScopedLibrary` limited to their patients:
sessions are filtered in the query, and asking for another patient's session, analysis,
prescription or file answers as if it did not exist. The local, single-person dashboard reads
through an unlimited one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from holdtrack.library.index import SessionRow
from holdtrack.library.library import ImportResult, Library
from holdtrack.library.prescription import Prescription
from holdtrack.library.trash import Trashed


class NotYours(KeyError):
    """A patient or session outside the reader's scope (reported like one that does not exist)."""


class ScopedLibrary:
    """Read (and change) a library within a set of patients; ``patients=None`` is everyone."""

    def __init__(self, lib: Library, patients: Collection[str] | None = None) -> None:
        self.lib = lib
        self.allowed = None if patients is None else frozenset(patients)
        self.root = lib.root

    def _check(self, patient_id: str) -> None:
        if self.allowed is not None and patient_id not in self.allowed:
            raise NotYours(patient_id)

    def patients(self) -> list[str]:
        """The people this reader may see (enrolled ones without sessions too)."""
        if self.allowed is None:
            return self.lib.patients()
        return sorted(self.allowed)

    def sessions(self, patient_id: str | None = None) -> list[SessionRow]:
        """Sessions this reader may see, newest first; of one person when given."""
        if patient_id is not None:
            if self.allowed is not None and patient_id not in self.allowed:
                return []
            return self.lib.index.sessions(patient_id=patient_id)
        return self.lib.index.sessions(patients=self.allowed)

    def session(self, session_id: str) -> SessionRow:
        """One session (KeyError when absent or not this reader's)."""
        row = self.lib.session(session_id)
        self._check(row.patient_id)
        return row

    def analysis(self, session_id: str) -> dict[str, Any]:
        """A session's analysis, judged against its person's target (scoped like session)."""
        self.session(session_id)
        return self.lib.analysis(session_id)

    def prescription(self, patient_id: str) -> Prescription:
        """A person's prescription."""
        self._check(patient_id)
        return self.lib.prescription(patient_id)

    def set_prescription(self, patient_id: str, rx: Prescription) -> None:
        """Change a person's prescription."""
        self._check(patient_id)
        self.lib.set_prescription(patient_id, rx)

    def remove(self, session_id: str) -> bool:
        """Remove one of this reader's sessions."""
        self.session(session_id)
        return self.lib.remove(session_id)

    def correct(self, session_id: str, **changes: Any) -> bool:
        """Fix one of this reader's sessions; a new person must be theirs too."""
        self.session(session_id)
        if changes.get("patient_id") is not None:
            self._check(changes["patient_id"])
        return self.lib.correct(session_id, **changes)

    def merge_people(self, source: str, into: str) -> int:
        """Merge two of this reader's people."""
        self._check(source)
        self._check(into)
        return self.lib.merge_people(source, into)

    def remove_person(self, patient_id: str) -> int:
        """Remove one of this reader's people and their sessions."""
        self._check(patient_id)
        return self.lib.remove_person(patient_id)

    def trash(self, patient_id: str | None = None) -> list[Trashed]:
        """What this reader's people (or this one of them) have in the trash."""
        found = self.lib.trash(patient_id)
        return [t for t in found if self.allowed is None or t.patient_id in self.allowed]

    def restore(self, session_ids: list[str]) -> int:
        """Bring this reader's sessions back from the trash (others' are left as they are)."""
        mine = {t.session_id for t in self.trash()}
        return self.lib.restore([s for s in session_ids if s in mine])

    def restore_session(self, session_id: str) -> bool:
        """Bring one of this reader's sessions back; False when it is not in the trash or not
        theirs (the same answer, so others' trash stays unseen)."""
        return self.restore([session_id]) == 1

    def restore_person(self, patient_id: str) -> int:
        """Bring back everything of one of this reader's people in the trash; how many."""
        self._check(patient_id)
        return self.lib.restore_person(patient_id)

    def import_file(self, path: Any, *, patient_id: str | None = None, **kw: Any) -> ImportResult:
        """Import a file for one of this reader's people (any person in local mode)."""
        if self.allowed is not None:
            if patient_id is None:
                raise NotYours("a person must be named")
            self._check(patient_id)
        return self.lib.import_file(path, patient_id=patient_id, **kw)
