"""Hold detection: samples in, states, holds and adherence out.

Imports nothing else of holdtrack: it takes arrays or DataFrames and returns results.
The public names load lazily, so ``holdtrack.analysis.schema`` alone stays light to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "DEFAULT_HOLD_TARGET_S": "holdtrack.analysis.schema",
    "Hold": "holdtrack.analysis.holds",
    "DETECTOR_VERSION": "holdtrack.analysis.process",
    "SessionAnalysis": "holdtrack.analysis.process",
    "session_process": "holdtrack.analysis.process",
    "STATES": "holdtrack.analysis.schema",
    "KNOWN_COLUMNS": "holdtrack.analysis.schema",
    "SENSOR_COLUMNS": "holdtrack.analysis.schema",
    "infer_sensor_kind": "holdtrack.analysis.schema",
    "result_retarget": "holdtrack.analysis.summary",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
