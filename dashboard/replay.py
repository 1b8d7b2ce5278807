"""The replay page: a session played as if live, with the controls of a media player.

Play runs from where the cursor is and stops at the end; Play at the end starts again from the
beginning, as does Restart; the position slider follows playback and seeks. The cursor chart
draws the data gaps. Only the player reruns while playing (a Streamlit fragment).
"""

from __future__ import annotations

import streamlit as st

from holdtrack.analysis.text import clock_text
from holdtrack.dashboard.humane import when_text
from holdtrack.dashboard.plain import plain
from holdtrack.dashboard.sessions import opened, signal_figure
from holdtrack.dashboard.state import clinic_settings, session_samples
from holdtrack.dashboard.views import replay_state
from holdtrack.library.scoped import ScopedLibrary

REPLAY_SPEEDS = (1, 2, 5, 10, 20, 50)
REPLAY_TICK_S = 1.0


def replay_view(lib: ScopedLibrary) -> None:
    """Play a session as if live: cursor, state as knowable then, running hold timer, cue."""
    row = opened(lib, "replay session")
    if row is None:
        return
    data = session_samples(str(row.file))
    t0, t1 = float(data["time_s"].iloc[0]), float(data["time_s"].iloc[-1])
    gaps = lib.analysis(row.id).get("gaps", [])
    st.header(f"Replay {when_text(row.start_utc, clinic_settings().zone())} · "
              f"{plain(row.patient_id)}")  # fmt: skip
    state = st.session_state
    if state.get("replay_session") != row.id:
        state.update(replay_session=row.id, replay_pos=t0, replay_running=False)

    def play_pause() -> None:
        if not state["replay_running"] and state["replay_pos"] >= t1:
            state["replay_pos"] = t0  # Play at the end: from the beginning again
        state["replay_running"] = not state["replay_running"]

    playing = bool(state["replay_running"])
    c1, c2, c3 = st.columns([1, 1, 3])
    c1.button("Pause" if playing else "Play", key="replay_play", on_click=play_pause)
    c2.button("Restart", key="replay_restart", on_click=lambda: state.update(replay_pos=t0))
    c3.select_slider(
        "Speed", REPLAY_SPEEDS, value=10, format_func=lambda v: f"{v}x", key="replay_speed"
    )

    @st.fragment(run_every=REPLAY_TICK_S if playing else None)
    def player() -> None:
        pos = float(state["replay_pos"])
        if state["replay_running"]:
            pos = min(pos + REPLAY_TICK_S * state["replay_speed"], t1)
            state["replay_pos"] = pos
        state["replay_jump"] = pos  # the slider follows playback
        st.slider(
            "Position (s)", t0, t1, step=1.0, key="replay_jump",
            on_change=lambda: state.update(replay_pos=state["replay_jump"]),
        )  # fmt: skip
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
            signal_figure(data, row.sensor_kind, now["segments"], gaps, cursor_s=pos),
            width="stretch",
            key="replay_chart",
        )
        if state["replay_running"] and pos >= t1:
            state["replay_running"] = False
            st.rerun()  # the whole page: the button says Play again, the ticking stops

    player()
