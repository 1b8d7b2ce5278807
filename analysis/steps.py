"""How quickly the contact made a step: a shift of weight to a new spot takes seconds, a
micro-adjustment a fraction of one, so a slow step may be smaller and still end a hold."""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.clean import FRAME_S, moving_mean, window_max

SPEED_SMOOTH_S = 1.0  # contact speed is averaged over this long
QUICK_MEAN_S = 0.3  # the contact's position is averaged over this long ...
QUICK_SPAN_S = 0.7  # ... and compared this far apart: the most a step moves in 0.7 s
SLOW_SHARE = 0.4  # a step is slow when no 0.7 s of it made 40 % of it (a move of ~2 s or more)


def contact_speed(path_mm: np.ndarray) -> np.ndarray:
    """Per frame, how fast the contact moves (mm/s), averaged over ``SPEED_SMOOTH_S``."""
    d = np.linalg.norm(np.diff(path_mm, axis=0, prepend=path_mm[:1]), axis=1) / FRAME_S
    return moving_mean(d, max(int(round(SPEED_SMOOTH_S / FRAME_S)), 1))


def quick_part(path_mm: np.ndarray, span_s: float) -> np.ndarray:
    """Per frame, the most the contact moved (mm) in ``QUICK_SPAN_S`` anywhere within
    ``span_s`` either side of the frame: the quick part of a step centred there."""
    n = len(path_mm)
    k = max(int(round(QUICK_MEAN_S / FRAME_S)), 1)
    d = max(int(round(QUICK_SPAN_S / FRAME_S)), 1)
    if n <= d + k:
        return np.zeros(n)
    mean = moving_mean(path_mm, k)
    moved = np.zeros(n)
    half = d // 2
    moved[half : half + n - d] = np.linalg.norm(mean[d:] - mean[:-d], axis=1)
    w = max(int(round(span_s / FRAME_S)), 0)
    return window_max(np.r_[np.zeros(w), moved], 2 * w + 1)[:n]


def slow_step(path_mm: np.ndarray, step_mm: np.ndarray, span_s: float) -> np.ndarray:
    """``step_mm`` where the step was made slowly, else 0: slow when no ``QUICK_SPAN_S``
    within ``span_s`` either side (the step's flanks and what lies between) moved the contact
    ``SLOW_SHARE`` of the step."""
    quick = quick_part(path_mm, span_s)
    return np.where(quick < SLOW_SHARE * step_mm, step_mm, 0.0)
