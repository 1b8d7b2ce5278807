"""The bundled sample sessions: a handful of small simulated sessions with their truth.

Regenerate them with ``holdtrack simulate --sample-set sample_data``; the seeds are fixed, so
the files come out the same on every machine with the same library versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sensing.session import write_csv, write_recording
from sensing.simulate import SimConfig, simulate


@dataclass(frozen=True)
class Sample:
    """One bundled sample session."""

    name: str
    config: SimConfig
    patient_id: str
    fmt: str  # "parquet" or "csv"
    days_ago: int = 0  # where the sample library places it, counted back from today


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "good_holder_imu_floor",
        SimConfig("imu", "floor", "good_holder", 11, 52.0),
        "anna",
        "parquet",
        days_ago=1,
    ),
    Sample(
        "mixed_imu_wall", SimConfig("imu", "wall", "mixed", 12, 52.0), "anna", "parquet", days_ago=3
    ),
    Sample(
        "roller_accel_wall",
        SimConfig("accel", "wall", "roller", 13, 50.0),
        "ben",
        "parquet",
        days_ago=2,
    ),
    Sample(
        "good_holder_force_floor",
        SimConfig("force", "floor", "good_holder", 14, 20.0),
        "carla",
        "csv",
        days_ago=5,
    ),
    Sample(
        "mixed_pressure_floor",
        SimConfig("pressure", "floor", "mixed", 15, 25.0),
        "ben",
        "parquet",
        days_ago=9,
    ),
)


def write_sample_set(out_dir: Path) -> list[Path]:
    """Simulate every sample into ``out_dir`` (session file plus NAME.truth.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for s in SAMPLES:
        sim = simulate(s.config)
        sim.session.meta.patient_id = s.patient_id
        path = out_dir / f"{s.name}.{s.fmt}"
        if s.fmt == "csv":
            write_csv(sim.session, path)
        else:
            write_recording(sim.session, path)
        truth = out_dir / f"{s.name}.truth.json"
        truth.write_text(json.dumps(sim.truth_dict(), indent=1, default=float) + "\n")
        written += [path, truth]
    return written
