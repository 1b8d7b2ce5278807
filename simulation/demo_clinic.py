"""A demo clinic: a dozen made-up people over the last six weeks, so that the clinic view shows
what it is for before real patients arrive.

Each person follows a pattern a therapist meets: adherent (3-4 routines a week of 90 s+ holds),
fading (adherent, then fewer and shorter sessions), rolling-heavy (mostly rolling), lapsed
(adherent, then nothing for the last two weeks) or mixed. Their ids start with ``demo-`` so they
are marked everywhere and can be removed together.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from holdtrack.library import Library
from holdtrack.library.names import DEMO_PREFIX
from holdtrack.sensing.session import write_recording
from holdtrack.simulation.config import SimConfig
from holdtrack.simulation.simulate import simulate

PATTERNS = ("adherent", "rolling", "fading", "lapsed", "mixed")
NAMES = ("anna", "ben", "carla", "dev", "elif", "farid", "grace", "hugo", "ines", "jon", "kim",
         "lena")  # fmt: skip
KINDS = ("imu", "accel", "force", "pressure")
SITES = {"floor": ("left calf", "right glute", "left hamstring"),
         "wall": ("upper back", "right shoulder", "left trapezius")}  # fmt: skip
DEMO_RATE_HZ = 25.0  # enough for the detector, and quick to make
LAPSE_WEEKS = 2


@dataclass(frozen=True)
class Planned:
    """One demo session: whose, when, what it is, how it was measured."""

    patient_id: str
    start_utc: datetime
    scenario: str
    n_holds: int
    sensor_kind: str
    setup: str
    body_site: str
    seed: int


def _week_plan(pattern: str, week: int, weeks: int, rng: np.random.Generator) -> list[str]:
    """The scenarios of one week's sessions for a pattern (week 0 the oldest)."""
    late = week / max(weeks - 1, 1)  # 0 at the start, 1 in the latest week
    if pattern == "lapsed" and week >= weeks - LAPSE_WEEKS:
        return []
    if pattern == "fading":
        n = int(rng.integers(3, 5) * (1.0 - 0.8 * late) + 0.5)
        return ["good_holder" if rng.random() > late else "mixed" for _ in range(n)]
    if pattern == "rolling":  # rolling throughout, and only rolling lately (the clinic flags it)
        recent = week >= weeks - 2
        return [
            "roller" if rng.random() < 0.8 or recent else "mixed" for _ in range(rng.integers(2, 4))
        ]
    if pattern == "mixed":
        return [str(rng.choice(["mixed", "good_holder"])) for _ in range(rng.integers(2, 4))]
    return ["good_holder"] * int(rng.integers(3, 5))  # adherent, and lapsed before the lapse


def demo_plan(people: int, weeks: int, now: datetime, seed: int) -> list[Planned]:
    """Every demo session, oldest first: person ``i`` follows ``PATTERNS[i % 5]``. The day of
    ``now`` is in the draw, so a rebuild another day is new sessions, not removed ones restored."""
    rng = np.random.default_rng([seed, now.astimezone(UTC).toordinal()])
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)  # fmt: skip
    plan = []
    for i in range(people):
        pattern = PATTERNS[i % len(PATTERNS)]
        pid = f"{DEMO_PREFIX}{NAMES[i % len(NAMES)]}" + (f"-{i // len(NAMES)}" if i >= 12 else "")
        kind, setup = KINDS[i % len(KINDS)], ("floor", "wall")[i // len(KINDS) % 2]
        for week in range(weeks):
            scenarios = _week_plan(pattern, week, weeks, rng)
            days = sorted(rng.choice(7, size=len(scenarios), replace=False))
            for day, scenario in zip(days, scenarios):
                start = monday - timedelta(weeks=weeks - 1 - week, days=-int(day),
                                           hours=-float(rng.uniform(7, 21)))  # fmt: skip
                if start > now - timedelta(minutes=15):
                    continue  # not yet
                late = week / max(weeks - 1, 1)
                holds = 4 if scenario != "good_holder" or pattern != "fading" else 4 - int(2 * late)
                site, sim_seed = str(rng.choice(SITES[setup])), int(rng.integers(2**31))
                plan.append(Planned(pid, start, scenario, holds, kind, setup, site, sim_seed))
    return sorted(plan, key=lambda p: p.start_utc)


def build_demo_clinic(
    lib: Library,
    people: int = 12,
    weeks: int = 6,
    now: datetime | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Simulate and import the demo clinic into ``lib``; the demo people's ids.

    ``progress(done, total)`` is called after each session.
    """
    plan = demo_plan(people, weeks, now or datetime.now(UTC), seed)
    with tempfile.TemporaryDirectory(prefix="holdtrack-demo-") as tmp:
        for k, p in enumerate(plan, 1):
            cfg = SimConfig(sensor_kind=p.sensor_kind, setup=p.setup, scenario=p.scenario,
                            seed=p.seed, rate_hz=DEMO_RATE_HZ, n_holds=p.n_holds)  # fmt: skip
            session = simulate(cfg).session
            path = Path(tmp) / f"demo_{k}.parquet"
            write_recording(session, path)
            lib.import_file(path, patient_id=p.patient_id, body_site=p.body_site,
                            start_utc=p.start_utc)  # fmt: skip
            path.unlink()
            if progress is not None:
                progress(k, len(plan))
    return sorted({p.patient_id for p in plan})
