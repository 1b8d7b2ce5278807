"""The stress benchmark keeps working: it knows every simulated quantity, and its quick run on
one quantity prints a table of sane scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import stress  # noqa: E402
from holdtrack.simulation.world import QUANTITIES, WIDE  # noqa: E402


def test_every_quantity_has_a_hardest_extreme_of_the_wide_world():
    assert set(stress.KNOBS) == set(QUANTITIES)
    for name, knob in stress.KNOBS.items():
        assert knob.hardest in getattr(WIDE, name), name
    rows = stress.rows_make()
    assert rows[0].pins == {}
    assert rows[-1].pins == stress.hardest_pins() and len(rows[-1].pins) == len(QUANTITIES)
    for name in QUANTITIES:
        pinned = [r.pins[name] for r in rows if r.quantity == name]
        assert min(pinned) <= min(getattr(WIDE, name)) and max(pinned) >= max(getattr(WIDE, name))


def test_quick_run_of_one_quantity_scores_between_0_and_1(tmp_path: Path, capsys):
    md, out = tmp_path / "stress.md", tmp_path / "stress.json"
    args = ["--quick", "--quantity", "breath_depth_mm", "--jobs", "1"]
    assert stress.main([*args, "--markdown", str(md), "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["pins"]["breath_depth_mm"] for r in rows] == [0.3, 1.0, 2.0, 4.0, 6.0, 8.0]
    for r in rows:
        s = r["summary"]
        assert s["sessions"] == 4 and s["true_holds"] > 0
        assert all(0.0 <= f1 <= 1.0 for f1 in s["f1"].values()) and len(s["f1"]) == 4
        assert 0.0 <= s["rolling_as_hold"] <= 1.0
    table = md.read_text()
    assert table in capsys.readouterr().out
    assert "breathing depth" in table and "| 6 |" in table and len(table.splitlines()) == 10
