"""The activity script: what the simulated person does, in order, for each scenario."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holdtrack.simulation.config import SCENARIOS, SimConfig
from holdtrack.simulation.world import Physics


@dataclass
class Activity:
    """One stretch of the script: what happens (``kind``), how long, and its true state."""

    kind: str  # idle_still, carried, settle, unsettle, rolling, hold, reposition
    duration_s: float
    state: str
    p: dict[str, Any] = field(default_factory=dict)


class _Writer:
    """Appends activities with their durations drawn from the session's random generator."""

    def __init__(self, rng: np.random.Generator, cfg: SimConfig, ph: Physics | None) -> None:
        self.rng, self.cfg, self.ph = rng, cfg, ph
        self.out: list[Activity] = []

    def add(self, kind: str, lo: float, hi: float, state: str, **p: Any) -> None:
        self.out.append(Activity(kind, float(self.rng.uniform(lo, hi)), state, p))

    def idle(self, lo: float = 5, hi: float = 25) -> None:
        self.add("idle_still", lo, hi, "idle")

    def rolling(self, lo: float, hi: float, *, pauses: bool = True) -> None:
        self.add("rolling", lo, hi, "rolling", pauses=pauses)

    def hold(self, lo: float, hi: float) -> None:
        self.add("hold", lo, hi, "hold")

    def reposition(self) -> None:
        """A move to a new spot, or (wide world) sometimes a brief shift of posture."""
        ph = self.ph
        if ph is not None and ph.chance(ph.world.shift_share):
            shift_s = ph.draw_new("shift_s")
            self.out.append(Activity("reposition", shift_s, "reposition", {"shift": True}))
            return
        self.add("reposition", 1.0, 3.0, "reposition")

    def start(self) -> None:
        """Idle, perhaps carried to the spot, then settling onto the ball."""
        self.idle()
        if self.cfg.setup == "wall" or self.rng.random() < 0.4:
            self.add("carried", 3, 10, "idle")
        self.add("settle", 1.0, 2.5, "idle")

    def finish(self) -> None:
        """Getting off the ball, perhaps carrying it away, then idle."""
        self.add("unsettle", 1.0, 2.0, "idle")
        if self.rng.random() < 0.5:
            self.add("carried", 3, 10, "idle")
        self.idle()


def _good_holder(w: _Writer) -> None:
    """Holds of 92 to 240 s, separated by repositions (sometimes a little rolling)."""
    rng = w.rng
    n = w.cfg.n_holds or int(rng.integers(3, 6))
    if rng.random() < 0.6:
        w.rolling(15, 60)
    for i in range(n):
        w.hold(92, 240)
        if i < n - 1:
            if rng.random() < 0.25:
                w.rolling(10, 30)
            else:
                w.reposition()


def _roller(w: _Writer) -> None:
    """Long rolling with a few short holds."""
    n = w.cfg.n_holds or int(w.rng.integers(1, 3))
    for _ in range(n):
        w.rolling(60, 200)
        w.hold(15, 70)
    w.rolling(40, 120)


def _mixed(w: _Writer) -> None:
    """Holds of 15 to 200 s between rolling and repositions."""
    rng = w.rng
    n = w.cfg.n_holds or int(rng.integers(3, 6))
    for i in range(n):
        if i == 0 and rng.random() < 0.5:
            w.rolling(15, 90)
        elif i > 0:
            w.reposition() if rng.random() < 0.5 else w.rolling(15, 90)
        w.hold(15, 80) if rng.random() < 0.4 else w.hold(92, 200)


SCENARIO_SCRIPTS: dict[str, Callable[[_Writer], None]] = {
    "good_holder": _good_holder,
    "roller": _roller,
    "mixed": _mixed,
}


def script_make(
    rng: np.random.Generator, cfg: SimConfig, ph: Physics | None = None
) -> list[Activity]:
    """Activity script for a scenario: start, the scenario's activities, finish."""
    if cfg.scenario not in SCENARIO_SCRIPTS:
        raise ValueError(f"unknown scenario {cfg.scenario!r}; choose from {SCENARIOS}")
    w = _Writer(rng, cfg, ph)
    w.start()
    SCENARIO_SCRIPTS[cfg.scenario](w)
    w.finish()
    return w.out
