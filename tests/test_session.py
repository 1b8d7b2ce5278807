"""Session interchange CSV and recordings: round trips, validation messages, fuzzing."""

from __future__ import annotations

import io
import json
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensing.session import (
    FORMAT_VERSION,
    KNOWN_COLUMNS,
    SENSOR_COLUMNS,
    Session,
    SessionFormatError,
    SessionMeta,
    detect_gaps,
    infer_sensor_kind,
    read_csv,
    read_recording,
    read_session,
    validate_samples,
    write_csv,
    write_recording,
)

AWKWARD = [0.1 + 0.2, 1e-300, -0.0, 5e-324, 1.7976931348623157e308, 1 / 3, 2.5e-8, 1e21, -1e-5]


def bits(a: np.ndarray) -> np.ndarray:
    """Bit patterns of a float64 array (bit-exact comparison, -0.0 != 0.0)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def assert_same_floats(a: np.ndarray, b: np.ndarray) -> None:
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.array_equal(bits(a), bits(b))


def imu_frame(n: int = 50, rate: float = 100.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "time_s": np.arange(n) / rate,
            "acc_x": rng.normal(0, 0.3, n),
            "acc_y": rng.normal(0, 0.3, n),
            "acc_z": 9.81 + rng.normal(0, 0.3, n),
            "gyro_x": rng.normal(0, 0.1, n),
            "gyro_y": rng.normal(0, 0.1, n),
            "gyro_z": rng.normal(0, 0.1, n),
        }
    )


def csv_text(header: str, rows: list[str]) -> str:
    return header + "\n" + "".join(r + "\n" for r in rows)


def force_rows(n: int, start: float = 0.0) -> list[str]:
    return [f"{start + i * 0.0125},{10 + i}" for i in range(n)]


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- constants / kinds


def test_columns_follow_spec_order():
    assert KNOWN_COLUMNS == (
        "time_s",
        "acc_x",
        "acc_y",
        "acc_z",
        "gyro_x",
        "gyro_y",
        "gyro_z",
        "force_n",
        "pressure_pa",
    )
    assert SENSOR_COLUMNS["accel"] == ("acc_x", "acc_y", "acc_z")
    assert SENSOR_COLUMNS["imu"][3:] == ("gyro_x", "gyro_y", "gyro_z")
    assert FORMAT_VERSION == 1


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["time_s", "acc_x", "acc_y", "acc_z"], "accel"),
        (["time_s", "acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z", "temp"], "imu"),
        (["force_n", "time_s"], "force"),
        (["time_s", "pressure_pa", "x_seq"], "pressure"),
    ],
)
def test_infer_sensor_kind(columns, kind):
    assert infer_sensor_kind(columns) == kind


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        (["time_s"], "no sensor columns"),
        (["time_s", "force_n", "acc_x", "acc_y", "acc_z"], "more than one sensor"),
        (["time_s", "force_n", "pressure_pa"], "more than one sensor"),
        (["time_s", "acc_x", "acc_y"], "missing column acc_z"),
        (["time_s", "acc_x", "acc_y", "acc_z", "gyro_x"], "missing column gyro_y"),
        (["time_s", "gyro_x", "gyro_y", "gyro_z"], "gyroscope columns without"),
    ],
)
def test_infer_sensor_kind_rejects(columns, words):
    with pytest.raises(ValueError, match=words) as info:
        infer_sensor_kind(columns)
    assert not isinstance(info.value, SessionFormatError)


# --------------------------------------------------------------------------- CSV reading


def test_read_csv_values_and_meta(tmp_path):
    path = write_text(
        tmp_path / "s.csv",
        csv_text(
            "time_s,acc_x,acc_y,acc_z",
            ["0.0,0.1,0.2,9.8", "0.02,0.3,-0.4,9.81", "0.04,0,0,9.7"],
        ),
    )
    s = read_csv(path)
    assert list(s.data.columns) == ["time_s", "acc_x", "acc_y", "acc_z"]
    assert s.data.dtypes.eq(np.float64).all()
    assert s.data["acc_y"].tolist() == [0.2, -0.4, 0.0]
    assert s.meta.sensor_kind == "accel"
    assert s.sensor_columns == SENSOR_COLUMNS["accel"]
    assert s.meta.nominal_rate_hz == pytest.approx(50.0)
    assert s.meta.gaps == []
    assert s.meta.extra == {"source_file": "s.csv"}
    assert s.duration_s == pytest.approx(0.04)


def test_extra_csv_columns_ignored(tmp_path):
    rows = [f'{i * 0.01},hello {i},{10.0 + i},"q,{i}"' for i in range(5)]
    path = write_text(tmp_path / "extra.csv", csv_text("time_s,note,force_n,quoted", rows))
    s = read_csv(path)
    assert list(s.data.columns) == ["time_s", "force_n"]
    assert s.data["force_n"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]


def test_duplicate_timestamps_accepted_and_rate_counts_samples_per_stamp(tmp_path):
    # 4 samples per radio packet, 25 packets/s: the sample rate is 100 Hz.
    t = np.repeat(np.arange(100) * 0.04, 4)
    rows = [f"{v!r},{1.0 + i}" for i, v in enumerate(t.tolist())]
    s = read_csv(write_text(tmp_path / "dup.csv", csv_text("time_s,force_n", rows)))
    assert_same_floats(s.data["time_s"].to_numpy(), t)
    assert s.meta.nominal_rate_hz == pytest.approx(100.0)
    assert s.meta.gaps == []


def test_gaps_detected_on_read(tmp_path):
    t = np.concatenate([np.arange(100) * 0.01, 3.0 + np.arange(100) * 0.01])
    rows = [f"{v!r},101325" for v in t.tolist()]
    s = read_csv(write_text(tmp_path / "gap.csv", csv_text("time_s,pressure_pa", rows)))
    assert s.meta.gaps == [(0.99, 3.0)]
    assert s.duration_s == pytest.approx(3.99)


def test_csv_whitespace_quotes_bom_crlf_blank_lines(tmp_path):
    text = '\ufefftime_s, force_n\r\n0.0,"1.5"\r\n\r\n 0.5 , 2\r\n'
    s = read_csv(write_text(tmp_path / "loose.csv", text))
    assert s.data["time_s"].tolist() == [0.0, 0.5]
    assert s.data["force_n"].tolist() == [1.5, 2.0]


# --------------------------------------------------------------------------- round trips


def test_awkward_floats_csv_recording_csv_bit_exact(tmp_path):
    values = np.array(AWKWARD)
    t = np.arange(len(values)) * 0.01
    text = csv_text(
        "time_s,force_n,comment",
        [f"{a!r},{b!r},x" for a, b in zip(t.tolist(), values.tolist())],
    )
    first = read_csv(write_text(tmp_path / "in.csv", text))
    assert_same_floats(first.data["force_n"].to_numpy(), values)
    assert np.signbit(first.data["force_n"].to_numpy()[2])  # -0.0 kept as -0.0
    write_recording(first, tmp_path / "rec.parquet")
    rec = read_recording(tmp_path / "rec.parquet")
    assert_same_floats(rec.data["force_n"].to_numpy(), values)
    write_csv(rec, tmp_path / "out.csv")
    back = read_csv(tmp_path / "out.csv")
    for c in ("time_s", "force_n"):
        assert_same_floats(back.data[c].to_numpy(), first.data[c].to_numpy())
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == "time_s,force_n"


def test_imu_recording_round_trip_with_extras_and_meta(tmp_path):
    data = imu_frame(200)
    data["x_seq"] = np.arange(200, dtype=np.uint16)
    data["x_rx_time_s"] = data["time_s"] + 0.03
    meta = SessionMeta(
        sensor_kind="imu",
        device_model="ball-v2",
        device_address="AA:BB:CC:DD:EE:FF",
        nominal_rate_hz=100.0,
        patient_id="p-17",
        body_site="glutes",
        start_time_utc="2026-11-22T13:05:00+00:00",
        software_version="0.1.0",
        gaps=[(0.5, 0.7)],
        extra={"firmware": "1.2.3", "calibration": [1.0, 0.5], "nested": {"a": None}},
    )
    original = Session(data=data, meta=meta)
    path = tmp_path / "rec.parquet"
    write_recording(original, path)
    got = read_recording(path)
    assert got.meta == meta
    assert list(got.data.columns) == list(data.columns)
    for c in data.columns:
        assert np.array_equal(got.data[c].to_numpy(), data[c].to_numpy())
    assert got.data["x_seq"].dtype == np.uint16
    stored = json.loads(pq.read_schema(path).metadata[b"holdtrack"])
    assert stored["format_version"] == 1
    assert stored["gaps"] == [[0.5, 0.7]]
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    # CSV export drops device extras and keeps the sensor data exactly.
    write_csv(got, tmp_path / "out.csv")
    csv_back = read_csv(tmp_path / "out.csv")
    assert list(csv_back.data.columns) == list(KNOWN_COLUMNS[:7])
    for c in KNOWN_COLUMNS[:7]:
        assert_same_floats(csv_back.data[c].to_numpy(), data[c].to_numpy())


def test_meta_dict_round_trip_and_defaults():
    meta = SessionMeta(sensor_kind="force", gaps=[(1.0, 2.5)], extra={"k": [1, 2]})
    d = meta.to_dict()
    assert d["gaps"] == [[1.0, 2.5]]
    assert json.loads(json.dumps(d)) == d
    assert SessionMeta.from_dict(d) == meta
    assert SessionMeta.from_dict({"sensor_kind": "pressure"}) == SessionMeta("pressure")


@pytest.mark.parametrize(
    "bad",
    [
        {"sensor_kind": "laser"},
        {"sensor_kind": "imu", "nominal_rate_hz": -1},
        {"sensor_kind": "imu", "nominal_rate_hz": True},
        {"sensor_kind": "imu", "start_time_utc": "2026-11-22T13:05:00"},
        {"sensor_kind": "imu", "start_time_utc": "yesterday"},
        {"sensor_kind": "imu", "gaps": [[3.0, 1.0]]},
        {"sensor_kind": "imu", "gaps": [[1.0]]},
        {"sensor_kind": "imu", "extra": [1]},
        {"sensor_kind": "imu", "patient_id": 17},
    ],
)
def test_meta_from_dict_rejects(bad):
    with pytest.raises(ValueError):
        SessionMeta.from_dict(bad)


def test_write_recording_fills_gaps_without_touching_session(tmp_path):
    t = np.concatenate([np.arange(50) * 0.02, 10.0 + np.arange(50) * 0.02])
    data = pd.DataFrame({"time_s": t, "force_n": np.linspace(0, 100, 100)})
    session = Session(data=data, meta=SessionMeta("force", nominal_rate_hz=50.0))
    write_recording(session, tmp_path / "g.parquet")
    assert session.meta.gaps == []
    assert read_recording(tmp_path / "g.parquet").meta.gaps == [(0.98, 10.0)]


def test_read_session_dispatch(tmp_path):
    data = imu_frame(20)
    session = Session(data=data, meta=SessionMeta("imu"))
    write_recording(session, tmp_path / "rec.bin")
    write_csv(session, tmp_path / "plain.txt")
    write_csv(session, tmp_path / "s.CSV")
    for name in ("rec.bin", "plain.txt", "s.CSV"):
        got = read_session(tmp_path / name)
        assert got.meta.sensor_kind == "imu"
        assert_same_floats(got.data["gyro_z"].to_numpy(), data["gyro_z"].to_numpy())
    assert read_session(tmp_path / "rec.bin").meta.extra == {}
    assert read_session(tmp_path / "plain.txt").meta.extra == {"source_file": "plain.txt"}


def test_write_refuses_invalid_sessions(tmp_path):
    data = pd.DataFrame({"time_s": [0.0, 1.0, 0.5], "force_n": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"row 2, column time_s: time goes backwards"):
        write_csv(Session(data, SessionMeta("force")), tmp_path / "a.csv")
    ok = pd.DataFrame({"time_s": [0.0, 1.0], "force_n": [1.0, 2.0]})
    with pytest.raises(ValueError, match="sensor_kind is 'imu'"):
        write_recording(Session(ok, SessionMeta("imu")), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match="'notes'"):
        write_recording(Session(ok.assign(notes=1), SessionMeta("force")), tmp_path / "c.parquet")
    with pytest.raises(ValueError, match="invalid metadata"):
        meta = SessionMeta("force", extra={"obj": object()})
        write_recording(Session(ok, meta), tmp_path / "d.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- CSV validation


GOOD_ACC = "0.0,0.1,0.2,9.8"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("", None, "empty file"),
        ("\n\n", None, "empty file"),
        ("\ntime_s,force_n\n0,1\n1,2\n", "line 1", "no header line"),
        ("a,b\n0,1\n1,2\n", "line 1", "no time_s column"),
        ("0.0,1.0\n0.1,2.0\n", "line 1", "no time_s column"),
        ("time_s,temp\n0,1\n1,2\n", "line 1", "no sensor columns"),
        ("time_s,force_n,acc_x,acc_y,acc_z\n0,1,0,0,9\n", "line 1", "more than one sensor"),
        ("time_s,acc_x,acc_y\n0,1,2\n", "line 1, column acc_z", "missing column acc_z"),
        (
            "time_s,acc_x,acc_y,acc_z,gyro_x,gyro_z\n",
            "line 1, column gyro_y",
            "missing column gyro_y",
        ),
        ("time_s,gyro_x,gyro_y,gyro_z\n0,0,0,0\n", "line 1, column acc_x", "without acc"),
        ("time_s,force_n,force_n\n0,1,1\n1,2,2\n", "line 1, column force_n", "duplicate"),
        ("time_s,force_n\n", None, "only 0 samples"),
        ("time_s,force_n\n0,1\n", None, "only 1 sample;"),
        ("time_s,force_n\n0,1\n1,2\n2,abc\n3,4\n", "line 4, column force_n", "not a number: 'abc'"),
        ("time_s,force_n\n0,1\n1,2\n2,\n", "line 4, column force_n", "empty value"),
        ("time_s,force_n\n0,1\n1,2\n2,1_0\n", "line 4, column force_n", "not a number"),
        ("time_s,force_n\n0,1\n1,2\n\n\n2,nan\n", "line 6, column force_n", "NaN value"),
        ("time_s,force_n\n0,1\nnan,2\n2,3\n", "line 3, column time_s", "NaN value"),
        ("time_s,force_n\n0,1\n1,inf\n", "line 3, column force_n", "infinite value"),
        ("time_s,force_n\n0,1\n1,2\n1,2,3\n", "line 4", "expected 2 fields"),
        ("time_s,force_n\n0,1\n1\n", "line 3", "expected 2 fields as in the header, found 1"),
        ("time_s,force_n\r\n0,1\r\n1,2\r\n0.5,3\r\n", "line 4, column time_s", "goes backwards"),
        (
            "time_s,force_n\n0,1\n0,1\n" + "\n" * 3 + "12.5,2\n12.3,3\n",
            "line 8, column time_s",
            "time goes backwards (12.30 s after 12.50 s)",
        ),
        ('time_s,force_n,note\n0,1,"two\nlines"\n1,nan,x\n', "line 4, column force_n", "NaN"),
        ("time_s,force_n\n0,1\n1,-50\n2,-50.5\n", "line 4, column force_n", "below -50 N"),
        ("time_s,pressure_pa\n0,101325\n1,101.3\n", "line 3, column pressure_pa", "101.3 Pa"),
        ("time_s,pressure_pa\n0,2e6\n1,101325\n", "line 2, column pressure_pa", "outside"),
    ],
)
def test_csv_errors_name_file_line_and_column(tmp_path, text, where, words):
    path = write_text(tmp_path / "bad.csv", text)
    with pytest.raises(SessionFormatError) as info:
        read_csv(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert words in message
    if where is None:
        assert " line " not in message
    else:
        assert f": {where}: " in message
        assert info.value.row == int(where.split(",")[0].split()[1])


def test_g_units_rejected_with_hint(tmp_path):
    rows = [f"{i * 0.01},0.01,0.02,1.0" for i in range(20)]
    path = write_text(tmp_path / "g.csv", csv_text("time_s,acc_x,acc_y,acc_z", rows))
    with pytest.raises(SessionFormatError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path}: accelerations look like g, not m/s^2 (median |a| = 1.00); multiply by 9.80665"
    )


def test_deg_per_s_gyro_rejected(tmp_path):
    data = imu_frame(100)
    data[["gyro_x", "gyro_y", "gyro_z"]] *= 1000.0
    rows = [",".join(repr(v) for v in r) for r in data.to_numpy().tolist()]
    path = write_text(tmp_path / "deg.csv", csv_text(",".join(data.columns), rows))
    with pytest.raises(SessionFormatError, match=r"deg/s, not rad/s .*pi/180") as info:
        read_csv(path)
    assert info.value.row is None and info.value.path == path


def test_small_negative_force_and_equal_times_are_fine(tmp_path):
    text = "time_s,force_n\n0,-0.5\n0,-49.9\n1,3\n"
    s = read_csv(write_text(tmp_path / "ok.csv", text))
    assert s.data["force_n"].tolist() == [-0.5, -49.9, 3.0]


def test_not_utf8_missing_and_parquet_as_csv(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"time_s,force_n\n0,1\n1,2 \xe9\n")
    with pytest.raises(SessionFormatError, match=r"latin.csv: line 3: not UTF-8"):
        read_csv(path)
    with pytest.raises(SessionFormatError, match=r"nope.csv: file not found"):
        read_session(tmp_path / "nope.csv")
    with pytest.raises(SessionFormatError, match=r"nope.parquet: file not found"):
        read_session(tmp_path / "nope.parquet")
    with pytest.raises(SessionFormatError, match=r"nope: file not found"):
        read_session(tmp_path / "nope")
    with pytest.raises(SessionFormatError, match="directory"):
        read_session(tmp_path)
    write_recording(Session(imu_frame(10), SessionMeta("imu")), tmp_path / "rec.csv")
    with pytest.raises(SessionFormatError, match="Parquet file, not CSV"):
        read_session(tmp_path / "rec.csv")


def test_validate_samples_line_offset():
    df = pd.DataFrame({"time_s": [0.0, 1.0, np.nan], "force_n": [1.0, 2.0, 3.0]})
    with pytest.raises(SessionFormatError, match=r"^x.csv: line 4, column time_s: NaN value$"):
        validate_samples(df, "x.csv", line_offset=2)
    with pytest.raises(SessionFormatError, match=r"^x.parquet: row 2, column time_s: NaN value$"):
        validate_samples(df, "x.parquet", line_offset=0)
    assert validate_samples(df.iloc[:2], "x.csv", line_offset=2) == "force"
    obj = pd.DataFrame({"time_s": ["0", "1", "two"], "force_n": [1.0, 2.0, 3.0]})
    with pytest.raises(SessionFormatError, match=r"line 4, column time_s: not a number: 'two'"):
        validate_samples(obj, "x.csv", line_offset=2)


def test_error_attributes_and_pickle():
    err = SessionFormatError("bad.csv", "time goes backwards\n(x)", row=17, field="time_s")
    assert str(err) == "bad.csv: line 17, column time_s: time goes backwards (x)"
    assert (err.path, err.row, err.field) == ("bad.csv", 17, "time_s")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.row == 17
    parquet_err = SessionFormatError("f.parquet", "p", row=3, row_label="row")
    assert str(parquet_err) == "f.parquet: row 3: p"
    assert str(SessionFormatError("f.csv", "p", field="acc_x")) == "f.csv: column acc_x: p"


# --------------------------------------------------------------------------- recording validation


def good_recording(tmp_path: Path, name: str = "good.parquet") -> Path:
    path = tmp_path / name
    write_recording(Session(imu_frame(500), SessionMeta("imu", nominal_rate_hz=100.0)), path)
    return path


def raw_parquet(path: Path, columns: dict[str, object], meta: object = "default") -> Path:
    table = pa.table(columns)
    if meta == "default":
        meta = {"format_version": 1, "sensor_kind": "force"}
    if meta is not None:
        payload = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
        table = table.replace_schema_metadata({b"holdtrack": payload})
    pq.write_table(table, path)
    return path


def test_truncated_recording(tmp_path):
    path = good_recording(tmp_path)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(SessionFormatError, match=r"good.parquet: not a valid holdtrack recording"):
        read_recording(path)
    with pytest.raises(SessionFormatError, match="not a valid holdtrack recording"):
        read_session(path)


FORCE = {"time_s": [0.0, 0.5, 1.0], "force_n": [1.0, 2.0, 3.0]}


@pytest.mark.parametrize(
    ("columns", "meta", "where", "words"),
    [
        (FORCE, None, None, "without holdtrack metadata"),
        (FORCE, b"{not json", None, "unreadable holdtrack metadata"),
        (FORCE, b"\xff\xfe", None, "unreadable holdtrack metadata"),
        (FORCE, [1, 2], None, "not a JSON object"),
        (FORCE, {"sensor_kind": "force"}, None, "invalid format_version"),
        (FORCE, {"format_version": 2, "sensor_kind": "force"}, None, "newer than this software"),
        (FORCE, {"format_version": 1, "sensor_kind": "laser"}, None, "invalid holdtrack metadata"),
        (FORCE, {"format_version": 1, "sensor_kind": "imu"}, None, "metadata says sensor_kind"),
        ({**FORCE, "notes": ["a", "b", "c"]}, "default", "column notes", "unknown column"),
        ({**FORCE, "x_name": ["a", "b", "c"]}, "default", "column x_name", "not numeric"),
        ({"time_s": ["0", "1", "2"], "force_n": FORCE["force_n"]}, "default", "column time_s", ""),
        ({"time_s": [0.0, 2.0, 1.0], "force_n": FORCE["force_n"]}, "default", "row 2", "backwards"),
        (
            {"time_s": FORCE["time_s"], "force_n": pa.array([1.0, None, 3.0])},
            "default",
            "row 1, column force_n",
            "NaN value",
        ),
        ({"time_s": [0.0], "force_n": [1.0]}, "default", None, "only 1 sample"),
        ({"time_s": [0.0, 1.0]}, "default", None, "no sensor columns"),
    ],
)
def test_recording_errors(tmp_path, columns, meta, where, words):
    path = raw_parquet(tmp_path / "r.parquet", columns, meta)
    with pytest.raises(SessionFormatError) as info:
        read_recording(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert words in message
    if where is not None:
        assert f": {where}" in message


def test_foreign_recording_with_int_columns_and_extras_is_read(tmp_path):
    cols = {"time_s": [0, 1, 2], "force_n": [5, 6, 7], "x_flag": [True, False, True]}
    s = read_recording(raw_parquet(tmp_path / "r.parquet", cols))
    assert s.data["time_s"].dtype == np.float64
    assert s.data["force_n"].tolist() == [5.0, 6.0, 7.0]
    assert s.data["x_flag"].tolist() == [True, False, True]


# --------------------------------------------------------------------------- gaps


def test_detect_gaps():
    t = np.array([0.0, 0.01, 0.02, 0.6, 0.61, 0.62, 0.62, 5.0])
    assert detect_gaps(t, 100.0) == [(0.02, 0.6), (0.62, 5.0)]
    assert detect_gaps(t, 100.0, min_gap_s=1.0) == [(0.62, 5.0)]
    assert detect_gaps(t, 2.0) == [(0.62, 5.0)]  # 5 / 2 Hz = 2.5 s
    assert detect_gaps(t, None) == [(0.02, 0.6), (0.62, 5.0)]
    assert detect_gaps(np.array([0.0, 0.0, 0.0]), None) == []
    assert detect_gaps(np.array([1.0]), 10.0) == []
    slow = np.arange(10) * 0.2  # 5 Hz, no gap
    assert detect_gaps(slow, None) == []
    assert detect_gaps(np.append(slow, 3.0), None) == [(1.8, 3.0)]


# --------------------------------------------------------------------------- property tests

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_read_anything(path: Path) -> None:
    """read_session returns a valid Session or raises SessionFormatError, nothing else."""
    try:
        s = read_session(path)
    except SessionFormatError as e:
        assert str(path) in str(e) and "\n" not in str(e)
        return
    t = s.data["time_s"].to_numpy()
    assert len(t) >= 2 and np.all(np.diff(t) >= 0)
    assert s.meta.sensor_kind in SENSOR_COLUMNS
    assert list(s.data.columns[: 1 + len(s.sensor_columns)]) == ["time_s", *s.sensor_columns]
    for c in s.data.columns[: 1 + len(s.sensor_columns)]:
        assert s.data[c].dtype == np.float64 and np.isfinite(s.data[c]).all()


@FUZZ
@given(blob=st.binary(max_size=400))
def test_fuzz_arbitrary_bytes(tmp_path, blob):
    for name in ("f.csv", "f.parquet", "f"):
        path = tmp_path / name
        path.write_bytes(blob)
        check_read_anything(path)


FIELDS = st.sampled_from(
    ["0", "1.5", "-2", "9.81", "1e5", "", "nan", "inf", "abc", '"3"', '"', " 4 ", "1_0", "é"]
    + ["\x00", "-60", "2e5"]
)
NAMES = st.sampled_from(
    ["time_s", "acc_x", "acc_y", "acc_z", "gyro_x", "force_n", "pressure_pa", "q"]
)


@FUZZ
@given(
    names=st.lists(NAMES, min_size=1, max_size=5),
    rows=st.lists(st.lists(FIELDS, min_size=1, max_size=6), max_size=8),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_fuzz_csv_like_text(tmp_path, names, rows, newline):
    text = newline.join([",".join(names)] + [",".join(r) for r in rows]) + newline
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    check_read_anything(path)


@pytest.fixture(scope="module")
def recording_blob() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.parquet"
        data = imu_frame(64)
        data["x_seq"] = np.arange(64)
        write_recording(Session(data, SessionMeta("imu", extra={"a": 1})), path)
        return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzz_damaged_recordings(tmp_path, recording_blob, data):
    blob = bytearray(recording_blob)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    blob = blob[:cut] if data.draw(st.booleans()) else blob
    path = tmp_path / "d.parquet"
    path.write_bytes(bytes(blob))
    check_read_anything(path)


FINITE = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def valid_sessions(draw: st.DrawFn) -> Session:
    n = draw(st.integers(2, 30))
    t = np.sort(np.array(draw(st.lists(FINITE, min_size=n, max_size=n))))
    kind = draw(st.sampled_from(["force", "pressure", "accel"]))
    if kind == "force":
        elems = st.floats(min_value=-50.0, max_value=1e300)
    elif kind == "pressure":
        elems = st.floats(min_value=1e4, max_value=1e6)
    else:  # |a| >= |acc_x| >= 3 keeps clear of the "looks like g" band
        elems = st.floats(min_value=3.0, max_value=1e6) | st.floats(min_value=-1e6, max_value=-3.0)
    cols = {"time_s": t}
    for c in SENSOR_COLUMNS[kind]:
        cols[c] = np.array(draw(st.lists(elems, min_size=n, max_size=n)))
    return Session(pd.DataFrame(cols), SessionMeta(kind))


@settings(FUZZ, max_examples=100)
@given(session=valid_sessions())
def test_valid_sessions_round_trip_losslessly(tmp_path, session):
    write_csv(session, tmp_path / "a.csv")
    from_csv = read_csv(tmp_path / "a.csv")
    write_recording(from_csv, tmp_path / "a.parquet")
    from_rec = read_recording(tmp_path / "a.parquet")
    assert from_rec.meta == from_csv.meta
    assert from_rec.meta.gaps == detect_gaps(
        session.data["time_s"].to_numpy(), from_csv.meta.nominal_rate_hz
    )
    write_csv(from_rec, tmp_path / "b.csv")
    again = read_csv(tmp_path / "b.csv")
    for c in session.data.columns:
        for got in (from_csv, from_rec, again):
            assert_same_floats(got.data[c].to_numpy(), session.data[c].to_numpy())
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_csv_fast_and_careful_paths_agree(tmp_path):
    """The same values whether pyarrow parses the file or the line-aware fallback does."""
    values = ["1", "+1.5", ".5", "5.", "1E5", "-0", " 2 ", '"3.25"', "0.30000000000000004"]
    rows = [f"{i},{v}" for i, v in enumerate(values)]
    fast = read_csv(write_text(tmp_path / "fast.csv", csv_text("time_s,force_n", rows)))
    # The final "1,2,3" row makes pyarrow fail, forcing the fallback (which then reports it).
    slow_text = csv_text("time_s,force_n", rows + ["99,1,2"])
    with pytest.raises(SessionFormatError, match="line 11: expected 2 fields"):
        read_csv(write_text(tmp_path / "slow.csv", slow_text))
    from sensing import session as mod

    body = csv_text("time_s,force_n", rows).split("\n", 1)[1]
    df, lines = mod._careful_csv(body, "x.csv", ["time_s", "force_n"], ("time_s", "force_n"))
    assert_same_floats(df["force_n"].to_numpy(), fast.data["force_n"].to_numpy())
    assert lines.tolist() == list(range(2, 2 + len(values)))
    assert np.signbit(fast.data["force_n"].to_numpy()[5])


def test_write_csv_output_is_plain(tmp_path):
    data = pd.DataFrame({"time_s": [0.0, 0.1], "force_n": [0.1 + 0.2, -0.0]})
    s = Session(data, SessionMeta("force"))
    write_csv(s, tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text() == "time_s,force_n\n0,0.30000000000000004\n0.1,-0\n"
    assert io.StringIO((tmp_path / "p.csv").read_text()).readline() == "time_s,force_n\n"


def test_error_message_escapes_control_characters(tmp_path):
    path = tmp_path / "ctl.csv"
    path.write_bytes(b"\x00\x0b\x00\n1\n")
    with pytest.raises(SessionFormatError) as info:
        read_session(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert "\\x0b" in message and "ctl.csv" in message
