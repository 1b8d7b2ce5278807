"""``holdtrack simulate``: a simulated, labelled session, or the bundled sample set."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from holdtrack.commands.base import (
    EXIT_OK,
    CliError,
    check_output_path,
    positive_float,
    save_session,
    share,
)

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Write a physically modelled session and its ground truth (FILE.truth.json), or "
    "regenerate the bundled sample set."
)
MAX_RATE_HZ = 1000.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``simulate``."""
    from holdtrack.simulation.config import DEFAULT_RATE_HZ, SCENARIOS, SENSOR_KINDS, SETUPS

    p.add_argument("--out", type=Path, help="output file, .csv or .parquet")
    p.add_argument("--truth", type=Path, help="truth JSON path (default: beside --out)")
    p.add_argument("--kind", choices=SENSOR_KINDS, default="imu", help="sensor kind")
    p.add_argument("--setup", choices=SETUPS, default="floor", help="ball on the floor or wall")
    p.add_argument("--scenario", choices=SCENARIOS, default="good_holder", help="behaviour")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same session)")
    p.add_argument(
        "--rate",
        type=positive_float,
        metavar="HZ",
        help=f"sample rate in Hz, up to {MAX_RATE_HZ:g} (default per kind: "
        + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_RATE_HZ.items())
        + ")",
    )
    p.add_argument(
        "--packet-loss", type=share, metavar="SHARE", help="share of radio packets lost, 0 to 1"
    )
    p.add_argument(
        "--world",
        choices=("default", "wide"),
        default="default",
        help="ranges of the physical quantities (docs/simulator.md)",
    )
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="QUANTITY=VALUE",
        help="fix one physical quantity, e.g. breath_depth_mm=6 (repeatable)",
    )
    p.add_argument("--sample-set", type=Path, metavar="DIR", help="regenerate the sample set")


def pins_parse(items: list[str]) -> dict[str, float]:
    """``QUANTITY=VALUE`` options as pins; a clear error names a bad one and the known names."""
    from holdtrack.simulation.world import QUANTITIES

    pins: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in QUANTITIES:
            raise CliError(
                f"simulate: --pin {item}: unknown quantity; known: {', '.join(QUANTITIES)}"
            )
        try:
            pins[name] = float(value)
        except ValueError:
            raise CliError(f"simulate: --pin {item}: the value is not a number") from None
    return pins


def run(args: argparse.Namespace) -> int:
    """Write one simulated session (and its truth), or the whole sample set."""
    if args.sample_set:
        from holdtrack.simulation.samples import write_sample_set

        for path in write_sample_set(args.sample_set):
            log.info("wrote %s", path)
        return EXIT_OK
    if args.out is None:
        raise CliError("simulate: give --out FILE (.csv or .parquet) or --sample-set DIR")
    if args.rate is not None and args.rate > MAX_RATE_HZ:
        raise CliError(f"simulate: --rate {args.rate:g} Hz is above {MAX_RATE_HZ:g} Hz")
    check_output_path(args.out)
    truth = args.truth or args.out.with_name(args.out.name.split(".")[0] + ".truth.json")
    if not truth.parent.is_dir():
        raise CliError(f"{truth}: the folder {truth.parent} does not exist")
    from holdtrack.simulation.config import SimConfig
    from holdtrack.simulation.simulate import simulate

    cfg = SimConfig(
        sensor_kind=args.kind,
        setup=args.setup,
        scenario=args.scenario,
        seed=args.seed,
        rate_hz=args.rate,
        packet_loss=args.packet_loss,
        world=args.world,
        pins=pins_parse(args.pin),
    )
    sim = simulate(cfg)
    save_session(sim.session, args.out)
    try:
        truth.write_text(json.dumps(sim.truth_dict(), indent=1, default=float) + "\n")
    except OSError as exc:
        raise CliError(f"cannot write {truth}: {exc.strerror or exc}") from exc
    log.info("wrote %s (%d samples) and %s", args.out, len(sim.session.data), truth)
    return EXIT_OK
