"""holdtrack dashboard: adherence to sustained holds, for a person and for their therapist.

Run with ``holdtrack dashboard`` (one person, this machine) or as part of ``holdtrack server``
(a clinic: login required, each therapist sees only their patients). The library folder comes
from ``HOLDTRACK_LIBRARY``; an empty local library starts with the bundled sample sessions.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from holdtrack.dashboard import clinic
from holdtrack.dashboard.live import live_view
from holdtrack.dashboard.people import clinic_view, person_view
from holdtrack.dashboard.period_pages import report_view
from holdtrack.dashboard.record_fixes import undo_notice
from holdtrack.dashboard.replay import replay_view
from holdtrack.dashboard.sessions import session_view
from holdtrack.dashboard.settings_page import settings_page
from holdtrack.dashboard.sidebar import sidebar
from holdtrack.dashboard.state import (
    clinic_mode,
    current_user,
    library_root,
    open_accounts,
    open_library,
)
from holdtrack.library.scoped import ScopedLibrary

DATA_VIEWS: dict[str, Callable[[ScopedLibrary], None]] = {
    "Clinic": clinic_view,
    "Person": person_view,
    "Session": session_view,
    "Replay": replay_view,
    "Report": report_view,
}


def local() -> None:
    """One person's dashboard on this machine: the whole library, and the recording under way."""
    reader = ScopedLibrary(open_library(library_root()))
    views = {**DATA_VIEWS, "Live": live_view}
    view = sidebar(reader, tuple(views))
    undo_notice(reader)
    views[view](reader)


def clinic_app() -> None:
    """A clinic's dashboard: log in; therapists see their own patients, the administrator
    manages accounts and reads the audit log."""
    user = current_user()
    if user is None:
        if st.session_state.pop("login_token", None):
            st.session_state["login_ended"] = True  # the login timed out or was ended
        clinic.login_page()
        return
    lib = open_library(library_root())
    if user.role == "admin":
        pages = {
            "Therapists": clinic.therapists_page,
            "Who treats whom": clinic.assignments_page,
            "Audit log": clinic.audit_page,
            "Clinic settings": settings_page,
        }
        view = sidebar(ScopedLibrary(lib, frozenset()), tuple(pages), pickers=False)
        clinic.logout_button(user)
        pages[view](user)
        return
    reader = ScopedLibrary(lib, open_accounts(library_root()).patients_of(user))
    view = sidebar(reader, (*DATA_VIEWS, "Patients and devices"))
    clinic.logout_button(user)
    if view == "Patients and devices":
        clinic.patients_page(user)
    else:
        undo_notice(reader)
        DATA_VIEWS[view](reader)


def main() -> None:
    """Render the dashboard."""
    st.set_page_config(page_title="holdtrack", layout="wide")
    if clinic_mode():  # (a statement: Streamlit would show the value of a bare expression)
        clinic_app()
    else:
        local()


main()
