"""Convert excerpts of the STMems_Machine_Learning_Core data logs into session CSVs.

Usage: ``python tests/data/real/convert.py REPO [--out DIR]``, where REPO is a clone (or a
bare mirror) of https://github.com/STMicroelectronics/STMems_Machine_Learning_Core. Each source
file is read at the pinned commit (or from REPO's work tree) and checked against its git blob id,
so the output is the same byte for byte; README.md next to this script describes every file.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

COMMIT = "ebaa9adf137fc9edf7137f6c887e1ff32a0dba40"
G_MS2 = 9.80665  # 1 g in m/s^2
YOGA = "application_examples/lsm6dsv16x/yoga_pose_recognition/datalogs/"
HEAD = "application_examples/lsm6dsox/Head gestures/datalogs/"
HEAD_RATE_HZ = 26.0  # the head-gesture logs have no time column; their README gives 26 Hz
HEADER = "time_s,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z"


@dataclass(frozen=True)
class Source:
    """One output file: where it comes from and which part of it is kept."""

    out: str
    path: str
    blob: str  # git blob id of the source file at COMMIT
    fmt: str  # "unico" (time[ms], mg, mdps; comma separated) or "head" (mg, dps; tab separated)
    step: int = 1  # keep every step-th sample
    start_s: float = -math.inf  # keep samples with start_s <= time_s < end_s
    end_s: float = math.inf


SOURCES: tuple[Source, ...] = (
    Source(
        "still_yoga_standing_still_1.csv",
        YOGA + "Standing Still.csv",
        "7fb29ee42a6385442125f8264204c35f1b3f756b",
        "unico",
        step=2,
    ),
    Source(
        "still_yoga_standing_still_2.csv",
        YOGA + "Standing Still 2.csv",
        "3a2731fd751b96ca27044ec15c2f7ab0d59ceecc",
        "unico",
        step=2,
    ),
    Source(
        "still_yoga_tree_2.csv",
        YOGA + "The Tree 2.csv",
        "907a8273b51ac94e9e25e3ec6b8d686255de2a66",
        "unico",
        step=2,
    ),
    Source(
        "still_head_stationary.csv",
        HEAD + "stationary.txt",
        "6e98153cdcf7bec2d16f4a62939b19a1dd88dab2",
        "head",
    ),
    Source(
        "moving_yoga_standing_moving_1.csv",
        YOGA + "Standing Moving.csv",
        "ed6536f3b0b7cb4406637e10c93d1a671279ad73",
        "unico",
        step=2,
        end_s=12.0,
    ),
    Source(
        "moving_yoga_standing_moving_2.csv",
        YOGA + "Standing Moving 2.csv",
        "c759a5ca8ac93896b0d0484546847d31dafb0d0a",
        "unico",
        step=2,
        end_s=12.0,
    ),
    Source(
        "moving_head_walk.csv",
        HEAD + "walk.txt",
        "43deace7d24153201b12a36a2c35007df078bf27",
        "head",
        start_s=5.0,
        end_s=25.0,
    ),
)

Row = tuple[float, float, float, float, float, float, float]  # time_s, acc (mg), gyro (dps)


def read_source(repo: Path, src: Source) -> bytes:
    """The source file's bytes, from REPO's work tree or else its git object at COMMIT."""
    in_tree = repo / src.path
    if in_tree.is_file():
        data = in_tree.read_bytes()
    else:
        git = ["git", "-C", str(repo), "show", f"{COMMIT}:{src.path}"]
        data = subprocess.run(git, capture_output=True, check=True).stdout
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    if blob != src.blob:
        raise SystemExit(f"{src.path}: blob {blob}, expected {src.blob} (commit {COMMIT})")
    return data


def parse_unico(text: str) -> list[Row]:
    """Rows of an STBLESensor/Unico log: ``#Format`` line, header, then time[ms], mg, mdps.

    The header line of these logs runs into the first sample (its tail is cut off), so data
    starts on line 3 and that first sample is not used.
    """
    rows: list[Row] = []
    header = text.splitlines()[1].split(",")
    want = ["time[ms]", "accX[mg]", "accY[mg]", "accZ[mg]", "gyroX[mdps]", "gyroY[mdps]"]
    if header[:6] != want or header[6] != "gyroZ[mdps]":
        raise SystemExit(f"unexpected header {header[:7]}")
    for line in text.splitlines()[2:]:
        f = line.split(",")
        if len(f) < 7 or not f[0].strip():
            continue
        v = [float(x) for x in f[:7]]
        rows.append((v[0] / 1000.0, v[1], v[2], v[3], v[4] / 1000.0, v[5] / 1000.0, v[6] / 1000.0))
    return rows


def parse_head(text: str) -> list[Row]:
    """Rows of a head-gesture log: header, then tab-separated mg and dps; time from the rate."""
    lines = text.splitlines()
    if not lines[0].startswith("A_X [mg]") or "G_Z [dps]" not in lines[0]:
        raise SystemExit(f"unexpected header {lines[0]!r}")
    rows: list[Row] = []
    for line in lines[1:]:
        f = line.split()
        if not f:
            continue
        ax, ay, az, gx, gy, gz = (float(x) for x in f[:6])
        rows.append((len(rows) / HEAD_RATE_HZ, ax, ay, az, gx, gy, gz))
    return rows


def fmt(x: float, decimals: int) -> str:
    """``x`` rounded to ``decimals``, without trailing zeros or a negative zero."""
    s = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def to_csv(rows: list[Row], src: Source) -> str:
    """The kept rows as session CSV text in SI units (m/s^2, rad/s)."""
    kept = [r for r in rows[:: src.step] if src.start_s <= r[0] < src.end_s]
    out = [HEADER]
    for t, ax, ay, az, gx, gy, gz in kept:
        acc = (fmt(a * G_MS2 / 1000.0, 3) for a in (ax, ay, az))
        gyro = (fmt(math.radians(g), 4) for g in (gx, gy, gz))
        out.append(",".join([fmt(t, 4), *acc, *gyro]))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write every file of SOURCES into the output folder."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("repo", type=Path, help="clone or mirror of STMems_Machine_Learning_Core")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = p.parse_args(argv)
    for src in SOURCES:
        text = read_source(args.repo, src).decode("latin-1")
        rows = parse_unico(text) if src.fmt == "unico" else parse_head(text)
        csv = to_csv(rows, src)
        (args.out / src.out).write_text(csv, encoding="utf-8", newline="\n")
        print(f"{src.out}: {csv.count(chr(10)) - 1} samples from {src.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
