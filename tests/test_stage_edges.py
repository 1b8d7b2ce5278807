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


@pytest.mark.parametrize(("kind", "margin_mm"), [("imu", 0.5), ("accel", 0.4)])
def test_edges_refine_moves_an_imu_hold_end_to_where_the_contact_leaves_by_the_margin(
    kind, margin_mm
):
    def moved(mm: float) -> list[tuple[str, int, int]]:
        x = np.zeros(600)
        x[292:] = mm
        runs = [Run(0, 300, Label.HOLD), Run(300, 600, Label.ROLLING)]
        edges_refine(runs, path_features(kind, np.stack([x, 0 * x, 0 * x], axis=1)))
        return _spans(runs)

    assert moved(margin_mm + 0.2) == [("hold", 0, 292), ("rolling", 292, 600)]
    assert moved(margin_mm - 0.2) == [("hold", 0, 300), ("rolling", 300, 600)]


def test_edges_refine_an_imu_edge_is_where_the_rise_out_of_the_range_began():
    x = np.zeros(600)
    x[305:320] = np.linspace(0.0, 3.0, 15)  # the contact leaves frame 305 for 306
    x[320:] = 3.0
    runs = [Run(0, 315, Label.HOLD), Run(315, 600, Label.ROLLING)]
    edges_refine(runs, path_features("imu", np.stack([x, 0 * x, 0 * x], axis=1)))
    assert _spans(runs) == [("hold", 0, 306), ("rolling", 306, 600)]


def test_edges_refine_beside_an_idle_ball_takes_its_reference_5_s_inside_the_edge():
    # The body's fading signal placed the end 4 s late; the ball was let go at frame 260.
    x = np.zeros(600)
    x[260:] = 2.0
    runs = [Run(0, 300, Label.HOLD), Run(300, 600, Label.IDLE)]
    edges_refine(runs, path_features("imu", np.stack([x, 0 * x, 0 * x], axis=1)))
    assert _spans(runs) == [("hold", 0, 260), ("idle", 260, 600)]
    runs = [Run(0, 300, Label.HOLD), Run(300, 600, Label.ROLLING)]  # reference 1 s inside
    edges_refine(runs, path_features("imu", np.stack([x, 0 * x, 0 * x], axis=1)))
    assert _spans(runs) == [("hold", 0, 300), ("rolling", 300, 600)]


def test_edges_refine_skips_holds_too_short_for_a_2_s_reference_stretch():
    load = _breathing_load(200)
    load[32:] = 0.5
    runs = [Run(0, 39, Label.HOLD), Run(39, 200, Label.ROLLING)]  # reference 1.5 to 1.9 s
    edges_refine(runs, path_features("force", load))
    assert _spans(runs) == [("hold", 0, 39), ("rolling", 39, 200)]
    runs = [Run(0, 71, Label.HOLD), Run(71, 200, Label.ROLLING)]  # reference 1.5 to 3.5 s
    load = _breathing_load(200)
    load[64:] = 0.5
    edges_refine(runs, path_features("force", load))
    assert _spans(runs) == [("hold", 0, 64), ("rolling", 64, 200)]


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
