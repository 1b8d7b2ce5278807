"""How times read for people: ``m:ss`` (``h:mm:ss`` past an hour), never rounded up.

A hold of 89.7 s must not read "1:30" beside "did not reach 90 s", so clocks truncate.
"""

from __future__ import annotations

import math


def clock_text(seconds: float, *, tenths: bool = False) -> str:
    """``seconds`` as ``m:ss`` (or ``m:ss.s`` with ``tenths``), ``h:mm:ss`` from an hour on."""
    sign = "-" if seconds < 0 else ""
    scale = 10 if tenths else 1
    units = math.floor(abs(seconds) * scale + 1e-9)  # truncate; the epsilon absorbs 0.3*10 error
    whole, frac = divmod(units, scale)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    sec = f"{s:02d}" + (f".{frac}" if tenths else "")
    return f"{sign}{h}:{m:02d}:{sec}" if h else f"{sign}{m}:{sec}"
