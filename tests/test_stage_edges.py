"""Edge refinement: hold edges move to where the ball's position leaves the hold's range."""

from __future__ import annotations

import numpy as np
import pytest
from constructed import FPS, path_features

from holdtrack.analysis.edges import edges_refine, first_exit
from holdtrack.analysis.runs import Label, Run


def _breathing_load(n: int) -> np.ndarray:
    return 1.0 + 0.01 * np.sin(2 * np.pi * 0.2 * np.arange(n) / FPS)


def _spans(runs: list[Run]) -> list[tuple[str, int, int]]:
    return [(str(r.label), r.a, r.b) for r in runs]


@pytest.mark.parametrize("kind", ["force", "pressure"])
def test_edges_refine_moves_a_hold_end_back_to_where_the_load_leaves_its_range(kind):
    load = _breathing_load(400)
    load[292:] = 0.5
    runs = [Run(0, 300, Label.HOLD), Run(300, 400, Label.ROLLING)]
    edges_refine(runs, path_features(kind, load))
    assert _spans(runs) == [("hold", 0, 292), ("rolling", 292, 400)]


def test_edges_refine_moves_a_hold_start_forward_to_where_the_load_reaches_its_range():
    load = _breathing_load(400)
    load[:95] = 0.0
    runs = [Run(0, 100, Label.IDLE), Run(100, 400, Label.HOLD)]
    edges_refine(runs, path_features("force", load))
    assert _spans(runs) == [("idle", 0, 95), ("hold", 95, 400)]


def test_edges_refine_uses_the_tilt_angle_with_a_0_7_deg_margin_for_accelerometers():
    def tilted(deg: float) -> list[tuple[str, int, int]]:
        angle = np.zeros(400)
        angle[292:] = np.radians(deg)
        path = np.stack([0 * angle, np.sin(angle), np.cos(angle)], axis=1)
        runs = [Run(0, 300, Label.HOLD), Run(300, 400, Label.ROLLING)]
        edges_refine(runs, path_features("accel", path))
        return _spans(runs)

    assert tilted(1.0) == [("hold", 0, 292), ("rolling", 292, 400)]
    assert tilted(0.5) == [("hold", 0, 300), ("rolling", 300, 400)]


def test_edges_refine_leaves_gyro_imu_edges_alone():
    path = np.zeros(400)
    path[292:] = 30.0
    runs = [Run(0, 300, Label.HOLD), Run(300, 400, Label.ROLLING)]
    edges_refine(runs, path_features("imu", path))
    assert _spans(runs) == [("hold", 0, 300), ("rolling", 300, 400)]


def test_edges_refine_skips_holds_shorter_than_three_search_spans_of_3_s():
    load = _breathing_load(200)
    load[82:] = 0.5
    runs = [Run(0, 89, Label.HOLD), Run(89, 200, Label.ROLLING)]
    edges_refine(runs, path_features("force", load))
    assert _spans(runs) == [("hold", 0, 89), ("rolling", 89, 200)]


def test_edges_refine_moves_a_hold_end_forward_up_to_3_s_but_no_further():
    def left_at(frame: int) -> list[tuple[str, int, int]]:
        load = _breathing_load(400)
        load[frame:] = 0.5
        runs = [Run(0, 300, Label.HOLD), Run(300, 400, Label.ROLLING)]
        edges_refine(runs, path_features("force", load))
        return _spans(runs)

    assert left_at(325) == [("hold", 0, 325), ("rolling", 325, 400)]
    assert left_at(335) == [("hold", 0, 300), ("rolling", 300, 400)]


def test_first_exit_is_none_when_the_ball_stays_within_its_range():
    feat = path_features("force", _breathing_load(200))
    assert first_exit(feat, 100, 150, np.arange(150, 200)) is None
    assert first_exit(feat, 100, 150, np.array([], dtype=int)) is None
