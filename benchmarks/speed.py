"""Speed and memory of the analysis, each against a baseline measured in the same run.

Usage: python benchmarks/speed.py [--repeats N] [--keep DIR]

Makes simulated six-axis IMU sessions at 100 Hz (10 minutes, one hour, eight hours) as
recordings, then measures, as medians of N runs:
- CPU (user + system) of the whole process ``holdtrack analyze ten.parquet`` against the naive
  threshold script ``benchmarks/naive_threshold.py`` on the same file, run in turn, with the
  median of the ratios pair by pair;
- ``session_process`` on the hour, in process, against pyarrow reading the same recording;
- peak resident memory of a process that reads and analyses the eight hours;
- wall time of ``holdtrack analyze hour.csv --json`` (a whole process, 49 MB CSV).

Child processes run with compiled bytecode, as after ``pip install .`` (which compiles it):
an editable checkout under ``PYTHONDONTWRITEBYTECODE`` would otherwise recompile every module
of ours on each run. The bytecode goes to a temporary folder, not the checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

HERE = Path(__file__).resolve().parent
NAIVE = HERE / "naive_threshold.py"
TEN_MIN_S = 600.0
EIGHT_HOURS_S = 8 * 3600.0
IMU_100HZ = {"sensor_kind": "imu", "setup": "floor", "rate_hz": 100.0}
# The hour of six-axis IMU data at 100 Hz (also the dashboard benchmark's session view).
HOUR_CONFIG = {"scenario": "good_holder", "seed": 424242, "n_holds": 22, **IMU_100HZ}

# Peak resident memory from VmHWM: getrusage's ru_maxrss survives fork+exec on Linux and would
# report the parent's peak.
_PEAK_SCRIPT = """
import sys
from holdtrack.analysis import session_process
from holdtrack.sensing.session import read_recording
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
before = hwm()
s = read_recording(sys.argv[1])
r = session_process(s.samples, s.meta.sensor_kind)
print(before, hwm(), len(r.holds))
"""


def sessions_make(out: Path) -> dict[str, Path]:
    """Write the benchmark sessions (recordings, and the hour as CSV); return their paths."""
    import pandas as pd

    from holdtrack.sensing.session import Session, write_csv, write_recording
    from holdtrack.simulation.simulate import SimConfig, simulate

    ten = simulate(SimConfig(scenario="mixed", seed=1010, n_holds=5, **IMU_100HZ)).session
    hour = simulate(SimConfig(**HOUR_CONFIG)).session
    paths = {name: out / f"{name}.parquet" for name in ("ten", "hour", "eight")}
    write_recording(Session(_first(ten.data, TEN_MIN_S), ten.meta), paths["ten"])
    write_recording(hour, paths["hour"])
    paths["hour_csv"] = out / "hour.csv"
    write_csv(hour, paths["hour_csv"])
    d = hour.data
    span_s = float(d["time_s"].iloc[-1] - d["time_s"].iloc[0]) + 0.01
    days = [d.assign(time_s=d["time_s"] + k * span_s) for k in range(8)]
    eight = _first(pd.concat(days, ignore_index=True), EIGHT_HOURS_S)
    hour.meta.gaps = []  # found again from the samples when written
    write_recording(Session(eight, hour.meta), paths["eight"])
    return paths


def _first(data: pd.DataFrame, seconds: float) -> pd.DataFrame:
    """The samples of the first ``seconds`` of a session's DataFrame."""
    t = data["time_s"]
    return data[t - t.iloc[0] <= seconds].reset_index(drop=True)


def cpu_wall_s(cmd: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system, the child alone) and wall seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def analyze_vs_naive(path: Path, repeats: int) -> None:
    """``holdtrack analyze`` against the naive script on one file, pair by pair."""
    ours = [sys.executable, "-m", "holdtrack.cli", "analyze", str(path)]
    naive = [sys.executable, str(NAIVE), str(path)]
    cpu_wall_s(ours), cpu_wall_s(naive)  # warm the file cache and the bytecode
    pairs = [(cpu_wall_s(ours), cpu_wall_s(naive)) for _ in range(repeats)]
    ours_cpu = statistics.median(a[0] for a, _ in pairs)
    naive_cpu = statistics.median(b[0] for _, b in pairs)
    ratio = statistics.median(a[0] / b[0] for a, b in pairs)
    print(f"holdtrack analyze {path.name}: CPU median {ours_cpu:.3f} s")
    print(f"naive threshold script:        CPU median {naive_cpu:.3f} s")
    print(f"ratio, pair by pair:           median {ratio:.2f}")


def process_vs_read(path: Path, repeats: int) -> None:
    """``session_process`` on one recording against pyarrow reading it, in process."""
    import pyarrow.parquet as pq

    from holdtrack.analysis import session_process
    from holdtrack.sensing.session import read_recording

    reads, opens, runs = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pq.read_table(path)
        t1 = time.perf_counter()
        s = read_recording(path)
        t2 = time.perf_counter()
        session_process(s.samples, s.meta.sensor_kind)
        t3 = time.perf_counter()
        reads.append(t1 - t0), opens.append(t2 - t1), runs.append(t3 - t2)
    n = len(s.samples["time_s"])
    print(f"{path.name}: {s.duration_s / 60:.1f} min, {n} samples")
    print(f"pyarrow read_table:      median {statistics.median(reads):.3f} s")
    print(f"read_recording (checks): median {statistics.median(opens):.3f} s")
    med = statistics.median(runs)
    ratio = statistics.median(r / p for r, p in zip(runs, reads))
    print(f"session_process:         median {med:.3f} s ({ratio:.1f}x the pyarrow read)")


def peak_memory(path: Path) -> None:
    """Peak resident memory of a fresh process that reads and analyses ``path``."""
    peaks = []
    for _ in range(3):
        res = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE.parent,
        )
        before, after, _ = res.stdout.split()
        peaks.append((float(before), float(after)))
    print(
        f"{path.name} read and analysed: peak {statistics.median(p[1] for p in peaks):.0f} MB "
        f"resident ({statistics.median(p[0] for p in peaks):.0f} MB of it after imports)"
    )


def main(argv: list[str] | None = None) -> int:
    """Make the sessions, run the measurements and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="runs per measurement (default 7)")
    ap.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # read by the children alone
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "bytecode")
        paths = sessions_make(out)
        analyze_vs_naive(paths["ten"], args.repeats)
        process_vs_read(paths["hour"], args.repeats)
        peak_memory(paths["eight"])
        csv = [sys.executable, "-m", "holdtrack.cli", "analyze", str(paths["hour_csv"]), "--json"]
        walls = [cpu_wall_s(csv)[1] for _ in range(max(3, args.repeats // 2))]
        print(f"holdtrack analyze hour.csv --json: wall median {statistics.median(walls):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
