"""Finding and mending what an older version, a crash or a hand left in a library.

``check`` only reads; ``repair`` mends: it forgets sessions whose file is gone, sets aside
(never deletes) files that changed or that no session names, indexes such a file again when its
own metadata says who it belongs to, analyses what has no analysis, and removes staging files
whose writer is gone. Sessions in the trash are left alone: their files are indexed, and
whether they are whole is checked if they are restored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from holdtrack.library.library import ImportRejected, Library
from holdtrack.library.store import (
    STAGING_PREFIX,
    abandoned_staging,
    file_sha256,
    remove_quietly,
    stored_identity,
)
from holdtrack.sensing.session import SUFFIXES, SessionFormatError, read_session

SET_ASIDE = "set-aside"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a library: what kind, which session or file, in words."""

    kind: str  # missing-file, changed-file, not-analysed, analysis-failed, unindexed, staging
    target: str  # session id or file name
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.target}: {self.detail}"


def check(lib: Library) -> list[Problem]:
    """Everything wrong in the library, without changing anything."""
    problems = []
    indexed = lib.index.files_indexed()
    for row in lib.sessions():
        if not row.file.is_file():
            problems.append(Problem("missing-file", row.id, f"{row.file.name} is gone"))
        elif not file_sha256(row.file).startswith(row.id):
            problems.append(Problem("changed-file", row.id, f"{row.file.name} was changed"))
        elif row.error == "not analysed yet":
            problems.append(Problem("not-analysed", row.id, "no analysis for this detector"))
        elif row.error is not None:
            problems.append(Problem("analysis-failed", row.id, row.error))
    for path in sorted(lib.files.iterdir()):
        if path.name.startswith(STAGING_PREFIX):
            problems.append(Problem("staging", path.name, "an import that did not finish"))
        elif path.is_file() and path.name not in indexed:
            problems.append(Problem("unindexed", path.name, "a file no session names"))
    return problems


def repair(lib: Library) -> list[str]:
    """Mend what :func:`check` finds; one line per thing done."""
    done = []
    for p in check(lib):
        if p.kind == "missing-file":
            lib.index.remove(p.target)
            done.append(f"forgot session {p.target}: its file is gone")
        elif p.kind == "changed-file":
            name = lib.index.remove(p.target)
            if name:
                _set_aside(lib, lib.files / name)
            done.append(f"set aside session {p.target}: its file was changed")
        elif p.kind in ("not-analysed", "analysis-failed"):
            lib.analyse_stored(p.target)
            error = lib.session(p.target).error
            done.append(
                f"analysed session {p.target}" + (f": still failing ({error})" if error else "")
            )
        elif p.kind == "unindexed":
            done.append(_reindex(lib, lib.files / p.target))
    for leftover in abandoned_staging(lib.files):
        remove_quietly(leftover)
        done.append(f"removed {leftover.name}: an import that did not finish")
    return done


def _reindex(lib: Library, path: Path) -> str:
    """Index a file no session names when it says (or its stored name says) whose it is and
    when it started; else set it aside."""
    if path.suffix.lower() not in SUFFIXES:
        return f"set aside {_set_aside(lib, path)}: not a session file"
    if file_sha256(path)[:16] in {t.session_id for t in lib.trash()}:  # importing would undo
        return f"set aside {_set_aside(lib, path)}: the same session is in the trash"
    named = stored_identity(path.name)
    try:
        meta = read_session(path).meta
    except SessionFormatError as exc:
        return f"set aside {_set_aside(lib, path)}: {exc.problem}"
    owner = meta.patient_id or (named[0] if named else None)
    start = None if meta.start_time_utc or not named else named[1]
    if not owner:
        return f"set aside {_set_aside(lib, path)}: it does not say whose it is"
    try:
        done = lib.import_file(path, patient_id=owner, start_utc=start, original_name=path.name)
    except ImportRejected as exc:
        return f"set aside {_set_aside(lib, path)}: {exc}"
    if lib.session(done.session_id).file != path:
        remove_quietly(path)  # its content is in the library under its own name
    return f"indexed {path.name} as session {done.session_id} of {owner}"


def _set_aside(lib: Library, path: Path) -> str:
    """Move a file out of the sessions folder into ``set-aside/``; its new place."""
    folder = lib.root / SET_ASIDE
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    os.replace(path, target)
    return str(target.relative_to(lib.root))
