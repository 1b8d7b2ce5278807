"""Index rows and libraries made for tests: a session row with sensible numbers, and the
sample library."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from holdtrack.library import Library, SessionRow, import_sample_set


def session_row(patient: str, days_ago: float, now: datetime, **kw: object) -> SessionRow:
    """A ten-minute session ``days_ago`` before ``now``: 4 holds, 3 at the 90 s target."""
    base: dict[str, object] = dict(
        id=f"{patient}{days_ago}", file=Path("x"), original_name="x", patient_id=patient,
        body_site="glutes", device=None, sensor_kind="imu",
        start_utc=now - timedelta(days=days_ago), duration_s=600.0, n_holds=4,
        adherent_holds=3, adherent_time_s=300.0, hold_target_s=90.0, hold_s=400.0,
        rolling_s=50.0, loaded_s=460.0, longest_hold_s=120.0,
    )  # fmt: skip
    base.update(kw)
    return SessionRow(**base)  # type: ignore[arg-type]


def sample_library_in(folder: Path) -> Library:
    """A library holding the bundled sample sessions."""
    lib = Library(folder)
    import_sample_set(lib)
    return lib
