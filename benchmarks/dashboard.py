"""Dashboard render times, measured with Streamlit's AppTest (the server-side script run).

Usage: python benchmarks/dashboard.py [--repeats N]

- clinic view on a library of 50 people with a year of sessions each (about 3.5 a week, about
  9 000 sessions; the index rows are written directly, since the clinic view reads only the
  index and cached summaries);
- person view of one of them with 200 sessions over the year (the default twelve weeks, and the
  whole year picked), and the period report (PDF and HTML) for 30 days and for the year;
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


def big_library(root: Path, people: int = 50, seed: int = 5, heavy: int = 200) -> int:
    """Write an index of ``people`` people with a year of sessions each (``heavy`` of them for
    person-00); return the count."""
    lib = Library(root)
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    rows, analyses, holds = [], [], []
    analysis = json.dumps(ten_minute_analysis())  # a real analysis's size, for every session
    for p in range(people):
        day = now - timedelta(days=365)
        mine = 0
        while (day < now) if p else (mine < heavy):
            mine += 1
            day += timedelta(days=float(rng.exponential(2.0)) if p else 364.0 / heavy)
            sid = f"{p:03d}{len(rows):08d}"
            n = int(rng.integers(2, 8))
            rows.append((sid, f"{sid}.parquet", "x.parquet", f"person-{p:02d}", "glutes", "sim",
                         "imu", day.isoformat(), 600.0, now.isoformat()))  # fmt: skip
            analyses.append((sid, DETECTOR_VERSION, None, n, n * 100.0, 60.0, n * 100.0 + 70.0,
                             150.0, analysis))  # fmt: skip
            holds += [(sid, 60.0 * k, float(rng.uniform(20, 200))) for k in range(n)]
    with sqlite3.connect(lib.db_path) as db:
        db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", analyses)
        db.executemany("INSERT INTO holds VALUES (?, ?, ?)", holds)
    return len(rows)


def ten_minute_analysis() -> dict[str, object]:
    """The analysis of a simulated ten-minute IMU session (the ``analyze --json`` object)."""
    from speed import IMU_100HZ  # (benchmarks/ is on the path when run as a script)

    from holdtrack.analysis import session_process
    from holdtrack.simulation.config import SimConfig

    sim = simulate(SimConfig(scenario="mixed", seed=515151, n_holds=4, **IMU_100HZ))
    data = sim.session.data
    ten = data[data["time_s"] < data["time_s"].iloc[0] + 600.0]
    return session_process(ten, "imu").to_dict()


def clinic_login(root: Path, people: int = 50) -> str:
    """A therapist treating all ``people``, logged in: the login token."""
    from holdtrack.library.accounts import Accounts

    acc = Accounts(root)
    acc.add_user("tess", "tess password 1", "therapist")
    for p in range(people):
        acc.assign(f"person-{p:02d}", "tess")
    return acc.login("tess", "tess password 1")[1]


def time_view(
    root: Path, view: str, repeats: int, token: str | None = None, **state: object
) -> list[float]:
    """Seconds per script run of the app showing ``view`` (fresh AppTest each time, with
    ``state`` in its session state); in clinic mode, logged in with ``token``."""
    from streamlit.testing.v1 import AppTest

    os.environ["HOLDTRACK_LIBRARY"] = str(root)
    os.environ["HOLDTRACK_CLINIC"] = "1" if token else "0"
    out = []
    for _ in range(repeats):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["view"] = view
        for key, value in state.items():
            at.session_state[key] = value
        if token:
            at.session_state["login_token"] = token
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return out


def person_and_report(root: Path, repeats: int) -> None:
    """The person view of person-00 (200 sessions) and their period report."""
    from holdtrack.dashboard.period_pages import summary_for
    from holdtrack.dashboard.period_report import period_report_html, period_report_pdf
    from holdtrack.library.scoped import ScopedLibrary

    lib = Library(root)
    n = len(lib.sessions("person-00"))
    today = datetime.now(UTC).date()
    year = (today - timedelta(days=365), today)
    for label, state in (("twelve weeks", {}), ("the whole year", {"history_range": year})):
        times = time_view(root, "Person", repeats, patient="person-00", **state)
        print(f"person view, {n} sessions, {label} shown: "
              f"median {statistics.median(times):.2f} s")  # fmt: skip
    reader = ScopedLibrary(lib)
    for label, first in (("30 days", today - timedelta(days=29)), ("a year", year[0])):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            summary = summary_for(reader, "person-00", first, today)
            period_report_pdf(summary, datetime.now(UTC))
            period_report_html(summary, datetime.now(UTC))
            times.append(time.perf_counter() - t0)
        print(f"period report (PDF and HTML), {label}, {summary.sessions} sessions: "
              f"median {statistics.median(times):.2f} s")  # fmt: skip


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
        person_and_report(root, args.repeats)

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
