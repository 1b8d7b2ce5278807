"""Runs stage: cutting frames into still, move and gap runs, and judging stillness loaded."""

from __future__ import annotations

import numpy as np
import pytest

from holdtrack.analysis.features import Features
from holdtrack.analysis.runs import (
    Label,
    Run,
    fill_short,
    nearest_still,
    neighbours,
    runs_cut,
    runs_make,
    runs_merge,
)


def _feat(
    kind: str,
    n: int,
    moving: list[tuple[int, int]] = (),
    gaps: list[tuple[int, int]] = (),
    loaded: list[tuple[int, int]] = (),
    carried: list[tuple[int, int]] = (),
) -> Features:
    """Hand-made features: motion far above the kind's threshold in ``moving`` frame ranges,
    a loaded ball (load sensors' body channel) in ``loaded`` ranges."""
    motion = np.zeros(n)
    gap = np.zeros(n, dtype=bool)
    body = np.zeros(n)
    carry = np.zeros(n, dtype=bool)
    for arr, ranges, value in ((motion, moving, 50.0), (gap, gaps, True), (body, loaded, 1.0)):
        for a, b in ranges:
            arr[a:b] = value
    for a, b in carried:
        carry[a:b] = True
    return Features(
        kind=kind,
        t=np.arange(n) * 0.1,
        gap=gap,
        motion=motion,
        path=body[:, None],
        body_src=body[:, None],
        body_scale=1.0,
        carried=carry,
        breath=body[:, None],
        load_rel=body,
    )


def _cut(runs: list[Run]) -> list[tuple[str, int, int]]:
    return [(str(r.label), r.a, r.b) for r in runs]


# ----------------------------------------------------------------------------- runs_cut


def test_runs_cut_absorbs_moves_of_2_frames_but_keeps_3():
    assert _cut(runs_cut(_feat("force", 100, moving=[(50, 52)]))) == [("still", 0, 100)]
    assert _cut(runs_cut(_feat("force", 100, moving=[(50, 53)]))) == [
        ("still", 0, 50),
        ("move", 50, 53),
        ("still", 53, 100),
    ]


@pytest.mark.parametrize(("kind", "absorbed"), [("imu", 32), ("accel", 32), ("force", 20)])
def test_runs_cut_absorbs_pauses_up_to_half_a_second_plus_half_the_motion_window(kind, absorbed):
    def cut(pause: int) -> list[tuple[str, int, int]]:
        return _cut(runs_cut(_feat(kind, 200, moving=[(50, 80), (80 + pause, 120)])))

    assert cut(absorbed) == [("still", 0, 50), ("move", 50, 120), ("still", 120, 200)]
    assert len(cut(absorbed + 1)) == 5


def test_runs_cut_gap_frames_are_gap_runs_whatever_the_motion():
    feat = _feat("imu", 200, moving=[(50, 90)], gaps=[(60, 70)])
    assert _cut(runs_cut(feat)) == [
        ("still", 0, 50),
        ("move", 50, 60),
        ("gap", 60, 70),
        ("move", 70, 90),
        ("still", 90, 200),
    ]


def test_runs_cut_a_move_mostly_carried_is_carried():
    feat = _feat("imu", 200, moving=[(40, 60), (100, 120)], carried=[(40, 51), (100, 110)])
    assert [str(r.label) for r in runs_cut(feat)] == ["still", "carried", "still", "move", "still"]


def test_runs_cut_counts_still_frames_of_still_runs_only():
    runs = runs_cut(_feat("force", 100, moving=[(40, 60)]))
    assert [r.still for r in runs] == [40, 0, 40]


# ----------------------------------------------------------------------------- runs_make


def test_runs_make_judges_stillness_joined_across_a_gap_of_5_s_but_not_6_s():
    # 10 s loaded, a gap, 2 s unloaded: joined, the loaded share (100 of 120) carries the whole.
    joined = _feat("force", 170, gaps=[(100, 150)], loaded=[(0, 100)])
    assert [str(r.label) for r in runs_make(joined)] == ["still-loaded", "gap", "still-loaded"]
    apart = _feat("force", 180, gaps=[(100, 160)], loaded=[(0, 100)])
    assert [str(r.label) for r in runs_make(apart)] == ["still-loaded", "gap", "still-idle"]


def test_runs_make_splits_off_an_unloaded_tail_of_3_s_but_not_2_s():
    tail = _feat("force", 200, loaded=[(0, 150)])
    assert _cut(runs_make(tail)) == [("still-loaded", 0, 150), ("still-idle", 150, 200)]
    short = _feat("force", 170, loaded=[(0, 150)])
    assert _cut(runs_make(short)) == [("still-loaded", 0, 170)]


def test_runs_make_splits_off_an_unloaded_head_of_3_s():
    head = _feat("force", 200, loaded=[(40, 200)])
    assert _cut(runs_make(head)) == [("still-idle", 0, 40), ("still-loaded", 40, 200)]


def test_runs_make_idle_end_counts_only_real_frames_not_gap_frames():
    # 2 s unloaded + 2 s gap + 0.5 s unloaded: only 2.5 s of real quiet, no split.
    feat = _feat("force", 245, gaps=[(220, 240)], loaded=[(0, 200)])
    labels = [str(r.label) for r in runs_make(feat)]
    assert labels == ["still-loaded", "gap", "still-loaded"]


def test_runs_make_leaves_moves_alone_and_judges_each_still_stretch():
    feat = _feat("force", 300, moving=[(100, 120)], loaded=[(120, 300)])
    assert [str(r.label) for r in runs_make(feat)] == ["still-idle", "move", "still-loaded"]


# ----------------------------------------------------------------------------- helpers


def test_fill_short_flips_runs_of_the_value_up_to_max_frames():
    m = np.array([1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    assert fill_short(m, False, 2).astype(int).tolist() == [1, 1, 1, 1, 0, 0, 0, 1]


def test_runs_merge_joins_equal_neighbours_and_adds_their_stillness():
    runs = [Run(0, 10, Label.HOLD, 8), Run(10, 20, Label.HOLD, 5), Run(20, 25, Label.IDLE, 5)]
    merged = runs_merge(runs)
    assert [(str(r.label), r.a, r.b, r.still) for r in merged] == [
        ("hold", 0, 20, 13),
        ("idle", 20, 25, 5),
    ]


def _seq(*labels: Label) -> list[Run]:
    return [Run(10 * i, 10 * i + 10, lab) for i, lab in enumerate(labels)]


def test_neighbours_skip_gaps():
    runs = _seq(Label.HOLD, Label.GAP, Label.MICRO, Label.GAP, Label.GAP)
    assert neighbours(runs, 2) == (Label.HOLD, None)


def test_nearest_still_looks_across_micro_moves_and_gaps_only():
    runs = _seq(Label.STILL_LOADED, Label.MICRO, Label.GAP, Label.STILL_IDLE, Label.ROLLING)
    assert nearest_still(runs, 3, -1) == Label.STILL_LOADED
    assert nearest_still(runs, 3, 1) is None
    blocked = _seq(Label.STILL_LOADED, Label.REPOSITION, Label.STILL_IDLE)
    assert nearest_still(blocked, 2, -1) is None
