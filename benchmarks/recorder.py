"""Recorder cost per sample and notification-to-disk latency, on the virtual Bluetooth link.

Usage: python benchmarks/recorder.py [--seconds S] [--repeats N]

Each case streams S seconds of a simulated session in real time from a virtual sensor through
the real bleak code into a journal, with the live display running (the live detector fed
every 0.25 s).
Reported, as medians of N runs:
- recorder CPU per sample: time in the notification handler (decode, timestamp, journal);
- process CPU per sample: the whole process, including both ends of the emulated Bluetooth
  stack and the virtual sensor's encoding, which a real recording does not pay;
- notification-to-disk latency: from a notification's arrival to the fsync that put its
  samples on disk (median and 95th percentile over all samples).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from holdtrack.live_display import LiveDisplay
from holdtrack.sensing.session import write_recording
from holdtrack.simulation.ble.recording import record_virtual
from holdtrack.simulation.simulate import SimConfig, simulate

# (label, model, sensor kind, rate Hz, virtual sensor options)
CASES = [
    ("WitMotion, 100 Hz, 1 frame per notification", "witmotion", "imu", 100.0, {}),
    ("Thingy:52, 100 Hz, 1 sample per notification", "thingy52", "imu", 100.0, {}),
    ("Tindeq, 1 kHz, 10 samples per notification", "tindeq", "force", 1000.0, {"per_packet": 10}),
    ("line board, 1 kHz, lines packed per 50 ms", "holdtrack-line", "force", 1000.0, {}),
]


def latencies_s(trace: list[tuple[float, int]], flushes: list[tuple[float, int]]) -> np.ndarray:
    """Per sample: time from its notification's arrival to the flush that covered it."""
    flush_t = np.array([t for t, _ in flushes])
    flush_n = np.array([n for _, n in flushes])
    out = []
    prev = 0
    for arrived, n in trace:
        i = int(np.searchsorted(flush_n, n))  # first flush with at least n samples on disk
        if i < len(flush_t) and n > prev:
            out.extend([flush_t[i] - arrived] * (n - prev))
        prev = n
    return np.array(out)


def run_case(model: str, kind: str, rate_hz: float, opts: dict, seconds: float) -> dict:
    """One recording; the figures for it."""
    cfg = SimConfig(kind, "floor", "good_holder", seed=11, rate_hz=rate_hz, packet_loss=0.0,
                    dropouts_per_min=0.0, timestamps="device", n_holds=1)  # fmt: skip
    session = simulate(cfg).session
    session.data = session.data[session.data["time_s"] <= 30 + seconds].reset_index(drop=True)
    session.data = session.data[session.data["time_s"] > 30].reset_index(drop=True)
    box: dict = {}

    def keep(recorder: object) -> None:
        recorder.trace = []  # type: ignore[attr-defined]
        box["recorder"] = recorder

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.parquet"
        write_recording(session, src)
        display = LiveDisplay(io.StringIO())
        cpu0 = time.process_time()
        out, sensor, status = asyncio.run(
            record_virtual(src, model, Path(tmp) / "out", speed=1.0, sensor_kwargs=opts,
                           on_recorder=keep, on_tick=display.tick)
        )  # fmt: skip
        cpu = time.process_time() - cpu0
    rec = box["recorder"]
    lat = latencies_s(rec.trace, rec.journal.flushes)
    return {
        "samples": status.samples,
        "sent": sensor.sent_while_connected,
        "handler_us": rec.busy_s / status.samples * 1e6,
        "process_us": cpu / status.samples * 1e6,
        "latency_median_ms": float(np.median(lat)) * 1e3,
        "latency_p95_ms": float(np.percentile(lat, 95)) * 1e3,
    }


def main() -> None:
    """Run every case and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds streamed per run")
    ap.add_argument("--repeats", type=int, default=3, help="runs per case (median reported)")
    args = ap.parse_args()
    print("| case | samples kept | recorder CPU per sample | process CPU per sample | "
          "notification to disk, median | 95th percentile |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label, model, kind, rate, opts in CASES:
        runs = [run_case(model, kind, rate, opts, args.seconds) for _ in range(args.repeats)]

        def med(key: str, runs: list[dict] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        kept = f"{int(med('samples'))} of {int(med('sent'))}"
        print(
            f"| {label} | {kept} | {med('handler_us'):.0f} µs | {med('process_us'):.0f} µs | "
            f"{med('latency_median_ms'):.0f} ms | {med('latency_p95_ms'):.0f} ms |",
            flush=True,
        )


if __name__ == "__main__":
    main()
