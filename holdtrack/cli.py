"""The ``holdtrack`` command: one front for analysing, simulating and converting sessions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from holdtrack import __version__

log = logging.getLogger("holdtrack")

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line on stderr with a non-zero exit status."""


def _fmt_clock(seconds: float) -> str:
    """Seconds as m:ss.s (or h:mm:ss for long sessions)."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{sign}{int(h)}:{int(m):02d}:{sec:04.1f}"
    return f"{sign}{int(m)}:{sec:04.1f}"


def _load(path: Path) -> Any:
    from sensing.session import SessionFormatError, read_session

    try:
        return read_session(path)
    except SessionFormatError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from exc


def cmd_analyze(args: argparse.Namespace) -> int:
    """Find the holds in one session file and report them."""
    from analysis import session_process

    session = _load(args.file)
    try:
        result = session_process(session.data, session.meta.sensor_kind)
    except ValueError as exc:
        raise CliError(f"{args.file}: cannot analyse: {exc}") from exc
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
        return EXIT_OK
    print(render_table(args.file.name, result, session.duration_s))
    return EXIT_OK


def render_table(name: str, result: Any, duration_s: float) -> str:
    """The readable analysis report: one row per hold, then the verdict."""
    s = result.summary
    lines = [
        f"{name}: {result.sensor_kind} session, {_fmt_clock(duration_s)} long",
        "",
    ]
    if result.holds:
        lines.append("  #   start     duration  >=90 s  steadiness  breaths/min")
        for i, h in enumerate(result.holds, 1):
            bpm = f"{h.breaths_per_min:.1f}" if h.breaths_per_min is not None else "-"
            lines.append(
                f"{i:3d}   {_fmt_clock(h.start_s):>8}  {_fmt_clock(h.duration_s):>8}  "
                f"{'yes' if h.adherent else 'no':>6}  {h.steadiness:10.2f}  {bpm:>11}"
            )
    else:
        lines.append("  no holds of 10 s or more")
    t = s["time_in_state_s"]
    lines += [
        "",
        "  time: "
        + ", ".join(f"{k} {_fmt_clock(v)}" for k, v in t.items())
        + (f"; data gaps {s['gap_s']:.1f} s" if s["gap_s"] else ""),
        "",
        f"Verdict: {s['verdict']}",
    ]
    return "\n".join(lines)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write one simulated session (and its truth), or the whole sample set."""
    from sensing.samples import write_sample_set
    from sensing.simulate import SimConfig, simulate

    if args.sample_set:
        for path in write_sample_set(args.sample_set):
            log.info("wrote %s", path)
        return EXIT_OK
    if args.out is None:
        raise CliError("simulate: give --out FILE (.csv or .parquet) or --sample-set DIR")
    cfg = SimConfig(
        sensor_kind=args.kind,
        setup=args.setup,
        scenario=args.scenario,
        seed=args.seed,
        rate_hz=args.rate,
        packet_loss=args.packet_loss,
    )
    try:
        sim = simulate(cfg)
    except ValueError as exc:
        raise CliError(f"simulate: {exc}") from exc
    _save(sim.session, args.out)
    truth = args.truth or args.out.with_name(args.out.name.split(".")[0] + ".truth.json")
    truth.write_text(json.dumps(sim.truth_dict(), indent=1, default=float) + "\n")
    log.info("wrote %s (%d samples) and %s", args.out, len(sim.session.data), truth)
    return EXIT_OK


def _save(session: Any, out: Path) -> None:
    from sensing.session import write_csv, write_recording

    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(session, out)
    elif suffix == ".parquet":
        write_recording(session, out)
    else:
        raise CliError(f"{out}: unknown output type {suffix!r}; use .csv or .parquet")


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert between the interchange CSV and the holdtrack recording format."""
    session = _load(args.src)
    _save(session, args.dst)
    log.info("wrote %s (%d samples)", args.dst, len(session.data))
    return EXIT_OK


def _library(args: argparse.Namespace) -> Any:
    from dashboard.library import Library, default_library_dir

    return Library(args.library or default_library_dir())


def cmd_import(args: argparse.Namespace) -> int:
    """Import session files into the library (validated; bad files are reported, not fatal)."""
    lib = _library(args)
    ok, errors = lib.import_files(args.files, patient_id=args.patient, body_site=args.site)
    for e in errors:
        print(f"holdtrack: {e}", file=sys.stderr)
    log.info("imported %d of %d files into %s", len(ok), len(args.files), lib.root)
    return EXIT_OK if not errors else EXIT_BAD_INPUT


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the Streamlit dashboard on the library (samples imported into an empty one)."""
    import os
    import subprocess

    import dashboard
    from dashboard.library import import_sample_set

    lib = _library(args)
    if args.samples or not lib.patients():
        import_sample_set(lib)
    app = Path(dashboard.__file__).with_name("app.py")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        args.host,
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.maxUploadSize",
        "200",
        "--client.toolbarMode",
        "viewer",
    ]
    log.info("holdtrack dashboard on http://%s:%d (library %s)", args.host, args.port, lib.root)
    env = {**os.environ, "HOLDTRACK_LIBRARY": str(lib.root)}
    if os.name == "posix":
        # Become the server, so a SIGTERM to this process stops it instead of orphaning it.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, cmd, env)
    return subprocess.call(cmd, env=env)


def cmd_decode(args: argparse.Namespace) -> int:
    """Decode packets as the device sends them and print the samples as JSON."""
    from sensing.devices import DECODERS

    decoder = DECODERS[args.model]()
    samples = []
    for text in args.hex:
        try:
            packet = bytes.fromhex(text.replace(":", "").replace(" ", ""))
        except ValueError as exc:
            raise CliError(f"decode: {text!r} is not hex ({exc})") from exc
        samples += decoder.feed(packet)
    st = decoder.stats
    if not samples and st.malformed:
        raise CliError(f"decode: {args.model}: no samples: {st.last_reason}")
    out = {
        "model": args.model,
        "samples": [s.to_dict() for s in samples],
        "skipped": {"malformed": st.malformed, "bytes": st.skipped_bytes, "reasons": st.reasons},
    }
    sys.stdout.write(json.dumps(out) + "\n")
    return EXIT_OK


def _run_until_interrupted(make: Any) -> Any:
    """Run the coroutine ``make(stop)``; Ctrl-C or SIGTERM set ``stop`` so it ends cleanly."""
    import asyncio
    import contextlib
    import signal

    async def main() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has none
                loop.add_signal_handler(sig, stop.set)
        return await make(stop)

    return asyncio.run(main())


def _recover_journals(paths: list[Path], done: str = "recovered") -> bool:
    """Turn journals into session files, reporting each; True if any failed."""
    from sensing.journal import recover

    failed = False
    for p in paths:
        try:
            log.info("%s %s", done, recover(p))
        except (ValueError, OSError) as exc:
            print(f"holdtrack: {p}: {exc}", file=sys.stderr)
            failed = True
    return failed


def cmd_scan(args: argparse.Namespace) -> int:
    """List nearby supported sensors."""
    from sensing.ble.scan import ScanError, scan

    async def run(_stop: Any) -> Any:
        if not args.virtual:
            return await scan(args.timeout)
        from sensing.ble.bumble_backend import BumbleScanner, VirtualRadio
        from sensing.ble.virtual import VIRTUAL_MODELS

        async with VirtualRadio() as radio:
            for i, cls in enumerate(VIRTUAL_MODELS.values()):
                await cls(radio, f"D1:00:00:00:00:{i + 1:02X}").start()
            return await scan(args.timeout, backend=BumbleScanner)

    try:
        found = _run_until_interrupted(run)
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


def cmd_record(args: argparse.Namespace) -> int:
    """Record a sensor (or a virtual one) into a session file."""
    from sensing.ble.scan import ScanError
    from sensing.ble.virtual import Faults
    from sensing.live import LiveDisplay
    from sensing.profiles import RecordOptions
    from sensing.recorder import RecordError

    if (args.device is None) == (args.virtual is None):
        raise CliError("record: give --device ADDRESS_OR_NAME, or --virtual FILE")
    if args.virtual is not None and args.model is None:
        raise CliError("record: --virtual needs --model (" + ", ".join(_models()) + ")")
    try:
        faults = Faults.parse(args.faults)
    except ValueError as exc:
        raise CliError(f"record: --faults: {exc}") from exc
    if args.virtual is None and args.faults:
        raise CliError("record: --faults applies to --virtual sensors only")
    args.out.mkdir(parents=True, exist_ok=True)
    from sensing.journal import unfinished

    # Finish recordings a crash left here before starting a new one.
    _recover_journals(unfinished(args.out), "recovered an unfinished recording:")
    options = RecordOptions(rate_hz=args.rate, tare=args.tare)
    display = LiveDisplay(sys.stderr)

    async def run(stop: Any) -> Any:
        if args.virtual is not None:
            from sensing.virtual_recording import record_virtual

            path, _sensor, status = await record_virtual(
                args.virtual, args.model, args.out, speed=args.speed, faults=faults,
                patient_id=args.patient, body_site=args.site, options=options, stop=stop,
                on_tick=display.tick,
            )  # fmt: skip
            return path, status
        return await _record_device(args, options, stop, display)

    try:
        path, status = _run_until_interrupted(run)
    except (ScanError, RecordError, ValueError, OSError) as exc:
        raise CliError(f"record: {exc}") from exc
    finally:
        display.close()
    gaps = len(status.gaps)
    print(
        f"recorded {status.samples} samples, {status.connects} connection(s), {gaps} gap(s), "
        f"{status.malformed} bad packet(s) skipped; {display.cues} hold(s) reached 90 s",
        file=sys.stderr,
    )
    print(path)
    return EXIT_OK


async def _record_device(args: argparse.Namespace, options: Any, stop: Any, display: Any) -> Any:
    """Find the sensor, then record it until Ctrl-C."""
    from sensing.ble.scan import find_sensor
    from sensing.recorder import Recorder, journal_path_for, new_meta, record, recording_name

    print(f"looking for {args.device} ...", file=sys.stderr)
    device, profile = await find_sensor(args.device, args.model, timeout_s=args.scan_timeout)
    meta = new_meta(device, profile, args.patient, args.site)
    path = journal_path_for(args.out, recording_name(profile, args.patient))
    recorder = Recorder(device, profile, path, meta, options)
    print(f"recording {profile.label} {device.address} into {path}; Ctrl-C to finish",
          file=sys.stderr)  # fmt: skip
    out = await record(recorder, stop, on_tick=display.tick)
    return out, recorder.status


def _models() -> list[str]:
    # The decoders' names, which the device profiles share: importing the profiles would load
    # bleak into every command's start-up.
    from sensing.devices import DECODERS

    return list(DECODERS)


def cmd_recover(args: argparse.Namespace) -> int:
    """Turn unfinished recordings (journals) into session files."""
    from sensing.journal import unfinished

    paths = unfinished(args.path) if args.path.is_dir() else [args.path]
    if not paths:
        log.info("nothing to recover in %s", args.path)
    return EXIT_BAD_INPUT if _recover_journals(paths) else EXIT_OK


def _add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library", type=Path, help="library folder (default: the per-user data folder)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    from sensing.simulate import DEFAULT_RATE_HZ, SCENARIOS, SENSOR_KINDS, SETUPS

    p = argparse.ArgumentParser(
        prog="holdtrack",
        description="Tell sustained self-myofascial-release holds from rolling.",
    )
    p.add_argument("--version", action="version", version=f"holdtrack {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    a = sub.add_parser(
        "analyze",
        help="find the holds in a session file",
        description="Find the holds in a session (interchange CSV or .parquet recording).",
    )
    a.add_argument("file", type=Path, metavar="FILE", help="session file (.csv or .parquet)")
    a.add_argument("--json", action="store_true", help="print the SPEC section 3 JSON object")
    a.set_defaults(func=cmd_analyze)

    s = sub.add_parser(
        "simulate",
        help="write a simulated, labelled session",
        description="Write a physically modelled session and its ground truth "
        "(FILE.truth.json), or regenerate the bundled sample set.",
    )
    s.add_argument("--out", type=Path, help="output file, .csv or .parquet")
    s.add_argument("--truth", type=Path, help="truth JSON path (default: beside --out)")
    s.add_argument("--kind", choices=SENSOR_KINDS, default="imu", help="sensor kind")
    s.add_argument("--setup", choices=SETUPS, default="floor", help="ball on the floor or wall")
    s.add_argument("--scenario", choices=SCENARIOS, default="good_holder", help="behaviour")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same session)")
    s.add_argument(
        "--rate",
        type=float,
        help="sample rate in Hz (default per kind: "
        + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_RATE_HZ.items())
        + ")",
    )
    s.add_argument("--packet-loss", type=float, help="share of radio packets lost, 0..1")
    s.add_argument("--sample-set", type=Path, metavar="DIR", help="regenerate the sample set")
    s.set_defaults(func=cmd_simulate)

    c = sub.add_parser(
        "convert",
        help="convert CSV <-> recording",
        description="Convert a session between the interchange CSV and the .parquet recording.",
    )
    c.add_argument("src", type=Path, metavar="SRC", help="input session file")
    c.add_argument("dst", type=Path, metavar="DST", help="output file, .csv or .parquet")
    c.set_defaults(func=cmd_convert)

    from sensing.devices import DECODERS

    dec = sub.add_parser(
        "decode",
        help="decode raw sensor packets (hex) to samples",
        description="Decode packets as the device sends them (hex, one argument per "
        "notification) and print the samples in SPEC units as JSON. A bad packet gets a "
        "one-line reason.",
    )
    dec.add_argument("model", choices=sorted(DECODERS), help="device family")
    dec.add_argument("hex", nargs="+", metavar="HEX", help="one notification as hex")
    dec.set_defaults(func=cmd_decode)

    sc = sub.add_parser(
        "scan",
        help="list nearby supported sensors",
        description="Scan for Bluetooth LE sensors holdtrack can record (model, address, RSSI).",
    )
    sc.add_argument("--timeout", type=float, default=5.0, help="seconds to listen (default 5)")
    sc.add_argument("--all", action="store_true", help="list unsupported devices too")
    sc.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sc.add_argument(
        "--virtual", action="store_true", help="scan virtual sensors of every model (no hardware)"
    )
    sc.set_defaults(func=cmd_scan)

    models = _models()
    r = sub.add_parser(
        "record",
        help="record a sensor into a session file",
        description="Record a Bluetooth LE sensor into a crash-safe session (.parquet) until "
        "Ctrl-C, showing the link, rate, current state and hold timer. Unfinished recordings "
        "in the output folder are recovered first. --virtual FILE instead streams a session "
        "from a virtual sensor over an in-process Bluetooth link, through the same bleak code.",
    )
    r.add_argument("--device", metavar="ADDRESS_OR_NAME", help="the sensor's address or name")
    r.add_argument("--virtual", type=Path, metavar="FILE", help="session to stream virtually")
    r.add_argument("--model", choices=models, help="device model (default: from its advert)")
    r.add_argument("--rate", type=float, metavar="HZ", help="sample rate to configure")
    r.add_argument("--tare", action="store_true", help="zero a force gauge first (tindeq)")
    r.add_argument("--patient", help="person id")
    r.add_argument("--site", help="body site")
    r.add_argument("--out", type=Path, default=Path("."), help="output folder (default .)")
    r.add_argument(
        "--scan-timeout", type=float, default=10.0, help="seconds to look for the device"
    )
    r.add_argument("--speed", type=float, default=1.0, help="virtual: replay speed (x real time)")
    r.add_argument(
        "--faults",
        metavar="SPEC",
        help="virtual: radio faults, e.g. drop=60,loss=0.02,garbage=0.01 (drop the link every "
        "60 s of the session, lose 2%% of notifications, follow 1%% with a garbage packet)",
    )
    r.set_defaults(func=cmd_record)

    rc = sub.add_parser(
        "recover",
        help="finish recordings cut off by a crash",
        description="Turn unfinished recordings (.htjournal) into .parquet session files.",
    )
    rc.add_argument("path", type=Path, metavar="PATH", help="a .htjournal file or a folder")
    rc.set_defaults(func=cmd_recover)

    i = sub.add_parser(
        "import",
        help="add session files to the library",
        description="Validate, copy, index and analyse session files into the session library.",
    )
    i.add_argument("files", type=Path, nargs="+", metavar="FILE", help="session files")
    _add_library_option(i)
    i.add_argument("--patient", help="person id (for files without one, such as CSV)")
    i.add_argument("--site", help="body site, e.g. 'upper back'")
    i.set_defaults(func=cmd_import)

    d = sub.add_parser(
        "dashboard",
        help="open the dashboard",
        description="Serve the Streamlit dashboard on the session library; an empty library "
        "starts with the bundled sample sessions.",
    )
    _add_library_option(d)
    d.add_argument("--samples", action="store_true", help="import the sample sessions first")
    d.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    d.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    d.set_defaults(func=cmd_dashboard)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``holdtrack`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"holdtrack: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("holdtrack: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
