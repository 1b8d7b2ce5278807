"""What leaves the library for people: the per-hold table of a session (CSV export)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def hold_rows(result: dict[str, Any]) -> pd.DataFrame:
    """The per-hold table of an analysis (also the CSV export)."""
    rows = [
        {
            "hold": i,
            "start_s": h["start_s"],
            "end_s": h["end_s"],
            "duration_s": h["duration_s"],
            "reached_target": h["adherent"],
            "steadiness": h["steadiness"],
            "breaths_per_min": h["breaths_per_min"],
            "micro_adjustments": h["micro_adjustments"],
        }
        for i, h in enumerate(result["holds"], 1)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "hold",
            "start_s",
            "end_s",
            "duration_s",
            "reached_target",
            "steadiness",
            "breaths_per_min",
            "micro_adjustments",
        ],
    )
