"""The baseline for the analysis speed: a quick script anyone would write to find holds.

Usage: python benchmarks/naive_threshold.py FILE [--still RATE] [--min-hold S]

Reads the session with pandas (pyarrow underneath), then marks a sample still when its
motion (gyro norm in rad/s, else the change of |acc| in m/s^2 per sample, else the change of
load) is below a threshold, and prints the still runs of at least ``--min-hold`` seconds.
No timestamp cleaning, no framing, no gaps, no breathing, no steadiness.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def motion_of(data: pd.DataFrame) -> np.ndarray:
    """Per-sample motion: the gyro norm, else |delta acc|, else |delta load|."""
    if "gyro_x" in data:
        return np.linalg.norm(data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy(), axis=1)
    if "acc_x" in data:
        acc = np.linalg.norm(data[["acc_x", "acc_y", "acc_z"]].to_numpy(), axis=1)
    else:
        acc = data.iloc[:, 1].to_numpy()
    return np.abs(np.diff(acc, prepend=acc[0]))


def still_runs(t_s: np.ndarray, still: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """(start, end) of the still runs lasting at least ``min_s`` seconds."""
    edges = np.diff(np.concatenate([[0], still.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(t_s[a], t_s[b]) for a, b in zip(starts, ends) if t_s[b] - t_s[a] >= min_s]


def main(argv: list[str] | None = None) -> int:
    """Print the still runs of one session file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--still", type=float, default=0.1, help="motion below this is still")
    ap.add_argument("--min-hold", type=float, default=10.0, help="shortest hold, s")
    args = ap.parse_args(argv)
    if args.file.suffix == ".csv":
        data = pd.read_csv(args.file, engine="pyarrow")
    else:
        data = pd.read_parquet(args.file)
    t_s = data["time_s"].to_numpy()
    motion = motion_of(data)
    # Smooth over about a second so that single noisy samples do not split a hold.
    rate_hz = (len(t_s) - 1) / (t_s[-1] - t_s[0])
    k = max(int(rate_hz), 1)
    smooth = np.convolve(motion, np.ones(k) / k, mode="same")
    for i, (a, b) in enumerate(still_runs(t_s, smooth < args.still, args.min_hold), 1):
        print(f"{i:3d} {a:9.1f} {b:9.1f} {b - a:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
