"""Summary stage: counts, verdict and re-judging a result against another hold target."""

from __future__ import annotations

import pytest

from holdtrack.analysis.holds import Hold
from holdtrack.analysis.summary import result_retarget, session_summarise, verdict_text


def _h(start: float, dur: float) -> Hold:
    return Hold(start, start + dur, dur, 0.5, None, 0, dur >= 90)


SEGS = [
    {"start_s": 0, "end_s": 10, "state": "idle"},
    {"start_s": 10, "end_s": 105, "state": "hold"},
    {"start_s": 105, "end_s": 120, "state": "rolling"},
    {"start_s": 120, "end_s": 160, "state": "hold"},
    {"start_s": 160, "end_s": 200, "state": "rolling"},
    {"start_s": 200, "end_s": 330, "state": "hold"},
]
HOLDS = [_h(10, 95), _h(120, 40), _h(200, 130)]


def test_session_summarise_counts():
    s = session_summarise(HOLDS, SEGS, [(50.0, 52.0)])
    assert s["n_holds"] == 3 and s["adherent_holds"] == 2
    assert s["longest_hold_s"] == 130
    assert s["median_hold_s"] == 95
    assert s["rolling_share_of_loaded"] == pytest.approx(55 / 320, abs=1e-3)
    assert s["gap_s"] == 2.0
    assert s["time_in_state_s"] == {"hold": 265, "rolling": 55, "reposition": 0, "idle": 10}
    assert s["verdict"] == "2 of 3 holds reached 90 s; 17% of loaded time was rolling."


def test_session_summarise_counts_adherent_holds_against_the_given_target():
    s = session_summarise(HOLDS, SEGS, [], hold_target_s=120.0)
    assert s["adherent_holds"] == 1 and s["hold_target_s"] == 120.0
    assert s["verdict"].startswith("1 of 3 holds reached 120 s;")


def test_session_summarise_hold_consistency_is_the_coefficient_of_variation():
    s = session_summarise([_h(0, 60), _h(100, 120)], [], [])
    assert s["hold_duration_cv"] == pytest.approx(30 / 90, abs=1e-3)
    assert session_summarise([_h(0, 60)], [], [])["hold_duration_cv"] is None


def test_session_summarise_without_holds_or_loaded_time():
    s = session_summarise([], [{"start_s": 0, "end_s": 30, "state": "idle"}], [])
    assert (s["n_holds"], s["adherent_holds"], s["longest_hold_s"]) == (0, 0, 0.0)
    assert s["median_hold_s"] is None
    assert s["rolling_share_of_loaded"] == 0.0


def test_verdict_without_holds():
    assert verdict_text(0, 0, 1.0) == "No holds of 10 s or more; 100% of loaded time was rolling."


def test_result_retarget_rejudges_holds_count_and_verdict_without_touching_the_original():
    result = {
        "holds": [h.to_dict() for h in HOLDS],
        "summary": session_summarise(HOLDS, SEGS, []),
    }
    out = result_retarget(result, 120.0)
    assert [h["adherent"] for h in out["holds"]] == [False, False, True]
    assert out["summary"]["adherent_holds"] == 1
    assert out["summary"]["hold_target_s"] == 120.0
    verdict = "1 of 3 holds reached 120 s; 17% of loaded time was rolling."
    assert out["summary"]["verdict"] == verdict
    assert [h["adherent"] for h in result["holds"]] == [True, False, True]
    assert result["summary"]["adherent_holds"] == 2


def test_result_retarget_a_hold_exactly_at_the_target_is_adherent():
    result = {"holds": [_h(0, 40).to_dict()], "summary": session_summarise([_h(0, 40)], [], [])}
    assert result_retarget(result, 40.0)["holds"][0]["adherent"] is True
    assert result_retarget(result, 40.01)["holds"][0]["adherent"] is False
