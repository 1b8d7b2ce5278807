"""``holdtrack scan`` and ``holdtrack record`` as a user runs them, in separate processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from holdtrack.sensing.journal import SUFFIX, read_journal
from holdtrack.sensing.session import read_session, write_recording
from holdtrack.simulation.simulate import SimConfig, simulate

CLI = [sys.executable, "-m", "holdtrack.cli"]


def _source(tmp_path: Path, seconds: float, rate_hz: float = 50.0, kind: str = "imu") -> Path:
    cfg = SimConfig(kind, "floor", "good_holder", seed=8, rate_hz=rate_hz, packet_loss=0.0,
                    dropouts_per_min=0.0, timestamps="device")  # fmt: skip
    session = simulate(cfg).session
    session.data = session.data[session.data["time_s"] <= seconds].reset_index(drop=True)
    path = tmp_path / "src.parquet"
    write_recording(session, path)
    return path


def test_scan_virtual_lists_every_model():
    run = subprocess.run([*CLI, "scan", "--virtual", "--timeout", "1.5", "--json"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert sorted(f["model"] for f in found) == [
        "holdtrack-line", "thingy52", "tindeq", "witmotion",
    ]  # fmt: skip
    assert all(isinstance(f["rssi"], int) for f in found)


def test_record_without_a_bluetooth_adapter_is_one_clear_line(tmp_path):
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    run = subprocess.run(
        [*CLI, "record", "--device", "WT901BLE68", "--scan-timeout", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("holdtrack: record: ") and "Traceback" not in run.stderr
    assert not list(tmp_path.glob(f"*{SUFFIX}"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--virtual", "x.parquet"], "--virtual needs --model"),
        (["--virtual", "x.parquet", "--model", "tindeq", "--faults", "loss=2"], "--faults"),
        ([], "give --device"),
    ],
)
def test_record_usage_errors(tmp_path, args, message):
    run = subprocess.run([*CLI, "record", *args, "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1 and message in run.stderr


def test_record_virtual_with_faults_shows_progress_and_keeps_the_holds(tmp_path):
    src = _source(tmp_path, 240.0, rate_hz=20.0)
    # The link drops 120 s into the session, after the first hold (13 s to 163 s) reached
    # 90 s: the samples sent while the recorder reconnects are lost, and at 20x a busy
    # machine's slower reconnect loses more of the session (a drop at 80 s could cut the hold
    # short of its target).
    run = subprocess.run(
        [*CLI, "record", "--virtual", str(src), "--model", "witmotion", "--speed", "20",
         "--faults", "drop=120,loss=0.02", "--patient", "p7", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = Path(run.stdout.strip())
    assert out.exists() and out.suffix == ".parquet"
    assert "connected to D1:00:00:00:00:01" in run.stderr
    assert "link lost: reconnecting" in run.stderr
    assert "90 s reached" in run.stderr  # the source's first hold lasts 150 s
    recorded = json.loads(
        subprocess.run([*CLI, "analyze", str(out), "--json"], capture_output=True, text=True,
                       check=True).stdout
    )  # fmt: skip
    assert recorded["holds"] and recorded["gaps"]
    assert read_session(out).meta.patient_id == "p7"


KIND = {"witmotion": "imu", "thingy52": "imu", "tindeq": "force", "holdtrack-line": "pressure"}


def test_ctrl_c_finishes_the_session_cleanly(tmp_path):
    src = _source(tmp_path, 120.0)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*CLI, "record", "--virtual", str(src), "--model", "witmotion", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(f"*{SUFFIX}")):
        time.sleep(0.05)
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    session = read_session(Path(stdout.strip()))
    assert 100 <= len(session.data) <= 50 * 6  # about 3 s at 50 Hz, then a clean stop
    assert not list(out.glob(f"*{SUFFIX}"))  # the journal became the session


@pytest.mark.parametrize("model", list(KIND))
def test_kill_9_loses_at_most_a_second_and_the_next_start_recovers(model, tmp_path):
    """Real time at 50 Hz: the journal on disk never trails what arrived by more than 1 s."""
    src = _source(tmp_path, 120.0, kind=KIND[model])
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*CLI, "record", "--virtual", str(src), "--model", model, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    history: list[tuple[float, int]] = []  # (when seen, samples on disk)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            journals = list(out.glob(f"*{SUFFIX}")) if out.exists() else []
            if journals:
                lines = journals[0].read_bytes().count(b"\n") - 1  # minus the header
                if not history or lines != history[-1][1]:
                    history.append((time.monotonic(), lines))
                if lines >= 300:  # 6 s of samples
                    break
            time.sleep(0.02)
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert len(history) >= 5, "the journal grew in steps while recording"
    steps = np.diff([t for t, _ in history[-6:]])
    assert np.median(steps) <= 0.6  # flushed twice a second
    # Samples arrive at 50 per second: the ones received since the last flush are at risk.
    journal = next(out.glob(f"*{SUFFIX}"))
    on_disk = len(read_journal(journal).data)
    received = history[-1][1] + 50 * (killed_at - history[-1][0])
    assert received - on_disk <= 50  # at most 1 s lost

    # The next start recovers the unfinished recording before recording anew.
    short = tmp_path / "short"
    short.mkdir()
    src2 = _source(short, 5.0)
    run = subprocess.run(
        [*CLI, "record", "--virtual", str(src2), "--model", "witmotion", "--speed", "5",
         "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "recovered an unfinished recording" in run.stderr
    assert not list(out.glob(f"*{SUFFIX}"))
    recovered = read_session(journal.with_suffix(".parquet"))
    assert len(recovered.data) == on_disk
