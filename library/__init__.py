"""The session library: session files with an index of who, where, when and their analyses.

Shared by the ``holdtrack import`` and ``holdtrack library`` commands and the dashboard.
"""

from holdtrack.library.index import SessionRow
from holdtrack.library.library import (
    ImportRejected,
    ImportResult,
    Library,
    default_library_dir,
)
from holdtrack.library.prescription import Prescription
from holdtrack.library.samples import import_sample_set

__all__ = [
    "ImportRejected",
    "ImportResult",
    "Library",
    "Prescription",
    "SessionRow",
    "default_library_dir",
    "import_sample_set",
]
