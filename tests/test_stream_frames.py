"""The live view's own frames and features: built a few frames at a time, they equal what the
whole-window computation gives."""

from __future__ import annotations

import numpy as np

from holdtrack.analysis.clean import FRAME_S, frames_make
from holdtrack.analysis.features import BODY_SERIES_WINDOW_S, body_series, contact_path
from holdtrack.analysis.kinds import kind_params
from holdtrack.analysis.schema import SENSOR_COLUMNS
from holdtrack.analysis.stream_frames import LiveFrames, LiveLook
from holdtrack.simulation.config import SimConfig
from holdtrack.simulation.simulate import simulate

SEED = 700_101  # a tuning seed


def _imu_columns(seconds: float) -> dict[str, np.ndarray]:
    data = simulate(SimConfig("imu", "floor", "mixed", seed=SEED)).session.data
    data = data[data["time_s"] <= data["time_s"].iloc[0] + seconds]
    return {c: data[c].to_numpy() for c in data.columns}


def test_frames_made_chunk_by_chunk_equal_the_batch_framing():
    cols = _imu_columns(40.0)
    names = SENSOR_COLUMNS["imu"]
    t = cols["time_s"].copy()
    t[(t > t[0] + 12.0) & (t < t[0] + 13.5)] = np.nan  # a dropout of 1.5 s
    keep = ~np.isnan(t)
    t, values = t[keep], [cols[c][keep] for c in names]
    rows = np.column_stack([t, *values])
    frames = LiveFrames(len(names), keep_s=600.0)
    rng = np.random.default_rng(1)
    i = 0
    while i < len(t):
        k = int(rng.integers(1, 40))
        frames.add(rows[i : i + k])
        frames.update()
        i += k
    centres, batch, info = frames_make(t, values, FRAME_S)
    n = len(frames.t)
    assert n == len(centres) - 1  # all but the frame still being filled
    np.testing.assert_allclose(frames.t, centres[:n])
    np.testing.assert_allclose(frames.values, batch[:n], atol=1e-9)
    assert (frames.gap == info["gap"][:n]).all() and frames.gap.sum() >= 10


def test_path_and_body_extended_frame_by_frame_equal_the_whole_window():
    """The gyro path is integrated on and the body signal's last seconds recomputed as frames
    arrive; both agree with computing them over the kept frames at once."""
    cols = _imu_columns(120.0)
    names = SENSOR_COLUMNS["imu"]
    look = LiveLook("imu", keep_s=30.0)
    bias = np.array([float(np.median(cols[c])) for c in names[3:6]])
    look.measured({f"noise:{c}": np.array([0.01]) for c in names}, bias)
    rows = np.column_stack([cols["time_s"], *(cols[c] for c in names)])
    i = 0
    while i < len(rows):
        look.frames.add(rows[i : i + 7])
        view = look.view(lambda: [])
        i += 7
    assert view is not None and len(view.t) == 300  # 30 s kept, the oldest dropped
    fr = look.frames
    path, src = contact_path(fr.values[:, :3], fr.values[:, 3:6], fr.gap, bias)
    moved = view.path - path  # the kept path began before the window: a constant apart
    np.testing.assert_allclose(moved, moved[:1].repeat(len(moved), axis=0), atol=1e-6)
    whole = body_series(src, view.body_scale, kind_params("imu"), BODY_SERIES_WINDOW_S)
    reach = 60  # frames at the window's start, where the whole-window series is cut short
    np.testing.assert_allclose(view.body_series(reach, 300), whole[reach:], rtol=1e-9)


class _Frames:
    """Frame features as the live view reads them, written out for one case."""

    def __init__(self, path_mm: np.ndarray) -> None:
        self.params = kind_params("imu")
        self.path = path_mm
        self.t = np.arange(len(path_mm)) * FRAME_S
        self.motion = np.zeros(len(path_mm))
        self.carried = np.zeros(len(path_mm), dtype=bool)

    def body_series(self, a: int, b: int) -> np.ndarray:
        return np.full(b - a, 3.0)  # a body on the ball


def _moved(*legs_mm: float) -> np.ndarray:
    """20 s held still, then moves along x by each leg in turn, half a second each."""
    x = [np.zeros(200)]
    for leg in legs_mm:
        x.append(x[-1][-1] + np.linspace(0.0, leg, 6)[1:])
    path = np.zeros((sum(len(p) for p in x), 3))
    path[:, 0] = np.concatenate(x)
    return path


def test_a_move_that_turns_back_is_rolling_and_one_that_goes_one_way_a_reposition():
    from holdtrack.analysis.stream_tail import tail_read

    one_way = tail_read(_Frames(_moved(12.0, 10.0)), held_from_s=0.0)
    turned = tail_read(_Frames(_moved(12.0, 10.0, -12.0)), held_from_s=0.0)
    too_far = tail_read(_Frames(_moved(40.0, 30.0)), held_from_s=0.0)
    assert one_way.state == "reposition"
    assert turned.state == "rolling" and too_far.state == "rolling"
    assert abs(one_way.since_s - 20.0) <= 0.5  # the move began at 20 s


def _stepped_by(step_mm: float, still_s: float = 9.5) -> np.ndarray:
    """20 s held still, a move of ``step_mm`` along x over 1 s, then still for ``still_s``."""
    x = np.concatenate(
        [np.zeros(200), np.linspace(0.0, step_mm, 11)[1:], np.full(int(still_s * 10), step_mm)]
    )
    path = np.zeros((len(x), 3))
    path[:, 0] = x
    return path


def test_a_step_taken_for_an_adjustment_restarts_the_hold_once_the_ball_has_settled():
    """Looks a second apart can see a step to a new spot only half done, too small for a
    reposition; once the ball has stayed on the new spot 9 s, the means of the still ball
    either side (the batch's settled-step rule) show the step."""
    from holdtrack.analysis.stream_tail import tail_read

    step = tail_read(_Frames(_stepped_by(12.0)), held_from_s=0.0)
    adjustment = tail_read(_Frames(_stepped_by(4.0)), held_from_s=0.0)
    too_soon = tail_read(_Frames(_stepped_by(12.0, still_s=5.0)), held_from_s=0.0)
    assert step.state == "hold" and step.stepped
    assert step.start_s is not None and 20.0 <= step.start_s <= 21.5  # where it settled
    assert adjustment.state == "hold" and not adjustment.stepped
    assert too_soon.state == "hold" and not too_soon.stepped


class _LoadFrames(_Frames):
    """A force sensor's frame features: the load relative to the held level, and its motion
    (%/s, the batch's measure)."""

    def __init__(self, load: np.ndarray, motion_pct_s: np.ndarray) -> None:
        super().__init__(load[:, None])
        self.params = kind_params("force")
        self.motion = motion_pct_s


def test_slow_strokes_that_pause_settled_at_their_turns_end_a_load_sensors_hold():
    """Rolled slowly, a force sensor's load rests at each turn long enough to look settled;
    a hold whose load kept changing most of the last 10 s has been left all the same, while
    one surge of weight (a shift of posture) leaves it going on."""
    from holdtrack.analysis.stream_tail import tail_read

    held, strokes = np.zeros(200), np.tile(np.r_[np.full(15, 12.0), np.zeros(5)], 6)
    load = np.ones(320)
    load[200:] = 1.0 + 0.3 * np.sin(np.linspace(0.0, 6 * np.pi, 120))
    load[-28:] = load[-28]  # resting at a turn: settled 2.8 s
    rolled = tail_read(_LoadFrames(load, np.r_[held, strokes]), held_from_s=0.0)
    bump = np.ones(320)
    bump[270:295] += 0.25 * np.sin(np.linspace(0.0, np.pi, 25))  # 2.5 s of more weight
    surge = np.r_[np.zeros(265), np.full(50, 12.0), np.zeros(5)]  # its motion, smoothed
    shifted = tail_read(_LoadFrames(bump, surge), held_from_s=0.0)
    assert rolled.state == "rolling" and abs(rolled.since_s - 20.0) <= 1.0
    assert shifted.state == "hold"
