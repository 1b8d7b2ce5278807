"""Eyes-free cues: each cue's sound has its own tones and lengths (checked in the WAV it
renders to), phrases are spoken where espeak-ng is installed, the coach says the right thing at
the right stream time, and the player plays in order without blocking."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from holdtrack.coaching.cues import CUE_SOUNDS, Coach, Cue, seconds_text
from holdtrack.coaching.player import CuePlayer, cue_track
from holdtrack.coaching.sound import (
    RATE_HZ,
    TONE_GAP_S,
    cue_render,
    cue_write,
    speech_engine,
    tones_render,
)

ROOT = Path(__file__).resolve().parents[1]


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples and rate of a mono 16-bit WAV, read with the standard library alone."""
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0, rate


def sounding(x: np.ndarray, rate: int, level: float = 0.02) -> list[tuple[int, int]]:
    """Stretches of samples where something sounds (silences under 20 ms bridged)."""
    loud = np.abs(x) > level
    idx = np.flatnonzero(loud)
    if not len(idx):
        return []
    breaks = np.flatnonzero(np.diff(idx) > int(0.02 * rate))
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def pitch_hz(x: np.ndarray, rate: int) -> float:
    """The strongest frequency of a stretch (zero-padded FFT, about 1 Hz apart)."""
    n = max(len(x), rate)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    return float(np.fft.rfftfreq(n, 1.0 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("name", list(CUE_SOUNDS))
def test_each_cue_renders_to_a_wav_with_its_tones_and_lengths(name, tmp_path):
    path = cue_write(Cue(name, "unused", 0.0), tmp_path / f"{name}.wav")
    x, rate = read_wav(path)
    assert rate == RATE_HZ
    tones = CUE_SOUNDS[name]
    parts = sounding(x, rate)
    assert len(parts) == len(tones)
    for (a, b), tone in zip(parts, tones):
        assert abs((b - a) / rate - tone.duration_s) <= 0.005
        assert abs(pitch_hz(x[a:b], rate) - tone.freq_hz) <= 0.01 * tone.freq_hz
    for (_, b), (a, _) in zip(parts, parts[1:]):
        assert abs((a - b) / rate - TONE_GAP_S) <= 0.005
    total = sum(t.duration_s for t in tones) + TONE_GAP_S * (len(tones) - 1)
    assert abs(len(x) / rate - total) <= 0.002


def test_cue_sounds_tell_apart_by_ear():
    """No two cues share their tone pattern; good news rises, a warning falls."""
    patterns = {tuple((t.freq_hz, t.duration_s) for t in tones) for tones in CUE_SOUNDS.values()}
    assert len(patterns) == len(CUE_SOUNDS)
    for name in ("hold", "target"):
        freqs = [t.freq_hz for t in CUE_SOUNDS[name]]
        assert freqs == sorted(freqs) and freqs[0] < freqs[-1]
    freqs = [t.freq_hz for t in CUE_SOUNDS["rolling"]]
    assert freqs == sorted(freqs, reverse=True) and freqs[0] > freqs[-1]
    assert all(sum(t.duration_s for t in tones) <= 1.0 for tones in CUE_SOUNDS.values())


@pytest.mark.skipif(speech_engine() is None, reason="no espeak-ng on this machine")
def test_spoken_phrases_follow_the_tones_and_last_as_long_as_their_words():
    short = Cue("hold", "hold", 0.0)
    long = Cue("target", "90 seconds, move the ball an inch", 0.0)
    tones_only = tones_render(long.tones)
    spoken = cue_render(long, speak=True)
    assert np.array_equal(spoken[: len(tones_only)], tones_only)
    speech = spoken[len(tones_only) :]
    speech_s = len(speech) / RATE_HZ
    assert 1.0 <= speech_s <= 6.0
    assert np.sqrt(np.mean(speech**2)) > 0.02  # words, not silence
    said_short = len(cue_render(short, speak=True)) - len(tones_render(short.tones))
    assert 0.2 * RATE_HZ <= said_short < len(speech)


def test_seconds_are_said_as_people_count_a_hold():
    assert seconds_text(30) == "30 seconds"
    assert seconds_text(90) == "90 seconds"
    assert seconds_text(1) == "1 second"
    assert seconds_text(150) == "2 minutes 30"
    assert seconds_text(180) == "3 minutes"


def _hold_events(start_s: float, seen_s: float, target_s: float = 90.0) -> list[dict]:
    return [
        {"event": "hold_start", "t_s": seen_s, "start_s": start_s},
        {"event": "state", "t_s": seen_s, "state": "hold"},
    ]


def test_coach_says_hold_then_the_time_every_30_s_then_the_target():
    coach = Coach(90.0)
    said = [(c.name, c.phrase, c.t_s) for c in coach.update(_hold_events(10.0, 13.0), 13.0)]
    assert said == [("hold", "hold", 13.0)]
    cues = []
    for now in np.arange(13.5, 101.0, 0.5):
        cues += coach.update([], float(now))
    assert [(c.name, c.phrase, c.t_s) for c in cues] == [
        ("progress", "30 seconds", 40.0),
        ("progress", "60 seconds", 70.0),
    ]
    target = {"event": "hold_target", "t_s": 100.0, "start_s": 10.0, "target_s": 90.0}
    (cue,) = coach.update([target], 100.0)
    assert (cue.name, cue.phrase) == ("target", "90 seconds, move the ball an inch")
    assert coach.update([], 200.0) == []  # past the target: no more time cues


def test_coach_counts_down_the_last_seconds_once_each():
    coach = Coach(60.0, countdown=True)
    coach.update(_hold_events(0.0, 3.0), 3.0)
    cues = []
    for now in np.arange(3.1, 60.0, 0.1):
        cues += coach.update([], float(now))
    assert [c.phrase for c in cues] == ["30 seconds", "20", "10", "5", "4", "3", "2", "1"]
    assert [round(c.t_s, 1) for c in cues] == [30.0, 40.0, 50.0, 55.0, 56.0, 57.0, 58.0, 59.0]


def test_coach_warns_of_rolling_and_stops_counting_a_broken_hold():
    coach = Coach(90.0)
    coach.update(_hold_events(0.0, 3.0), 3.0)
    (cue,) = coach.update([{"event": "rolling", "t_s": 20.0, "hold_start_s": 0.0}], 20.0)
    assert (cue.name, cue.phrase) == ("rolling", "you are rolling")
    assert coach.update([], 45.0) == []


def test_coach_does_not_say_late_the_marks_a_late_announced_hold_already_passed():
    coach = Coach(90.0)
    cues = coach.update(_hold_events(0.0, 35.0), 35.0)  # announced 35 s into the hold
    assert [c.name for c in cues] == ["hold"]
    cues = coach.update([], 40.0)
    assert cues == []
    assert [c.phrase for c in coach.update([], 61.0)] == ["60 seconds"]


def test_coach_says_only_the_latest_mark_when_time_jumps():
    coach = Coach(120.0)
    coach.update(_hold_events(0.0, 3.0), 3.0)
    assert [c.phrase for c in coach.update([], 95.0)] == ["90 seconds"]


def test_player_plays_cues_in_order_off_the_callers_thread():
    played: list[tuple[int, float]] = []

    def sink(samples: np.ndarray, rate_hz: int) -> None:
        played.append((len(samples), time.monotonic()))
        time.sleep(len(samples) / rate_hz)  # as long as the sound lasts, like a device

    player = CuePlayer(sink=sink)
    cues = [Cue("hold", "hold", 1.0), Cue("progress", "30 seconds", 31.0), Cue("target", "x", 91.0)]
    before = time.monotonic()
    for cue in cues:
        player.play(cue)
    assert time.monotonic() - before < 0.5  # the caller does not wait for the sounds
    player.close(wait_s=30.0)
    assert [n for n, _ in played] == [len(tones_render(c.tones)) for c in cues]
    assert [c for c, _ in player.started] == cues
    starts = [t for _, t in played]
    for (n, t), t_next in zip(played, starts[1:]):
        assert t_next >= t + n / RATE_HZ - 0.01  # one after another, never over each other


def test_a_muted_player_makes_no_sound():
    played = []
    player = CuePlayer(mute=True, sink=lambda s, r: played.append(s))
    player.play(Cue("hold", "hold", 0.0))
    player.close()
    assert played == [] and not player.audible


def test_without_an_audio_output_the_player_says_so_once_and_carries_on():
    said: list[str] = []
    player = CuePlayer(warn=said.append)
    if player.audible:
        pytest.skip("this machine has an audio output")
    for cue in (Cue("hold", "hold", 0.0), Cue("rolling", "you are rolling", 5.0)):
        player.play(cue)
    player.close()
    assert len(said) == 1 and "cues are shown as text only" in said[0]


def test_a_cue_track_places_each_cue_at_its_time():
    cues = [Cue("hold", "hold", 12.0), Cue("rolling", "you are rolling", 14.0)]
    track = cue_track(cues, start_s=10.0)
    parts = sounding(track, RATE_HZ)
    assert [round(a / RATE_HZ, 2) for a, _ in parts[:1]] == [2.0]
    assert any(abs(a / RATE_HZ - 4.0) <= 0.01 for a, _ in parts)


def test_replay_writes_the_cues_it_plays_at_the_events_times(tmp_path):
    """``holdtrack replay --cues-wav``: the WAV sounds each cue's first tone at the time of its
    event on the file's clock."""
    sample = ROOT / "sample_data" / "mixed_imu_wall.parquet"
    out = tmp_path / "cues.wav"
    done = subprocess.run(
        [sys.executable, "-m", "holdtrack", "replay", str(sample), "--speed", "0", "--events",
         "--cues-wav", str(out)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    events = [json.loads(line) for line in done.stdout.splitlines()]
    x, rate = read_wav(out)
    t0 = float(pd_first_time(sample))
    first_tone = {"hold_start": "hold", "hold_target": "target", "rolling": "rolling"}
    checked = 0
    for e in events:
        if e["event"] not in first_tone:
            continue
        tone = CUE_SOUNDS[first_tone[e["event"]]][0]
        a = int(round((e["t_s"] - t0) * rate))
        b = a + int(tone.duration_s * rate)
        assert abs(pitch_hz(x[a:b], rate) - tone.freq_hz) <= 0.02 * tone.freq_hz
        checked += 1
    assert checked >= 4
    assert sum(e["event"] == "hold_target" for e in events) >= 1


def pd_first_time(path: Path) -> float:
    """The file's first sample time."""
    from holdtrack.sensing.session import read_session

    return float(read_session(path).data["time_s"].iloc[0])


def test_wav_bytes_round_trip():
    from holdtrack.coaching.sound import wav_bytes, wav_read

    x = tones_render(CUE_SOUNDS["target"])
    y, rate = wav_read(wav_bytes(x))
    assert rate == RATE_HZ and len(y) == len(x)
    assert np.max(np.abs(y - x)) <= 2.0 / 32767  # 16-bit steps
    with wave.open(io.BytesIO(wav_bytes(x)), "rb") as w:
        assert w.getnframes() == len(x)
