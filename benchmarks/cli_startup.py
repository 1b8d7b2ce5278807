"""How fast the ``holdtrack`` command answers ``--help``: it must not load the analysis to do so.

Usage: python benchmarks/cli_startup.py [--runs N]

Times whole processes (start to exit): ``holdtrack --help``, one subcommand's ``--help``, and,
as the baseline in the same run, a bare Python interpreter (``python -c pass``). Prints the
median of each and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def wall_s(cmd: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of each of ``runs`` runs of ``cmd`` (after one warm-up)."""
    subprocess.run(cmd, capture_output=True, check=True)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    """Time the commands and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exe = shutil.which("holdtrack") or sys.exit("install holdtrack first (pip install .)")
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "holdtrack --help": [exe, "--help"],
        "holdtrack analyze --help": [exe, "analyze", "--help"],
    }
    base = None
    print("| command | median wall s | ratio to a bare interpreter |")
    print("|---|---|---|")
    for name, cmd in cases.items():
        med = statistics.median(wall_s(cmd, args.runs))
        base = base or med
        print(f"| `{name}` | {med:.3f} | {med / base:.1f}x |")


if __name__ == "__main__":
    main()
