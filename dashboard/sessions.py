"""The pages about one session: its signal, states, holds and verdict, and its replay."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from holdtrack.analysis.text import clock_text
from holdtrack.dashboard.humane import holds_display, when_text
from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.record_fixes import offer_undo, session_fixes
from holdtrack.dashboard.report import session_report_html
from holdtrack.dashboard.state import audit_once, clinic_settings, session_samples
from holdtrack.dashboard.views import plot_signal
from holdtrack.library import SessionRow
from holdtrack.library.exports import hold_rows
from holdtrack.library.scoped import ScopedLibrary

STATE_COLOURS = {
    "hold": "rgba(46, 160, 67, 0.25)",
    "rolling": "rgba(218, 54, 51, 0.22)",
    "reposition": "rgba(210, 153, 34, 0.30)",
    "idle": "rgba(140, 140, 140, 0.12)",
}


def selected_session(lib: ScopedLibrary) -> SessionRow | None:
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
    st.header(f"Session {when_text(row.start_utc, clinic_settings().zone())} · "
              f"{plain(row.patient_id)}")  # fmt: skip
    st.error(f"This session could not be analysed: {plain(row.error)}")
    removal(lib, row)
    return None


def removal(lib: ScopedLibrary, row: SessionRow) -> None:
    """Remove a session from the library, after a confirmation."""
    with st.expander("Remove this session"):
        sure = st.checkbox(f"Remove {plain(row.original_name)} (to the trash for 30 days)",
                           key="remove_sure")  # fmt: skip
        if st.button("Remove", disabled=not sure, key="remove_session"):
            lib.remove(row.id)
            audit_once("remove session", row.patient_id, f"{row.id} to the trash")
            offer_undo(f"The session of {when_text(row.start_utc, clinic_settings().zone())}",
                       row.patient_id, [row.id])  # fmt: skip
            st.session_state.pop("session_id", None)
            st.rerun()


def opened(lib: ScopedLibrary, action: str) -> SessionRow | None:
    """The selected session, its opening written to the audit log (clinic mode)."""
    row = selected_session(lib)
    if row is not None:
        audit_once(action, row.patient_id, row.id)
    return row


def session_view(lib: ScopedLibrary) -> None:
    """The signal with its states, every hold against the person's target, and a verdict."""
    row = opened(lib, "view session")
    if row is None:
        return
    sid = row.id
    result = lib.analysis(sid)
    if "error" in result:
        st.error(f"This session could not be analysed: {plain(result['error'])}")
        return
    s = result["summary"]
    zone = clinic_settings().zone()
    st.header(f"Session {when_text(row.start_utc, zone)} · {plain(row.patient_id)}")
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
    st.dataframe(holds_display(table), hide_index=True, width="stretch")
    st.download_button(
        "Download holds (CSV)",
        table.to_csv(index=False).encode(),
        file_name=f"holds_{row.patient_id}_{row.start_utc:%Y%m%d_%H%M}.csv",
        mime="text/csv",
        on_click=lambda: audit_once("export holds", row.patient_id, sid),
    )
    st.download_button(
        "Download session report (HTML, prints to PDF)",
        session_report_html(row, result, zone).encode(),
        file_name=f"report_{row.patient_id}_{row.start_utc:%Y%m%d_%H%M}.html",
        mime="text/html",
        on_click=lambda: audit_once("export report", row.patient_id, sid),
    )
    session_fixes(lib, row)
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
