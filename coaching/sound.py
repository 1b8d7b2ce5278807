"""Cues as sound: tone patterns synthesised, phrases spoken by a local engine, WAV in and out.

Speech comes from espeak-ng (or espeak) where installed; without one, cues are tones only.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from holdtrack.coaching.cues import Cue, Tone

RATE_HZ = 22050  # espeak-ng's own rate; plenty for beeps
FADE_S = 0.01  # each tone fades in and out this fast, so it does not click
TONE_GAP_S = 0.06  # silence between the tones of one cue
SPEECH_GAP_S = 0.12  # silence between a cue's tones and its phrase
LEVEL = 0.5  # peak amplitude of tones (full scale 1.0)
SPEECH_WORDS_PER_MIN = 165
SPEECH_TIMEOUT_S = 10.0


def tones_render(tones: Sequence[Tone], rate_hz: int = RATE_HZ) -> np.ndarray:
    """The tones one after another, as float32 samples in [-1, 1]."""
    parts: list[np.ndarray] = []
    fade = int(FADE_S * rate_hz)
    for i, tone in enumerate(tones):
        n = int(round(tone.duration_s * rate_hz))
        t = np.arange(n) / rate_hz
        wave_ = LEVEL * np.sin(2 * np.pi * tone.freq_hz * t)
        ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / max(fade, 1))
        parts.append((wave_ * ramp).astype(np.float32))
        if i < len(tones) - 1:
            parts.append(np.zeros(int(TONE_GAP_S * rate_hz), dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def speech_engine() -> str | None:
    """The local speech engine's command, or None when none is installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def speech_render(phrase: str, rate_hz: int = RATE_HZ) -> np.ndarray | None:
    """The phrase spoken, as float32 samples at ``rate_hz``; None without a speech engine or
    when it fails."""
    engine = speech_engine()
    if engine is None or not phrase:
        return None
    try:
        done = subprocess.run(
            [engine, "--stdout", "-s", str(SPEECH_WORDS_PER_MIN), "--", phrase],
            capture_output=True,
            timeout=SPEECH_TIMEOUT_S,
            check=True,
        )
        samples, engine_rate = wav_read(done.stdout)
    except (OSError, subprocess.SubprocessError, wave.Error, EOFError):
        return None
    if engine_rate != rate_hz and len(samples) > 1:
        n = int(round(len(samples) * rate_hz / engine_rate))
        samples = np.interp(np.arange(n) * engine_rate / rate_hz, np.arange(len(samples)), samples)
    return samples.astype(np.float32)


def cue_render(cue: Cue, speak: bool = False, rate_hz: int = RATE_HZ) -> np.ndarray:
    """A cue's sound: its tones, then (``speak``, where an engine is installed) its phrase."""
    out = tones_render(cue.tones, rate_hz)
    speech = speech_render(cue.phrase, rate_hz) if speak else None
    if speech is not None:
        gap = np.zeros(int(SPEECH_GAP_S * rate_hz), dtype=np.float32)
        out = np.concatenate([out, gap, speech])
    return out


def wav_bytes(samples: np.ndarray, rate_hz: int = RATE_HZ) -> bytes:
    """Mono 16-bit WAV of float samples in [-1, 1]."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def wav_read(data: bytes) -> tuple[np.ndarray, int]:
    """Float samples (first channel) and rate of a 16-bit PCM WAV."""
    with wave.open(io.BytesIO(data), "rb") as w:
        if w.getsampwidth() != 2:
            raise wave.Error(f"{8 * w.getsampwidth()}-bit WAV: only 16-bit is read")
        channels, rate = w.getnchannels(), w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm[::channels].astype(np.float32) / 32768.0, rate


def cue_write(cue: Cue, path: Path, speak: bool = False) -> Path:
    """Save a cue's sound as a WAV file."""
    path.write_bytes(wav_bytes(cue_render(cue, speak)))
    return path
