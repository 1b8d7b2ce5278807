"""People and places keep their names: ids are stored as given, and encoded only in file names.

A person id or body site is kept in the index exactly as entered (Unicode, spaces, case), after
Unicode normalisation (NFC, so the same name typed two ways is one name). In a file name every
character that is unsafe there is written as ``%XX`` of its UTF-8 bytes, so the name can always
be decoded back and two different ids never share one.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

MAX_NAME_CHARS = 100
UNKNOWN_PERSON = "unknown"
_SAFE_PUNCTUATION = "-_"
FILE_PART_CHARS = 60


class BadName(ValueError):
    """A person id or site that cannot be stored (empty, too long, or with control characters)."""


def clean_name(text: str, what: str = "person id") -> str:
    """``text`` as stored: NFC, outer spaces trimmed; ValueError when unusable."""
    name = unicodedata.normalize("NFC", str(text)).strip()
    if not name:
        raise BadName(f"empty {what}")
    if len(name) > MAX_NAME_CHARS:
        raise BadName(f"{what} longer than {MAX_NAME_CHARS} characters")
    bad = next((c for c in name if unicodedata.category(c)[0] == "C"), None)
    if bad is not None:
        raise BadName(f"{what} {name!r} holds a control character (U+{ord(bad):04X})")
    return name


def person_id(text: str | None) -> str:
    """A person id as stored; "unknown" when none was given."""
    if text is None or not str(text).strip():
        return UNKNOWN_PERSON
    return clean_name(text, "person id")


def site_name(text: str | None) -> str | None:
    """A body site as stored, or None."""
    if text is None or not str(text).strip():
        return None
    return clean_name(text, "body site")


def file_part(name: str, max_chars: int = FILE_PART_CHARS) -> str:
    """``name`` safe in a file name on any system: letters and digits of any script, ``-`` and
    ``_`` stay; everything else becomes ``%XX`` (reversible with :func:`file_part_decode`).

    Cut to ``max_chars`` at a character boundary; the caller adds what makes the file unique.
    """
    out: list[str] = []
    used = 0
    for ch in unicodedata.normalize("NFC", name):
        piece = ch if ch.isalnum() or ch in _SAFE_PUNCTUATION else _percent(ch)
        if used + len(piece) > max_chars:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) or "%"


def _percent(ch: str) -> str:
    """``%XX`` for every UTF-8 byte of ``ch``."""
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


def file_part_decode(part: str) -> str:
    """The name a (complete, uncut) :func:`file_part` was made from."""
    return unquote(part, encoding="utf-8", errors="strict")


def file_part_name(part: str) -> str | None:
    """The name a file part stands for, or None when it may have been cut short."""
    try:
        name = file_part_decode(part)
    except UnicodeDecodeError:
        return None
    whole = file_part(name, max_chars=10 * FILE_PART_CHARS)
    return name if whole == part and len(whole) <= FILE_PART_CHARS else None


DEMO_PREFIX = "demo-"  # the made-up people of a demo clinic (``holdtrack dashboard --demo``)


def is_demo(patient_id: str) -> bool:
    """Whether a person is one of a demo clinic's made-up people."""
    return patient_id.startswith(DEMO_PREFIX)
