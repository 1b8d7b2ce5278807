"""What every decoder returns: samples in the sample columns (SI units), and skip counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from holdtrack.analysis.schema import implausible


@dataclass(frozen=True)
class Sample:
    """One sample: column (``acc_x``, ``force_n``...) -> value in SI units; device clock if any."""

    values: dict[str, float]
    device_time_s: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready form."""
        return {"device_time_s": self.device_time_s, **self.values}


@dataclass
class DecodeStats:
    """What a decoder skipped: counted, never raised."""

    packets: int = 0
    samples: int = 0
    malformed: int = 0  # packets or frames that could not be decoded
    skipped_bytes: int = 0  # garbage bytes dropped while resynchronising
    reasons: dict[str, int] = field(default_factory=dict)

    def bad(self, reason: str) -> None:
        """Count one malformed packet or frame, by reason."""
        self.malformed += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def last_reason(self) -> str | None:
        """The most recently added reason (for one-line messages)."""
        return next(reversed(self.reasons), None)


def keep_plausible(samples: list[Sample], stats: DecodeStats) -> list[Sample]:
    """The samples that can be real readings; each impossible one is counted and left out (a
    corrupted packet can decode to 3e39 N or to infinity)."""
    out = []
    for s in samples:
        why = implausible(s.values)
        if why is None:
            out.append(s)
        else:
            stats.bad(f"impossible reading: {why}")
    stats.samples += len(out)
    return out
