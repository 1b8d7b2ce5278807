"""The pages about people: the clinic table of everyone, and one person's progress."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from holdtrack.analysis.text import clock_text
from holdtrack.dashboard.history import history_section
from holdtrack.dashboard.humane import duration_text, progress_display
from holdtrack.dashboard.period_pages import clinic_export, open_report_button
from holdtrack.dashboard.record_fixes import offer_undo, person_fixes, trash_section
from holdtrack.dashboard.settings_page import settings_editor
from holdtrack.dashboard.state import audit_once, clinic_mode, clinic_settings, opened_person
from holdtrack.dashboard.views import (
    SPARK_WEEKS,
    clinic_table,
    progress_table,
    session_list,
    site_minutes,
)
from holdtrack.library import Prescription
from holdtrack.library.clinic_settings import now_in
from holdtrack.library.names import is_demo
from holdtrack.library.scoped import ScopedLibrary


def clinic_view(lib: ScopedLibrary) -> None:
    """Every patient in one table, with flags."""
    st.header("Clinic")
    settings = clinic_settings()
    table = clinic_table(
        lib.sessions(),
        prescriptions={p: lib.prescription(p) for p in lib.patients()},
        settings=settings,
    )
    if table.empty:
        st.info("The library has no sessions yet.")
        return
    flagged = int((table["flags"] != "").sum())
    c1, c2, c3 = st.columns(3)
    c1.metric("People", len(table))
    c2.metric("Need attention", flagged)
    c3.metric("With data on 16+ of 30 days", int((table["band"] == "16-30").sum()))
    if st.toggle("Only people who need attention", key="clinic_attention"):
        table = table[table["flags"] != ""].reset_index(drop=True)
    clickable_table(
        table, "clinic_table", list(table["patient"]), "patient", "Person",
        column_config={
            "flags": st.column_config.TextColumn("needs attention", width="large"),
            "adherent minutes a week": st.column_config.BarChartColumn(
                f"adherence, last {SPARK_WEEKS} weeks", y_min=0,
                help="Minutes in holds at the target, week by week; this week at the right",
            ),
        },
    )  # fmt: skip
    st.caption(
        "People who need attention come first, the most flags first. "
        f"Days and weeks in {settings.zone()} time. Select a person's row to open their progress."
    )
    clinic_export(lib)
    demo_controls(lib)
    trash_section(lib, settings.zone())
    if not clinic_mode():  # in a clinic, the administrator sets these for everyone
        settings_editor(settings)


def demo_controls(lib: ScopedLibrary) -> None:
    """The demo clinic's made-up people (ids demo-...) go with one click, to the trash; a small
    library is told how to get a demo clinic."""
    demo = [p for p in lib.patients() if is_demo(p)]
    if not demo:
        if len(lib.patients()) <= 3 and not clinic_mode():
            st.caption("To see a clinic of a dozen made-up people over six weeks, start the "
                       "dashboard with `holdtrack dashboard --demo`.")  # fmt: skip
        return
    if st.button(f"Remove the {len(demo)} demo people", key="remove_demo"):
        ids = [s.id for p in demo for s in lib.sessions(p)]
        for p in demo:
            lib.remove_person(p)
        audit_once("remove demo people", None, f"{len(demo)} people, {len(ids)} sessions")
        offer_undo(f"The {len(demo)} demo people", demo[0], ids)
        st.rerun()


def clickable_table(
    table: pd.DataFrame,
    key: str,
    values: list[str],
    state_key: str,
    view: str,
    column_config: dict[str, Any] | None = None,
) -> None:
    """A table whose selected row opens ``values[row]`` (as ``state_key``) in ``view``; up to
    25 rows show without scrolling."""
    st.dataframe(
        table,
        hide_index=True,
        column_config=column_config,
        width="stretch",
        height=(min(len(table), 25) + 1) * 35 + 3,
        key=key,
        on_select=lambda: open_selected(key, values, state_key, view),
        selection_mode="single-row",
    )


def open_selected(table_key: str, values: list[str], state_key: str, view: str) -> None:
    """Click-through: a row selected in a table opens that person or session in another view."""
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[state_key] = values[rows[0]]
        st.session_state["view"] = view


def person_view(lib: ScopedLibrary) -> None:
    """One person's history over a range of days, against their prescription."""
    patient = opened_person("Progress", "view progress")
    if patient is None:
        return
    every = lib.sessions(patient)
    if not every:
        st.info("No sessions for this person.")
        return
    rx = lib.prescription(patient)
    zone = clinic_settings().zone()
    sessions = history_section(every, now_in(zone))
    holds = sum(s.n_holds for s in sessions)
    adherent = sum(s.adherent_holds for s in sessions)
    c1, c2, c3 = st.columns(3)
    c1.metric("Sessions in these days", len(sessions))
    c2.metric(f"Holds reaching {clock_text(rx.hold_target_s)}", f"{adherent} of {holds}")
    c3.metric("Time in adherent holds", duration_text(sum(s.adherent_time_s for s in sessions)))
    st.subheader("Per week, newest first")
    weekly = progress_display(progress_table(sessions, "W-MON", zone), "week of")
    st.dataframe(weekly, hide_index=True, width="stretch")
    st.caption(
        f"Prescription: {rx.routines_per_week_min} to {rx.routines_per_week_max} routines of about "
        f"{rx.routine_min:g} minutes a week, holds of {clock_text(rx.hold_target_s)} or more."
    )
    prescription_editor(lib, patient, rx)
    st.subheader("Hold time per body site")
    sites = site_minutes(sessions)
    sites["hold time"] = [duration_text(m * 60) for m in sites.pop("hold minutes")]
    st.dataframe(sites, hide_index=True, width="stretch")
    st.subheader("Sessions, newest first")
    listing = session_list(sessions, zone)
    clickable_table(listing, "person_sessions", [s.id for s in sessions], "session_id", "Session")
    st.caption("Select a session's row to open it.")
    open_report_button()
    person_fixes(lib, patient)


def prescription_editor(lib: ScopedLibrary, patient: str, rx: Prescription) -> None:
    """Let the clinician change this person's prescription."""
    with st.expander("Edit prescription"), st.form("prescription"):
        lo = st.number_input("Routines a week, at least", 0, 21, rx.routines_per_week_min)
        hi = st.number_input("Routines a week, at most", 0, 21, rx.routines_per_week_max)
        minutes = st.number_input("Minutes per routine", 1.0, 240.0, float(rx.routine_min))
        target = st.number_input("Hold target (s)", 10.0, 600.0, float(rx.hold_target_s))
        if st.form_submit_button("Save"):
            try:
                lib.set_prescription(patient, Prescription(int(lo), int(hi), minutes, target))
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.success("Saved.")
                st.rerun()
