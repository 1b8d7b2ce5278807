"""Real recordings (tests/data/real): still bodies are held, moving bodies are not.

A still, loaded, breathing body (standing still, a yoga pose, a still head) stands in for a hold;
a moving body (walking, moving about) must not look like one. The name of each file says which
it is; its source and licence are in tests/data/real/README.md.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REAL = Path(__file__).resolve().parent / "data" / "real"
README = REAL / "README.md"
STILL = sorted(REAL.glob("still_*.csv"))
MOVING = sorted(REAL.glob("moving_*.csv"))
G_MS2 = 9.80665
STILL_MIN_HOLD_SHARE = 0.80  # of the file's span in hold segments
STILL_MIN_LONGEST_SHARE = 0.70  # one hold covers most of a still file
MOVING_MAX_HOLD_SHARE = 0.10


@functools.cache
def analysis(path: Path) -> dict:
    """``holdtrack analyze --json`` of a file, through the real command."""
    res = subprocess.run(
        [sys.executable, "-m", "holdtrack", "analyze", str(path), "--json"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def hold_shares(out: dict) -> tuple[float, float, float]:
    """(span in s, share of the span in hold segments, share covered by the longest hold)."""
    seg = out["segments"]
    span = seg[-1]["end_s"] - seg[0]["start_s"]
    held = sum(s["end_s"] - s["start_s"] for s in seg if s["state"] == "hold")
    longest = max((h["duration_s"] for h in out["holds"]), default=0.0)
    return span, held / span, longest / span


@functools.cache
def signal_stats(path: Path) -> dict[str, float]:
    """Spread of |acc| (SD, mg) and turn rate (1 s mean of |gyro - median|, deg/s) of a file."""
    a = np.loadtxt(path, delimiter=",", skiprows=1)
    t, acc, gyro = a[:, 0], a[:, 1:4], a[:, 4:7]
    amag_mg = np.linalg.norm(acc, axis=1) / G_MS2 * 1000.0
    speed = np.linalg.norm(np.degrees(gyro - np.median(gyro, axis=0)), axis=1)
    per_s = max(round((len(t) - 1) / (t[-1] - t[0])), 1)
    turn = np.convolve(speed, np.ones(per_s) / per_s, mode="valid")
    return {
        "acc_spread_mg": float(amag_mg.std()),
        "turn_median_dps": float(np.median(turn)),
        "turn_p90_dps": float(np.percentile(turn, 90)),
    }


def described(path: Path, out: dict) -> str:
    """The verdict and signal of a file in one line, for assertion messages."""
    span, share, longest = hold_shares(out)
    s = signal_stats(path)
    holds = [(h["start_s"], h["end_s"]) for h in out["holds"]]
    time_in = {k: round(v, 1) for k, v in out["summary"]["time_in_state_s"].items()}
    return (
        f"{path.name}: {share:.0%} of {span:.1f} s in hold, longest hold {longest:.0%} "
        f"(holds {holds}, time in states {time_in}); |acc| spread {s['acc_spread_mg']:.1f} mg, "
        f"turn rate median {s['turn_median_dps']:.2f} deg/s, 90th pct {s['turn_p90_dps']:.2f}"
    )


def test_there_are_still_and_moving_recordings_and_nothing_untested():
    assert STILL and MOVING
    csvs = sorted(REAL.glob("*.csv"))
    assert csvs == sorted(STILL + MOVING), "every CSV is named still_* or moving_*"


@pytest.mark.parametrize("path", STILL, ids=lambda p: p.stem)
def test_a_still_body_is_held(path: Path):
    out = analysis(path)
    assert out["sensor_kind"] == "imu" and out["input"]["converted"] == []
    _, share, longest = hold_shares(out)
    assert share >= STILL_MIN_HOLD_SHARE, described(path, out)
    assert longest >= STILL_MIN_LONGEST_SHARE, described(path, out)


@pytest.mark.parametrize("path", MOVING, ids=lambda p: p.stem)
def test_a_moving_body_is_not_held(path: Path):
    out = analysis(path)
    assert out["sensor_kind"] == "imu" and out["input"]["converted"] == []
    _, share, _ = hold_shares(out)
    assert share <= MOVING_MAX_HOLD_SHARE, described(path, out)


def readme_sections() -> dict[str, str]:
    """README text under each ``### `name` `` heading, by name."""
    parts = re.split(r"^### `([^`]+)`\s*$", README.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("path", STILL + MOVING, ids=lambda p: p.stem)
def test_every_recording_has_its_source_and_licence_in_the_readme(path: Path):
    section = readme_sections().get(path.name)
    assert section is not None, f"no '### `{path.name}`' section in {README}"
    source = re.search(r"^- Source: `([^`]+)`\s+at commit `([0-9a-f]{40})`", section, re.M)
    assert source, f"{path.name}: no source path and commit"
    licence = re.search(r"^- Licence: (.+)$", section, re.M)
    assert licence and "Copyright" in licence.group(1), f"{path.name}: no licence and copyright"
    for name in re.findall(r"LICENSE[\w.-]*\.txt", licence.group(1)):
        assert (REAL / name).is_file(), f"{path.name}: licence file {name} is missing"
