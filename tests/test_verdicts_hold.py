"""Impossible values and wrong units never change a verdict silently: they are left out or
converted, and said so, or the file is refused with the fix named."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from holdtrack.sensing.session import Session, read_session, write_csv

ROOT = Path(__file__).resolve().parents[1]
IMU = ROOT / "sample_data" / "good_holder_imu_floor.parquet"
FORCE = ROOT / "sample_data" / "good_holder_force_floor.csv"
GYRO = ["gyro_x", "gyro_y", "gyro_z"]
ACC = ["acc_x", "acc_y", "acc_z"]


def holdtrack(*args: object) -> subprocess.CompletedProcess[str]:
    """The real command."""
    return subprocess.run(
        [sys.executable, "-m", "holdtrack", *map(str, args)], capture_output=True, text=True
    )


def verdict(path: Path) -> dict:
    """The analysis JSON of a file, through the real command (valid JSON or the test fails)."""
    res = holdtrack("analyze", path, "--json")
    assert res.returncode == 0, res.stderr
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout
    return json.loads(res.stdout)


def as_csv(tmp_path: Path, source: Path, name: str, change) -> Path:  # noqa: ANN001
    """``source`` written as CSV after ``change(data)`` (values written as given)."""
    s = read_session(source)
    data = s.data.copy()
    change(data)
    path = tmp_path / name
    cols = list(data.columns)
    lines = [",".join(cols)] + [",".join(repr(float(v)) for v in row) for row in data.to_numpy()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clean")
    imu = d / "imu.csv"
    write_csv(read_session(IMU), imu)
    return {"imu": imu, "force": FORCE}


def same_verdict(a: dict, b: dict) -> None:
    assert a["summary"]["verdict"] == b["summary"]["verdict"]
    assert len(a["holds"]) == len(b["holds"])
    for x, y in zip(a["holds"], b["holds"]):
        assert x["start_s"] == pytest.approx(y["start_s"], abs=0.11)
        assert x["end_s"] == pytest.approx(y["end_s"], abs=0.11)


def test_a_corrupt_tindeq_float_is_left_out_and_the_verdict_stands(tmp_path, clean):
    def spike(d):  # noqa: ANN001, ANN202
        d.loc[len(d) // 3, "force_n"] = 3.3e39

    spiked = as_csv(tmp_path, FORCE, "spike.csv", spike)
    res = holdtrack("analyze", spiked, "--json")
    out = json.loads(res.stdout)
    same_verdict(out, verdict(clean["force"]))
    assert out["input"]["excluded_samples"] == {"force_n outside -50 to 5000 N": 1}
    assert "left out 1 impossible sample" in res.stderr


def test_every_sample_impossible_is_refused(tmp_path):
    def huge(d):  # noqa: ANN001, ANN202
        d["force_n"] = 1e300

    res = holdtrack("analyze", as_csv(tmp_path, FORCE, "all.csv", huge), "--json")
    assert res.returncode == 1 and res.stdout == ""
    assert "impossible reading: force_n 1e+300 N" in res.stderr


def test_an_acceleration_of_1e300_is_left_out_and_the_json_stays_valid(tmp_path, clean):
    def spike(d):  # noqa: ANN001, ANN202
        d.loc[1000, "acc_z"] = 1e300

    res = holdtrack("analyze", as_csv(tmp_path, IMU, "acc.csv", spike), "--json")
    assert res.returncode == 0
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout
    out = json.loads(res.stdout)
    same_verdict(out, verdict(clean["imu"]))
    assert out["input"]["excluded_samples"] == {"acc_z outside -313.813 to 313.813 m/s^2": 1}


@pytest.mark.parametrize(
    ("name", "columns", "factor", "said"),
    [
        ("deg.csv", GYRO, 180 / np.pi, "rotation rates from deg/s to rad/s"),
        ("mg.csv", ACC, 1000 / 9.80665, "accelerations from mg to m/s^2"),
        ("g.csv", ACC, 1 / 9.80665, "accelerations from g to m/s^2"),
    ],
)
def test_wrong_units_are_converted_aloud_and_the_verdict_stands(
    tmp_path, clean, name, columns, factor, said
):
    def scale(d):  # noqa: ANN001, ANN202
        d[columns] = d[columns] * factor

    res = holdtrack("analyze", as_csv(tmp_path, IMU, name, scale), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    same_verdict(out, verdict(clean["imu"]))
    assert out["input"]["converted"][0].startswith(said)
    assert f"converted {said}" in res.stderr


def test_decoders_leave_out_impossible_readings_and_print_no_infinity():
    packet = bytes([1, 8]) + struct.pack("<fI", 3.4e38, 1000)  # a corrupt float: 3.3e39 N
    res = holdtrack("decode", "tindeq", packet.hex())
    assert res.returncode == 1 and "Infinity" not in res.stdout
    assert json.loads(res.stdout)["samples"] == []
    assert "impossible reading: force_n outside -50 to 5000 N" in res.stderr
    from holdtrack.sensing.devices import HoldtrackLineDecoder

    dec = HoldtrackLineDecoder()
    assert dec.feed(b"#holdtrack,1,t:ms,az:g\n1,1e308\n2,1.0\n")[0].values["acc_z"] == 9.80665
    assert dec.stats.reasons == {"impossible reading: acc_z is not a finite number": 1}


def test_writers_refuse_what_readers_would_change(tmp_path):
    s = read_session(FORCE)
    s.data.loc[5, "force_n"] = 1e9
    with pytest.raises(ValueError, match="impossible reading"):
        write_csv(Session(s.data, s.meta), tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_reading_says_nothing_for_a_clean_file():
    assert read_session(IMU).report.lines() == []
    assert read_session(FORCE).report.to_dict() == {"converted": [], "excluded_samples": {}}
