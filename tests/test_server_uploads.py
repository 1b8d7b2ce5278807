"""What an upload must carry, and what hostile uploads cost the server: nothing stored, one
clear line, and the server process's peak memory under 500 MB."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from clinicserver import Clinic, running
from test_hostile_files import zeros_parquet

from holdtrack.library import Library

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "sample_data" / "good_holder_force_floor.csv"


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process so far (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    with running(tmp_path_factory.mktemp("clinic")) as c:
        yield c


def post(clinic: Clinic, device: dict[str, str], path: Path, **headers: str) -> httpx.Response:
    """Upload a file with extra headers."""
    h = {**device, "X-Filename": path.name, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return httpx.post(f"{clinic.api}/sessions", content=path.read_bytes(), headers=h, timeout=300)


def test_a_csv_needs_its_start_time(clinic: Clinic):
    device = clinic.link("tess", "csv-p")
    r = post(clinic, device, CSV)
    assert r.status_code == 422 and "does not say when the session started" in r.json()["detail"]
    assert Library(clinic.root).sessions() == []
    bad = post(clinic, device, CSV, X_Start_Time="yesterday")
    assert bad.status_code == 422 and "not an ISO 8601 time" in bad.json()["detail"]
    ok = post(clinic, device, CSV, X_Start_Time="2026-11-20T08:30:00+01:00")
    assert ok.status_code == 201
    assert ok.json()["start_utc"] == "2026-11-20T07:30:00+00:00"
    again = post(clinic, device, CSV, X_Start_Time="2026-11-20T08:30:00+01:00")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(Library(clinic.root).sessions()) == 1


def test_a_damaged_upload_is_refused_by_its_hash(clinic: Clinic):
    device = clinic.link("tess", "hash-p")
    r = post(clinic, device, CSV, X_Start_Time="2026-11-20T08:30:00+00:00",
             X_Content_SHA256="0" * 64)  # fmt: skip
    assert r.status_code == 400 and "arrived damaged" in r.json()["detail"]
    assert all(row.patient_id != "hash-p" for row in Library(clinic.root).sessions())


def test_hostile_uploads_are_refused_in_little_memory(clinic: Clinic, tmp_path: Path):
    device = clinic.link("tess", "hostile-p")
    zeros = zeros_parquet(tmp_path / "zeros.parquet", 134_000_000)
    long = tmp_path / "no_line_break.csv"
    long.write_bytes(b"time_s,force_n," + b"0" * (50 << 20))
    before = Library(clinic.root).sessions()
    for path, words in ((zeros, "samples"), (long, "no line break")):
        r = post(clinic, device, path, X_Start_Time="2026-11-20T08:30:00+00:00")
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert words in detail and "\n" not in detail
    assert Library(clinic.root).sessions() == before
    assert not list((clinic.root / "incoming").iterdir())
    assert peak_rss_mb(clinic.proc.pid) < 500
