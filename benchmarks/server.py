"""Clinic server under 50 patients uploading at once: sessions stored per second, upload latency.

Usage: python benchmarks/server.py [--patients 50] [--rounds 3] [--minutes 10]

Starts a real ``holdtrack server`` (API alone) on 127.0.0.1, links one device per patient, and
in each round has every patient upload one new session (``--minutes`` of 80 Hz force, a
realistic routine) at the same moment. Each upload is read, checked, analysed and indexed before
it is answered. Prints per-round throughput and the median and 95th percentile latency, then the
medians over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from clinicserver import running  # noqa: E402 (the tests' server helper)

from holdtrack.sensing.session import write_recording  # noqa: E402
from holdtrack.simulation.config import SimConfig  # noqa: E402
from holdtrack.simulation.simulate import simulate  # noqa: E402


def recordings(folder: Path, n: int, minutes: float) -> list[Path]:
    """``n`` distinct recordings of a ``minutes``-long session."""
    session = simulate(SimConfig("force", "floor", "good_holder", seed=21)).session
    session.data = session.data[session.data["time_s"] <= minutes * 60].reset_index(drop=True)
    out = []
    for i in range(n):
        session.meta.extra = {"copy": i}
        session.meta.start_time_utc = "2026-11-20T10:00:00+00:00"
        path = folder / f"r{i:04d}.parquet"
        write_recording(session, path)
        out.append(path)
    return out


def one_round(api: str, devices: list[dict[str, str]], files: list[Path]) -> tuple[float, list]:
    """Everyone uploads at once: (seconds for all, each upload's latency)."""
    latency = [0.0] * len(files)
    status = [0] * len(files)
    go = threading.Barrier(len(files) + 1)

    def send(i: int) -> None:
        body = files[i].read_bytes()
        go.wait()
        t0 = time.perf_counter()
        r = httpx.post(f"{api}/sessions", content=body, timeout=600,
                       headers={**devices[i], "X-Filename": files[i].name})  # fmt: skip
        latency[i] = time.perf_counter() - t0
        status[i] = r.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    go.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    assert status == [201] * len(files), status
    return wall, latency


def main() -> int:
    """Run the rounds and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = recordings(Path(tmp), args.patients * args.rounds, args.minutes)
        with running(Path(tmp) / "clinic") as clinic:
            devices = [clinic.link("tess", f"p{i:03d}") for i in range(args.patients)]
            rates, p50s, p95s = [], [], []
            for k in range(args.rounds):
                batch = files[k * args.patients : (k + 1) * args.patients]
                wall, lat = one_round(clinic.api, devices, batch)
                rates.append(len(batch) / wall)
                p50s.append(float(np.percentile(lat, 50)))
                p95s.append(float(np.percentile(lat, 95)))
                print(f"round {k + 1}: {rates[-1]:.1f} sessions/s, latency median "
                      f"{p50s[-1]:.2f} s, 95th percentile {p95s[-1]:.2f} s")  # fmt: skip
    print(f"median over {args.rounds} rounds: {statistics.median(rates):.1f} sessions/s; "
          f"latency median {statistics.median(p50s):.2f} s, "
          f"95th percentile {statistics.median(p95s):.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
