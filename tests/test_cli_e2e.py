"""End-to-end: the real ``holdtrack`` command on the bundled sample sessions and bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from holdtrack.sensing.session import read_session

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(p for p in (ROOT / "sample_data").iterdir() if p.suffix in (".csv", ".parquet"))
TOLERANCE_S = 3.0


def holdtrack(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would (a fresh interpreter)."""
    return subprocess.run(
        [sys.executable, "-m", "holdtrack.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def truth_of(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".truth.json").read_text())


def test_there_are_samples_of_every_kind():
    kinds = {read_session(p).meta.sensor_kind for p in SAMPLES}
    assert kinds == {"imu", "accel", "force", "pressure"}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_analyze_json_matches_truth(path: Path):
    res = holdtrack("analyze", str(path), "--json")
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)  # one JSON object and nothing else
    assert res.stdout.strip().count("\n") == 0
    truth = [h for h in truth_of(path)["holds"] if h["end_s"] - h["start_s"] >= 10]
    found = obj["holds"]
    assert len(found) == len(truth)
    for t, f in zip(truth, found):
        assert abs(f["start_s"] - t["start_s"]) <= TOLERANCE_S
        assert abs(f["end_s"] - t["end_s"]) <= TOLERANCE_S
        assert f["duration_s"] == pytest.approx(f["end_s"] - f["start_s"], abs=0.02)
    data = read_session(path).data
    segs = obj["segments"]
    assert segs[0]["start_s"] == pytest.approx(data.time_s.iloc[0], abs=0.11)
    assert segs[-1]["end_s"] == pytest.approx(data.time_s.iloc[-1], abs=0.11)
    assert all(a["end_s"] == b["start_s"] for a, b in zip(segs, segs[1:]))
    assert {s["state"] for s in segs} <= {"hold", "rolling", "reposition", "idle"}


@pytest.mark.parametrize("path", SAMPLES[:2], ids=lambda p: p.name)
def test_analyze_table_agrees_with_json(path: Path):
    table = holdtrack("analyze", str(path))
    obj = json.loads(holdtrack("analyze", str(path), "--json").stdout)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    verdict = [x for x in lines if x.startswith("Verdict:")]
    assert len(verdict) == 1
    n_adh = sum(h["duration_s"] >= 90 for h in obj["holds"])
    assert f"{n_adh} of {len(obj['holds'])} holds reached 90 s" in verdict[0]
    rows = [x for x in lines if x[:3].strip().isdigit()]
    assert len(rows) == len(obj["holds"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), ["analyze", "simulate", "convert"]),
        (("analyze",), ["--json", "FILE"]),
        (("simulate",), ["--out", "--kind", "--sample-set"]),
        (("convert",), ["SRC", "DST"]),
    ],
)
def test_help(args, words):
    res = holdtrack(*args, "--help")
    assert res.returncode == 0
    for w in words:
        assert w in res.stdout


def _fails_cleanly(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 1
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0]


def test_bad_files(tmp_path: Path):
    _fails_cleanly(holdtrack("analyze", str(tmp_path / "missing.csv"), "--json"), "missing.csv")
    _fails_cleanly(holdtrack("analyze", str(tmp_path), "--json"), str(tmp_path.name))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _fails_cleanly(holdtrack("analyze", str(empty), "--json"), "empty.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,force_n\n0.0,1.0\n0.1,2.0\n0.2,heavy\n0.3,1.0\n")
    _fails_cleanly(holdtrack("analyze", str(bad), "--json"), "bad.csv", "line 4", "force_n")


def test_convert_round_trip(tmp_path: Path):
    src = ROOT / "sample_data" / "good_holder_force_floor.csv"
    rec, back = tmp_path / "s.parquet", tmp_path / "s.csv"
    assert holdtrack("convert", str(src), str(rec)).returncode == 0
    assert holdtrack("convert", str(rec), str(back)).returncode == 0
    a, b = read_session(src).data, read_session(back).data
    for c in ("time_s", "force_n"):
        assert np.array_equal(a[c].to_numpy(), b[c].to_numpy())


def test_simulate_then_analyze(tmp_path: Path):
    out = tmp_path / "x.parquet"
    res = holdtrack("simulate", "--out", str(out), "--kind", "force", "--seed", "3")
    assert res.returncode == 0, res.stderr
    truth = json.loads((tmp_path / "x.truth.json").read_text())["holds"]
    found = json.loads(holdtrack("analyze", str(out), "--json").stdout)["holds"]
    assert len(found) == len(truth) > 0
    for t, f in zip(truth, found):
        assert abs(f["start_s"] - t["start_s"]) <= TOLERANCE_S
        assert abs(f["end_s"] - t["end_s"]) <= TOLERANCE_S
