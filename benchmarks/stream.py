"""The live detector: CPU per sample, latency against the simulator's truth, and agreement
with the batch analysis.

Usage: python benchmarks/stream.py [--sessions N] [--repeats N]   (prints the README's tables)

- CPU: a 10-minute six-axis IMU session at 100 Hz and at 1 kHz fed in 0.1 s chunks, as medians
  of N runs, against ``session_process`` on the same samples in the same run (ratio).
- Latency, on N held-out simulated sessions per sensor kind (seeds from 8_500_000, never used
  for tuning), fed a radio packet (1 to 9 samples) at a time: hold announced after its true
  start; the 90 s cue against the true 90th second; rolling that breaks a hold after the
  hold's true end; live holds that turned out to be none.
- Agreement: holds the stream reports at the end against ``session_process``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from holdtrack.analysis.process import session_process
from holdtrack.analysis.stream import HoldStream
from holdtrack.simulation.config import SimConfig
from holdtrack.simulation.simulate import simulate

FIRST_SEED = 8_500_000
KINDS = ("imu", "accel", "force", "pressure")
SCENARIOS = ("mixed", "good_holder", "roller")


def feed(columns: dict[str, np.ndarray], kind: str, chunk: int | None, seed: int = 0):
    """Stream ``columns`` in chunks (``chunk`` samples, or 1 to 9 at random); the stream, its
    events and the CPU seconds it took."""
    rng = np.random.default_rng(seed)
    stream, events, i, n, chunks = HoldStream(kind), [], 0, len(columns["time_s"]), []
    while i < n:  # cut before the clock starts: the detector's CPU, not the cutting
        k = chunk or int(rng.integers(1, 10))
        chunks.append({c: v[i : i + k] for c, v in columns.items()})
        i += k
    started = time.process_time()
    for part in chunks:
        events += stream.feed(part)
    events += stream.finish()
    return stream, events, time.process_time() - started


def cpu(rate_hz: float, repeats: int) -> dict[str, float]:
    """CPU per sample of the stream, and its ratio to the batch analysis of the same samples."""
    sim = simulate(SimConfig("imu", "floor", "mixed", seed=FIRST_SEED - 1, rate_hz=rate_hz))
    data = sim.session.data[sim.session.data["time_s"] <= 600.0]
    cols = {c: data[c].to_numpy() for c in data.columns}
    chunk = max(int(rate_hz * 0.1), 1)
    stream_s, batch_s = [], []
    for _ in range(repeats):
        stream_s.append(feed(cols, "imu", chunk)[2])
        started = time.process_time()
        session_process(cols, "imu")
        batch_s.append(time.process_time() - started)
    n = len(data)
    return {
        "rate_hz": rate_hz,
        "us_per_sample": statistics.median(stream_s) / n * 1e6,
        "batch_us_per_sample": statistics.median(batch_s) / n * 1e6,
        "ratio": statistics.median(s / b for s, b in zip(stream_s, batch_s)),
    }


def latencies(sim: Any, events: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per true hold of 15 s or more: announce, target and rolling delays (NaN if missed)."""
    out: dict[str, list[float]] = {"onset": [], "target": [], "rolling": []}
    for h in sim.holds:
        if h.end_s - h.start_s < 15.0:
            continue
        starts = [e["t_s"] for e in events if e["event"] == "hold_start"]
        hit = [t - h.start_s for t in starts if h.start_s - 3.0 <= t <= h.end_s]
        out["onset"].append(hit[0] if hit else np.nan)
        if h.end_s - h.start_s >= 92.0:
            due = h.start_s + 90.0
            cues = [e["t_s"] - due for e in events if e["event"] == "hold_target"]
            cues = [c for c in cues if -5.0 <= c <= h.end_s - due]
            out["target"].append(cues[0] if cues else np.nan)
    for a, b, state in sim.segments:
        if state == "rolling" and b - a >= 5.0 and any(abs(h.end_s - a) < 1.0 for h in sim.holds):
            said = [e["t_s"] - a for e in events if e["event"] == "rolling" and a <= e["t_s"] <= b]
            out["rolling"].append(said[0] if said else np.nan)
    return out


def accuracy(n_per_kind: int) -> dict[str, Any]:
    """Latencies, false holds and agreement with the batch over held-out sessions."""
    lat: dict[str, list[float]] = {"onset": [], "target": [], "rolling": []}
    false_holds, sessions, same, edges = 0, 0, 0, []
    for k, kind in enumerate(KINDS):
        for i in range(n_per_kind):
            seed = FIRST_SEED + k * 10_000 + i
            cfg = SimConfig(kind, ("floor", "wall")[i % 2], SCENARIOS[i % 3], seed=seed)
            sim = simulate(cfg)
            data = sim.session.data
            cols = {c: data[c].to_numpy() for c in data.columns}
            stream, events, _ = feed(cols, kind, None, seed)
            for key, values in latencies(sim, events).items():
                lat[key] += values
            false_holds += sum(e["event"] == "hold_end" and not e["counted"] for e in events)
            batch = session_process(data, kind).holds
            sessions += 1
            if len(batch) == len(stream.holds):
                same += 1
                for s, b in zip(stream.holds, batch):
                    edges += [abs(s.start_s - b.start_s), abs(s.end_s - b.end_s)]
    e = np.array(edges)
    return {
        "sessions": sessions,
        "latency": {k: np.array(v) for k, v in lat.items()},
        "false_holds_per_session": false_holds / sessions,
        "same_count": same,
        "edges_within_1s": float((e <= 1.0).mean()) if len(e) else float("nan"),
        "edge_p95_s": float(np.percentile(e, 95)) if len(e) else float("nan"),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=15, help="held-out sessions per sensor kind")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    rows = [cpu(rate, args.repeats) for rate in (100.0, 1000.0)]
    acc = accuracy(args.sessions)
    print("| samples at | stream CPU per sample | batch CPU per sample | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['rate_hz']:g} Hz | {r['us_per_sample']:.1f} us | "
            f"{r['batch_us_per_sample']:.2f} us | {r['ratio']:.0f}x |"
        )
    print()
    print(f"{acc['sessions']} held-out sessions ({args.sessions} per sensor kind):")
    print()
    print("| latency | median | 95th percentile | missed |")
    print("|---|---|---|---|")
    names = {
        "onset": "hold announced after its true start",
        "target": "90 s cue after the true 90th second",
        "rolling": "rolling after the hold it broke ended",
    }
    for key, values in acc["latency"].items():
        ok = values[~np.isnan(values)]
        med = f"{np.median(ok):.1f} s" if len(ok) else "-"
        p95 = f"{np.percentile(ok, 95):.1f} s" if len(ok) else "-"
        print(f"| {names[key]} | {med} | {p95} | {len(values) - len(ok)} of {len(values)} |")
    print()
    print(
        f"Live holds that were none: {acc['false_holds_per_session']:.2f} per session. "
        f"Same hold count as the batch: {acc['same_count']} of {acc['sessions']} sessions; "
        f"edges within 1 s of the batch's: {acc['edges_within_1s']:.0%} "
        f"(95th percentile {acc['edge_p95_s']:.2f} s)."
    )


if __name__ == "__main__":
    main()
