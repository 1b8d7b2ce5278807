"""Eyes-free coaching: the live detector's events turned into short sounds and spoken words.

:mod:`~holdtrack.coaching.cues` decides what to say and when (:class:`Coach`),
:mod:`~holdtrack.coaching.sound` renders a cue to audio samples or a WAV file, and
:mod:`~holdtrack.coaching.player` plays cues through the machine's audio output.
"""

from holdtrack.coaching.cues import CUE_SOUNDS, Coach, Cue, Tone

__all__ = ["CUE_SOUNDS", "Coach", "Cue", "Tone"]
