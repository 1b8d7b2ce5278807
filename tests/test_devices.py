"""Device decoders on hex vectors (from the protocol reference), bad packets and fuzz."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdtrack.sensing.devices import (
    DECODERS,
    HoldtrackLineDecoder,
    ThingyRawDecoder,
    TindeqDecoder,
    WitMotionDecoder,
)
from holdtrack.sensing.devices.nus import parse_header
from holdtrack.sensing.devices.thingy import config_rate, config_with_rate
from holdtrack.sensing.devices.tindeq import battery_mv
from holdtrack.sensing.devices.witmotion import decode_frame, rate_commands

G = 9.80665
DEG = math.pi / 180

WIT_FRAME = bytes.fromhex("55611900F6FFF2070A00FFFF0000220200FE0040")
WIT_REG = bytes.fromhex("55713A006801690 07A00".replace(" ", "") + "00" * 10)


# ----------------------------------------------------------------------------- WitMotion


def test_witmotion_reference_frame():
    sample, angles = decode_frame(WIT_FRAME)
    v = sample.values
    assert v["acc_x"] / G == pytest.approx(0.012207, abs=1e-6)
    assert v["acc_y"] / G == pytest.approx(-0.004883, abs=1e-6)
    assert v["acc_z"] / G == pytest.approx(0.993164, abs=1e-6)
    assert v["gyro_x"] / DEG == pytest.approx(0.6104, abs=1e-4)
    assert v["gyro_y"] / DEG == pytest.approx(-0.0610, abs=1e-4)
    assert v["gyro_z"] == 0.0
    assert angles == pytest.approx((2.9993, -2.8125, 90.0), abs=1e-4)
    assert sample.device_time_s is None


def test_witmotion_resyncs_after_garbage_and_splits():
    dec = WitMotionDecoder()
    stream = b"\x01\x02\x55\x00" + WIT_FRAME[:7]
    assert dec.feed(stream) == []
    out = dec.feed(WIT_FRAME[7:] + WIT_REG + WIT_FRAME + b"\x55")
    assert len(out) == 2  # the register reply is not a sample
    assert out[0] == out[1] == decode_frame(WIT_FRAME)[0]
    assert dec.stats.skipped_bytes == 4
    assert dec.feed(WIT_FRAME[1:]) == [decode_frame(WIT_FRAME)[0]]  # header byte was kept


def test_witmotion_truncated_and_oversized():
    dec = WitMotionDecoder()
    assert dec.feed(WIT_FRAME[:12]) == []
    assert dec.feed(b"") == []
    assert len(dec.feed(WIT_FRAME[12:] + b"\xff" * 30)) == 1
    assert dec.stats.skipped_bytes == 30


def test_witmotion_rate_commands():
    assert rate_commands(50) == [
        bytes.fromhex("FFAA6988B5"),
        bytes.fromhex("FFAA030800"),
        bytes.fromhex("FFAA000000"),
    ]
    assert rate_commands(200)[1] == bytes.fromhex("FFAA030B00")
    with pytest.raises(ValueError):
        rate_commands(33)


# ----------------------------------------------------------------------------- Thingy:52


def test_thingy_reference_raw():
    dec = ThingyRawDecoder()
    (s,) = dec.feed(bytes.fromhex("1000E0FF00043000F0FF0000900138FF80FD"))
    assert [s.values[f"acc_{a}"] / G for a in "xyz"] == pytest.approx([0.015625, -0.03125, 1.0])
    assert [s.values[f"gyro_{a}"] / DEG for a in "xyz"] == pytest.approx([1.5, -0.5, 0.0])
    assert dec.last_compass_ut == (25.0, -12.5, -40.0)


@pytest.mark.parametrize("n", [0, 17, 19, 40])
def test_thingy_wrong_length_is_counted(n):
    dec = ThingyRawDecoder()
    assert dec.feed(b"\x00" * n) == []
    assert dec.stats.malformed == 1


def test_thingy_config():
    default = bytes.fromhex("E803F401F4010A0001")
    assert config_rate(default) == 10
    assert config_with_rate(default, 100) == bytes.fromhex("E803F401F401640001")
    with pytest.raises(ValueError):
        config_with_rate(default, 201)


# ----------------------------------------------------------------------------- Tindeq


def test_tindeq_reference_weights():
    dec = TindeqDecoder()
    a, b = dec.feed(bytes.fromhex("011000002041E80300000000484120A10700"))
    assert a.values["force_n"] == pytest.approx(10.0 * G)
    assert a.device_time_s == pytest.approx(0.001)
    assert b.values["force_n"] == pytest.approx(12.5 * G)
    assert b.device_time_s == pytest.approx(0.5)
    (neg,) = dec.feed(bytes.fromhex("0108000080BED8FEFFFF"))
    assert neg.values["force_n"] == pytest.approx(-0.25 * G)
    assert neg.device_time_s == pytest.approx(4294.967)


def test_tindeq_timestamp_wraparound():
    dec = TindeqDecoder()
    pkt = lambda us: bytes([1, 8]) + struct.pack("<fI", 1.0, us)  # noqa: E731
    t = [dec.feed(pkt(us))[0].device_time_s for us in (2**32 - 2000, 2**32 - 1000, 500, 1500)]
    assert t == pytest.approx([4294.965296, 4294.966296, 4294.967796, 4294.968796])
    assert all(b > a for a, b in zip(t, t[1:]))


def test_tindeq_bad_packets_are_counted():
    dec = TindeqDecoder()
    assert dec.feed(b"\x01") == []
    assert dec.feed(bytes.fromhex("0108000080BED8FE")) == []  # truncated
    assert dec.feed(bytes.fromhex("01060000803F0000")) == []  # 6 is not a multiple of 8
    nan = struct.pack("<f", float("nan"))
    assert dec.feed(bytes([1, 8]) + nan + b"\x00" * 4) == []
    assert dec.stats.malformed == 4
    assert dec.feed(bytes.fromhex("000493 0F0000".replace(" ", ""))) == []
    assert battery_mv(dec.last_command_payload) == 3987
    assert dec.feed(bytes([4, 0])) == [] and dec.low_power


# ----------------------------------------------------------------------------- line protocol


def test_line_decoder_reframes_split_and_packed_lines():
    dec = HoldtrackLineDecoder()
    packets = [b"#holdtrack,1,t:ms,", b"force:N\r\n1520,12.34\n1540,12.3", b"6\n1560,1", b"2.38\n"]
    out = [s for p in packets for s in dec.feed(p)]
    assert [s.values["force_n"] for s in out] == [12.34, 12.36, 12.38]
    assert [s.device_time_s for s in out] == pytest.approx([1.52, 1.54, 1.56])
    assert dec.sensor_kind == "force"
    assert dec.stats.malformed == 0


def test_line_decoder_units_and_imu():
    dec = HoldtrackLineDecoder()
    out = dec.feed(
        b"#holdtrack,1,t:us,ax:mg,ay:mg,az:g,gx:dps,gy:dps,gz:rad/s\n5,0,1000,1,90,0,0.5\n"
    )
    (s,) = out
    assert s.values["acc_y"] == pytest.approx(G)
    assert s.values["acc_z"] == pytest.approx(G)
    assert s.values["gyro_x"] == pytest.approx(math.pi / 2)
    assert s.values["gyro_z"] == 0.5
    assert s.device_time_s == pytest.approx(5e-6)
    assert dec.sensor_kind == "imu"


def test_line_decoder_skips_bad_lines():
    dec = HoldtrackLineDecoder()
    assert dec.feed(b"1,2\n") == []  # before a header
    assert dec.feed(b"#holdtrack,1,t:ms,force:stone\n") == []
    assert dec.feed(b"#holdtrack,1,t:ms,force:N\n1,2,3\nx,2\n1,nan\n\xff\xfe\n") == []
    assert dec.stats.malformed == 6
    assert len(dec.feed(b"1,2\n")) == 1
    assert dec.feed(b"9" * 600) == [] and dec.stats.reasons.get("line longer than 512 bytes")
    with pytest.raises(ValueError, match="no sensor column"):
        parse_header("#holdtrack,1,t:ms")


# ----------------------------------------------------------------------------- fuzz and CLI


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(DECODERS)), st.lists(st.binary(max_size=64), max_size=8))
def test_decoders_never_crash(model, packets):
    dec = DECODERS[model]()
    n = 0
    for p in packets:
        out = dec.feed(p)
        n += len(out)
        for s in out:
            assert all(math.isfinite(v) for v in s.values.values())
    assert dec.stats.packets == len(packets)
    assert dec.stats.samples == n


def test_decode_command():
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "holdtrack.cli", "decode", *a], capture_output=True, text=True
    )
    ok = run("witmotion", WIT_FRAME.hex())
    assert ok.returncode == 0
    (s,) = json.loads(ok.stdout)["samples"]
    assert s["acc_z"] / G == pytest.approx(0.993164, abs=1e-6)
    bad = run("tindeq", "0108000080BED8FE")
    assert bad.returncode == 1 and json.loads(bad.stdout)["samples"] == []
    assert bad.stderr.strip() == (
        "holdtrack: decode: packet 1: length byte says 8, payload has 6 bytes"
    )
    assert run("thingy52", "zz").returncode == 1
