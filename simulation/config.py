"""What a simulated session is asked to be: sensor, setup, scenario, seed (a light module)."""

from __future__ import annotations

from dataclasses import dataclass, field

from holdtrack.analysis.schema import SENSOR_KINDS

SETUPS = ("wall", "floor")
SCENARIOS = ("good_holder", "roller", "mixed")
DEFAULT_RATE_HZ = {"imu": 100.0, "accel": 50.0, "force": 80.0, "pressure": 25.0}
BALL_RADIUS_M = 0.0325

__all__ = ["BALL_RADIUS_M", "DEFAULT_RATE_HZ", "SCENARIOS", "SENSOR_KINDS", "SETUPS", "SimConfig"]


@dataclass
class SimConfig:
    """What to simulate; every unset random quantity is drawn from the seed."""

    sensor_kind: str = "imu"
    setup: str = "floor"
    scenario: str = "good_holder"
    seed: int = 0
    rate_hz: float | None = None
    samples_per_packet: int | None = None
    packet_loss: float | None = None
    dropouts_per_min: float | None = None
    timestamps: str | None = None  # "device" (sensor clock) or "packet" (host arrival per packet)
    n_holds: int | None = None
    world: str = "default"  # which ranges physical quantities are drawn from (simulation/world.py)
    pins: dict[str, float] = field(default_factory=dict)  # quantities fixed to one value
