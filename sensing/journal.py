"""Crash-safe recording: an append-only journal flushed to disk twice a second.

While recording, samples go to ``NAME.htjournal``: one JSON header line (the session metadata),
then one CSV line per sample (``time_s`` and the sensor columns), ``#gap,start,end`` lines for
data gaps and ``#retime,after,by`` lines (the samples above stamped after ``after`` are ``by``
seconds later: a loss found once the link was seen steady again). After a crash (even
``kill -9``) at most the last unflushed second is lost and a half-written last line is ignored;
:func:`recover` (or the next recording start) turns the journal into a normal ``.parquet``
recording.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from holdtrack.analysis.schema import SENSOR_COLUMNS, implausible
from holdtrack.sensing.session import Session, SessionMeta, write_recording

SUFFIX = ".htjournal"
FLUSH_EVERY_S = 0.5  # at most this much is lost to a crash; the recorder flushes on this beat


def journal_path(path: Path) -> Path:
    """``path`` as a journal path (ValueError unless it ends in ``.htjournal``)."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ValueError(f"a journal file ends in {SUFFIX}")
    return path


def journal_path_for(out_dir: Path, name: str) -> Path:
    """``DIR/NAME.htjournal`` with a number added if that recording exists (never overwrite)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = Path(out_dir) / f"{safe}{SUFFIX}"
    n = 1
    while path.exists() or path.with_suffix(".parquet").exists():
        n += 1
        path = Path(out_dir) / f"{safe}-{n}{SUFFIX}"
    return path


class Journal:
    """Append samples for one session; flush and fsync at least every ``FLUSH_EVERY_S``."""

    def __init__(self, path: Path, meta: SessionMeta) -> None:
        self.path = journal_path(path)
        self.meta = meta
        self.columns = SENSOR_COLUMNS[meta.sensor_kind]
        self.samples = 0
        self.flushes: list[tuple[float, int]] = []  # (monotonic time on disk, samples by then)
        # Kept open across appends; "x" never overwrites an existing journal.
        self._f: IO[str] = open(self.path, "x", encoding="utf-8")  # noqa: SIM115
        self._f.write(json.dumps(meta.to_dict()) + "\n")
        self._last_flush = time.monotonic()
        self.flush()

    def append(self, time_s: float, values: dict[str, float]) -> None:
        """One sample (the sample columns of the journal's sensor kind)."""
        row = [repr(float(time_s))] + [repr(float(values[c])) for c in self.columns]
        self._f.write(",".join(row) + "\n")
        self.samples += 1
        if time.monotonic() - self._last_flush >= FLUSH_EVERY_S:
            self.flush()

    def gap(self, start_s: float, end_s: float) -> None:
        """Mark a data gap (a dropout between two received samples)."""
        self._f.write(f"#gap,{start_s!r},{end_s!r}\n")

    def retime(self, after_s: float, by_s: float) -> None:
        """Move the samples written so far with times after ``after_s`` by ``by_s`` seconds."""
        self._f.write(f"#retime,{after_s!r},{by_s!r}\n")

    def flush(self) -> None:
        """Push everything written so far to the disk."""
        self._f.flush()
        os.fsync(self._f.fileno())
        self._last_flush = time.monotonic()
        if not self.flushes or self.flushes[-1][1] != self.samples:
            self.flushes.append((self._last_flush, self.samples))

    def close(self) -> None:
        """Flush and close (the journal stays until it is finished)."""
        if not self._f.closed:
            self.flush()
            self._f.close()

    def finish(self, out: Path | None = None) -> Path:
        """Close and convert to a ``.parquet`` recording; the journal is removed afterwards."""
        self.close()
        return recover(self.path, out)


def read_journal(path: Path) -> Session:
    """The samples and metadata in a journal, ignoring a half-written last line."""
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline()
        try:
            meta = SessionMeta.from_dict(json.loads(header))
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ValueError(f"{path.name}: not a holdtrack journal ({exc})") from exc
        columns = SENSOR_COLUMNS[meta.sensor_kind]
        rows: list[list[float]] = []
        gaps: list[tuple[float, float]] = []
        for line in f:
            if not line.endswith("\n"):
                break  # cut off by a crash
            if line.startswith(("#gap,", "#retime,")):
                kind, a, b = line.strip().split(",")
                if kind == "#gap":
                    gaps.append((float(a), float(b)))
                else:
                    _retime_rows(rows, float(a), float(b))
                    gaps = retimed_gaps(gaps, float(a), float(b), _period_s(meta))
                continue
            parts = line.rstrip("\n").split(",")
            if len(parts) != len(columns) + 1:
                continue
            try:
                row = [float(x) for x in parts]
            except ValueError:
                continue
            if implausible(dict(zip(columns, row[1:]))) is None:  # as the recorder does
                rows.append(row)
    arr = np.array(rows, dtype=np.float64).reshape(-1, len(columns) + 1)
    data = pd.DataFrame(arr, columns=["time_s", *columns])
    meta.gaps = sorted({(float(a), float(b)) for a, b in [*meta.gaps, *gaps]})
    return Session(data=data, meta=meta)


def _retime_rows(rows: list[list[float]], after_s: float, by_s: float) -> None:
    """Move the newest rows stamped after ``after_s`` (times only grow, so they are a tail)."""
    i = len(rows) - 1
    while i >= 0 and rows[i][0] > after_s:
        rows[i][0] += by_s
        i -= 1


def _period_s(meta: SessionMeta) -> float:
    return 1.0 / meta.nominal_rate_hz if meta.nominal_rate_hz else 0.0


def retimed_gaps(
    gaps: list[tuple[float, float]], after_s: float, by_s: float, period_s: float
) -> list[tuple[float, float]]:
    """Gaps after a revision of sample times: ends after ``after_s`` move by ``by_s``; a gap
    that a taken-back loss shrank to under 1.5 sample periods is no gap any more."""
    out = []
    for a, b in gaps:
        if b > after_s:
            a, b = (a + by_s if a > after_s else a), b + by_s
            if b - a < 1.5 * period_s:
                continue
        out.append((a, b))
    return out


def recover(path: Path, out: Path | None = None) -> Path:
    """Turn a journal (finished or cut off by a crash) into a ``.parquet`` recording."""
    path = Path(path)
    session = read_journal(path)
    if len(session.data) < 2:
        raise ValueError(f"{path.name}: fewer than 2 samples were recorded")
    out = out or path.with_suffix(".parquet")
    write_recording(session, out)
    path.unlink()
    return out


def unfinished(folder: Path) -> list[Path]:
    """Journals in ``folder`` left by a recording that did not finish."""
    return sorted(Path(folder).glob(f"*{SUFFIX}"))
