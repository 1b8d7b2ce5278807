"""The sidebar: view, person and session pickers, and adding sessions."""

from __future__ import annotations

from datetime import UTC, datetime, time

import streamlit as st

from holdtrack.dashboard.upload import import_uploads
from holdtrack.library import SessionRow
from holdtrack.library.scoped import ScopedLibrary


def session_label(s: SessionRow) -> str:
    """How a session reads in the picker: when, where, a short id (two can share a minute)."""
    mark = " · could not be analysed" if s.error else ""
    return f"{s.start_utc:%Y-%m-%d %H:%M} · {s.body_site or '-'} · {s.id[:6]}{mark}"


def sidebar(lib: ScopedLibrary, views: tuple[str, ...], pickers: bool = True) -> str:
    """View choice, patient and session pickers, and upload."""
    st.sidebar.title("holdtrack")
    view = st.sidebar.radio("View", views, key="view")
    if not pickers:
        return view
    patients = lib.patients()
    if patients:
        if st.session_state.get("patient") not in patients:
            st.session_state["patient"] = patients[0]
        st.sidebar.selectbox("Person", patients, key="patient")
        sessions = lib.sessions(st.session_state["patient"])
        ids = [s.id for s in sessions]
        labels = {s.id: session_label(s) for s in sessions}
        if st.session_state.get("session_id") not in ids and ids:
            st.session_state["session_id"] = ids[0]
        if ids:
            st.sidebar.selectbox("Session", ids, format_func=labels.get, key="session_id")
    with st.sidebar.expander("Add sessions"):
        uploads = st.file_uploader(
            "Session files (.csv or .parquet)", type=["csv", "parquet"], accept_multiple_files=True
        )
        patient = st.text_input("Person id (for files that do not name one)", value="")
        day = st.date_input("Day of the session (for files that do not say)", value=None)
        at = st.time_input("Start time (local)", value=time(9, 0))
        start = None
        if day is not None:
            start = datetime.combine(day, at).astimezone(UTC)  # the browser's day, this clock
        if uploads and st.button("Import"):
            import_uploads(lib, uploads, patient or None, start)
    return view
