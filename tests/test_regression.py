"""The analysis does not change silently: every sample session and 20 fixed simulated sessions
give exactly the JSON stored in ``tests/data/expected_analysis.json``.

When the detector changes on purpose, regenerate the file (see ``expected_make`` below) and say
why in the change; the diff then shows every verdict that moved.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from holdtrack.analysis import session_process
from holdtrack.sensing.session import read_session
from holdtrack.simulation.config import SCENARIOS, SENSOR_KINDS, SETUPS, SimConfig
from holdtrack.simulation.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "expected_analysis.json"
FIRST_SEED = 310_000  # outputs are compared here, not scored: any fixed seeds serve


def simulated_configs() -> list[dict]:
    """20 fixed sessions over every sensor kind, both setups and every scenario."""
    return [
        {
            "sensor_kind": SENSOR_KINDS[i % 4],
            "setup": SETUPS[(i // 4) % 2],
            "scenario": SCENARIOS[i % 3],
            "seed": FIRST_SEED + i,
        }
        for i in range(20)
    ]


def data_digest(data) -> str:  # noqa: ANN001
    """A fingerprint of a session's samples, to tell a simulator change from a detector one."""
    return hashlib.sha256(np.ascontiguousarray(data.to_numpy(np.float64)).tobytes()).hexdigest()


def expected_make() -> dict:
    """Today's outputs (``python tests/test_regression.py`` writes them to EXPECTED)."""
    out: dict = {"samples": {}, "simulated": []}
    for p in sorted((ROOT / "sample_data").iterdir()):
        if p.suffix in (".csv", ".parquet"):
            s = read_session(p)
            out["samples"][p.name] = session_process(s.data, s.meta.sensor_kind).to_dict()
    for cfg in simulated_configs():
        sim = simulate(SimConfig(**cfg))
        d = sim.session.data
        result = session_process(d, sim.session.meta.sensor_kind).to_dict()
        out["simulated"].append({"config": cfg, "data_sha256": data_digest(d), "analysis": result})
    return out


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(EXPECTED.read_text())


def test_sample_sessions_analyse_as_stored(expected: dict):
    names = sorted(p.name for p in (ROOT / "sample_data").iterdir() if p.suffix == ".parquet")
    assert set(names) <= set(expected["samples"])
    for name, want in expected["samples"].items():
        s = read_session(ROOT / "sample_data" / name)
        got = json.loads(json.dumps(session_process(s.data, s.meta.sensor_kind).to_dict()))
        assert got == want, name


@pytest.mark.parametrize("i", range(20))
def test_simulated_sessions_analyse_as_stored(expected: dict, i: int):
    want = expected["simulated"][i]
    cfg = simulated_configs()[i]
    assert want["config"] == cfg
    sim = simulate(SimConfig(**cfg))
    assert data_digest(sim.session.data) == want["data_sha256"], "the simulator changed"
    got = session_process(sim.session.data, sim.session.meta.sensor_kind).to_dict()
    assert json.loads(json.dumps(got)) == want["analysis"]


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(expected_make(), indent=0, sort_keys=True))
    print(f"wrote {EXPECTED}", file=sys.stderr)
