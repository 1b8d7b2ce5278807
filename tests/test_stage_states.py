"""States stage: each context pass on hand-built runs, move labelling and edge refinement."""

from __future__ import annotations

import numpy as np
import pytest
from constructed import FPS, path_features

from holdtrack.analysis.features import Features, still_step
from holdtrack.analysis.kinds import (
    KINDS,
    SETTLED_FLANK_S,
    SETTLED_GAP_S,
    STEP_FLANK_S,
    STEP_GAP_S,
    STEP_RUN_S,
)
from holdtrack.analysis.runs import Label, Run
from holdtrack.analysis.schema import STATES
from holdtrack.analysis.states import (
    PASSES,
    STATE_CODE,
    SWING_GAIN,
    _resolve,
    gap_label,
    label_moves,
    move_frames,
    pass_bridge_gaps,
    pass_micro_by_context,
    pass_quiet_between_loaded,
    pass_remnant_beside_idle,
    pass_short_stretches_take_context,
    rule_short_or_restless_hold,
    states_classify,
)
from holdtrack.analysis.steps import slow_step

L = Label
STILL_BY_DEFAULT = (L.STILL_LOADED, L.STILL_IDLE, L.HOLD, L.IDLE)


def _runs(*spec: tuple[Label, float] | tuple[Label, float, float]) -> list[Run]:
    """Contiguous runs from (label, seconds[, share of still frames]); still, hold and idle runs
    are all still unless told, moves not at all."""
    out, a = [], 0
    for s in spec:
        lab, frames = s[0], int(round(s[1] * FPS))
        share = s[2] if len(s) > 2 else (1.0 if lab in STILL_BY_DEFAULT else 0.0)
        out.append(Run(a, a + frames, lab, int(round(share * frames))))
        a += frames
    return out


def _labels(runs: list[Run]) -> list[str]:
    return [str(r.label) for r in runs]


def _spans(runs: list[Run]) -> list[tuple[str, float]]:
    return [(str(r.label), r.frames / FPS) for r in runs]


# ----------------------------------------------------------------------------- quiet between loaded


def test_pass_quiet_between_loaded_makes_a_quiet_run_under_10_s_between_loaded_ones_loaded():
    runs = _runs((L.STILL_LOADED, 30), (L.MICRO, 1), (L.STILL_IDLE, 9.9), (L.GAP, 2),
                 (L.STILL_LOADED, 30))  # fmt: skip
    assert _labels(pass_quiet_between_loaded(runs, FPS))[2] == "still-loaded"


def test_pass_quiet_between_loaded_leaves_a_quiet_run_of_10_s_idle():
    runs = _runs((L.STILL_LOADED, 30), (L.STILL_IDLE, 10), (L.STILL_LOADED, 30))
    assert _labels(pass_quiet_between_loaded(runs, FPS))[1] == "still-idle"


def test_pass_quiet_between_loaded_needs_loaded_on_both_sides_across_micro_moves_only():
    one_side = _runs((L.STILL_LOADED, 30), (L.STILL_IDLE, 5), (L.STILL_IDLE, 30))
    assert _labels(pass_quiet_between_loaded(one_side, FPS))[1] == "still-idle"
    rolled = _runs((L.STILL_LOADED, 30), (L.ROLLING, 5), (L.STILL_IDLE, 5), (L.STILL_LOADED, 30))
    assert _labels(pass_quiet_between_loaded(rolled, FPS))[2] == "still-idle"


# ----------------------------------------------------------------------------- remnant beside idle


def test_pass_remnant_beside_idle_makes_a_loaded_run_under_5_s_next_to_idle_idle():
    runs = _runs((L.STILL_IDLE, 20), (L.STILL_LOADED, 4.9), (L.MOVE, 2))
    assert _labels(pass_remnant_beside_idle(runs, FPS)) == ["still-idle", "still-idle", "move"]


def test_pass_remnant_beside_idle_keeps_a_loaded_run_of_5_s_or_one_not_right_beside_idle():
    runs = _runs((L.STILL_IDLE, 20), (L.STILL_LOADED, 5), (L.MICRO, 1), (L.STILL_LOADED, 3),
                 (L.MICRO, 1), (L.STILL_IDLE, 20))  # fmt: skip
    assert _labels(pass_remnant_beside_idle(runs, FPS))[1:4] == ["still-loaded", "micro",
                                                                 "still-loaded"]  # fmt: skip


# ----------------------------------------------------------------------------- micro by context


def test_pass_micro_by_context_micro_between_loaded_stillness_is_hold():
    runs = _runs((L.STILL_LOADED, 30), (L.MICRO, 1), (L.GAP, 1), (L.STILL_LOADED, 30))
    assert _labels(pass_micro_by_context(runs, FPS)) == ["hold", "hold", "gap", "hold"]


@pytest.mark.parametrize("idle_like", [L.STILL_IDLE, L.CARRIED])
def test_pass_micro_by_context_micro_next_to_an_idle_ball_is_idle_even_beside_rolling(idle_like):
    runs = _runs((L.ROLLING, 30), (L.MICRO, 1), (idle_like, 30))
    assert _labels(pass_micro_by_context(runs, FPS)) == ["rolling", "idle", "idle"]


def test_pass_micro_by_context_micro_next_to_rolling_is_rolling():
    runs = _runs((L.STILL_LOADED, 30), (L.MICRO, 1), (L.ROLLING, 30))
    assert _labels(pass_micro_by_context(runs, FPS)) == ["hold", "rolling", "rolling"]


def test_pass_micro_by_context_reads_micro_moves_already_settled_before_it():
    # The first micro settles to idle; the second then sees an idle neighbour, not a micro one
    # (which would have left rolling as its only context).
    runs = _runs((L.STILL_IDLE, 30), (L.MICRO, 1), (L.MICRO, 1), (L.ROLLING, 30))
    assert _labels(pass_micro_by_context(runs, FPS)) == ["idle", "idle", "idle", "rolling"]


# ----------------------------------------------------------------------------- bridge gaps


def test_pass_bridge_gaps_bridges_a_gap_of_5_s_inside_a_hold_but_not_6_s():
    bridged = pass_bridge_gaps(_runs((L.HOLD, 30), (L.GAP, 5), (L.HOLD, 30)), FPS)
    assert _spans(bridged) == [("hold", 65)]
    split = pass_bridge_gaps(_runs((L.HOLD, 30), (L.GAP, 6), (L.HOLD, 30)), FPS)
    assert _spans(split) == [("hold", 30), ("idle", 6), ("hold", 30)]


def test_pass_bridge_gaps_bridges_a_gap_of_any_length_inside_rolling_or_idle():
    for state in (L.ROLLING, L.IDLE):
        assert _spans(pass_bridge_gaps(_runs((state, 30), (L.GAP, 60), (state, 30)), FPS)) == [
            (str(state), 120)
        ]


def test_pass_bridge_gaps_a_gap_between_two_states_takes_the_side_that_is_not_hold():
    assert gap_label(L.HOLD, L.ROLLING, 20, FPS) == L.ROLLING
    assert gap_label(L.IDLE, L.HOLD, 20, FPS) == L.IDLE
    assert gap_label(L.ROLLING, L.IDLE, 20, FPS) == L.ROLLING  # neither is hold: the earlier


def test_pass_bridge_gaps_a_gap_at_a_session_end_takes_its_one_neighbour_or_idle():
    assert gap_label(None, L.HOLD, 999, FPS) == L.HOLD
    assert gap_label(L.ROLLING, None, 999, FPS) == L.ROLLING
    assert gap_label(None, None, 1, FPS) == L.IDLE


# ----------------------------------------------------------------------------- short stretches


def test_pass_short_stretches_a_hold_under_10_s_becomes_rolling_beside_rolling():
    runs = _runs((L.IDLE, 30), (L.HOLD, 9.9), (L.ROLLING, 30))
    assert _spans(pass_short_stretches_take_context(runs, FPS)) == [("idle", 30), ("rolling", 39.9)]


def test_pass_short_stretches_a_hold_under_10_s_becomes_idle_beside_idle_or_a_session_end():
    runs = _runs((L.IDLE, 30), (L.HOLD, 9.9), (L.REPOSITION, 2), (L.HOLD, 30))
    out = pass_short_stretches_take_context(runs, FPS)
    assert _spans(out) == [("idle", 41.9), ("hold", 30)]  # the lone reposition follows
    assert _spans(pass_short_stretches_take_context(_runs((L.HOLD, 9)), FPS)) == [("idle", 9)]


def test_pass_short_stretches_keeps_a_hold_of_10_s():
    runs = _runs((L.IDLE, 30), (L.HOLD, 10), (L.ROLLING, 30))
    assert _labels(pass_short_stretches_take_context(runs, FPS)) == ["idle", "hold", "rolling"]


def test_rule_short_or_restless_hold_between_two_non_idle_non_rolling_states_is_rolling():
    r = _runs((L.HOLD, 5))[0]
    assert rule_short_or_restless_hold(r, L.REPOSITION, L.REPOSITION, FPS) == L.ROLLING


def test_pass_short_stretches_a_restless_hold_under_60_pct_still_beside_rolling_is_rolling():
    restless = _runs((L.ROLLING, 30), (L.HOLD, 20, 0.59), (L.IDLE, 30))
    assert _labels(pass_short_stretches_take_context(restless, FPS)) == ["rolling", "idle"]
    calm = _runs((L.ROLLING, 30), (L.HOLD, 20, 0.6), (L.IDLE, 30))
    assert _labels(pass_short_stretches_take_context(calm, FPS)) == ["rolling", "hold", "idle"]
    alone = _runs((L.IDLE, 30), (L.HOLD, 20, 0.0), (L.IDLE, 30))  # restless needs rolling
    assert _labels(pass_short_stretches_take_context(alone, FPS)) == ["idle", "hold", "idle"]


def test_pass_short_stretches_a_pause_under_10_s_between_rolling_is_rolling():
    runs = _runs((L.ROLLING, 30), (L.IDLE, 9.9), (L.ROLLING, 30))
    assert _spans(pass_short_stretches_take_context(runs, FPS)) == [("rolling", 69.9)]
    long = _runs((L.ROLLING, 30), (L.IDLE, 10), (L.ROLLING, 30))
    assert _labels(pass_short_stretches_take_context(long, FPS)) == ["rolling", "idle", "rolling"]


def test_pass_short_stretches_a_reposition_needs_holds_on_both_sides():
    kept = _runs((L.HOLD, 30), (L.REPOSITION, 2), (L.HOLD, 30))
    assert _labels(pass_short_stretches_take_context(kept, FPS)) == ["hold", "reposition", "hold"]
    to_roll = _runs((L.HOLD, 30), (L.REPOSITION, 2), (L.ROLLING, 30))
    assert _labels(pass_short_stretches_take_context(to_roll, FPS)) == ["hold", "rolling"]
    to_idle = _runs((L.IDLE, 30), (L.REPOSITION, 2), (L.HOLD, 30))
    assert _labels(pass_short_stretches_take_context(to_idle, FPS)) == ["idle", "hold"]


def test_pass_short_stretches_repeats_until_stable_so_merged_pauses_join_rolling():
    # Sweep 1: the short hold turns idle (beside idle), so the reposition after it, no longer
    # between holds, turns rolling. Only after merging does the idle pause (now 6 s) sit between
    # rolling on both sides, and sweep 2 makes it rolling.
    runs = _runs((L.ROLLING, 30), (L.IDLE, 3), (L.HOLD, 3), (L.REPOSITION, 2), (L.ROLLING, 30))
    assert _spans(pass_short_stretches_take_context(runs, FPS)) == [("rolling", 68)]


# ----------------------------------------------------------------------------- order


def test_resolve_applies_the_passes_in_their_documented_order():
    assert [p.__name__ for p in PASSES] == [
        "pass_quiet_between_loaded",
        "pass_remnant_beside_idle",
        "pass_micro_by_context",
        "pass_bridge_gaps",
        "pass_short_stretches_take_context",
    ]


def test_resolve_ends_with_only_the_four_states_and_no_gaps():
    # Remnant turns idle, micro beside it idle, quiet 8 s between loaded loaded, 4 s gap bridged.
    runs = _runs((L.STILL_IDLE, 20), (L.STILL_LOADED, 4), (L.MICRO, 1), (L.STILL_LOADED, 60),
                 (L.STILL_IDLE, 8), (L.STILL_LOADED, 30), (L.GAP, 4), (L.STILL_LOADED, 30),
                 (L.REPOSITION, 2), (L.STILL_LOADED, 30), (L.ROLLING, 20),
                 (L.CARRIED, 10))  # fmt: skip
    out = _resolve(runs, FPS)
    assert _spans(out) == [("idle", 25), ("hold", 132), ("reposition", 2), ("hold", 30),
                           ("rolling", 20), ("idle", 10)]  # fmt: skip
    assert {lab.value for lab in STATE_CODE} == set(STATES)
    assert all(STATES[code] == lab.value for lab, code in STATE_CODE.items())


# ----------------------------------------------------------------------------- label_moves


def _move_label(feat: Features, move_frames: int = 10) -> str:
    runs = [Run(0, 100, L.STILL_LOADED), Run(100, 100 + move_frames, L.MOVE),
            Run(100 + move_frames, len(feat.t), L.STILL_LOADED)]  # fmt: skip
    label_moves(runs, feat, FPS)
    return str(runs[1].label)


@pytest.mark.parametrize(("kind", "limit_mm"), [("imu", 9.0), ("accel", 6.5)])
def test_label_moves_a_short_move_carrying_the_contact_past_the_kinds_limit_is_a_reposition(
    kind, limit_mm
):
    def moved(mm: float) -> Features:
        x = np.concatenate([np.zeros(105), np.full(105, mm)])
        return path_features(kind, np.stack([x, 0 * x, 0 * x], axis=1))  # contact, mm

    assert KINDS[kind].reposition_min == limit_mm
    assert _move_label(moved(limit_mm + 0.3)) == "reposition"
    assert _move_label(moved(limit_mm - 0.3)) == "micro"


def _settled(kind: str, mm: float) -> Features:
    """A still ball whose contact moves ``mm`` in a second from 30 s, through deep breathing
    (6 mm peak to peak, 10 breaths/min) falling fastest as it moves, so that 1 s means either
    side of the move see ~3 mm less than the move."""
    t = np.arange(600) / FPS
    phase = np.pi - 2 * np.pi * 30.5 / 6.0
    x = 3.0 * np.sin(2 * np.pi * t / 6.0 + phase) + mm * np.clip(t - 30.0, 0.0, 1.0)
    feat = path_features(kind, np.stack([x, 0 * x, 0 * x], axis=1))
    feat.settled_step = still_step(feat.path, feat.motion, 1.0, SETTLED_FLANK_S, SETTLED_GAP_S)
    return feat


@pytest.mark.parametrize("kind", ["imu", "accel"])
def test_label_moves_settled_levels_a_limit_apart_either_side_of_a_move_are_a_reposition(kind):
    limit = KINDS[kind].settled_step_min_mm
    assert limit is not None
    for mm, want in [(limit + 1.5, "reposition"), (limit - 1.5, "micro")]:
        feat = _settled(kind, mm)
        assert feat.net_change(295, 315) < KINDS[kind].reposition_min  # short means miss it
        got = [Run(0, 295, L.STILL_LOADED), Run(295, 315, L.MOVE), Run(315, 600, L.STILL_LOADED)]
        label_moves(got, feat, FPS)
        assert str(got[1].label) == want, mm


def _stepped(mm: float, move_s: float) -> Features:
    """A still ball whose contact steps ``mm`` evenly over ``move_s`` from 30 s."""
    t = np.arange(600) / FPS
    x = mm * np.clip((t - 30.0) / move_s, 0.0, 1.0)
    feat = path_features("imu", np.stack([x, 0 * x, 0 * x], axis=1))
    feat.step = still_step(feat.path, feat.motion, 1.0, STEP_FLANK_S, STEP_GAP_S)
    feat.slow_step = slow_step(feat.path, feat.step, STEP_RUN_S)
    return feat


def test_label_moves_a_gyro_step_made_slowly_needs_less_travel_than_a_quick_one():
    least = KINDS["imu"].slow_step_min_mm
    assert least is not None and least < KINDS["imu"].reposition_min
    for mm, move_s, want in [(least + 0.8, 2.5, "reposition"), (least + 0.8, 0.5, "micro"),
                             (least - 0.8, 2.5, "micro")]:  # fmt: skip
        got = [Run(0, 295, L.STILL_LOADED), Run(295, 330, L.MOVE), Run(330, 600, L.STILL_LOADED)]
        label_moves(got, _stepped(mm, move_s), FPS)
        assert str(got[1].label) == want, (mm, move_s)


@pytest.mark.parametrize("kind", ["force", "pressure"])
def test_label_moves_a_short_move_easing_the_load_by_22_pct_or_more_is_a_reposition(kind):
    def dipped(depth: float) -> Features:
        rel = np.ones(210)
        rel[100:110] = 1.0 - depth
        return path_features(kind, rel)

    assert _move_label(dipped(0.25)) == "reposition"
    assert _move_label(dipped(0.19)) == "micro"


@pytest.mark.parametrize(("kind", "limit"), [("imu", 13.5), ("force", 0.36)])
def test_label_moves_a_short_move_swinging_out_1_5_reposition_distances_and_back_is_one(
    kind, limit
):
    """The last stroke of slow rolling into a hold goes out and comes back: little net change,
    a wide swing. Contact mm for the IMU, fraction of the held load for the force sensor."""

    def swung(out: float) -> Features:
        x = np.zeros(210)
        x[100:110] = out * np.sin(np.pi * np.arange(10) / 10)  # out and back within the move
        if kind == "imu":
            return path_features(kind, np.stack([x, 0 * x, 0 * x], axis=1))
        return path_features(kind, 1.0 + x)

    assert limit == pytest.approx(SWING_GAIN * KINDS[kind].reposition_min)
    assert _move_label(swung(limit + 0.05 * limit)) == "reposition"
    assert _move_label(swung(limit - 0.05 * limit)) == "micro"


@pytest.mark.parametrize("kind", ["force", "pressure"])
def test_label_moves_a_move_between_loads_24_pct_apart_is_a_reposition_from_the_lower_flank(kind):
    """The move run starts after the load has begun to rise: the lower load held before it
    still counts, not only the lowest load inside the run."""

    def rising(low: float) -> Features:
        rel = np.concatenate([np.full(100, low), np.linspace(low + 0.06, 1.0, 10), np.ones(100)])
        return path_features(kind, rel)

    assert _move_label(rising(0.74)) == "reposition"
    assert _move_label(rising(0.80)) == "micro"


def test_states_classify_no_hold_segment_shorter_than_10_s_after_edges_move():
    """Slow rolling with 10 s pauses on an accelerometer (a tuning session): sharpening the
    pauses' edges left 'hold' segments of 8.5 to 9.1 s that were not reported as holds."""
    from holdtrack.analysis import session_process
    from holdtrack.simulation.simulate import SimConfig, simulate

    cfg = SimConfig(sensor_kind="accel", setup="wall", scenario="mixed", seed=600032, world="wide")
    res = session_process(simulate(cfg).session.data)
    held = [(s["start_s"], s["end_s"]) for s in res.segments if s["state"] == "hold"]
    reported = [(round(h.start_s, 2), round(h.end_s, 2)) for h in res.holds]
    assert held == reported
    assert all(b - a >= 10.0 for a, b in held)
    rolled = [s for s in res.segments if s["state"] == "rolling"]
    assert any(s["start_s"] < 175.0 and s["end_s"] > 212.0 for s in rolled)  # 168.4 to 222.7


@pytest.mark.parametrize(("kind", "longest_frames"), [("imu", 95), ("force", 70)])
def test_label_moves_a_move_longer_than_4_s_plus_the_motion_window_is_rolling(kind, longest_frames):
    still = path_features(kind, np.ones((300, 3)) if kind == "imu" else np.ones(300))
    assert _move_label(still, longest_frames) == "micro"
    assert _move_label(still, longest_frames + 1) == "rolling"


def test_move_frames_of_an_imu_count_only_frames_where_the_contact_ranges_widely():
    feat = path_features("imu", np.zeros((300, 3)))
    feat.step = np.zeros(300)
    feat.motion = np.zeros(300)
    feat.motion[100:130] = 20.0  # 3 s of wide travel inside a 12 s move run (the step's flanks)
    run = Run(90, 210, L.MOVE)
    assert move_frames(feat, run) == 30
    label_moves([run], feat, FPS)
    assert run.label != L.ROLLING


# ----------------------------------------------------------------------------- whole stage


def test_states_classify_a_constructed_force_session_idle_hold_rolling_idle():
    from holdtrack.analysis.features import features_load

    t = np.arange(1200) / FPS
    load = np.zeros(1200)
    hold = (t >= 20) & (t < 80)
    load[hold] = 100 * (1 + 0.03 * np.sin(2 * np.pi * 0.2 * t[hold]))
    roll = (t >= 80) & (t < 100)
    load[roll] = 100 * (1 + 0.3 * np.sin(2 * np.pi * 0.25 * t[roll]))
    codes, info = states_classify(features_load(t, load, np.zeros(1200, dtype=bool), "force"))
    names = [STATES[c] for c in codes]
    assert (names[100], names[500], names[900], names[1150]) == ("idle", "hold", "rolling", "idle")
    held = np.flatnonzero(codes == STATE_CODE[L.HOLD])
    assert held[0] == pytest.approx(200, abs=10) and held[-1] == pytest.approx(800, abs=10)
    assert [str(r.label) for r in info["runs"]] == ["idle", "hold", "rolling", "idle"]
