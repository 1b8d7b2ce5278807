"""Crash-safe journal and the de-jitter clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sensing.clock import SampleClock
from sensing.journal import SUFFIX, Journal, read_journal, recover, unfinished
from sensing.session import SessionMeta, read_session

ROOT = Path(__file__).resolve().parents[1]


def test_clock_removes_jitter_and_keeps_the_rate():
    rng = np.random.default_rng(0)
    rate, per = 100.0, 5
    true = np.arange(0, 60, 1 / rate)
    clock = SampleClock(rate)
    stamped = []
    for k in range(0, len(true), per):
        arrival = true[k + per - 1] + 0.02 + rng.gamma(2.0, 0.01)  # latency with bursts
        times, gap = clock.stamp(arrival, per)
        assert gap is None
        stamped.extend(times)
    stamped = np.array(stamped)
    assert np.all(np.diff(stamped) > 0)
    assert np.median(np.diff(stamped)) == pytest.approx(0.01, rel=1e-6)
    offset = stamped - true
    assert offset.max() - offset.min() < 0.05  # a constant latency, not a wobbling rate


def test_clock_reports_dropouts_as_gaps():
    clock = SampleClock(50.0)
    for k in range(10):
        clock.stamp(0.1 * (k + 1), 5)
    times, gap = clock.stamp(4.1, 5)  # 3 s of packets never arrived
    assert gap is not None
    assert gap[0] == pytest.approx(1.0, abs=0.03)
    assert gap[1] == pytest.approx(4.02, abs=0.03)
    assert times[-1] == pytest.approx(4.1, abs=0.01)


def _meta() -> SessionMeta:
    return SessionMeta(sensor_kind="force", device_model="tindeq", nominal_rate_hz=80.0)


def test_journal_round_trip_and_gaps(tmp_path: Path):
    j = Journal(tmp_path / f"s{SUFFIX}", _meta())
    for i in range(100):
        j.append(i / 80, {"force_n": 10.0 + i})
    j.gap(1.2375, 3.0)
    for i in range(100):
        j.append(3.0 + i / 80, {"force_n": 1.0 / 3.0})
    out = j.finish()
    assert not (tmp_path / f"s{SUFFIX}").exists()
    s = read_session(out)
    assert len(s.data) == 200
    assert s.data["force_n"].iloc[99] == 109.0
    assert s.data["force_n"].iloc[-1] == 1.0 / 3.0  # bit-exact
    assert (1.2375, 3.0) in [tuple(g) for g in s.meta.gaps]


def test_journal_never_overwrites(tmp_path: Path):
    Journal(tmp_path / f"s{SUFFIX}", _meta()).close()
    with pytest.raises(FileExistsError):
        Journal(tmp_path / f"s{SUFFIX}", _meta())


def test_half_written_last_line_is_ignored(tmp_path: Path):
    p = tmp_path / f"cut{SUFFIX}"
    j = Journal(p, _meta())
    for i in range(10):
        j.append(i / 80, {"force_n": float(i)})
    j.close()
    with open(p, "a") as f:
        f.write("0.1375,12")  # no newline: cut off mid-line
    assert len(read_journal(p).data) == 10
    assert unfinished(tmp_path) == [p]
    assert len(read_session(recover(p)).data) == 10


def test_kill_9_loses_at_most_one_second(tmp_path: Path):
    journal = tmp_path / f"k{SUFFIX}"
    script = textwrap.dedent(
        f"""
        import pathlib, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from sensing.journal import Journal
        from sensing.session import SessionMeta
        j = Journal(pathlib.Path({str(journal)!r}),
                    SessionMeta(sensor_kind="force", nominal_rate_hz=200.0))
        t0 = time.monotonic()
        i = 0
        while True:
            j.append(i / 200, {{"force_n": float(i)}})
            i += 1
            if i % 20 == 0:
                print(i, flush=True)
            time.sleep(max(0.0, t0 + i / 200 - time.monotonic()))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    last = 0
    t_end = time.monotonic() + 3.5
    assert proc.stdout is not None
    while time.monotonic() < t_end:
        last = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    session = read_journal(journal)
    kept = len(session.data)
    assert kept > 400
    assert last - kept <= 200 + 20  # at most one second at 200 Hz (plus one print interval)
    np.testing.assert_array_equal(session.data["force_n"], np.arange(kept, dtype=float))


def test_clock_resync_marks_even_a_short_outage():
    clock = SampleClock(50.0)
    for k in range(10):
        clock.stamp(0.1 * (k + 1), 5)
    clock.resync()
    times, gap = clock.stamp(1.2, 5)  # only 0.1 s late: no gap by timing alone
    assert gap is not None
    assert gap[0] == pytest.approx(1.0, abs=0.01) and gap[1] == pytest.approx(1.12, abs=0.01)
    _, gap = clock.stamp(1.3, 5)
    assert gap is None
