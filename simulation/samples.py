"""The bundled sample sessions: a handful of small simulated sessions with their truth.

Regenerate them with ``holdtrack simulate --sample-set sample_data``; the seeds are fixed, so
the files come out the same on every machine with the same library versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from holdtrack.sensing.session import write_csv, write_recording
from holdtrack.simulation.simulate import SimConfig, simulate


@dataclass(frozen=True)
class Sample:
    """One bundled sample session."""

    name: str
    config: SimConfig
    patient_id: str
    fmt: str  # "parquet" or "csv"
    days_ago: int = 0  # where the sample library places it, counted back from today


_TABLE = (  # name, sensor, setup, scenario, seed, rate Hz, person, file format, days ago
    ("good_holder_imu_floor", "imu", "floor", "good_holder", 11, 52.0, "anna", "parquet", 1),
    ("mixed_imu_wall", "imu", "wall", "mixed", 12, 52.0, "anna", "parquet", 3),
    ("roller_accel_wall", "accel", "wall", "roller", 13, 50.0, "ben", "parquet", 2),
    ("good_holder_force_floor", "force", "floor", "good_holder", 14, 20.0, "carla", "csv", 5),
    ("mixed_pressure_floor", "pressure", "floor", "mixed", 15, 25.0, "ben", "parquet", 9),
)
SAMPLES: tuple[Sample, ...] = tuple(
    Sample(name, SimConfig(kind, setup, scenario, seed, rate), person, fmt, days)
    for name, kind, setup, scenario, seed, rate, person, fmt, days in _TABLE
)


MANIFEST = "samples.json"


def write_sample_set(out_dir: Path) -> list[Path]:
    """Simulate every sample into ``out_dir`` (session file plus NAME.truth.json) and list them
    in ``samples.json`` (file, person, days ago), which the dashboard reads."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    listing = [
        {"file": f"{s.name}.{s.fmt}", "patient_id": s.patient_id, "days_ago": s.days_ago}
        for s in SAMPLES
    ]
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
    manifest = out_dir / MANIFEST
    manifest.write_text(json.dumps({"samples": listing}, indent=1) + "\n")
    return [*written, manifest]
