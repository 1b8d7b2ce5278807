"""The whole detector on constructed sessions with known answers (no simulator).

Each stage alone is tested in ``test_stage_*.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from holdtrack.analysis import session_process
from holdtrack.analysis.schema import G_MS2 as G

# ----------------------------------------------------------------------------- whole pipeline


def _force_session(parts: list[tuple[float, object]], rate_hz: float = 50.0) -> pd.DataFrame:
    """Concatenate (duration_s, f(t) -> N) parts into a force session."""
    rng = np.random.default_rng(7)
    times, forces, t0 = [], [], 0.0
    for dur, fn in parts:
        t = np.arange(0, dur, 1 / rate_hz)
        times.append(t + t0)
        forces.append(np.asarray(fn(t), dtype=float) + rng.normal(0, 0.05, len(t)))
        t0 += dur
    return pd.DataFrame({"time_s": np.concatenate(times), "force_n": np.concatenate(forces)})


def _hold(level: float, bpm: float = 12.0):
    return lambda t: level * (1 + 0.03 * np.sin(2 * np.pi * bpm / 60 * t))


def IDLE(t):
    return np.zeros_like(t)


def ROLL(t):
    return 100 * (1 + 0.3 * np.sin(2 * np.pi * 0.25 * t))


def _states_ok(result, data: pd.DataFrame) -> None:
    segs = result.segments
    assert segs[0]["start_s"] == pytest.approx(data.time_s.iloc[0], abs=0.11)
    assert segs[-1]["end_s"] == pytest.approx(data.time_s.iloc[-1], abs=0.11)
    for a, b in zip(segs, segs[1:]):
        assert a["end_s"] == b["start_s"]
        assert a["state"] != b["state"]
    assert {s["state"] for s in segs} <= {"hold", "rolling", "reposition", "idle"}


def test_force_hold_then_rolling():
    data = _force_session([(20, IDLE), (120, _hold(100)), (30, ROLL), (15, IDLE)])
    res = session_process(data)
    assert len(res.holds) == 1
    h = res.holds[0]
    assert h.start_s == pytest.approx(20, abs=1.5)
    assert h.end_s == pytest.approx(140, abs=1.5)
    assert h.adherent
    assert h.breaths_per_min == pytest.approx(12, abs=1.0)
    _states_ok(res, data)
    rolling = [s for s in res.segments if s["state"] == "rolling"]
    assert any(s["start_s"] < 150 and s["end_s"] > 160 for s in rolling)
    assert res.summary["adherent_holds"] == 1


def test_force_reposition_splits_two_holds():
    def dip(t):
        return 100 * (1 - 0.5 * np.sin(np.pi * np.clip(t / 2, 0, 1)))

    data = _force_session([(20, IDLE), (60, _hold(100)), (2, dip), (100, _hold(100)), (15, IDLE)])
    res = session_process(data)
    assert [round(h.start_s) for h in res.holds] == pytest.approx([20, 82], abs=2)
    assert [round(h.end_s) for h in res.holds] == pytest.approx([80, 182], abs=2)
    repos = [s for s in res.segments if s["state"] == "reposition"]
    assert len(repos) == 1 and 78 <= repos[0]["start_s"] <= 82


def test_gap_of_three_seconds_does_not_split_a_hold():
    data = _force_session([(20, IDLE), (120, _hold(100)), (15, IDLE)])
    data = data[(data.time_s < 80) | (data.time_s >= 83)].reset_index(drop=True)
    res = session_process(data)
    assert len(res.holds) == 1
    assert res.holds[0].duration_s == pytest.approx(120, abs=3)
    assert len(res.gaps_s) == 1
    assert res.gaps_s[0][0] == pytest.approx(80, abs=0.2)
    assert res.gaps_s[0][1] == pytest.approx(83, abs=0.2)


def test_holds_under_ten_seconds_are_not_reported():
    data = _force_session([(20, IDLE), (8, _hold(100)), (20, IDLE)])
    res = session_process(data)
    assert res.holds == []
    assert all(s["state"] != "hold" for s in res.segments)


def test_steadiness_falls_with_fidgeting():
    calm = _force_session([(20, IDLE), (150, _hold(100)), (15, IDLE)])

    def fidgety(t):
        base = _hold(100)(t) * (1 + 0.10 * np.sin(2 * np.pi * 0.03 * t))
        for tm in (30, 60, 90, 120):
            base = base * (1 + 0.12 * np.exp(-(((t - tm) / 0.4) ** 2)))
        return base

    restless = _force_session([(20, IDLE), (150, fidgety), (15, IDLE)])
    s_calm = session_process(calm).holds[0].steadiness
    s_restless = session_process(restless).holds[0].steadiness
    assert 0.0 <= s_restless < s_calm <= 1.0
    assert s_calm - s_restless > 0.2


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """Gravity in the sensor frame when the sensor is turned by angle (rad) about x."""
    return np.stack([np.zeros_like(angle), G * np.sin(angle), G * np.cos(angle)], axis=1)


def test_imu_idle_hold_rolling():
    rate = 100.0
    rng = np.random.default_rng(3)
    t = np.arange(0, 160, 1 / rate)
    angle = np.zeros_like(t)
    hold = (t >= 30) & (t < 130)
    angle[hold] = np.deg2rad(1.0) * np.sin(2 * np.pi * 0.2 * (t[hold] - 30))
    roll = t >= 130
    angle[roll] = np.deg2rad(45) * np.sin(2 * np.pi * 0.25 * (t[roll] - 130))
    gyro_x = np.gradient(angle, 1 / rate)
    acc = _rot_x(angle) + rng.normal(0, 0.002, (len(t), 3))
    gyro = np.stack([gyro_x, np.zeros_like(t), np.zeros_like(t)], axis=1)
    gyro += rng.normal(0, 0.0005, gyro.shape)
    data = pd.DataFrame({"time_s": t})
    for i, ax in enumerate("xyz"):
        data[f"acc_{ax}"] = acc[:, i]
        data[f"gyro_{ax}"] = gyro[:, i]
    res = session_process(data)
    assert len(res.holds) == 1
    assert res.holds[0].start_s == pytest.approx(30, abs=2)
    assert res.holds[0].end_s == pytest.approx(130, abs=2)
    assert res.holds[0].breaths_per_min == pytest.approx(12, abs=1)
    assert res.segments[0]["state"] == "idle" and res.segments[0]["end_s"] > 25
    assert res.segments[-1]["state"] == "rolling"
    _states_ok(res, data)


def test_session_without_time_span_is_rejected():
    data = pd.DataFrame({"time_s": [3.0, 3.0, 3.0], "force_n": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="time span"):
        session_process(data)


def test_column_arrays_give_what_the_dataframe_gives():
    data = _force_session([(20, IDLE), (120, _hold(100)), (30, ROLL), (15, IDLE)])
    columns = {c: data[c].to_numpy() for c in data.columns}
    assert session_process(columns).to_dict() == session_process(data).to_dict()


# ----------------------------------------------------------------------------- what it loads

_ANALYZE_AND_LIST_MODULES = """
import sys
from holdtrack.cli import main
status = main(["analyze", sys.argv[1], "--json"])
print(status, " ".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    "sample", ["mixed_imu_wall.parquet", "good_holder_force_floor.csv", "roller_accel_wall.parquet"]
)
def test_analyze_loads_neither_the_simulator_nor_scipy_nor_pandas(sample):
    """Importing them costs more CPU than the analysis of a 10-minute session."""
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "sample_data" / sample
    res = subprocess.run(
        [sys.executable, "-c", _ANALYZE_AND_LIST_MODULES, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    status, modules = res.stdout.splitlines()[-1].split(" ", 1)
    assert status == "0", res.stderr
    loaded = modules.split()
    assert "holdtrack.analysis.process" in loaded  # the analysis did run in this process
    for heavy in ("holdtrack.simulation", "scipy", "pandas"):
        assert not [m for m in loaded if m == heavy or m.startswith(heavy + ".")], heavy
