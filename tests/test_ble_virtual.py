"""The BLE path through real bleak code, against virtual sensors on bumble (no mocks)."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError

from sensing.ble.bumble_backend import BumbleClient, BumbleScanner, VirtualRadio
from sensing.ble.virtual import VirtualWitMotion
from sensing.devices import WitMotionDecoder, witmotion
from sensing.simulate import SimConfig, simulate

ADDRESS = "D1:00:00:00:00:01"


def _session(n: int = 300):
    data = simulate(SimConfig("imu", "floor", "good_holder", seed=5, rate_hz=50.0)).session.data
    return data.iloc[1000 : 1000 + n].reset_index(drop=True)


def test_scan_connect_configure_and_stream():
    data = _session()

    async def scenario():
        async with VirtualRadio() as radio:
            dev = VirtualWitMotion(radio, ADDRESS)
            await dev.start()
            found = await BleakScanner.discover(timeout=1.0, return_adv=True, backend=BumbleScanner)
            assert ADDRESS in found
            ble_device, adv = found[ADDRESS]
            assert adv.local_name.startswith(witmotion.NAME_PREFIX)
            decoder = WitMotionDecoder()
            got = []
            async with BleakClient(ble_device, backend=BumbleClient) as client:
                assert client.mtu_size == 247
                assert client.services.get_service(witmotion.SERVICE_UUID) is not None
                for cmd in witmotion.rate_commands(50):
                    await client.write_gatt_char(witmotion.WRITE_UUID, cmd, response=True)
                await client.start_notify(
                    witmotion.NOTIFY_UUID, lambda _c, d: got.extend(decoder.feed(bytes(d)))
                )
                sent = await dev.stream(data, speed=20.0)
                await asyncio.sleep(0.3)
            return sent, got, dev

    sent, got, dev = asyncio.run(scenario())
    assert dev.rate_hz == 50.0
    assert sent == len(data) == len(got)
    acc = np.array([[s.values[f"acc_{a}"] for a in "xyz"] for s in got])
    gyro = np.array([[s.values[f"gyro_{a}"] for a in "xyz"] for s in got])
    # 16-bit frames: 16 g / 32768 and 2000 deg/s / 32768 per count.
    np.testing.assert_allclose(acc, data[["acc_x", "acc_y", "acc_z"]].to_numpy(), atol=0.003)
    np.testing.assert_allclose(gyro, data[["gyro_x", "gyro_y", "gyro_z"]].to_numpy(), atol=0.0011)
    assert decoder_clean(got)


def decoder_clean(samples) -> bool:
    return all(np.isfinite(list(s.values.values())).all() for s in samples)


def test_connect_to_absent_device_fails_fast():
    async def scenario():
        async with VirtualRadio():
            t0 = time.monotonic()
            with pytest.raises(BleakDeviceNotFoundError):
                async with BleakClient("D9:99:99:99:99:99", backend=BumbleClient, timeout=5):
                    pass
            return time.monotonic() - t0

    assert asyncio.run(scenario()) < 2.0


def test_recorder_survives_link_drops(tmp_path):
    from sensing.journal import Journal, read_journal
    from sensing.recorder import Recorder
    from sensing.session import SessionMeta

    cfg = SimConfig(
        "imu", "floor", "good_holder", seed=5, rate_hz=50.0, packet_loss=0.0,
        dropouts_per_min=0.0, timestamps="device",
    )  # fmt: skip
    data = simulate(cfg).session.data.iloc[:1000].reset_index(drop=True)
    # At 4x a scheduling stall of 0.1 s stays under the 0.5 s (session time) gap threshold.
    speed = 4.0

    async def scenario():
        async with VirtualRadio() as radio:
            dev = VirtualWitMotion(radio, ADDRESS)
            await dev.start()
            found = await BleakScanner.discover(timeout=1.0, return_adv=True, backend=BumbleScanner)
            journal = Journal(tmp_path / "r.htjournal", SessionMeta("imu", nominal_rate_hz=50.0))
            rec = Recorder(
                found[ADDRESS][0], "witmotion", journal, 50.0, time_scale=speed,
                client_kwargs={"backend": BumbleClient},
            )  # fmt: skip
            stop = asyncio.Event()
            task = asyncio.create_task(rec.run(stop))
            await asyncio.sleep(1.0)
            stream = asyncio.create_task(dev.stream(data, speed=speed))
            for _ in range(3):
                await asyncio.sleep(1.2)
                await dev.drop_link()
            await stream
            await asyncio.sleep(0.5)
            stop.set()
            status = await task
            journal.close()
            return dev, status

    dev, status = asyncio.run(scenario())
    kept = read_journal(tmp_path / "r.htjournal")
    assert status.connects == 4  # first connection plus one per drop
    assert len(kept.data) >= 0.97 * dev.sent_while_connected
    assert status.link_gaps == 3  # every dropped link is marked
    # A stall of the machine running both ends can add a timing gap: that is marked too.
    assert len(status.gaps) >= 3 and len(kept.meta.gaps) == len(status.gaps)
    assert sum(b - a for a, b in status.gaps) < 0.1 * len(data) / 50.0
    for a, b in status.gaps:
        assert 0.0 < b - a <= 5.0  # short enough not to split a hold
    # The stamped timeline runs at the source's pace: 1000 samples at 50 Hz span ~20 s.
    span = kept.data["time_s"].iloc[-1] - kept.data["time_s"].iloc[0]
    assert span == pytest.approx(data["time_s"].iloc[-1] - data["time_s"].iloc[0], abs=2.0)


def test_record_virtual_command_keeps_the_holds(tmp_path):
    import json
    import subprocess
    import sys

    from analysis import session_process
    from sensing.session import write_recording

    sim = simulate(SimConfig("imu", "floor", "good_holder", seed=8, rate_hz=20.0, packet_loss=0.0,
                             dropouts_per_min=0.0, timestamps="device"))  # fmt: skip
    session = sim.session
    session.data = session.data[session.data["time_s"] <= 420].reset_index(drop=True)
    src = tmp_path / "src.parquet"
    write_recording(session, src)
    run = subprocess.run(
        [sys.executable, "-m", "holdtrack.cli", "record", "--virtual", str(src), "--speed", "20",
         "--drop-every", "6", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out" / "src-recorded.parquet"
    recorded = json.loads(
        subprocess.run(
            [sys.executable, "-m", "holdtrack.cli", "analyze", str(out), "--json"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    source = session_process(session.data)
    assert len(recorded["holds"]) == len(source.holds) >= 1
    assert recorded["gaps"], "the dropped links are marked as gaps"
    # The recording's clock starts at its own first sample: compare after the constant offset.
    offset = recorded["holds"][0]["start_s"] - source.holds[0].start_s
    for h, s in zip(recorded["holds"], source.holds):
        assert abs(h["start_s"] - offset - s.start_s) <= 1.0
        assert abs(h["end_s"] - offset - s.end_s) <= 1.0
