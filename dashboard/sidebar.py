"""The sidebar: view, person and session pickers, and adding sessions."""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo

import streamlit as st

from holdtrack.dashboard.humane import when_text
from holdtrack.dashboard.state import clinic_settings
from holdtrack.dashboard.upload import import_uploads
from holdtrack.library import SessionRow
from holdtrack.library.scoped import ScopedLibrary


def session_label(s: SessionRow, zone: tzinfo = UTC) -> str:
    """How a session reads in the picker: when, where, a short id (two can share a minute)."""
    mark = " · could not be analysed" if s.error else ""
    return f"{when_text(s.start_utc, zone)} · {s.body_site or '-'} · {s.id[:6]}{mark}"


def from_address(lib: ScopedLibrary, views: tuple[str, ...]) -> None:
    """On a tab's first run, open the view, person and session its address names
    (``?view=session&person=anna&session=ID``), where this reader may see them."""
    state = st.session_state
    if state.get("_address_read"):
        return
    state["_address_read"] = True
    q = st.query_params
    view = next((v for v in views if v.lower() == q.get("view", "").lower()), None)
    if view is not None:
        state["view"] = view
    person = q.get("person")
    if person is not None:
        if person not in lib.patients():
            st.warning("The person in this address is not in the library you can read.")
            return
        state["patient"] = person
        sid = q.get("session")
        if sid is not None and sid in {s.id for s in lib.sessions(person)}:
            state["session_id"] = sid


def to_address(view: str, pickers: bool) -> None:
    """Keep the address naming what is shown, so it can be bookmarked or sent."""
    want = {"view": view.lower()}
    if pickers and st.session_state.get("patient") is not None:
        want["person"] = st.session_state["patient"]
        if st.session_state.get("session_id") is not None and view in ("Session", "Replay"):
            want["session"] = st.session_state["session_id"]
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def sidebar(lib: ScopedLibrary, views: tuple[str, ...], pickers: bool = True) -> str:
    """View choice, patient and session pickers, and upload; the address follows them."""
    st.sidebar.title("holdtrack")
    from_address(lib, views)
    view = st.sidebar.radio("View", views, key="view")
    if pickers:
        _pickers(lib)
    to_address(view, pickers)
    if not pickers:
        return view
    _uploads(lib)
    return view


def _pickers(lib: ScopedLibrary) -> None:
    """The person and session pickers."""
    patients = lib.patients()
    pending = st.session_state.pop("open_patient", None)  # a page asked for this person
    if pending is not None:
        st.session_state["patient"] = pending  # the session stays open if it is theirs
    if patients:
        if st.session_state.get("patient") not in patients:
            st.session_state["patient"] = patients[0]
        st.sidebar.selectbox("Person", patients, key="patient")
        sessions = lib.sessions(st.session_state["patient"])
        ids = [s.id for s in sessions]
        zone = clinic_settings().zone()
        labels = {s.id: session_label(s, zone) for s in sessions}
        if st.session_state.get("session_id") not in ids and ids:
            st.session_state["session_id"] = ids[0]
        if ids:
            st.sidebar.selectbox("Session", ids, format_func=labels.get, key="session_id")


def _uploads(lib: ScopedLibrary) -> None:
    """Adding session files."""
    with st.sidebar.expander("Add sessions"):
        uploads = st.file_uploader(
            "Session files (.csv or .parquet)", type=["csv", "parquet"], accept_multiple_files=True
        )
        patient = st.text_input("Person id (for files that do not name one)", value="")
        day = st.date_input("Day of the session (for files that do not say)", value=None)
        zone = clinic_settings().zone()
        at = st.time_input(f"Start time ({zone} time)", value=time(9, 0))
        start = None
        if day is not None:
            start = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if uploads and st.button("Import"):
            import_uploads(lib, uploads, patient or None, start)
