"""Dashboard render times, measured with Streamlit's AppTest (the server-side script run).

Usage: python benchmarks/dashboard.py [--repeats N]

- clinic view on a library of 50 people with a year of sessions each (about 3.5 a week, about
  9 000 sessions; the index rows are written directly, since the clinic view reads only the
  index and cached summaries);
- session view of one hour of 100 Hz six-axis IMU data whose analysis is already cached.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from holdtrack.analysis import DETECTOR_VERSION
from holdtrack.library import Library
from holdtrack.sensing.session import write_recording
from holdtrack.simulation.simulate import simulate

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def big_library(root: Path, people: int = 50, seed: int = 5) -> int:
    """Write an index of ``people`` people with a year of sessions each; return the count."""
    lib = Library(root)
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    rows, analyses = [], []
    empty = json.dumps({"holds": [], "segments": [], "summary": {}, "gaps": []})
    for p in range(people):
        day = now - timedelta(days=365)
        while day < now:
            day += timedelta(days=float(rng.exponential(2.0)))
            sid = f"{p:03d}{len(rows):08d}"
            holds = int(rng.integers(2, 8))
            adherent = int(rng.integers(0, holds + 1))
            rows.append(
                (
                    sid,
                    f"{sid}.parquet",
                    "x.parquet",
                    f"person-{p:02d}",
                    "glutes",
                    "sim",
                    "imu",
                    day.isoformat(),
                    600.0,
                    now.isoformat(),
                )
            )
            analyses.append(
                (
                    sid,
                    DETECTOR_VERSION,
                    holds,
                    adherent,
                    adherent * 120.0,
                    holds * 100.0,
                    60.0,
                    holds * 100.0 + 70.0,
                    150.0,
                    empty,
                )
            )
    with sqlite3.connect(lib.db_path) as db:
        db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", analyses)
    return len(rows)


def time_view(root: Path, view: str, repeats: int) -> list[float]:
    """Seconds per script run of the app showing ``view`` (fresh AppTest each time)."""
    from streamlit.testing.v1 import AppTest

    os.environ["HOLDTRACK_LIBRARY"] = str(root)
    out = []
    for _ in range(repeats):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["view"] = view
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return out


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        n = big_library(root)
        times = time_view(root, "Clinic", args.repeats)
        print(f"clinic view, 50 people, {n} sessions: median {statistics.median(times):.2f} s")

        hour_root = Path(tmp) / "hour"
        lib = Library(hour_root)
        from benchmarks.speed import HOUR_CONFIG

        sim = simulate(HOUR_CONFIG)
        sim.session.meta.patient_id = "hour"
        rec = Path(tmp) / "hour.parquet"
        write_recording(sim.session, rec)
        lib.import_file(rec)  # analyses and caches
        times = time_view(hour_root, "Session", args.repeats)
        print(f"session view, one hour at 100 Hz (cached): median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
