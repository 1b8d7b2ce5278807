"""One decoder per device family: bytes as the device sends them in, samples in SI units out.

Every decoder is a small stateful object with ``feed(data: bytes) -> list[Sample]`` (state only
where the protocol needs it: byte-stream resync, line re-framing, timestamp unwrapping) and a
``stats`` counter of what it skipped. Malformed input is counted and skipped, never raised.
"""

from __future__ import annotations

from holdtrack.sensing.devices.base import DecodeStats, Sample
from holdtrack.sensing.devices.nus import HoldtrackLineDecoder
from holdtrack.sensing.devices.thingy import ThingyRawDecoder
from holdtrack.sensing.devices.tindeq import TindeqDecoder
from holdtrack.sensing.devices.witmotion import WitMotionDecoder

DECODERS = {
    "witmotion": WitMotionDecoder,
    "thingy52": ThingyRawDecoder,
    "tindeq": TindeqDecoder,
    "holdtrack-line": HoldtrackLineDecoder,
}

__all__ = [
    "DECODERS",
    "DecodeStats",
    "HoldtrackLineDecoder",
    "Sample",
    "ThingyRawDecoder",
    "TindeqDecoder",
    "WitMotionDecoder",
]
