"""Fixing the record from the pages: a session's person, body site and start time; merging two
ids of one person; removing a person (to the trash, with Undo) and restoring from the trash.
Each change asks for confirmation and is written to the audit log in clinic mode."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import streamlit as st

from holdtrack.dashboard.humane import when_text
from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.state import audit_once, clinic_settings
from holdtrack.library import SessionRow
from holdtrack.library.scoped import NotYours, ScopedLibrary
from holdtrack.library.trash import Trashed


def session_fixes(lib: ScopedLibrary, row: SessionRow) -> None:
    """Reassign a session to another person or body site, or correct its start (in the
    clinic's time zone)."""
    zone = clinic_settings().zone()
    local = row.start_utc.astimezone(zone)
    with st.expander("Fix this session's record"), st.form("fix_session"):
        people = lib.patients()
        person = st.selectbox("Person", people, index=people.index(row.patient_id), key="fix_to")
        site = st.text_input("Body site (empty: none)", row.body_site or "", key="fix_site")
        day = st.date_input(f"Day ({zone} time)", local.date(), key="fix_day")
        at = st.time_input(f"Start ({zone} time)", local.time(), key="fix_time", step=60)
        if not st.form_submit_button("Save"):
            return
        start = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        try:
            lib.correct(row.id, patient_id=person, body_site=site.strip(), start_utc=start)
        except (NotYours, KeyError):
            st.error("That person is not one of yours.")
            return
        detail = (
            f"{row.id}: person {person}, site {site.strip() or '-'}, start {start:%Y-%m-%d %H:%M}"
        )
        audit_once("correct session", row.patient_id, detail)
        st.session_state["open_patient"] = person  # the pickers follow on the next run
        st.rerun()


def person_fixes(lib: ScopedLibrary, patient: str) -> None:
    """Merge this person into another id, or remove them with all their sessions."""
    others = [p for p in lib.patients() if p != patient]
    with st.expander("Merge or remove this person"):
        if others:
            into = st.selectbox("Merge into (the same person under another id)", others,
                                key="merge_into")  # fmt: skip
            sure = st.checkbox(f"Move every session of {plain(patient)} to {plain(into)}",
                               key="merge_sure")  # fmt: skip
            if st.button("Merge", disabled=not sure, key="merge_go"):
                moved = lib.merge_people(patient, into)
                audit_once("merge people", into, f"{patient} -> {into}: {moved} sessions")
                st.session_state["open_patient"] = into
                st.rerun()
        typed = st.text_input(f"To remove {plain(patient)} and every session, type their id",
                              key="remove_person_id")  # fmt: skip
        if st.button("Remove person", disabled=typed != patient, key="remove_person_go"):
            ids = [s.id for s in lib.sessions(patient)]
            n = lib.remove_person(patient)
            audit_once("remove person", patient, f"{n} sessions to the trash")
            offer_undo(f"{patient} and {n} session{'s' * (n != 1)}", patient, ids)
            st.session_state["open_patient"] = ""  # whoever comes first
            st.rerun()


def offer_undo(what: str, patient: str, session_ids: list[str]) -> None:
    """Remember a removal so the next pages offer to undo it."""
    st.session_state["undo"] = (what, patient, session_ids)


def undo_notice(lib: ScopedLibrary) -> None:
    """After a removal: what went to the trash, and the way back."""
    pending = st.session_state.get("undo")
    if pending is None:
        return
    what, patient, ids = pending
    if not {t.session_id for t in lib.trash()} & set(ids):  # restored or purged since
        st.session_state.pop("undo")
        return
    c1, c2, c3 = st.columns([6, 1, 1])
    c1.info(f"{plain(what)} moved to the trash; it is deleted for good after 30 days.")
    if c2.button("Undo", key="undo_removal"):
        n = lib.restore(ids)
        audit_once("restore from trash", patient, f"{n} sessions")
        st.session_state.pop("undo")
        st.session_state["open_patient"] = patient
        st.rerun()
    if c3.button("Dismiss", key="undo_dismiss"):
        st.session_state.pop("undo")
        st.rerun()


def trash_section(lib: ScopedLibrary, zone: tzinfo | None = None) -> None:
    """What is in the trash, one line per removal (a person's sessions, or one session), each
    with a way back; times in ``zone`` (the clinic's when not given)."""
    zone = zone or clinic_settings().zone()
    found = lib.trash()
    with st.expander(f"Trash ({len(found)} session{'s' * (len(found) != 1)})"):
        if not found:
            st.caption("Nothing is in the trash. Removed people and sessions wait here 30 days.")
        for i, items in enumerate(removals(found)):
            patient = items[0].patient_id
            c1, c2 = st.columns([5, 1])
            c1.write(removal_text(items, zone))
            if c2.button("Restore", key=f"restore_{i}"):
                n = lib.restore([t.session_id for t in items])
                audit_once("restore from trash", patient, f"{n} sessions")
                st.session_state["open_patient"] = patient
                st.rerun()


def removals(found: list[Trashed]) -> list[list[Trashed]]:
    """The trash as removals (what went at one moment, for one person), most recent first, so
    a person comes back whole and a session removed alone comes back alone."""
    by_removal: dict[tuple[str, datetime], list[Trashed]] = {}
    for t in found:
        by_removal.setdefault((t.patient_id, t.trashed_utc), []).append(t)
    return sorted(by_removal.values(), key=lambda items: items[0].trashed_utc, reverse=True)


def removal_text(items: list[Trashed], zone: tzinfo) -> str:
    """One removal in words: whose, which sessions (their starts), when it was removed."""
    first = items[0]
    if len(items) == 1:
        site = f" ({first.body_site})" if first.body_site else ""
        what = f"the session of {when_text(first.start_utc, zone)}{site}"
    else:
        starts = sorted((t.start_utc for t in items), reverse=True)
        shown = ", ".join(when_text(t, zone) for t in starts[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        what = f"{len(items)} sessions ({shown}{more})"
    return plain(f"{first.patient_id}: {what}, removed {when_text(first.trashed_utc, zone)}")
