"""Finding supported sensors: ``holdtrack scan`` and resolving ``record --device``.

Both go through ``bleak.BleakScanner``; pass ``backend=`` to scan a virtual radio instead of
the system's adapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from holdtrack.sensing.ble.profiles import PROFILES, DeviceProfile, identify

ADDRESS_RE = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


class ScanError(Exception):
    """Scanning is impossible here (no adapter, no permission) or found nothing usable."""


@dataclass(frozen=True)
class Found:
    """One advertising device and the profile it matches (None: not a supported sensor)."""

    device: BLEDevice
    name: str | None
    rssi: int | None
    profile: DeviceProfile | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.profile.model if self.profile else None,
            "address": self.device.address,
            "name": self.name,
            "rssi": self.rssi,
        }


async def scan(timeout_s: float = 5.0, backend: type | None = None) -> list[Found]:
    """Every device heard within ``timeout_s``, supported sensors first, strongest first."""
    kwargs: dict[str, Any] = {"backend": backend} if backend is not None else {}
    try:
        heard = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **kwargs)
    except Exception as exc:  # OSError, BleakError, and D-Bus or WinRT errors of their own types
        if isinstance(exc, BleakError | OSError) or type(exc).__module__.split(".")[0] in (
            "dbus_fast",
            "winrt",
        ):
            raise ScanError(
                f"cannot scan for Bluetooth devices ({exc}); is there a Bluetooth adapter, "
                "switched on, with its system service running?"
            ) from exc
        raise
    found = [
        Found(dev, adv.local_name or dev.name, adv.rssi, identify(adv.local_name or dev.name,
                                                                 adv.service_uuids))
        for dev, adv in heard.values()
    ]  # fmt: skip
    return sorted(found, key=lambda f: (f.profile is None, -(f.rssi or -999)))


async def find_sensor(
    target: str, model: str | None = None, timeout_s: float = 10.0, backend: type | None = None
) -> tuple[BLEDevice, DeviceProfile]:
    """The device named or addressed by ``target`` and its profile (``model`` overrides)."""
    found = await scan(timeout_s, backend)
    if ADDRESS_RE.match(target):
        matches = [f for f in found if f.device.address.lower() == target.lower()]
    else:
        matches = [f for f in found if f.name == target] or [
            f for f in found if f.name and f.name.lower().startswith(target.lower())
        ]
    if not matches:
        raise ScanError(
            f"no device {target!r} heard within {timeout_s:g} s; is it on and near? "
            "('holdtrack scan' lists nearby sensors)"
        )
    if len(matches) > 1:
        names = ", ".join(f"{f.name} ({f.device.address})" for f in matches)
        raise ScanError(f"{target!r} matches several devices: {names}; give the address")
    hit = matches[0]
    if model is not None:
        return hit.device, PROFILES[model]
    if hit.profile is None:
        raise ScanError(
            f"{hit.name or hit.device.address} is not a recognised sensor; name its --model "
            f"({', '.join(PROFILES)})"
        )
    return hit.device, hit.profile
