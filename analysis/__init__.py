"""Hold detection: samples in, states, holds and adherence out.

Never imports ``sensing`` or ``dashboard``: it takes arrays or DataFrames and returns results.
"""

from analysis.columns import KNOWN_COLUMNS, SENSOR_COLUMNS, infer_sensor_kind
from analysis.holds import ADHERENT_HOLD_S, Hold
from analysis.process import DETECTOR_VERSION, SessionAnalysis, session_process
from analysis.states import STATES

__all__ = [
    "ADHERENT_HOLD_S",
    "DETECTOR_VERSION",
    "KNOWN_COLUMNS",
    "SENSOR_COLUMNS",
    "STATES",
    "Hold",
    "SessionAnalysis",
    "infer_sensor_kind",
    "session_process",
]
