"""Speed and memory of analysing one hour of 100 Hz six-axis IMU data.

Usage: python benchmarks/speed.py [--repeats N] [--keep DIR]

Measures, each as the median of N runs:
- analysis from the Parquet recording, in-process (read + analyse; interpreter start excluded);
- peak resident memory of a fresh process that reads and analyses the recording;
- wall time of ``holdtrack analyze hour.csv --json`` (a whole process, interpreter included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from holdtrack.analysis import session_process
from holdtrack.sensing.session import read_recording, write_csv, write_recording
from holdtrack.simulation.simulate import SimConfig, simulate

HOUR_CONFIG = SimConfig(
    sensor_kind="imu", setup="floor", scenario="good_holder", seed=424242, rate_hz=100.0, n_holds=22
)

# Peak resident memory from VmHWM: getrusage's ru_maxrss survives fork+exec on Linux and would
# report the parent's peak.
_PEAK_SCRIPT = """
import sys
from holdtrack.analysis import session_process
from holdtrack.analysis.process import session_features
from holdtrack.sensing.session import read_recording
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
before = hwm()
s = read_recording(sys.argv[1])
r = session_process(s.data, s.meta.sensor_kind)
print(before, hwm(), len(r.holds))
"""


def make_hour(out_dir: Path) -> tuple[Path, Path, float]:
    """Write the benchmark hour as recording and CSV; return paths and its duration."""
    sim = simulate(HOUR_CONFIG)
    rec = out_dir / "hour.parquet"
    csv = out_dir / "hour.csv"
    write_recording(sim.session, rec)
    write_csv(sim.session, csv)
    return rec, csv, float(sim.session.data["time_s"].iloc[-1] - sim.session.data["time_s"].iloc[0])


def main(argv: list[str] | None = None) -> int:
    """Run the speed benchmark and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        rec, csv, duration = make_hour(out)
        n = len(read_recording(rec).data)
        print(f"session: {duration / 60:.1f} min, {n} samples, six axes at 100 Hz")
        rec_mb, csv_mb = rec.stat().st_size / 1e6, csv.stat().st_size / 1e6
        print(f"files: recording {rec_mb:.1f} MB, CSV {csv_mb:.1f} MB")

        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            s = read_recording(rec)
            session_process(s.data, s.meta.sensor_kind)
            times.append(time.perf_counter() - t0)
        print(f"analyse from recording (in-process): median {statistics.median(times):.3f} s")

        peaks = []
        for _ in range(3):
            res = subprocess.run(
                [sys.executable, "-c", _PEAK_SCRIPT, str(rec)],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            before, after, _ = res.stdout.split()
            peaks.append((float(before), float(after)))
        print(
            f"peak memory: median {statistics.median(p[1] for p in peaks):.0f} MB resident "
            f"(of which {statistics.median(p[0] for p in peaks):.0f} MB after imports)"
        )

        walls = []
        for _ in range(max(3, args.repeats // 2)):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "holdtrack.cli", "analyze", str(csv), "--json"],
                capture_output=True,
                check=True,
            )
            walls.append(time.perf_counter() - t0)
        print(f"holdtrack analyze hour.csv --json (wall): median {statistics.median(walls):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
