"""The live page follows a journal as the recorder appends to it (AppTest): the hold timer,
the state, the person's target, and the cue the browser plays, each checked against the data."""

from __future__ import annotations

import io
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_coaching import pitch_hz, sounding  # the same checks as the cue WAV tests

from holdtrack.analysis import session_process
from holdtrack.coaching.cues import CUE_SOUNDS
from holdtrack.dashboard.live import _cue_wav
from holdtrack.library import Library, import_sample_set
from holdtrack.library.prescription import Prescription
from holdtrack.sensing.journal import Journal
from holdtrack.sensing.journal_follow import JournalFollower
from holdtrack.sensing.session import read_session

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
SOURCE = ROOT / "sample_data" / "good_holder_imu_floor.parquet"


class GrowingJournal:
    """A journal written sample by sample from a session file, as the recorder does."""

    def __init__(self, path: Path, patient_id: str) -> None:
        session = read_session(SOURCE)
        self.data = session.data
        self.journal = Journal(path, replace(session.meta, patient_id=patient_id, gaps=[]))
        self.i = 0

    def until(self, t_s: float) -> None:
        """Append every sample up to ``t_s`` and flush."""
        cols = self.journal.columns
        rows = self.data[(self.data["time_s"] <= t_s) & (self.data.index >= self.i)]
        for t, values in zip(rows["time_s"], rows[list(cols)].to_dict("records")):
            self.journal.append(float(t), values)
        self.i += len(rows)
        self.journal.flush()


@pytest.fixture()
def live_app(tmp_path, monkeypatch) -> tuple[AppTest, GrowingJournal]:
    lib = Library(tmp_path / "lib")
    import_sample_set(lib)
    lib.set_prescription("anna", Prescription(hold_target_s=60.0))
    rec = tmp_path / "recordings"
    rec.mkdir()
    journal = GrowingJournal(rec / "anna-now.htjournal", "anna")
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
    monkeypatch.setenv("HOLDTRACK_RECORDINGS", str(rec))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.radio(key="view").set_value("Live")
    return at, journal


def _shown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def _progress_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def test_the_live_page_follows_a_hold_to_the_persons_target(live_app):
    at, journal = live_app
    first = session_process(journal.data).holds[0]  # the hold the page should follow
    t_mid = first.start_s + 40.0
    journal.until(t_mid)
    at.run()
    assert not at.exception
    assert "HOLD" in _shown(at)
    timer = _progress_text(at).split(" of ")
    assert timer[1] == "1:00"  # anna's own target, from the library
    m, s = timer[0].split(":")
    assert abs(int(m) * 60 + int(s) - 40) <= 4  # the hold's time, within the live estimate

    journal.until(first.start_s + 62.0)
    at.run()
    assert "1:00 reached: move the ball an inch" in _progress_text(at)
    (audio,) = at.get("audio")
    assert audio.proto.autoplay
    assert any("60 seconds, move the ball an inch" in c.value for c in at.caption)

    journal.until(first.end_s + 15.0)  # the ball rolls away
    at.run()
    assert "HOLD" not in _shown(at)
    assert "-:--" in _shown(at)


def test_the_cue_the_browser_plays_is_the_cue_sound():
    data = _cue_wav("target", "60 seconds, move the ball an inch", False)
    with wave.open(io.BytesIO(data), "rb") as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    parts = sounding(x, rate)
    assert [round(pitch_hz(x[a:b], rate)) for a, b in parts] == [
        round(t.freq_hz) for t in CUE_SOUNDS["target"]
    ]


def _live_page(tmp_path: Path, monkeypatch, recordings: Path) -> AppTest:
    """The Live page of a sample library's dashboard, looking in ``recordings``."""
    lib = Library(tmp_path / "lib")
    import_sample_set(lib)
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(lib.root))
    monkeypatch.setenv("HOLDTRACK_RECORDINGS", str(recordings))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.radio(key="view").set_value("Live").run()
    assert not at.exception
    return at


def test_the_live_page_says_when_no_recording_is_under_way(tmp_path, monkeypatch):
    at = _live_page(tmp_path, monkeypatch, tmp_path)
    assert any("No recording in progress" in i.value for i in at.info)


def test_a_journal_that_is_not_one_is_named_not_crashed_on(tmp_path, monkeypatch):
    (tmp_path / "junk.htjournal").write_text("not a header\n1,2\n")
    at = _live_page(tmp_path, monkeypatch, tmp_path)
    assert any("junk.htjournal" in e.value and "not a holdtrack journal" in e.value
               for e in at.error)  # fmt: skip


def test_the_follower_reads_only_complete_new_lines(tmp_path):
    journal = GrowingJournal(tmp_path / "a.htjournal", "p")
    follower = JournalFollower(journal.journal.path)
    journal.until(10.0)
    first = follower.read()
    assert first is not None and follower.meta is not None
    expected = journal.data[journal.data["time_s"] <= 10.0]
    assert len(first["time_s"]) == len(expected)
    assert follower.read() is None  # nothing new
    with open(journal.journal.path, "a", encoding="utf-8") as f:
        f.write("12.5,0.1")  # a line still being written
    assert follower.read() is None
    with open(journal.journal.path, "a", encoding="utf-8") as f:
        f.write(",0.2,9.8,0.0,0.0,0.0\n")
    (t,) = follower.read()["time_s"]
    assert t == 12.5
    assert follower.samples == len(expected) + 1
