"""The live page: follows a recording in progress (the journal the recorder appends to) and
shows, with at most about 2 s delay, a huge hold timer, the state in colour, the progress to
the target, and plays the same cues as ``holdtrack record`` in the browser.

Only the live panel reruns, once a second (a Streamlit fragment); each look reads just the lines
added to the journal since the last one and feeds them to the live detector.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
from holdtrack.analysis.stream import HoldStream
from holdtrack.analysis.text import clock_text
from holdtrack.coaching.cues import Coach, Cue, event_text
from holdtrack.coaching.sound import cue_render, wav_bytes
from holdtrack.library.scoped import ScopedLibrary
from holdtrack.sensing.journal import unfinished
from holdtrack.sensing.journal_follow import JournalFollower

LIVE_TICK_S = 1.0  # the panel looks at the journal this often (it is flushed twice a second)
FRESH_S = 3.0  # cues older than this (stream time) when first seen are not played
STATE_COLOURS = {
    "hold": "#1a7f37",
    "rolling": "#cf222e",
    "reposition": "#9a6700",
    "idle": "#57606a",
}
SHOWN_EVENTS = 8


@dataclass
class LiveTracker:
    """One followed recording: its reader, the live detector and coach, what they said."""

    path: Path
    follower: JournalFollower
    stream: HoldStream | None = None
    coach: Coach | None = None
    lines: list[str] = field(default_factory=list)
    cue: Cue | None = None  # the latest cue fresh enough to play
    cues: int = 0  # how many there were (each new one gets a new audio element)
    error: str | None = None

    def update(self, lib: ScopedLibrary, countdown: bool) -> None:
        """Read what the recorder added; feed the detector; keep the news."""
        try:
            cols = self.follower.read()
        except (OSError, ValueError) as exc:
            self.error = str(exc)
            return
        meta = self.follower.meta
        if meta is None:
            return
        if self.stream is None:
            target_s = hold_target_of(lib, meta.patient_id)
            self.stream = HoldStream(meta.sensor_kind, target_s)
            self.coach = Coach(target_s, countdown=countdown)
        assert self.coach is not None
        self.coach.countdown = countdown
        if cols is None:
            return
        events = self.stream.feed(cols)
        self.lines += [event_text(e) for e in events if e["event"] != "state"]
        for cue in self.coach.update(events, self.stream.now_s):
            if self.stream.now_s - cue.t_s <= FRESH_S:
                self.cue = cue
                self.cues += 1


def hold_target_of(lib: ScopedLibrary, patient_id: str | None) -> float:
    """The person's hold target where the library knows them, else the default."""
    if patient_id and patient_id in lib.patients():
        return lib.prescription(patient_id).hold_target_s
    return DEFAULT_HOLD_TARGET_S


def recordings_folder() -> Path:
    """Where recordings in progress are looked for: ``HOLDTRACK_RECORDINGS``, else the folder
    the dashboard was started in (``holdtrack record`` writes to its current folder)."""
    return Path(os.environ.get("HOLDTRACK_RECORDINGS") or Path.cwd())


def live_view(lib: ScopedLibrary) -> None:
    """Pick a recording in progress and follow it (the person's hold target from the library)."""
    st.header("Live")
    folder = Path(st.text_input("Recordings folder", str(recordings_folder()), key="live_dir"))
    try:
        journals = sorted(unfinished(folder), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError as exc:
        st.error(f"Cannot read {folder}: {exc.strerror or exc}")
        return
    if not journals:
        st.info(
            f"No recording in progress in {folder}. Start one with "
            f"`holdtrack record --device SENSOR --out {folder}`; it shows here once it starts."
        )
        _wait_for_recording(str(folder))
        return
    names = [p.name for p in journals]
    name = st.selectbox("Recording", names, key="live_journal")
    c1, c2, c3 = st.columns(3)
    c1.toggle("Sound", value=True, key="live_sound", help="play the cues in this browser")
    c2.toggle("Speak", key="live_speak", help="say the cues too (where espeak-ng is installed)")
    c3.toggle("Count down", key="live_countdown", help="the last seconds before the target")
    live_panel(str(folder / name), lib)


@st.fragment(run_every=2.0)
def _wait_for_recording(folder: str) -> None:
    """Look for a recording every 2 s; show the page again when one starts."""
    try:
        found = bool(unfinished(Path(folder)))
    except OSError:
        found = False
    if found:
        st.rerun(scope="app")


def _tracker(path: str) -> LiveTracker:
    """The tracker of this browser tab for ``path`` (a new one when the recording changes)."""
    tracker = st.session_state.get("live_tracker")
    if tracker is None or str(tracker.path) != path:
        tracker = LiveTracker(Path(path), JournalFollower(Path(path)))
        st.session_state["live_tracker"] = tracker
    return tracker


@st.fragment(run_every=LIVE_TICK_S)
def live_panel(path: str, lib: ScopedLibrary) -> None:
    """The timer, state, target progress and cues, refreshed once a second."""
    tracker = _tracker(path)
    tracker.update(lib, bool(st.session_state.get("live_countdown")))
    if tracker.error:
        st.error(f"Cannot follow {Path(path).name}: {tracker.error}")
        return
    stream = tracker.stream
    if stream is None:
        st.info("Waiting for the first samples ...")
        return
    _big_state(stream, stream.hold_target_s)
    if tracker.follower.finished:
        st.success("The recording has finished; its holds are final.")
    if tracker.cue is not None and st.session_state.get("live_sound"):
        with st.container(key=f"live_cue_{tracker.cues}"):  # a new cue: a new element
            _play(tracker.cue, bool(st.session_state.get("live_speak")))
    if tracker.lines:
        st.text("\n".join(tracker.lines[-SHOWN_EVENTS:]))


def _big_state(stream: HoldStream, target_s: float) -> None:
    """The huge timer and the state in its colour, then the bar to the target."""
    start = stream.hold_start_s
    hold_s = 0.0 if start is None else max(stream.now_s - start, 0.0)
    state = "hold" if start is not None else stream.state
    colour = STATE_COLOURS.get(state, "#57606a")
    timer = clock_text(hold_s) if start is not None else "-:--"
    st.markdown(
        f'<div data-testid="live-state" style="text-align:center">'
        f'<div style="font-size:9rem;font-weight:700;line-height:1">{html.escape(timer)}</div>'
        f'<div style="font-size:3rem;color:{colour};font-weight:700">'
        f"{html.escape(state.upper())}</div></div>",
        unsafe_allow_html=True,
    )
    done = min(hold_s / target_s, 1.0)
    label = (
        f"{clock_text(target_s)} reached: move the ball an inch"
        if done >= 1.0
        else f"{clock_text(hold_s)} of {clock_text(target_s)}"
    )
    st.progress(done, text=label)
    st.caption(f"Recorded so far: {clock_text(stream.now_s)}")


@st.cache_data(max_entries=64)
def _cue_wav(name: str, phrase: str, speak: bool) -> bytes:
    """A cue's sound as WAV bytes (the same sounds as on the command line)."""
    return wav_bytes(cue_render(Cue(name, phrase, 0.0), speak))


def _play(cue: Cue, speak: bool) -> None:
    """The latest cue as an audio element that plays once, as it appears."""
    data: Any = _cue_wav(cue.name, cue.phrase, speak)
    st.audio(data, format="audio/wav", autoplay=True)
    st.caption(f"Last cue: {cue.phrase}")
