"""Hold detection: samples in, states, holds and adherence out.

Never imports ``sensing`` or ``dashboard``: it takes arrays or DataFrames and returns results.
The public names load lazily, so ``analysis.columns`` alone stays light to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "ADHERENT_HOLD_S": "analysis.holds",
    "Hold": "analysis.holds",
    "DETECTOR_VERSION": "analysis.process",
    "SessionAnalysis": "analysis.process",
    "session_process": "analysis.process",
    "STATES": "analysis.states",
    "KNOWN_COLUMNS": "analysis.columns",
    "SENSOR_COLUMNS": "analysis.columns",
    "infer_sensor_kind": "analysis.columns",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
