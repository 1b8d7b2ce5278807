"""Helpers shared by the session-file tests: awkward floats, frames, CSV text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# Floats that print awkwardly, all inside every column's plausible range.
AWKWARD = [0.1 + 0.2, 1e-300, -0.0, 5e-324, 4999.999999999999, 1 / 3, 2.5e-8, 1e-5 / 3, -1e-5]


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
