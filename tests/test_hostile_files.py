"""Files made to hurt: each is refused with one clear line, fast and in little memory, and leaves
nothing in the library; ``analyze`` and ``import`` alike, measured in a real child process."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from children import holdtrack_limited

from holdtrack.library import Library

PEAK_MB = 500.0


def refused(ran, *words: str) -> str:
    """The one line a refusal prints; no traceback."""
    assert ran.returncode == 1, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
    lines = [x for x in ran.stderr.splitlines() if x.startswith("holdtrack: ")]
    assert len(lines) == 1, ran.stderr
    line = lines[0]
    for w in words:
        assert w in line, line
    return line


def zeros_parquet(path: Path, rows: int, columns: int = 2, batch: int = 2_000_000) -> Path:
    """A holdtrack-looking recording of zeros: tiny on disk, huge once decompressed."""
    names = ["time_s", "force_n", *(f"x_pad{i}" for i in range(columns - 2))]
    meta = b'{"format_version": 1, "sensor_kind": "force"}'
    schema = pa.schema([(n, pa.float64()) for n in names]).with_metadata({b"holdtrack": meta})
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        done = 0
        while done < rows:
            n = min(batch, rows - done)
            w.write_table(pa.table({c: np.zeros(n) for c in names}, schema=schema))
            done += n
    return path


def hostile(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each hostile file with words its refusal must say."""
    d = tmp_path / "hostile"
    d.mkdir()
    files = {}

    def text(name: str, content: str, *words: str) -> None:
        (d / name).write_text(content)
        files[name] = (d / name, list(words))

    text("same_time.csv", "time_s,force_n\n5,1\n5,1\n", "one timestamp")
    text("span_1e300.csv", "time_s,force_n\n0,1\n1e300,1\n", "time")
    text("time_1e12.csv", "time_s,force_n\n1e12,1\n1000000000001,2\n", "not seconds")
    text("days.csv", "time_s,force_n\n0,1\n1e6,1\n", "span")  # 4 samples over 11.6 days
    long = d / "no_line_break.csv"
    with open(long, "wb") as f:
        f.write(b"time_s,force_n," + b"0" * (50 << 20))
    files[long.name] = (long, ["no line break"])
    huge = d / "huge.csv"
    with open(huge, "wb") as f:
        f.write(b"time_s,force_n\n")
        f.truncate(1_300_000_000)  # sparse: 1.3 GB that take no disk
    files[huge.name] = (huge, ["too large"])
    files["zeros.parquet"] = (zeros_parquet(d / "zeros.parquet", 134_000_000), ["samples"])
    wide = zeros_parquet(d / "wide.parquet", 2_900_000, columns=24)
    files["wide.parquet"] = (wide, ["decompress"])
    return files


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    return hostile(tmp_path_factory.mktemp("files"))


@pytest.mark.parametrize(
    "name",
    ["same_time.csv", "span_1e300.csv", "time_1e12.csv", "days.csv", "no_line_break.csv",
     "huge.csv", "zeros.parquet", "wide.parquet"],
)  # fmt: skip
def test_analyze_refuses_in_little_memory(hostile_files, name: str):
    path, words = hostile_files[name]
    ran = holdtrack_limited("analyze", path, "--json")
    refused(ran, str(path), *words)
    assert ran.stdout == ""
    assert ran.peak_mb < PEAK_MB, f"{name}: {ran.peak_mb:.0f} MB"


def test_import_refuses_every_hostile_file_and_stores_nothing(hostile_files, tmp_path: Path):
    lib_dir = tmp_path / "lib"
    paths = [p for p, _ in hostile_files.values()]
    ran = holdtrack_limited("import", *paths, "--library", lib_dir)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    lines = [x for x in ran.stderr.splitlines() if x.startswith("holdtrack: ")]
    assert len(lines) == len(paths)
    assert ran.peak_mb < PEAK_MB
    lib = Library(lib_dir)
    assert lib.sessions() == []
    assert [p.name for p in lib.files.iterdir()] == []


@pytest.mark.parametrize("command", ["analyze", "import"])
def test_special_files_are_refused_within_2_s(tmp_path: Path, command: str):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    targets = [link, fifo] if command == "import" else [Path("/dev/zero"), link, fifo]
    for target in targets:
        args = [command, target] + (["--library", tmp_path / "lib"] if command == "import" else [])
        ran = holdtrack_limited(*args, timeout_s=30)
        refused(ran, "not a regular file")
        assert ran.seconds < 2.0 + _startup_s(), f"{target}: {ran.seconds:.1f} s"


def _startup_s() -> float:
    """Interpreter and import start-up of one command, which is not reading the file."""
    ran = holdtrack_limited("analyze", "/nonexistent.csv")
    return ran.seconds
