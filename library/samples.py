"""The bundled sample sessions in a library, dated back from today so every view has data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from holdtrack.library.library import Library


def import_sample_set(lib: Library, sample_dir: Path | None = None) -> list[str]:
    """Import the bundled sample sessions; return their session ids.

    The samples are installed with holdtrack; ``samples.json`` beside them names each file's
    person and how many days ago the library places it.
    """
    src = sample_dir or Path(str(resources.files("holdtrack.sample_data")))
    listing = json.loads((src / "samples.json").read_text(encoding="utf-8"))["samples"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ids = []
    for s in listing:
        start = now - timedelta(days=int(s["days_ago"]), hours=1)
        done = lib.import_file(src / s["file"], patient_id=s["patient_id"], start_utc=start)
        ids.append(done.session_id)
    return ids
