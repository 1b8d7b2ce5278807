"""Steps stage: how quickly the contact made a step, on constructed contact paths."""

from __future__ import annotations

import numpy as np
import pytest
from constructed import FPS

from holdtrack.analysis.kinds import STEP_RUN_S
from holdtrack.analysis.steps import SLOW_SHARE, quick_part, slow_step


def _ramp(mm: float, move_s: float, seconds: float = 40.0, at_s: float = 20.0) -> np.ndarray:
    """A contact (mm, on one axis) still, then moving ``mm`` evenly over ``move_s``, then still."""
    t = np.arange(int(seconds * FPS)) / FPS
    x = mm * np.clip((t - at_s) / move_s, 0.0, 1.0)
    return np.stack([x, 0 * x, 0 * x], axis=1)


@pytest.mark.parametrize(("move_s", "lo", "hi"), [(0.5, 9.0, 10.0), (3.0, 2.0, 2.7)])
def test_quick_part_is_the_most_of_a_step_made_in_0_7_s(move_s, lo, hi):
    quick = quick_part(_ramp(10.0, move_s), span_s=STEP_RUN_S)
    at = int(20.0 * FPS)
    assert lo <= quick[at] <= hi  # 10 mm in 0.5 s: nearly all; in 3 s: about 0.7 / 3 of it
    assert quick[at - int((STEP_RUN_S + 1.0) * FPS)] < 0.1  # still ball well before the move


def test_a_step_is_slow_only_when_no_0_7_s_made_40_pct_of_it_within_its_span():
    step = np.full(int(40 * FPS), 8.0)  # a step feature reading 8 mm everywhere
    quick_move = slow_step(_ramp(8.0, 0.5), step, STEP_RUN_S)
    slow_move = slow_step(_ramp(8.0, 2.5), step, STEP_RUN_S)
    at = int(21.0 * FPS)
    assert quick_move[at] == 0.0
    assert slow_move[at] == 8.0
    assert quick_part(_ramp(8.0, 2.5), STEP_RUN_S)[at] < SLOW_SHARE * 8.0
