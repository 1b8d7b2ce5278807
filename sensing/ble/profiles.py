"""How to talk to each supported device family over GATT: find it, configure it, stream it.

A profile pairs a decoder (``sensing.devices``) with the GATT side: how the device advertises
(name prefix, service UUID), which characteristic notifies samples, and the writes that set the
rate or start and stop streaming. The recorder, ``holdtrack scan`` and the virtual sensors all
read the same profiles, so a virtual device and the real one cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice

from holdtrack.sensing.devices import nus, thingy, tindeq, witmotion
from holdtrack.sensing.devices.nus import HoldtrackLineDecoder
from holdtrack.sensing.devices.thingy import ThingyRawDecoder
from holdtrack.sensing.devices.tindeq import TindeqDecoder
from holdtrack.sensing.devices.witmotion import WitMotionDecoder
from holdtrack.sensing.session import SessionMeta

Step = Callable[[BleakClient, "RecordOptions"], Awaitable[None]]


@dataclass(frozen=True)
class RecordOptions:
    """What the user asked of the device."""

    rate_hz: float | None = None  # None: the profile's default
    tare: bool = False


async def _nothing(_client: BleakClient, _opts: RecordOptions) -> None:
    return None


async def _witmotion_configure(client: BleakClient, opts: RecordOptions) -> None:
    assert opts.rate_hz is not None  # resolved by DeviceProfile.resolve
    for cmd in witmotion.rate_commands(opts.rate_hz):
        await client.write_gatt_char(witmotion.WRITE_UUID, cmd, response=True)


def witmotion_rate(rate_hz: float) -> float:
    """The supported WitMotion output rate nearest to ``rate_hz`` (10 to 200 Hz)."""
    return float(min((r for r in witmotion.RATE_CODES if r >= 10), key=lambda r: abs(r - rate_hz)))


async def _thingy_configure(client: BleakClient, opts: RecordOptions) -> None:
    config = bytes(await client.read_gatt_char(thingy.CONFIG_UUID))
    assert opts.rate_hz is not None  # resolved by DeviceProfile.resolve
    await client.write_gatt_char(
        thingy.CONFIG_UUID, thingy.config_with_rate(config, int(opts.rate_hz)), response=True
    )


def thingy_rate(rate_hz: float) -> float:
    """The Thingy:52 motion frequency for ``rate_hz`` (whole Hz, 5 to 200)."""
    return float(min(200, max(5, round(rate_hz))))


async def _tindeq_start(client: BleakClient, opts: RecordOptions) -> None:
    if opts.tare:
        await client.write_gatt_char(tindeq.CONTROL_UUID, tindeq.TARE, response=True)
    await client.write_gatt_char(tindeq.CONTROL_UUID, tindeq.START_WEIGHT, response=True)


async def _tindeq_stop(client: BleakClient, _opts: RecordOptions) -> None:
    await client.write_gatt_char(tindeq.CONTROL_UUID, tindeq.STOP_WEIGHT, response=True)


async def _nus_start(client: BleakClient, _opts: RecordOptions) -> None:
    # Ask the board for its header, so samples decode from the first line after (re)connecting.
    await client.write_gatt_char(nus.RX_UUID, nus.HEADER_REQUEST, response=False)


@dataclass(frozen=True)
class DeviceProfile:
    """One device family's GATT side."""

    model: str
    label: str
    sensor_kind: str | None  # None: named by the device (the line protocol's header)
    name_prefixes: tuple[str, ...]
    service_uuid: str
    notify_uuid: str
    make_decoder: Callable[[], Any]
    default_rate_hz: float  # what to ask for, or expect when the device does not say
    configure: Step = _nothing  # before subscribing (rate)
    start: Step = _nothing  # after subscribing (start streaming, header request)
    stop: Step = _nothing  # before disconnecting at the end
    settable_rate: Callable[[float], float] | None = None  # nearest rate the device can run at

    def resolve(self, opts: RecordOptions) -> RecordOptions:
        """``opts`` with the rate the device will run at (for configuring, de-jittering and
        the metadata)."""
        rate = opts.rate_hz or self.default_rate_hz
        return replace(opts, rate_hz=self.settable_rate(rate) if self.settable_rate else rate)


PROFILES: dict[str, DeviceProfile] = {
    p.model: p
    for p in (
        DeviceProfile(
            "witmotion", "WitMotion BLE 5.0 IMU", "imu", (witmotion.NAME_PREFIX,),
            witmotion.SERVICE_UUID, witmotion.NOTIFY_UUID, WitMotionDecoder, 50.0,
            configure=_witmotion_configure, settable_rate=witmotion_rate,
        ),
        DeviceProfile(
            "thingy52", "Nordic Thingy:52", "imu", (thingy.NAME_PREFIX,), thingy.SERVICE_UUID,
            thingy.RAW_UUID, ThingyRawDecoder, 50.0, configure=_thingy_configure,
            settable_rate=thingy_rate,
        ),
        DeviceProfile(
            "tindeq", "Tindeq Progressor", "force", (tindeq.NAME_PREFIX,), tindeq.SERVICE_UUID,
            tindeq.DATA_UUID, TindeqDecoder, 80.0, start=_tindeq_start, stop=_tindeq_stop,
        ),
        DeviceProfile(
            "holdtrack-line", "DIY board (holdtrack line protocol over NUS)", None,
            ("holdtrack",), nus.SERVICE_UUID, nus.TX_UUID, HoldtrackLineDecoder, 50.0,
            start=_nus_start,
        ),
    )
}  # fmt: skip


def identify(name: str | None, service_uuids: list[str] | tuple[str, ...]) -> DeviceProfile | None:
    """The profile of an advertising device, by service UUID first, then by name prefix."""
    uuids = {u.lower() for u in service_uuids}
    for p in PROFILES.values():
        if p.service_uuid in uuids:
            return p
    # WitMotion's "WT" prefix is short: only trust names that look like its models.
    for p in PROFILES.values():
        if name and any(name.startswith(prefix) for prefix in p.name_prefixes):
            if p.model == "witmotion" and not name[2:3].isdigit():
                continue
            return p
    return None


def new_meta(
    device: BLEDevice, profile: DeviceProfile, patient_id: str | None, body_site: str | None,
    extra: dict[str, Any] | None = None,
) -> SessionMeta:  # fmt: skip
    """Metadata for a recording starting now (the sensor kind is filled in at the first data)."""
    return SessionMeta(
        sensor_kind=profile.sensor_kind or "force",
        device_model=profile.label,
        device_address=device.address,
        patient_id=patient_id,
        body_site=body_site,
        start_time_utc=datetime.now(UTC).replace(microsecond=0).isoformat(),
        extra=extra or {},
    )


def recording_name(profile: DeviceProfile, patient_id: str | None) -> str:
    """``20261123-101500-tindeq[-PATIENT]``: sortable by start time."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{profile.model}" + (f"-{patient_id}" if patient_id else "")
