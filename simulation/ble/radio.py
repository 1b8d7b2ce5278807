"""A bleak backend on bumble: the product's bleak code talks to virtual sensors in-process.

A :class:`VirtualRadio` is a bumble ``LocalLink`` with one central ``Device`` that the backend
drives; virtual peripherals (``sensing.ble.virtual``) join the same link. Pass
``backend=BumbleClient`` to ``bleak.BleakClient`` and ``backend=BumbleScanner`` to
``bleak.BleakScanner`` (bleak 3.x) while a radio is active.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger(__name__)

CENTRAL_ADDRESS = "C0:00:00:00:00:01"
REQUESTED_MTU = 247  # without it, notifications are cut to 20 bytes


def bleak_uuid(u: UUID) -> str:
    """A bumble UUID as bleak spells UUIDs: full 128-bit, lower case."""
    return str(uuidlib.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


def make_device(link: LocalLink, name: str, address: str) -> Device:
    """A bumble device with its own emulated controller on ``link``."""
    controller = Controller(name, link=link, public_address=address)
    return Device(
        name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller))
    )


class VirtualRadio:
    """An in-process Bluetooth world for virtual sensors and the bleak backend."""

    current: VirtualRadio | None = None

    def __init__(self) -> None:
        self.link = LocalLink()
        self.central = make_device(self.link, "holdtrack", CENTRAL_ADDRESS)

    async def __aenter__(self) -> VirtualRadio:
        await self.central.power_on()
        VirtualRadio.current = self
        return self

    async def __aexit__(self, *exc: object) -> None:
        VirtualRadio.current = None
        for conn in list(self.central.connections.values()):
            with contextlib.suppress(Exception):
                await conn.disconnect()

    @classmethod
    def active(cls) -> VirtualRadio:
        """The radio in use (BleakError when none is)."""
        if cls.current is None:
            raise BleakError("no virtual radio is active (use 'async with VirtualRadio()')")
        return cls.current


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: advertisements seen by the virtual radio's central."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._listener: Callable[[Any], None] | None = None

    async def start(self) -> None:
        """Start scanning on the virtual radio."""
        central = VirtualRadio.active().central
        self.seen_devices = {}
        self._listener = self._on_advertisement
        central.on("advertisement", self._listener)
        await central.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        """Stop scanning."""
        radio = VirtualRadio.current
        if radio is None:
            return
        if self._listener is not None:
            radio.central.remove_listener("advertisement", self._listener)
            self._listener = None
        with contextlib.suppress(Exception):
            await radio.central.stop_scanning()

    def _on_advertisement(self, adv: Any) -> None:
        data: AdvertisingData = adv.data
        name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
            AdvertisingData.SHORTENED_LOCAL_NAME
        )
        if isinstance(name, bytes):
            name = name.decode(errors="replace")
        uuids: list[str] = []
        for kind in (
            AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        ):
            for u in data.get(kind) or []:
                uuids.append(bleak_uuid(u))
        if not self.is_allowed_uuid(uuids):
            return
        adv_data = AdvertisementData(
            local_name=name,
            manufacturer_data={},
            service_data={},
            service_uuids=uuids,
            tx_power=None,
            rssi=adv.rssi,
            platform_data=(adv,),
        )
        address = str(adv.address).split("/")[0]
        device = self.create_or_update_device(address, address, name, adv, adv_data)
        self.call_detection_callbacks(device, adv_data)


_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
}


class BumbleClient(BaseBleakClient):
    """bleak client backend: GATT over the virtual radio's central."""

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback", None),
            timeout=kwargs.pop("timeout", 10.0),
        )
        self._conn: Connection | None = None
        self._peer: Peer | None = None
        self._mtu = 23

    @property
    def name(self) -> str:
        """The peer's address (virtual devices have no OS-level name)."""
        return self.address

    @property
    def mtu_size(self) -> int:
        """The negotiated ATT MTU."""
        return self._mtu

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._conn is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        """Connect, raise the MTU and discover the whole GATT database."""
        central = VirtualRadio.active().central
        target = Address(self.address)
        link = VirtualRadio.active().link
        if not any(str(c.public_address).split("/")[0] == self.address for c in link.controllers):
            # An emulated controller never answers a connect to an absent device.
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found"
            )
        conn = await asyncio.wait_for(central.connect(target), self._timeout)
        self._conn = conn
        conn.on("disconnection", self._on_disconnection)
        self._peer = Peer(conn)
        self._mtu = await self._peer.request_mtu(REQUESTED_MTU)
        self.services = await self._discover()

    def _on_disconnection(self, *_: Any) -> None:
        self._conn = None
        self._peer = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def _discover(self) -> BleakGATTServiceCollection:
        assert self._peer is not None
        services = BleakGATTServiceCollection()
        await self._peer.discover_services()
        for s in self._peer.services:
            await s.discover_characteristics()
            svc = BleakGATTService(s, s.handle, bleak_uuid(s.uuid))
            services.add_service(svc)
            for ch in s.characteristics:
                await ch.discover_descriptors()
                props = [n for flag, n in _PROPERTY_NAMES.items() if ch.properties & flag]
                char = BleakGATTCharacteristic(
                    ch, ch.handle, bleak_uuid(ch.uuid), props, lambda: self._mtu - 3, svc
                )
                services.add_characteristic(char)
                for d in ch.descriptors:
                    services.add_descriptor(
                        BleakGATTDescriptor(d, d.handle, bleak_uuid(d.type), char)
                    )
        return services

    async def disconnect(self) -> None:
        """Disconnect (no-op when not connected)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.disconnect()
        self._conn = None
        self._peer = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Virtual sensors need no pairing."""

    async def unpair(self) -> None:
        """Virtual sensors need no pairing."""

    def _need_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kw: Any
    ) -> bytearray:
        """Read a characteristic value."""
        return bytearray(await self._need_peer().read_value(characteristic.obj))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kw: Any
    ) -> bytearray:
        """Read a descriptor value."""
        return bytearray(await self._need_peer().read_value(descriptor.obj))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        """Write a characteristic value, with or without response."""
        await self._need_peer().write_value(characteristic.obj, bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        """Write a descriptor value."""
        await self._need_peer().write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe; every notification goes to ``callback(bytearray)``."""
        await self._need_peer().subscribe(
            characteristic.obj, lambda value: callback(bytearray(value))
        )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe."""
        await self._need_peer().unsubscribe(characteristic.obj)
