"""``holdtrack scan``: nearby sensors holdtrack can record."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from holdtrack.commands.base import EXIT_OK, CliError, positive_float, run_until_interrupted

DESCRIPTION = "Scan for Bluetooth LE sensors holdtrack can record (model, address, RSSI)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``scan``."""
    p.add_argument(
        "--timeout", type=positive_float, default=5.0, help="seconds to listen (default 5)"
    )
    p.add_argument("--all", action="store_true", help="list unsupported devices too")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--virtual", action="store_true", help="scan virtual sensors of every model (no hardware)"
    )


def run(args: argparse.Namespace) -> int:
    """List nearby supported sensors."""
    from holdtrack.sensing.ble.scan import ScanError, scan

    async def listen(_stop: Any) -> Any:
        if not args.virtual:
            return await scan(args.timeout)
        from holdtrack.simulation.ble.devices import VIRTUAL_MODELS
        from holdtrack.simulation.ble.radio import BumbleScanner, VirtualRadio

        async with VirtualRadio() as radio:
            for i, cls in enumerate(VIRTUAL_MODELS.values()):
                await cls(radio, f"D1:00:00:00:00:{i + 1:02X}").start()
            return await scan(args.timeout, backend=BumbleScanner)

    try:
        found = run_until_interrupted(listen)
    except ScanError as exc:
        raise CliError(f"scan: {exc}") from exc
    shown = [f for f in found if args.all or f.profile is not None]
    if args.json:
        sys.stdout.write(json.dumps([f.to_dict() for f in shown]) + "\n")
        return EXIT_OK
    if not shown:
        print(f"no supported sensor heard within {args.timeout:g} s", file=sys.stderr)
        return EXIT_OK
    print(f"{'model':<16} {'address':<38} {'RSSI':>5}  name")
    for f in shown:
        model = f.profile.model if f.profile else "-"
        rssi = "" if f.rssi is None else str(f.rssi)
        print(f"{model:<16} {f.device.address:<38} {rssi:>5}  {f.name or ''}")
    return EXIT_OK
