"""Property tests: garbled input never crashes; it gets a result or one clear error."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdtrack.analysis import SENSOR_COLUMNS, session_process
from holdtrack.cli import main

STATES = {"hold", "rolling", "reposition", "idle"}


@st.composite
def sessions(draw: st.DrawFn) -> pd.DataFrame:
    """Random sessions: any kind, irregular times with duplicates and gaps, odd values."""
    kind = draw(st.sampled_from(sorted(SENSOR_COLUMNS)))
    n = draw(st.integers(2, 3000))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    steps = rng.choice(
        [0.0, 0.01, 0.02, 0.5, 3.0, 8.0], size=n - 1, p=[0.2, 0.5, 0.2, 0.05, 0.03, 0.02]
    )
    t = np.concatenate([[draw(st.floats(-1e4, 1e4))], steps]).cumsum()
    scale = draw(st.sampled_from([0.0, 1e-9, 1.0, 50.0, 1e5]))
    data = pd.DataFrame({"time_s": t})
    for c in SENSOR_COLUMNS[kind]:
        style = draw(st.sampled_from(["noise", "constant", "steps"]))
        if style == "constant":
            v = np.full(n, scale)
        elif style == "steps":
            v = np.repeat(rng.normal(0, scale + 1, n // 50 + 1), 50)[:n]
        else:
            v = rng.normal(0, scale + 1e-12, n)
        data[c] = v + (9.81 if c == "acc_z" else 0.0)
    return data


@settings(max_examples=60, deadline=None)
@given(sessions())
def test_analysis_never_crashes(data: pd.DataFrame):
    try:
        res = session_process(data)
    except ValueError as exc:
        assert str(exc)
        return
    segs = res.segments
    assert segs, "a session always has at least one segment"
    t0, t1 = float(data.time_s.iloc[0]), float(data.time_s.iloc[-1])
    if t1 - t0 >= 0.2:
        assert abs(segs[0]["start_s"] - t0) <= 0.11
        assert abs(segs[-1]["end_s"] - t1) <= 0.11
    for a, b in zip(segs, segs[1:]):
        assert a["end_s"] == b["start_s"]
    assert all(s["state"] in STATES and s["end_s"] > s["start_s"] for s in segs)
    for h in res.holds:
        assert h.duration_s >= 10.0 - 1e-9
        assert 0.0 <= h.steadiness <= 1.0
        assert t0 - 0.11 <= h.start_s < h.end_s <= t1 + 0.11
        assert h.breaths_per_min is None or 4 <= h.breaths_per_min <= 26


def _run_cli(path: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["analyze", path, "--json"])
    return code, out.getvalue(), err.getvalue()


csv_text = st.text(alphabet='0123456789.,-eE\nnaNtime_sacc_xyzforce_npressure_pa "', max_size=400)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(st.binary(max_size=400), csv_text.map(lambda s: s.encode())),
    st.sampled_from([".csv", ".parquet", ".dat"]),
)
def test_cli_never_crashes_on_garbage(tmp_path, payload: bytes, suffix: str):
    path = tmp_path / f"garbled{suffix}"
    path.write_bytes(payload)
    code, out, err = _run_cli(str(path))
    if code == 0:
        obj = json.loads(out)
        assert set(obj) >= {"holds", "segments"}
        assert out.count("\n") == 1
    else:
        assert code == 1
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("holdtrack: ")
        assert "garbled" in lines[0]
