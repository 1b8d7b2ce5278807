"""Fixing the record from the pages: a session's person, body site and start time; merging two
ids of one person; removing a person. Each change asks for confirmation and is written to the
audit log in clinic mode."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.state import audit_once
from holdtrack.library import SessionRow
from holdtrack.library.scoped import NotYours, ScopedLibrary


def session_fixes(lib: ScopedLibrary, row: SessionRow) -> None:
    """Reassign a session to another person or body site, or correct its start (UTC)."""
    with st.expander("Fix this session's record"), st.form("fix_session"):
        people = lib.patients()
        person = st.selectbox("Person", people, index=people.index(row.patient_id), key="fix_to")
        site = st.text_input("Body site (empty: none)", row.body_site or "", key="fix_site")
        day = st.date_input("Day (UTC)", row.start_utc.date(), key="fix_day")
        at = st.time_input("Start (UTC)", row.start_utc.time(), key="fix_time", step=60)
        if not st.form_submit_button("Save"):
            return
        start = datetime.combine(day, at, tzinfo=UTC)
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
            n = lib.remove_person(patient)
            audit_once("remove person", patient, f"{n} sessions")
            st.session_state["open_patient"] = ""  # whoever comes first
            st.rerun()
