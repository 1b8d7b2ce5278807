"""Crash-safe journal, device clock, recorder parts (the sample clock has test_clock.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from holdtrack.sensing.journal import SUFFIX, Journal, read_journal, recover, unfinished
from holdtrack.sensing.session import SessionMeta, read_session

ROOT = Path(__file__).resolve().parents[1]


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
        from holdtrack.sensing.journal import Journal
        from holdtrack.sensing.session import SessionMeta
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
    assert proc.stdout is not None
    last = int(proc.stdout.readline())  # the writer runs: the window starts now, not at launch
    t_end = time.monotonic() + 3.0
    while time.monotonic() < t_end or last < 600:  # at least 3 s of samples, however slow
        last = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    session = read_journal(journal)
    kept = len(session.data)
    assert kept > 400
    assert last - kept <= 200 + 20  # at most one second at 200 Hz (plus one print interval)
    np.testing.assert_array_equal(session.data["force_n"], np.arange(kept, dtype=float))


def test_device_clock_keeps_device_spacing_and_rejects_a_corrupt_time():
    from holdtrack.sensing.device_clock import DeviceClock

    clock = DeviceClock()
    t1, gap = clock.stamp(10.0, np.array([100.00, 100.02, 100.04]))
    assert gap is None and np.allclose(np.diff(t1), 0.02) and t1[-1] == pytest.approx(10.0)
    # One sample with a corrupt time (backwards) in the middle of a packet gets NaN.
    t2, gap = clock.stamp(10.06, np.array([100.06, 3.0, 100.10]))
    assert gap is None and np.isnan(t2[1])
    assert t2[0] == pytest.approx(10.02) and t2[2] == pytest.approx(10.06)


def test_device_clock_marks_reconnects_and_reanchors_a_restarted_clock():
    from holdtrack.sensing.device_clock import DeviceClock

    clock = DeviceClock()
    clock.stamp(0.0, np.array([49.9, 50.0]))  # the packet's last sample arrived at 0.0
    # The link dropped for 2 s; the device clock ran on: same offset, the outage is a gap.
    clock.resync()
    t, gap = clock.stamp(2.3, np.array([52.2, 52.3]))
    assert gap == pytest.approx((0.0, 2.2)) and t[1] == pytest.approx(2.3)
    # After another drop the device restarted its clock at 0: re-anchored on arrival time.
    clock.resync()
    t, gap = clock.stamp(5.0, np.array([0.0, 0.1]))
    assert gap is not None and gap[0] == pytest.approx(2.3)
    assert t[1] == pytest.approx(5.0) and t[0] == pytest.approx(4.9)


def test_faults_parse():
    from holdtrack.simulation.ble.peripheral import Faults

    assert Faults.parse("drop=10,loss=0.02,garbage=0.01") == Faults(10.0, 0.02, 0.01)
    assert Faults.parse("") == Faults()
    for bad in ("loss=1.5", "drop=0", "jitter=1", "loss=x", "drop"):
        with pytest.raises(ValueError):
            Faults.parse(bad)


def test_line_checksum_catches_corruption_and_reset_skips_a_partial_line():
    from holdtrack.sensing.devices import nus

    dec = nus.HoldtrackLineDecoder()
    head = nus.with_checksum("#holdtrack,1,t:ms,force:N")
    good = nus.with_checksum("1520,12.34")
    assert good == "1520,12.34*" + nus.checksum("1520,12.34")
    got = dec.feed(f"{head}\n{good}\n1540,12.36*00\n1560,12.38\n".encode())
    assert [s.values["force_n"] for s in got] == [12.34, 12.38]  # the bad checksum skipped
    assert dec.stats.reasons == {"checksum does not match": 1}
    dec.feed(b"1580,12")  # the link drops mid-line
    dec.reset()
    got = dec.feed(b"4.5\n1620,12.44\n")  # the board carried on mid-line
    assert [s.device_time_s for s in got] == [1.62]


def test_virtual_device_clock_spreads_packet_stamped_times():
    import pandas as pd

    from holdtrack.simulation.ble.peripheral import device_clock

    t = device_clock(pd.DataFrame({"time_s": [0.0, 0.0, 0.3, 0.3, 0.3, 0.6]}))
    assert (np.diff(t) > 0).all() and t[-1] == 0.6 and t[4] == 0.3


def test_every_decoder_has_a_device_profile():
    from holdtrack.sensing.ble.profiles import PROFILES
    from holdtrack.sensing.devices import DECODERS

    assert list(PROFILES) == list(DECODERS)
    assert all(isinstance(PROFILES[m].make_decoder(), DECODERS[m]) for m in DECODERS)


def test_identify_by_service_uuid_then_name():
    from holdtrack.sensing.ble.profiles import identify
    from holdtrack.sensing.devices import nus

    assert identify("WT901BLE68", []).model == "witmotion"
    assert identify("WTF", []) is None  # "WT" alone is too weak a hint
    assert identify("Thingy", []).model == "thingy52"
    assert identify("Progressor_1234", []).model == "tindeq"
    assert identify("my board", [nus.SERVICE_UUID.upper()]).model == "holdtrack-line"
    assert identify("phone", []) is None


def test_implausible_samples_are_named():
    from holdtrack.analysis.schema import implausible

    assert implausible({"force_n": 12.0}) is None
    assert implausible({"force_n": -500.0}) == "force_n outside -50 to 5000 N"
    assert implausible({"force_n": 3.3e39}) == "force_n outside -50 to 5000 N"
    assert "pressure_pa outside" in implausible({"pressure_pa": 14.0})
    acc = {"acc_x": 0.0, "acc_y": 0.0, "acc_z": 400.0}
    assert implausible(acc) == "acc_z outside -313.813 to 313.813 m/s^2"
    assert implausible({**acc, "acc_z": 9.8}) is None
    assert implausible({"gyro_y": 60.0}) == "gyro_y outside -40 to 40 rad/s"
    assert implausible({"force_n": float("nan")}) == "force_n is not a finite number"
    assert implausible({"time_s": 1e300, "force_n": 1.0}) is None  # time is not a reading


def test_status_line_and_cue():
    from holdtrack.analysis.live import LiveState
    from holdtrack.live_display import status_line
    from holdtrack.sensing.recorder import RecorderStatus

    st = RecorderStatus(link="connected", samples=1234, rate_hz=49.8, session_s=95.0)
    st.gaps.append((10.0, 11.0))
    line = status_line(st, LiveState("hold", 91.0, 1))
    assert line.startswith("connected |  49.8 Hz | 1234 samples | 1:35 recorded | 1 gap")
    assert line.endswith("HOLD 1:31 - 90 s reached, move the ball")
    assert status_line(st, LiveState("rolling", 0.0, 0)).endswith("| rolling")


def test_a_journal_that_cannot_become_a_session_file_names_both_files(tmp_path: Path):
    from holdtrack.sensing.recorder import RecordError, finish_recording

    j = Journal(tmp_path / f"r{SUFFIX}", SessionMeta(sensor_kind="force", nominal_rate_hz=10.0))
    for i in range(20):
        j.append(i / 10, {"force_n": 1.0})
    target = tmp_path / "gone" / "r.parquet"
    with pytest.raises(RecordError) as info:
        finish_recording(j, target)
    assert str(info.value).startswith(f"cannot write {target}: No such file or directory")
    assert f"every sample is kept in {j.path}" in str(info.value)
    assert len(read_journal(j.path).data) == 20


def test_recovery_leaves_out_impossible_samples_an_older_recorder_kept(tmp_path: Path):
    p = tmp_path / f"old{SUFFIX}"
    p.write_text(
        json.dumps(SessionMeta(sensor_kind="force").to_dict())
        + "\n0.0,1.0\n0.1,3.3e39\n0.2,2.0\n0.3,2.5\n"
    )
    assert read_journal(p).data["force_n"].tolist() == [1.0, 2.0, 2.5]


def test_journal_retime_moves_the_samples_above_it_and_their_gaps(tmp_path: Path):
    """A loss found after the fact: samples after 0.5 s move 1 s later, with the gap's end."""
    j = Journal(tmp_path / f"rt{SUFFIX}", _meta())  # 80 Hz
    for i in range(80):
        j.append(i / 80, {"force_n": float(i)})
    j.gap(0.5, 0.5125)
    j.retime(0.5, 1.0)
    j.gap(0.5, 1.5125)
    j.append(80 / 80 + 1.0, {"force_n": 80.0})
    session = read_session(j.finish())
    t = session.data["time_s"].to_numpy()
    assert t[40] == 0.5 and t[41] == pytest.approx(1.5125) and t[-1] == pytest.approx(2.0)
    assert [tuple(g) for g in session.meta.gaps] == [(0.5, 1.5125)]  # moved, and not doubled


# --- the recorder's own timing, driven packet by packet -----------------------------------


def _recorder(tmp_path: Path, rate_hz: float = 20.0):
    """A WitMotion recorder (no link: packets are handed to it) and one packet's samples."""
    from bleak.backends.device import BLEDevice

    from holdtrack.sensing.ble.profiles import PROFILES, RecordOptions
    from holdtrack.sensing.devices import WitMotionDecoder, witmotion
    from holdtrack.sensing.recorder import Recorder, new_meta

    device = BLEDevice("D1:00:00:00:00:01", "WT901BLE68", None)
    profile = PROFILES["witmotion"]
    meta = new_meta(device, profile, None, None)
    recorder = Recorder(device, profile, tmp_path / f"w{SUFFIX}", meta, RecordOptions(rate_hz))
    recorder._t0 = 0.0
    frame = witmotion.encode_frame((0.0, 0.0, 9.8), (0.0, 0.0, 0.01))
    return recorder, lambda: WitMotionDecoder().feed(frame)


def test_recorder_puts_a_loss_found_later_where_the_pause_was(tmp_path: Path):
    recorder, packet = _recorder(tmp_path)
    true_s = np.arange(0.0, 30.0, 0.05)
    kept = true_s[(true_s < 10.0) | (true_s > 11.0)]  # 1 s of notifications lost after 10 s
    for t in kept:
        recorder._record(packet(), loop_time=t + 0.02, wall=t + 0.02)
    assert recorder.status.samples == len(kept) and len(recorder.status.gaps) == 1
    assert recorder.journal is not None
    session = read_session(recorder.journal.finish())
    times = session.data["time_s"].to_numpy()
    np.testing.assert_allclose(times - times[0], kept - kept[0], atol=1e-6)
    assert [tuple(g) for g in session.meta.gaps] == recorder.status.gaps
    assert recorder.status.events == []  # a loss is no reason to say it is behind


def test_recorder_says_when_it_falls_behind_real_time_and_keeps_time(tmp_path: Path):
    """The computer falls 5 s behind (handling 70 % of what arrives for 12 s), stays there for
    17 s, then catches up: said once each way, and no time is invented."""
    recorder, packet = _recorder(tmp_path)
    true_s = np.arange(0.0, 60.0, 0.05)
    lateness_s = np.interp(true_s, [0, 10, 22.5, 40, 41, 60], [0, 0, 5.0, 5.0, 0, 0])
    for t, late in zip(true_s, lateness_s):
        recorder._record(packet(), loop_time=t + late, wall=t + late)
    events = recorder.status.events
    assert len(events) == 2 and events[1] == "caught up with real time"
    assert events[0].startswith("falling behind real time: samples arrive")
    assert recorder.status.gaps == []
    assert recorder.journal is not None
    times = read_session(recorder.journal.finish()).data["time_s"].to_numpy()
    np.testing.assert_allclose(times - times[0], true_s, atol=1e-6)


def test_a_virtual_sensor_samples_a_session_at_its_own_rate():
    """A WitMotion set to 50 Hz replaying a 52 Hz session sends 50 samples a second, with the
    session's 2 s gap kept (nothing interpolated across it)."""
    import pandas as pd

    from holdtrack.simulation.ble.peripheral import at_rate

    t = np.r_[np.arange(0.0, 10.0, 1 / 52), np.arange(12.0, 20.0, 1 / 52)]
    data = pd.DataFrame({"time_s": t, "acc_x": 2.0 * t})
    out = at_rate(data, 50.0)
    spacing = np.diff(out["time_s"])
    assert np.allclose(spacing[spacing < 1.0], 0.02) and (spacing > 1.0).sum() == 1
    np.testing.assert_allclose(out["acc_x"], 2.0 * out["time_s"])
    np.testing.assert_array_equal(at_rate(data, 52.5)["time_s"], t)  # within 2 %: as sent
