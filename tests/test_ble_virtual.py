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
