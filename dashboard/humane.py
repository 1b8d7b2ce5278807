"""Tables as people read them: m:ss durations, percentages, plain-word headers, recent first.

The computations (:mod:`holdtrack.dashboard.views`, the CSV exports) keep their numbers; these
functions only turn them into text for the pages.
"""

from __future__ import annotations

import math

import pandas as pd

from holdtrack.analysis.text import clock_text


def duration_text(seconds: float | None) -> str:
    """m:ss (h:mm:ss from an hour), or "-" when there is no number."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return clock_text(s)


def percent_text(share: float | None) -> str:
    """A share of 1 as a whole percentage, or "-"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return f"{share:.0%}"


def progress_display(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """A week or day table (:func:`progress_table`) for people: newest first, time as h:mm:ss or
    m:ss, the share at target as a percentage."""
    if table.empty:
        return pd.DataFrame(
            columns=[period, "routines", "holds at target", "time in adherent holds"]
        )
    out = pd.DataFrame(
        {
            period: table["period"],
            "routines": table["routines"],
            "holds at target": [
                f"{a} of {n} ({percent_text(a / n if n else None)})"
                for a, n in zip(table["holds at target"], table["holds"])
            ],
            "time in adherent holds": [duration_text(m * 60) for m in table["adherent minutes"]],
            "longest hold": [duration_text(s) for s in table["longest hold s"]],
        }
    )
    return out.iloc[::-1].reset_index(drop=True)


def holds_display(table: pd.DataFrame) -> pd.DataFrame:
    """The per-hold table (:func:`hold_rows`) for people."""
    return pd.DataFrame(
        {
            "hold": [f"#{i}" for i in table["hold"]],
            "from": [duration_text(s) for s in table["start_s"]],
            "to": [duration_text(s) for s in table["end_s"]],
            "duration": [duration_text(s) for s in table["duration_s"]],
            "reached the target": ["yes" if ok else "no" for ok in table["reached_target"]],
            "steadiness": [percent_text(s) for s in table["steadiness"]],
            "breaths a minute": [
                "-" if b is None or (isinstance(b, float) and math.isnan(b)) else f"{b:.1f}"
                for b in table["breaths_per_min"]
            ],
            "small adjustments": table["micro_adjustments"],
        }
    )
