"""``holdtrack record``: a sensor (or a virtual one) into a crash-safe session."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from holdtrack.commands.base import (
    EXIT_OK,
    CliError,
    add_cue_options,
    add_hold_target_option,
    cues_for,
    positive_float,
    run_until_interrupted,
)

DESCRIPTION = (
    "Record a Bluetooth LE sensor into a crash-safe session (.parquet) until Ctrl-C, showing "
    "the link, rate, current state and hold timer, with sounds as a hold starts, every 30 s, "
    "at the target and when rolling. Unfinished recordings in the output folder "
    "are recovered first. --virtual FILE instead streams a session from a virtual sensor over "
    "an in-process Bluetooth link, through the same bleak code."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``record``."""
    # The decoders' names, which the device profiles share: importing the profiles would load
    # bleak into every command's start-up.
    from holdtrack.sensing.devices import DECODERS

    p.add_argument("--device", metavar="ADDRESS_OR_NAME", help="the sensor's address or name")
    p.add_argument("--virtual", type=Path, metavar="FILE", help="session to stream virtually")
    p.add_argument("--model", choices=list(DECODERS), help="device model (default: its advert)")
    p.add_argument("--rate", type=positive_float, metavar="HZ", help="sample rate to configure")
    p.add_argument("--tare", action="store_true", help="zero a force gauge first (tindeq)")
    add_hold_target_option(p, "; the cue sounds then")
    add_cue_options(p)
    p.add_argument("--patient", help="person id")
    p.add_argument("--site", help="body site")
    p.add_argument("--out", type=Path, default=Path("."), help="output folder (default .)")
    p.add_argument(
        "--scan-timeout",
        type=positive_float,
        default=10.0,
        help="seconds to look for the device (default 10)",
    )
    p.add_argument(
        "--speed", type=positive_float, default=1.0, help="virtual: replay speed (x real time)"
    )
    p.add_argument(
        "--faults",
        metavar="FAULTS",
        help="virtual: radio faults, e.g. drop=60,loss=0.02,garbage=0.01 (drop the link every "
        "60 s of the session, lose 2%% of notifications, follow 1%% with a garbage packet)",
    )


def _checked(args: argparse.Namespace) -> Any:
    """The virtual faults asked for; CliError for options that do not go together."""
    if (args.device is None) == (args.virtual is None):
        raise CliError("record: give --device ADDRESS_OR_NAME, or --virtual FILE")
    if args.virtual is None:
        if args.faults:
            raise CliError("record: --faults applies to --virtual sensors only")
        return None
    from holdtrack.sensing.devices import DECODERS
    from holdtrack.simulation.ble.peripheral import Faults

    if args.model is None:
        raise CliError("record: --virtual needs --model (" + ", ".join(DECODERS) + ")")
    try:
        return Faults.parse(args.faults)
    except ValueError as exc:
        raise CliError(f"record: --faults: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    """Record until Ctrl-C (or the end of a virtual source), then print the session's path."""
    faults = _checked(args)
    from holdtrack.analysis.schema import DEFAULT_HOLD_TARGET_S
    from holdtrack.commands.recover import recover_journals
    from holdtrack.live_display import LiveDisplay
    from holdtrack.sensing.ble.profiles import RecordOptions
    from holdtrack.sensing.ble.scan import ScanError
    from holdtrack.sensing.journal import unfinished
    from holdtrack.sensing.recorder import RecordError

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"record: cannot make {args.out}: {exc.strerror or exc}") from exc
    # Finish recordings a crash left here before starting a new one.
    recover_journals(unfinished(args.out), "recovered an unfinished recording:")
    options = RecordOptions(rate_hz=args.rate, tare=args.tare)
    target_s = args.hold_target or DEFAULT_HOLD_TARGET_S
    coach, player = cues_for(args, target_s)
    display = LiveDisplay(sys.stderr, hold_target_s=target_s, coach=coach, player=player)

    async def go(stop: Any) -> Any:
        if args.virtual is None:
            return await _record_device(args, options, stop, display)
        from holdtrack.simulation.ble.recording import record_virtual

        path, _sensor, status = await record_virtual(
            args.virtual, args.model, args.out, speed=args.speed, faults=faults,
            patient_id=args.patient, body_site=args.site, options=options, stop=stop,
            on_tick=display.tick,
        )  # fmt: skip
        return path, status

    try:
        path, status = run_until_interrupted(go)
    except (ScanError, RecordError, ValueError, OSError) as exc:
        raise CliError(f"record: {exc}") from exc
    finally:
        display.close()
    print(
        f"recorded {status.samples} samples, {status.connects} connection(s), "
        f"{len(status.gaps)} gap(s), {status.malformed} bad packet(s) skipped; "
        f"{display.cues} hold(s) reached the target",
        file=sys.stderr,
    )
    print(path)
    send_to_clinic([Path(path)])
    return EXIT_OK


def send_to_clinic(paths: list[Path], deadline_s: float = 30.0) -> None:
    """When this machine is linked: queue finished recordings and try to send them now. The
    recording is already safe on disk; what cannot be sent waits for ``holdtrack sync``."""
    from holdtrack.commands.sync import report_item
    from holdtrack.server.client import SyncError, enqueue, load_link, sync

    if not paths or load_link() is None:
        return
    try:
        enqueue(paths)
        left = sync(deadline_s, report=report_item)
    except (SyncError, OSError) as exc:
        print(f"holdtrack: not sent to the clinic ({exc}); run holdtrack sync later",
              file=sys.stderr)  # fmt: skip
        return
    if left:
        print(f"holdtrack: {len(left)} recording(s) wait to be sent: run holdtrack sync later",
              file=sys.stderr)  # fmt: skip


async def _record_device(args: argparse.Namespace, options: Any, stop: Any, display: Any) -> Any:
    """Find the sensor, then record it until Ctrl-C."""
    from holdtrack.sensing.ble.scan import find_sensor
    from holdtrack.sensing.recorder import (
        Recorder,
        journal_path_for,
        new_meta,
        record,
        recording_name,
    )

    print(f"looking for {args.device} ...", file=sys.stderr)
    device, profile = await find_sensor(args.device, args.model, timeout_s=args.scan_timeout)
    meta = new_meta(device, profile, args.patient, args.site)
    path = journal_path_for(args.out, recording_name(profile, args.patient))
    recorder = Recorder(device, profile, path, meta, options)
    print(f"recording {profile.label} {device.address} into {path}; Ctrl-C to finish",
          file=sys.stderr)  # fmt: skip
    out = await record(recorder, stop, on_tick=display.tick)
    return out, recorder.status
