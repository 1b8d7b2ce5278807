"""Commands answer bad requests with one clear line, never a traceback, and say what they drop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "mixed_imu_wall.parquet"


def holdtrack(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "holdtrack", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def one_clear_line(res: subprocess.CompletedProcess[str], *words: str) -> str:
    """The error line of a failed command; no traceback and no numpy warning."""
    assert res.returncode != 0
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr, res.stderr
    line = res.stderr.strip().splitlines()[-1]
    for w in words:
        assert w in line, line
    return line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["simulate", "--out", "nodir/a.csv"], ["nodir/a.csv", "does not exist"]),
        (["convert", SAMPLE, "nodir/out.csv"], ["nodir/out.csv", "does not exist"]),
        (["convert", SAMPLE, "out.txt"], ["out.txt", "use .csv or .parquet"]),
    ],
)
def test_writing_into_a_missing_folder_is_one_line(tmp_path: Path, args: list, words: list):
    res = holdtrack(*args, cwd=tmp_path)
    assert res.returncode == 1
    assert one_clear_line(res, *words).startswith("holdtrack: ")
    assert not any(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["simulate", "--out", "a.csv", "--packet-loss", "2"], "--packet-loss"),
        (["simulate", "--out", "a.csv", "--rate", "-5"], "--rate"),
        (["simulate", "--out", "a.csv", "--rate", "nan"], "--rate"),
        (["scan", "--timeout", "-1"], "--timeout"),
        (["record", "--virtual", "x.csv", "--model", "tindeq", "--speed", "0"], "--speed"),
    ],
)
def test_out_of_range_options_are_usage_errors(tmp_path: Path, args: list, option: str):
    res = holdtrack(*args, cwd=tmp_path)
    assert res.returncode == 2
    one_clear_line(res, option)
    assert not any(tmp_path.iterdir())


def test_simulate_rate_above_what_any_sensor_gives_is_refused(tmp_path: Path):
    res = holdtrack("simulate", "--out", "a.csv", "--rate", "1e9", cwd=tmp_path)
    assert res.returncode == 1
    one_clear_line(res, "--rate", "1000")


def test_decode_with_one_good_and_one_bad_packet_names_the_bad_one_and_exits_1():
    good = "55611900F6FFF2070A00FFFF0000220200FE0040"
    res = holdtrack("decode", "thingy52", "00" * 18, "0102")
    assert res.returncode == 1
    out = json.loads(res.stdout)
    assert len(out["samples"]) == 1  # the good packet still decodes
    assert res.stderr.strip() == (
        "holdtrack: decode: packet 2: raw motion packet of 2 bytes, expected 18"
    )
    ok = holdtrack("decode", "witmotion", good)
    assert ok.returncode == 0 and ok.stderr == ""


def test_recover_of_a_missing_folder_is_one_line(tmp_path: Path):
    res = holdtrack("recover", "nope/", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.strip() == "holdtrack: nope: no such file or folder"


def test_convert_to_csv_says_which_metadata_it_cannot_keep(tmp_path: Path):
    out = tmp_path / "out.csv"
    res = holdtrack("convert", SAMPLE, out)
    assert res.returncode == 0
    assert out.exists()
    warning = [line for line in res.stderr.splitlines() if "no place for" in line]
    assert len(warning) == 1
    for field in ("patient_id", "body_site", "device_model"):
        assert field in warning[0]
    back = holdtrack("convert", out, tmp_path / "again.parquet")
    assert back.returncode == 0 and "no place for" not in back.stderr


def test_top_level_help_lists_every_command_with_its_summary():
    from holdtrack.cli import COMMANDS

    res = holdtrack("--help")
    assert res.returncode == 0
    for name, info in COMMANDS.items():
        assert name in res.stdout and info.summary in res.stdout


@pytest.mark.parametrize(
    "name", ["analyze", "record", "scan", "recover", "import", "dashboard", "convert", "decode"]
)
def test_every_command_has_help_with_its_options(name: str):
    res = holdtrack(name, "--help")
    assert res.returncode == 0
    assert res.stdout.startswith(f"usage: holdtrack {name}")
    assert "SPEC" not in res.stdout and "shared/" not in res.stdout


def test_version_comes_from_the_installed_metadata():
    from importlib import metadata

    res = holdtrack("--version")
    assert res.stdout.strip() == f"holdtrack {metadata.version('holdtrack')}"


def test_help_does_not_import_the_heavy_libraries():
    code = (
        "import sys\n"
        "from holdtrack.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'pyarrow', 'bleak', 'streamlit') "
        "if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stderr.strip().splitlines()[-1] == "[]"


def test_a_csv_without_its_start_time_is_not_dated_by_its_file(tmp_path: Path):
    csv = ROOT / "sample_data" / "good_holder_force_floor.csv"
    res = holdtrack("import", csv, "--library", tmp_path / "lib")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = [x for x in res.stderr.splitlines() if x.startswith("holdtrack: ")]
    assert "good_holder_force_floor.csv: the file does not say when the session started" in line
    ok = holdtrack("import", csv, "--library", tmp_path / "lib", "--start", "2026-11-20T10:15")
    assert ok.returncode == 0, ok.stderr
    from holdtrack.library import Library

    (row,) = Library(tmp_path / "lib").sessions()
    from datetime import datetime

    assert row.start_utc == datetime(2026, 11, 20, 10, 15).astimezone()
