"""holdtrack dashboard: adherence to sustained holds, for a person and for their therapist.

Run with ``holdtrack dashboard``; the library folder comes from ``HOLDTRACK_LIBRARY`` (set by
that command), and an empty library starts with the bundled sample sessions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from holdtrack.analysis.text import clock_text
from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.report import session_report_html
from holdtrack.dashboard.upload import import_uploads
from holdtrack.dashboard.views import (
    clinic_table,
    hold_rows,
    plot_signal,
    progress_table,
    replay_state,
    session_list,
    site_minutes,
)
from holdtrack.library import (
    Library,
    Prescription,
    SessionRow,
    default_library_dir,
    import_sample_set,
)
from holdtrack.sensing.session import read_session

STATE_COLOURS = {
    "hold": "rgba(46, 160, 67, 0.25)",
    "rolling": "rgba(218, 54, 51, 0.22)",
    "reposition": "rgba(210, 153, 34, 0.30)",
    "idle": "rgba(140, 140, 140, 0.12)",
}
VIEWS = ("Clinic", "Person", "Session", "Replay")
REPLAY_SPEEDS = (1, 2, 5, 10, 20, 50)
REPLAY_TICK_S = 1.0


@st.cache_resource(max_entries=4)
def session_samples(path: str) -> pd.DataFrame:
    """A session's samples, read once per server (files in the library never change)."""
    return read_session(path).data


@st.cache_resource
def open_library(root: str) -> Library:
    """The library for this server (samples imported into an empty one)."""
    lib = Library(Path(root))
    if not lib.patients():
        import_sample_set(lib)
    lib.refresh()
    return lib


def session_label(s: SessionRow) -> str:
    """How a session reads in the picker: when, where, a short id (two can share a minute)."""
    mark = " · could not be analysed" if s.error else ""
    return f"{s.start_utc:%Y-%m-%d %H:%M} · {s.body_site or '-'} · {s.id[:6]}{mark}"


def sidebar(lib: Library) -> str:
    """View choice, patient and session pickers, and upload."""
    st.sidebar.title("holdtrack")
    view = st.sidebar.radio("View", VIEWS, key="view")
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
        patient = st.text_input("Person id for CSV files", value="")
        if uploads and st.button("Import"):
            import_uploads(lib, uploads, patient or None)
    return view


def clinic_view(lib: Library) -> None:
    """Every patient in one table, with flags."""
    st.header("Clinic")
    table = clinic_table(
        lib.sessions(), prescriptions={p: lib.prescription(p) for p in lib.patients()}
    )
    if table.empty:
        st.info("The library has no sessions yet.")
        return
    flagged = int((table["flags"] != "").sum())
    c1, c2, c3 = st.columns(3)
    c1.metric("People", len(table))
    c2.metric("Flagged", flagged)
    c3.metric("With data on 16+ of 30 days", int((table["band"] == "16-30").sum()))
    clickable_table(table, "clinic_table", list(table["patient"]), "patient", "Person")
    st.caption("Select a person's row to open their progress.")


def clickable_table(
    table: pd.DataFrame, key: str, values: list[str], state_key: str, view: str
) -> None:
    """A table whose selected row opens ``values[row]`` (as ``state_key``) in ``view``."""
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
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


def person_view(lib: Library) -> None:
    """One person's progress against the prescription."""
    patient = st.session_state.get("patient")
    st.header(f"Progress: {plain(patient)}")
    sessions = lib.sessions(patient)
    if not sessions:
        st.info("No sessions for this person.")
        return
    rx = lib.prescription(patient)
    holds = sum(s.n_holds for s in sessions)
    adherent = sum(s.adherent_holds for s in sessions)
    c1, c2, c3 = st.columns(3)
    c1.metric("Sessions", len(sessions))
    c2.metric(f"Holds reaching {clock_text(rx.hold_target_s)}", f"{adherent} of {holds}")
    c3.metric("Minutes in adherent holds", f"{sum(s.adherent_time_s for s in sessions) / 60:.1f}")
    st.subheader("Per week")
    st.dataframe(progress_table(sessions, "W-MON"), hide_index=True, width="stretch")
    st.caption(
        f"Prescription: {rx.routines_per_week_min} to {rx.routines_per_week_max} routines of about "
        f"{rx.routine_min:g} minutes a week, holds of {rx.hold_target_s:g} s or more."
    )
    prescription_editor(lib, patient, rx)
    st.subheader("Per day")
    daily = progress_table(sessions, "D")
    st.dataframe(daily, hide_index=True, width="stretch")
    fig = go.Figure(go.Bar(x=daily["period"], y=daily["longest hold s"], name="longest hold"))
    fig.add_hline(y=rx.hold_target_s, line_dash="dash", annotation_text="hold target")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), yaxis_title="s")
    st.plotly_chart(fig, width="stretch")
    st.subheader("Hold time per body site")
    st.dataframe(site_minutes(sessions), hide_index=True, width="stretch")
    st.subheader("Sessions")
    listing = session_list(sessions)
    clickable_table(listing, "person_sessions", [s.id for s in sessions], "session_id", "Session")
    st.caption("Select a session's row to open it.")


def prescription_editor(lib: Library, patient: str, rx: Prescription) -> None:
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


def selected_session(lib: Library) -> SessionRow | None:
    """The session picked in the sidebar, analysed; a note on the page when there is none, and
    the reason when it could not be analysed."""
    sid = st.session_state.get("session_id")
    if not sid:
        st.info("No session selected.")
        return None
    try:
        row = lib.session(sid)
    except KeyError:
        st.info("That session is no longer in the library.")
        return None
    if row.error is None:
        return row
    st.header(f"Session {row.start_utc:%Y-%m-%d %H:%M} · {plain(row.patient_id)}")
    st.error(f"This session could not be analysed: {plain(row.error)}")
    removal(lib, row)
    return None


def removal(lib: Library, row: SessionRow) -> None:
    """Remove a session from the library, after a confirmation."""
    with st.expander("Remove this session"):
        sure = st.checkbox(f"Remove {plain(row.original_name)} and its file", key="remove_sure")
        if st.button("Remove", disabled=not sure, key="remove_session"):
            lib.remove(row.id)
            st.session_state.pop("session_id", None)
            st.rerun()


def session_view(lib: Library) -> None:
    """The signal with its states, every hold against the person's target, and a verdict."""
    row = selected_session(lib)
    if row is None:
        return
    sid = row.id
    result = lib.analysis(sid)
    if "error" in result:
        st.error(f"This session could not be analysed: {plain(result['error'])}")
        return
    s = result["summary"]
    st.header(f"Session {row.start_utc:%Y-%m-%d %H:%M} · {plain(row.patient_id)}")
    st.markdown(f"**{plain(s['verdict'])}**")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Holds >= {clock_text(s['hold_target_s'])}", f"{s['adherent_holds']} of {s['n_holds']}"
    )
    c2.metric("Longest hold", clock_text(s["longest_hold_s"]))
    c3.metric("Rolling share of loaded time", f"{s['rolling_share_of_loaded']:.0%}")
    c4.metric("Data gaps", f"{s['gap_s']:.1f} s")
    data = session_samples(str(row.file))
    st.plotly_chart(
        signal_figure(data, row.sensor_kind, result["segments"], result["gaps"]), width="stretch"
    )
    st.caption("Bands: green hold, red rolling, amber reposition, grey idle; black: data gap.")
    table = hold_rows(result)
    if not table.empty:
        bars = go.Figure(
            go.Bar(
                x=[f"#{i}" for i in table["hold"]],
                y=table["duration_s"],
                marker_color=["#2ea043" if ok else "#d29922" for ok in table["reached_target"]],
            )
        )
        bars.add_hline(y=s["hold_target_s"], line_dash="dash", annotation_text="hold target")
        bars.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), yaxis_title="s")
        st.plotly_chart(bars, width="stretch")
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Download holds (CSV)",
        table.to_csv(index=False).encode(),
        file_name=f"holds_{row.patient_id}_{row.start_utc:%Y%m%d_%H%M}.csv",
        mime="text/csv",
    )
    st.download_button(
        "Download session report (HTML, prints to PDF)",
        session_report_html(row, result).encode(),
        file_name=f"report_{row.patient_id}_{row.start_utc:%Y%m%d_%H%M}.html",
        mime="text/html",
    )
    removal(lib, row)


def signal_figure(
    data: pd.DataFrame,
    kind: str,
    segments: list[dict],
    gaps: list[dict],
    cursor_s: float | None = None,
) -> go.Figure:
    """The downsampled signal with state bands, data gaps and an optional replay cursor."""
    t, y, label = plot_signal(data, kind)
    fig = go.Figure(go.Scattergl(x=t, y=y, mode="lines", name=label, line=dict(width=1)))
    for seg in segments:
        fig.add_vrect(
            x0=seg["start_s"], x1=seg["end_s"], fillcolor=STATE_COLOURS[seg["state"]], line_width=0
        )
    for gap in gaps:
        fig.add_vrect(x0=gap["start_s"], x1=gap["end_s"], fillcolor="black", opacity=0.35)
    if cursor_s is not None:
        fig.add_vline(x=cursor_s, line_color="black", line_width=2)
    fig.update_layout(
        height=320, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="time (s)", yaxis_title=label
    )
    return fig


def replay_view(lib: Library) -> None:
    """Play a session as if live: cursor, state as knowable then, running hold timer, cue."""
    row = selected_session(lib)
    if row is None:
        return
    sid = row.id
    data = session_samples(str(row.file))
    t0, t1 = float(data["time_s"].iloc[0]), float(data["time_s"].iloc[-1])
    st.header(f"Replay {row.start_utc:%Y-%m-%d %H:%M} · {plain(row.patient_id)}")
    if st.session_state.get("replay_session") != sid:
        st.session_state.update(replay_session=sid, replay_pos=t0)
    c1, c2, c3 = st.columns([1, 2, 4])
    c1.toggle("Play", key="replay_playing")
    c2.select_slider(
        "Speed", REPLAY_SPEEDS, value=10, format_func=lambda v: f"{v}x", key="replay_speed"
    )
    c3.slider(
        "Jump to (s)",
        t0,
        t1,
        value=float(st.session_state["replay_pos"]),
        step=1.0,
        key="replay_jump",
        on_change=lambda: st.session_state.update(replay_pos=st.session_state["replay_jump"]),
    )
    playing = bool(st.session_state.get("replay_playing"))

    @st.fragment(run_every=REPLAY_TICK_S if playing else None)
    def player() -> None:
        pos = float(st.session_state["replay_pos"])
        if st.session_state.get("replay_playing"):
            pos = min(pos + REPLAY_TICK_S * st.session_state["replay_speed"], t1)
            st.session_state["replay_pos"] = pos
        now = replay_state(data, row.sensor_kind, pos, row.hold_target_s)
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Time", clock_text(pos - t0))
        m2.metric("State", now["state"])
        m3.metric("Hold timer", clock_text(now["hold_s"]))
        m4.metric("Holds reaching the target so far", now["adherent_so_far"])
        if now["cue"]:
            st.success(
                f"{clock_text(row.hold_target_s)} reached: this hold counts. Breathe slowly, "
                "then move the ball an inch."
            )
        st.plotly_chart(
            signal_figure(data, row.sensor_kind, now["segments"], [], cursor_s=pos),
            width="stretch",
            key="replay_chart",
        )

    player()


def main() -> None:
    """Render the dashboard."""
    st.set_page_config(page_title="holdtrack", layout="wide")
    root = os.environ.get("HOLDTRACK_LIBRARY") or str(default_library_dir())
    lib = open_library(root)
    view = sidebar(lib)
    pages = {
        "Clinic": clinic_view,
        "Person": person_view,
        "Session": session_view,
        "Replay": replay_view,
    }
    pages[view](lib)


main()
