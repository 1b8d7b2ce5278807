"""The interchange CSV: reading, column kinds, validation messages naming file, line, column."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest
from sessionfiles import (  # noqa: F401
    AWKWARD,
    assert_same_floats,
    bits,
    csv_text,
    force_rows,
    imu_frame,
    write_text,
)

from holdtrack.analysis.schema import KNOWN_COLUMNS, SENSOR_COLUMNS, infer_sensor_kind
from holdtrack.sensing.session import (
    FORMAT_VERSION,
    Session,
    SessionFormatError,
    SessionMeta,
    read_csv,
    read_session,
    validate_samples,
    write_csv,
    write_recording,
)

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
        (
            "time_s,force_n\n0,1\n1,-50\n2,-50.5\n",
            "line 4, column force_n",
            "outside -50 to 5000 N",
        ),
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


@pytest.mark.parametrize(("unit", "scale"), [("g", 1.0), ("mg", 1000.0)])
def test_accelerations_in_g_or_mg_are_converted_and_said(tmp_path, unit, scale):
    rows = [f"{i * 0.01},{0.01 * scale},{0.02 * scale},{1.0 * scale}" for i in range(20)]
    path = write_text(tmp_path / "g.csv", csv_text("time_s,acc_x,acc_y,acc_z", rows))
    s = read_csv(path)
    assert s.data["acc_z"].iloc[0] == pytest.approx(9.80665)
    assert s.report.converted == [
        f"accelerations from {unit} to m/s^2 (median |a| {scale:g} {unit})"
    ]


def test_accelerations_in_no_unit_of_gravity_are_refused(tmp_path):
    rows = [f"{i * 0.01},0,0,100" for i in range(20)]
    path = write_text(tmp_path / "x.csv", csv_text("time_s,acc_x,acc_y,acc_z", rows))
    with pytest.raises(
        SessionFormatError, match=r"accelerations fit no unit: the median \|a\| is 100"
    ):
        read_csv(path)


def rocking_imu(n: int = 600, rate: float = 100.0) -> pd.DataFrame:
    """A ball rocked about its x axis: gravity turns in the y-z plane, the gyro says how fast."""
    t = np.arange(n) / rate
    angle = 0.6 * np.sin(2 * np.pi * 0.5 * t)
    zero = np.zeros(n)
    return pd.DataFrame(
        {
            "time_s": t,
            "acc_x": zero,
            "acc_y": 9.80665 * np.sin(angle),
            "acc_z": 9.80665 * np.cos(angle),
            "gyro_x": np.gradient(angle, t),
            "gyro_y": zero,
            "gyro_z": zero,
        }
    )


def test_gyro_in_deg_per_s_is_told_by_the_tilt_and_converted(tmp_path):
    data = rocking_imu()
    rad = read_csv(
        write_text(
            tmp_path / "rad.csv",
            csv_text(
                ",".join(data.columns),
                [",".join(repr(v) for v in r) for r in data.to_numpy().tolist()],
            ),
        )
    )
    assert rad.report.converted == []
    data[["gyro_x", "gyro_y", "gyro_z"]] = np.degrees(data[["gyro_x", "gyro_y", "gyro_z"]])
    rows = [",".join(repr(v) for v in r) for r in data.to_numpy().tolist()]
    deg = read_csv(write_text(tmp_path / "deg.csv", csv_text(",".join(data.columns), rows)))
    assert deg.report.converted == ["rotation rates from deg/s to rad/s"]
    np.testing.assert_allclose(deg.data["gyro_x"], rad.data["gyro_x"], rtol=1e-12, atol=1e-15)


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


def test_csv_fast_and_careful_paths_agree(tmp_path):
    """The same values whether pyarrow parses the file or the line-aware fallback does."""
    values = ["1", "+1.5", ".5", "5.", "1E3", "-0", " 2 ", '"3.25"', "0.30000000000000004"]
    rows = [f"{i},{v}" for i, v in enumerate(values)]
    fast = read_csv(write_text(tmp_path / "fast.csv", csv_text("time_s,force_n", rows)))
    # The final "1,2,3" row makes pyarrow fail, forcing the fallback (which then reports it).
    slow_text = csv_text("time_s,force_n", rows + ["99,1,2"])
    with pytest.raises(SessionFormatError, match="line 11: expected 2 fields"):
        read_csv(write_text(tmp_path / "slow.csv", slow_text))
    from holdtrack.sensing.session import csvfile as mod

    body = csv_text("time_s,force_n", rows).split("\n", 1)[1].encode()
    cols, lines = mod._careful_csv(
        io.BytesIO(body), "x.csv", ["time_s", "force_n"], ("time_s", "force_n")
    )
    assert_same_floats(cols["force_n"], fast.data["force_n"].to_numpy())
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
