"""``holdtrack decode MODEL HEX...``: packets as a device sends them, decoded to samples."""

from __future__ import annotations

import argparse
import json
import sys

from holdtrack.commands.base import EXIT_BAD_INPUT, EXIT_OK, CliError

DESCRIPTION = (
    "Decode packets as the device sends them (hex, one argument per notification) and print "
    "the samples in SI units as JSON. Each bad packet gets a one-line reason on stderr and the "
    "exit status is then 1."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``decode``."""
    from holdtrack.sensing.devices import DECODERS

    p.add_argument("model", choices=sorted(DECODERS), help="device family")
    p.add_argument("hex", nargs="+", metavar="HEX", help="one notification as hex")


def run(args: argparse.Namespace) -> int:
    """Decode each packet; report the bad ones."""
    from holdtrack.sensing.devices import DECODERS

    decoder = DECODERS[args.model]()
    samples = []
    bad = 0
    for i, text in enumerate(args.hex, 1):
        try:
            packet = bytes.fromhex(text.replace(":", "").replace(" ", ""))
        except ValueError as exc:
            raise CliError(f"decode: {text!r} is not hex ({exc})") from exc
        before = decoder.stats.malformed
        samples += decoder.feed(packet)
        if decoder.stats.malformed > before:
            bad += 1
            print(f"holdtrack: decode: packet {i}: {decoder.stats.last_reason}", file=sys.stderr)
    st = decoder.stats
    out = {
        "model": args.model,
        "samples": [s.to_dict() for s in samples],
        "skipped": {"malformed": st.malformed, "bytes": st.skipped_bytes, "reasons": st.reasons},
    }
    sys.stdout.write(json.dumps(out, allow_nan=False) + "\n")
    return EXIT_BAD_INPUT if bad else EXIT_OK
