"""The physical world a simulated session is drawn from: ranges of every body, ball and sensor
quantity, in physical units.

Two worlds: ``default``, the original set of guesses (kept so old results stay comparable),
and ``wide``, which spans the published ranges and goes beyond them by a margin (see
docs/simulator.md). Any quantity can be pinned to one value, which is how the stress benchmark
pushes one quantity at a time to its extremes.

Quantities new in the wide world draw from a second random stream, so the default world's
sessions are the same as before.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

Range = tuple[float, float]


@dataclass(frozen=True)
class World:
    """Ranges (low, high) each session draws its physical quantities from."""

    name: str
    ball_radius_mm: Range  # ball radius
    breath_depth_mm: Range  # contact travel per breath, peak to peak
    breath_rate_bpm: Range
    creep_mm: Range  # settling creep at the start of a hold (exponential)
    creep_tau_s: Range
    sink_mm: Range  # slow sinking into tissue over the whole hold (linear)
    micro_per_min: Range  # micro-adjustments per minute (when the person makes any)
    micro_mm: Range  # contact travel of one micro-adjustment
    micro_s: Range  # duration of one micro-adjustment
    sway_deg: Range  # RMS of postural sway of the ball, 0.1 to 1 Hz
    shake_mm: Range  # RMS of the ball centre's shake with the trunk, 0.5 to 2 Hz
    stroke_mm: Range  # rolling: contact travel of one stroke, end to end
    stroke_hz: Range | None  # rolling: strokes (back and forth) per second, drawn uniformly
    stroke_half_s: Range  # ... or, where stroke_hz is None, one direction's duration
    reposition_mm: Range  # contact travel of a reposition
    shift_share: float  # share of changes between holds that are a brief shift of posture
    shift_mm: Range  # contact travel of a shift of posture
    shift_s: Range  # duration of a shift of posture
    rate_hz: Range | None  # sample rate; None: the sensor kind's default rate
    noise_gain: Range  # sensor noise relative to a typical part
    gyro_bias_dps: Range  # spread (SD) of the constant gyroscope bias of each axis
    lever_mm: Range  # sensor distance from the ball centre


DEFAULT = World(
    name="default",
    ball_radius_mm=(32.5, 32.5),
    breath_depth_mm=(0.227, 1.985),  # 0.4 to 3.5 degrees on a 6.5 cm ball
    breath_rate_bpm=(5.5, 20.0),
    creep_mm=(0.0, 0.0),
    creep_tau_s=(5.0, 5.0),
    sink_mm=(0.0, 2.27),  # 0 to 4 degrees
    micro_per_min=(0.2, 3.0),
    micro_mm=(2.3256, 5.1051),  # 4.1 to 9 degrees
    micro_s=(0.3, 2.0),
    sway_deg=(0.0, 0.0),
    shake_mm=(0.0, 0.0),
    stroke_mm=(25.0, 75.0),  # half the 5 to 15 cm body stroke
    stroke_hz=None,
    stroke_half_s=(1.0, 4.0),
    reposition_mm=(15.0, 40.0),
    shift_share=0.0,
    shift_mm=(0.0, 0.0),
    shift_s=(2.0, 3.0),
    rate_hz=None,
    noise_gain=(1.0, 1.0),
    gyro_bias_dps=(1.0, 1.0),
    lever_mm=(15.0, 15.0),
)

WIDE = World(
    name="wide",
    ball_radius_mm=(30.0, 60.0),
    breath_depth_mm=(0.3, 6.0),
    breath_rate_bpm=(4.0, 30.0),
    creep_mm=(0.0, 4.0),
    creep_tau_s=(3.0, 20.0),
    sink_mm=(0.0, 3.0),
    micro_per_min=(0.0, 4.0),
    micro_mm=(1.0, 4.0),
    micro_s=(0.3, 1.5),
    sway_deg=(0.0, 1.5),
    shake_mm=(0.0, 0.6),
    stroke_mm=(20.0, 150.0),
    stroke_hz=(0.05, 0.8),
    stroke_half_s=(0.625, 10.0),
    reposition_mm=(10.0, 50.0),
    shift_share=0.3,
    shift_mm=(10.0, 20.0),
    shift_s=(2.0, 3.5),
    rate_hz=(10.0, 200.0),
    noise_gain=(0.5, 3.0),
    gyro_bias_dps=(0.0, 3.0),
    lever_mm=(0.0, 25.0),
)

WORLDS: dict[str, World] = {w.name: w for w in (DEFAULT, WIDE)}
QUANTITIES = tuple(
    f.name for f in fields(World) if f.name not in ("name", "shift_share", "stroke_half_s")
)


class Physics:
    """One session's draws from a world, with pinned quantities and the two random streams."""

    def __init__(self, world: World, pins: dict[str, float], seed: int, setup: str) -> None:
        unknown = set(pins) - set(QUANTITIES)
        if unknown:
            raise ValueError(f"unknown quantities {sorted(unknown)}; known: {QUANTITIES}")
        self.world, self.pins, self.setup = world, dict(pins), setup
        self.extra = np.random.default_rng([seed, 1])  # draws the default world never makes
        self.radius_m = self.draw_new("ball_radius_mm") / 1000.0

    def draw(self, rng: np.random.Generator, name: str, scale: float = 1.0) -> float:
        """A value of ``name`` from the main stream (quantities of the default world)."""
        lo, hi = getattr(self.world, name)
        value = float(rng.uniform(lo * scale, hi * scale)) / scale
        return self.pins.get(name, value)

    def draw_new(self, name: str) -> float:
        """A value of ``name`` from the second stream; no draw when the range is one value."""
        lo, hi = getattr(self.world, name)
        value = float(lo) if lo == hi else float(self.extra.uniform(lo, hi))
        return self.pins.get(name, value)  # drawn all the same: a pin moves no other draw

    def chance(self, share: float) -> bool:
        """True with probability ``share`` (second stream; never drawn when share is 0)."""
        return share > 0 and bool(self.extra.random() < share)


def band_noise(
    rng: np.random.Generator, n: int, fs: float, band_hz: tuple[float, float]
) -> np.ndarray:
    """Gaussian noise limited to a frequency band, unit RMS (zeros when the band is empty)."""
    if n < 4:
        return np.zeros(n)
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec[(f < band_hz[0]) | (f > band_hz[1])] = 0.0
    x = np.fft.irfft(spec, n)
    rms = float(np.sqrt(np.mean(x**2)))
    return x / rms if rms > 0 else x
