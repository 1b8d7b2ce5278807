"""Notification-to-cue latency: how long after the sample that decides a cue arrives over
Bluetooth the cue's sound starts, in a real-time recording from a virtual sensor.

Usage: python benchmarks/cue_latency.py [--seconds S] [--sessions N] [--hold-target S]

Each session is simulated (held-out seeds), streamed at 1x real time by a virtual WitMotion IMU
through the real bleak code into the recorder, with the live display feeding the live detector
and the coach, as ``holdtrack record`` does. The player hands each cue to an output that takes
as long as the sound (a machine's sound card adds its own buffer, typically 10-50 ms, not
counted). Per cue, the time to the moment its sound started from the arrival of the oldest
sample of the batch the detector read for it (the worst case: that sample waited for the next
look) and from the newest (what the detector and player cost). Medians and 95th percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from pathlib import Path

import numpy as np

from holdtrack.coaching.cues import Coach
from holdtrack.coaching.player import CuePlayer
from holdtrack.live_display import LiveDisplay
from holdtrack.sensing.session import write_recording
from holdtrack.simulation.ble.recording import record_virtual
from holdtrack.simulation.simulate import SimConfig, simulate

FIRST_SEED = 9_300_000  # held out: never used while tuning


def device_sink(samples: np.ndarray, rate_hz: int) -> None:
    """An output that is busy for as long as the sound lasts, as a sound card is."""
    time.sleep(len(samples) / rate_hz)


def one_session(seed: int, seconds: float, hold_target_s: float, folder: Path) -> list[tuple]:
    """(cue name, latency from the oldest sample, from the newest) for every cue of one
    real-time recording, in seconds."""
    cfg = SimConfig("imu", "floor", "good_holder", seed=seed, rate_hz=50.0, packet_loss=0.0,
                    dropouts_per_min=0.0, timestamps="device")  # fmt: skip
    session = simulate(cfg).session
    session.data = session.data[session.data["time_s"] <= seconds].reset_index(drop=True)
    src = folder / f"src-{seed}.parquet"
    write_recording(session, src)
    player = CuePlayer(sink=device_sink)
    display = LiveDisplay(io.StringIO(), hold_target_s=hold_target_s,
                          coach=Coach(hold_target_s), player=player)  # fmt: skip
    asyncio.run(record_virtual(src, "witmotion", folder / str(seed), on_tick=display.tick))
    display.close()
    started = {id(cue): t for cue, t in player.started}
    return [
        (c.name, started[id(c)] - oldest, started[id(c)] - newest)
        for c, oldest, newest in display.cue_log
        if id(c) in started
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=240.0, help="session length (default 240)")
    ap.add_argument("--sessions", type=int, default=2)
    ap.add_argument("--hold-target", type=float, default=60.0)
    args = ap.parse_args()
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.sessions):
            rows += one_session(FIRST_SEED + k, args.seconds, args.hold_target, Path(tmp))
    print(f"{len(rows)} cues over {args.sessions} real-time recordings of {args.seconds:g} s")
    print("| cue | n | from the oldest sample: median, p95 (ms) | from the newest: median, p95 |")
    print("|---|---|---|---|")
    for name in sorted({r[0] for r in rows}) + ["all"]:
        sel = np.array([r[1:] for r in rows if name in ("all", r[0])]) * 1000
        old, new = sel[:, 0], sel[:, 1]
        print(f"| {name} | {len(sel)} | {np.median(old):.0f}, {np.percentile(old, 95):.0f} "
              f"| {np.median(new):.0f}, {np.percentile(new, 95):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
