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
    rows, analyses, holds = [], [], []
    empty = json.dumps({"holds": [], "segments": [], "summary": {}, "gaps": []})
    for p in range(people):
        day = now - timedelta(days=365)
        while day < now:
            day += timedelta(days=float(rng.exponential(2.0)))
            sid = f"{p:03d}{len(rows):08d}"
            n = int(rng.integers(2, 8))
            rows.append((sid, f"{sid}.parquet", "x.parquet", f"person-{p:02d}", "glutes", "sim",
                         "imu", day.isoformat(), 600.0, now.isoformat()))  # fmt: skip
            analyses.append((sid, DETECTOR_VERSION, None, n, n * 100.0, 60.0, n * 100.0 + 70.0,
                             150.0, empty))  # fmt: skip
            holds += [(sid, 60.0 * k, float(rng.uniform(20, 200))) for k in range(n)]
    with sqlite3.connect(lib.db_path) as db:
        db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", analyses)
        db.executemany("INSERT INTO holds VALUES (?, ?, ?)", holds)
    return len(rows)


def clinic_login(root: Path, people: int = 50) -> str:
    """A therapist treating all ``people``, logged in: the login token."""
    from holdtrack.library.accounts import Accounts

    acc = Accounts(root)
    acc.add_user("tess", "tess password 1", "therapist")
    for p in range(people):
        acc.assign(f"person-{p:02d}", "tess")
    return acc.login("tess", "tess password 1")[1]


def time_view(root: Path, view: str, repeats: int, token: str | None = None) -> list[float]:
    """Seconds per script run of the app showing ``view`` (fresh AppTest each time); in clinic
    mode, logged in with ``token``."""
    from streamlit.testing.v1 import AppTest

    os.environ["HOLDTRACK_LIBRARY"] = str(root)
    os.environ["HOLDTRACK_CLINIC"] = "1" if token else "0"
    out = []
    for _ in range(repeats):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["view"] = view
        if token:
            at.session_state["login_token"] = token
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
        times = time_view(root, "Clinic", args.repeats, token=clinic_login(root))
        print(f"clinic view in clinic mode (a therapist of all 50, logged in): "
              f"median {statistics.median(times):.2f} s")  # fmt: skip

        hour_root = Path(tmp) / "hour"
        lib = Library(hour_root)
        from speed import HOUR_CONFIG  # (benchmarks/ is on the path when run as a script)

        from holdtrack.simulation.config import SimConfig

        sim = simulate(SimConfig(**HOUR_CONFIG))
        sim.session.meta.patient_id = "hour"
        rec = Path(tmp) / "hour.parquet"
        write_recording(sim.session, rec)
        lib.import_file(rec, start_utc=datetime.now(UTC))  # analyses and caches
        times = time_view(hour_root, "Session", args.repeats)
        print(f"session view, one hour at 100 Hz (cached): median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
