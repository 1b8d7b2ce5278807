"""Following a recording in progress: the journal's new samples as the recorder appends them.

Only complete lines are read, from where the last read stopped, so each look costs what was
added since. A sample the sample clock later moved (``#retime``) keeps the time it was read
with: the follower serves a live view, and the finished recording has the final times.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from holdtrack.analysis.schema import SENSOR_COLUMNS, implausible
from holdtrack.sensing.session import SessionMeta

MAX_READ_BYTES = 8 << 20  # at most this much per look (a recording well ahead is caught up)


class JournalFollower:
    """Reads a journal's header once, then its new sample lines on every :meth:`read`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.meta: SessionMeta | None = None
        self.columns: list[str] = []
        self.gaps: list[tuple[float, float]] = []
        self.samples = 0
        self._offset = 0

    @property
    def finished(self) -> bool:
        """The recorder turned the journal into a recording (or it was removed)."""
        return not self.path.exists()

    def read(self) -> dict[str, np.ndarray] | None:
        """The samples appended since the last read, as ``time_s`` and sample columns; None
        when nothing new. ValueError when the file is not a holdtrack journal."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read(MAX_READ_BYTES)
        except FileNotFoundError:
            return None
        end = chunk.rfind(b"\n") + 1  # complete lines only
        if end == 0:
            return None
        self._offset += end
        lines = chunk[:end].decode("utf-8", errors="replace").splitlines()
        if self.meta is None:
            self._header(lines.pop(0))
        return self._rows(lines)

    def _header(self, line: str) -> None:
        try:
            self.meta = SessionMeta.from_dict(json.loads(line))
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ValueError(f"{self.path.name}: not a holdtrack journal ({exc})") from exc
        self.columns = SENSOR_COLUMNS[self.meta.sensor_kind]

    def _rows(self, lines: list[str]) -> dict[str, np.ndarray] | None:
        rows = []
        width = len(self.columns) + 1
        for line in lines:
            if line.startswith("#gap,"):
                _, a, b = line.split(",")
                self.gaps.append((float(a), float(b)))
                continue
            parts = line.split(",")
            if len(parts) != width:
                continue
            try:
                row = [float(x) for x in parts]
            except ValueError:
                continue
            if implausible(dict(zip(self.columns, row[1:]))) is None:
                rows.append(row)
        if not rows:
            return None
        self.samples += len(rows)
        arr = np.asarray(rows, dtype=np.float64)
        return {"time_s": arr[:, 0], **{c: arr[:, k + 1] for k, c in enumerate(self.columns)}}
