"""Whatever bytes arrive, the library stays one the dashboard can open: every import either
stores a whole analysed session or is refused with one line, and nothing else is left."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from holdtrack.dashboard.views import clinic_table
from holdtrack.library import ImportRejected, Library
from holdtrack.library.upkeep import check

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
PROPS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
COLUMNS = ["time_s", "force_n", "pressure_pa", "acc_x", "acc_y", "acc_z", "gyro_x", "x_seq", "n"]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6).map(float),
    st.sampled_from([0.0, 1e300, -1e300, 9.81, 5.0, 1e12]),
)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV of random columns and values, sometimes broken."""
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5))
    n = draw(st.integers(0, 40))
    rows = [[draw(NUMBERS) for _ in cols] for _ in range(n)]
    if draw(st.booleans()):
        rows.sort(key=lambda r: r[0] if np.isfinite(r[0]) else 0.0)
    text = ",".join(cols) + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows)
    return text.encode() + draw(st.binary(max_size=8))


@st.composite
def parquet_bytes(draw: st.DrawFn) -> bytes:
    """A Parquet file with random columns and random (or holdtrack-like) metadata."""
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4, unique=True))
    n = draw(st.integers(0, 40))
    table = pa.table({c: [draw(NUMBERS) for _ in range(n)] for c in cols})
    kind = draw(st.sampled_from(["force", "pressure", "imu", "accel", "nonsense", None]))
    meta = {"format_version": draw(st.integers(0, 2)), "sensor_kind": kind}
    if draw(st.booleans()):
        meta["start_time_utc"] = draw(st.sampled_from(["2026-11-01T10:00:00+00:00", "x", None]))
    table = table.replace_schema_metadata({b"holdtrack": json.dumps(meta).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    data = buf.getvalue()
    cut = draw(st.integers(0, 3))
    return data[: len(data) - cut * draw(st.integers(0, 50))]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return Library(tmp_path_factory.mktemp("props") / "lib")


def import_once(lib: Library, tmp_path: Path, name: str, payload: bytes) -> None:
    """One import: a whole session or a one-line refusal, and the library consistent after."""
    path = tmp_path / name
    path.write_bytes(payload)
    before = len(lib.sessions())
    try:
        done = lib.import_file(path, start_utc=datetime(2026, 11, 20, tzinfo=UTC))
    except ImportRejected as exc:
        assert "\n" not in str(exc)
        assert len(lib.sessions()) == before
    else:
        row = lib.session(done.session_id)
        assert row.error is None
        assert "holds" in lib.analysis(done.session_id)
    assert check(lib) == []
    clinic_table(lib.sessions())


@PROPS
@given(payload=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".parquet"]))
def test_random_bytes(library, tmp_path, payload, suffix):
    import_once(library, tmp_path, "random" + suffix, payload)


@PROPS
@given(payload=csv_bytes())
def test_random_csv(library, tmp_path, payload):
    import_once(library, tmp_path, "random.csv", payload)


@PROPS
@given(payload=parquet_bytes())
def test_random_parquet(library, tmp_path, payload):
    import_once(library, tmp_path, "random.parquet", payload)


def test_the_dashboard_opens_the_library_after_all_that(library, monkeypatch):
    """Runs last in this file: whatever the property tests stored, every page still opens."""
    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(library.root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    for view in ("Person", "Session", "Replay"):
        at.sidebar.radio(key="view").set_value(view).run()
        assert not at.exception, view
