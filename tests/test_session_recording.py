"""Recordings: round trips, metadata, validation of damaged files, gaps, fuzzing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sessionfiles import (  # noqa: F401
    AWKWARD,
    assert_same_floats,
    bits,
    csv_text,
    force_rows,
    imu_frame,
    write_text,
)

from holdtrack.analysis.schema import KNOWN_COLUMNS, SENSOR_COLUMNS
from holdtrack.sensing.session import (
    Session,
    SessionFormatError,
    SessionMeta,
    detect_gaps,
    read_csv,
    read_recording,
    read_session,
    write_csv,
    write_recording,
)

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
    t0 = draw(st.floats(min_value=-1e9, max_value=1e9))
    offsets = draw(st.lists(st.floats(0.0, 86_400.0), min_size=n - 1, max_size=n - 1))
    t = np.sort(np.array([t0, *(t0 + np.array(offsets))]))
    assume(t[-1] - t[0] >= 0.01)  # a session spans time, at most a day
    kind = draw(st.sampled_from(["force", "pressure", "accel"]))
    cols = {"time_s": t}
    for c in SENSOR_COLUMNS[kind]:
        if kind == "force":
            elems = st.floats(min_value=-50.0, max_value=5000.0)
        elif kind == "pressure":
            elems = st.floats(min_value=1e4, max_value=1e6)
        elif c == "acc_x":  # |a| between 5 and 11.4 m/s^2: gravity in m/s^2, no other unit
            elems = st.floats(min_value=5.0, max_value=11.0) | st.floats(-11.0, -5.0)
        else:
            elems = st.floats(min_value=-2.0, max_value=2.0)
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
