"""Tables as people read them: m:ss durations, percentages, plain-word headers, recent first.

The computations (:mod:`holdtrack.dashboard.views`, the CSV exports) keep their numbers; these
functions only turn them into text for the pages.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

import pandas as pd

from holdtrack.analysis.text import clock_text


def missing(value: float | None) -> bool:
    """Whether a number is absent (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def duration_text(seconds: float | None) -> str:
    """Whole seconds as m:ss (h:mm:ss from an hour), or "-" when there is no number."""
    return "-" if missing(seconds) else clock_text(round(seconds))


def when_text(moment: datetime, zone: tzinfo) -> str:
    """A moment as a date and minute in time zone ``zone``."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def percent_text(share: float | None) -> str:
    """A share of 1 as a whole percentage, or "-"."""
    return "-" if missing(share) else f"{share:.0%}"


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
                "-" if missing(b) else f"{b:.1f}" for b in table["breaths_per_min"]
            ],
            "small adjustments": table["micro_adjustments"],
        }
    )
