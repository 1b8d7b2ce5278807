"""Edge refinement: hold edges move to where the ball's position leaves the hold's range."""

from __future__ import annotations

import numpy as np
import pytest
from constructed import FPS, path_features

from holdtrack.analysis import session_process
from holdtrack.analysis.edges import departure_start, edges_refine, first_exit
from holdtrack.analysis.runs import Label, Run
from holdtrack.simulation.simulate import SimConfig, simulate


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


def test_departure_start_passes_over_a_blip_that_comes_straight_back():
    dep = np.zeros(100)
    dep[20:24] = 1.5  # 0.4 s out, back: a deep breath or the path's jump over lost data
    dep[60:] = np.linspace(1.2, 10.0, 40)
    assert departure_start(dep, 1.0, blip_s=0.5) == 60
    assert departure_start(dep, 1.0, blip_s=0.0) == 20  # load kinds: every exit counts
    dep[22] = 2.5  # a blip past twice the range is a departure however short
    assert departure_start(dep, 1.0, blip_s=0.5) == 20
    assert departure_start(np.zeros(50), 1.0, blip_s=0.5) is None


def test_departure_start_a_short_excursion_still_out_at_the_search_end_counts():
    dep = np.zeros(30)
    dep[27:] = 1.5
    assert departure_start(dep, 1.0, blip_s=0.5) == 27


def test_edges_refine_an_imu_hold_end_is_not_pulled_to_a_blip_before_the_real_exit():
    x = np.zeros(600)
    x[298:302] = 1.5  # out of the range for 0.4 s, then back
    x[330:] = np.linspace(0.0, 30.0, 270)
    runs = [Run(0, 315, Label.HOLD), Run(315, 600, Label.ROLLING)]
    edges_refine(runs, path_features("imu", np.stack([x, 0 * x, 0 * x], axis=1)))
    assert runs[0].b >= 328


def test_a_short_loss_of_gyroscope_data_near_a_hold_end_does_not_move_the_end():
    """Integrating the gyroscope over 0.6 s of lost samples shifts the contact path a little;
    that shift must not end the hold 4 s before the ball leaves (as a 20 Hz recording showed)."""
    cfg = SimConfig("imu", "floor", "good_holder", seed=8, rate_hz=20.0, packet_loss=0.0,
                    dropouts_per_min=0.0, timestamps="device")  # fmt: skip
    data = simulate(cfg).session.data
    data = data[data["time_s"] <= 420].reset_index(drop=True)
    whole = session_process(data).holds
    assert len(whole) == 3 and whole[-1].end_s > 400
    for lost_from_s in (398.0, 398.5, 399.5):
        lost = data["time_s"].between(lost_from_s, lost_from_s + 0.6, inclusive="left")
        holds = session_process(data[~lost].reset_index(drop=True)).holds
        assert len(holds) == 3
        assert abs(holds[-1].end_s - whole[-1].end_s) <= 1.0
