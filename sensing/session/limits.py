"""How much any one session file may ask of the machine, checked before anything is allocated.

A session is minutes to hours of one person on one ball; a file that claims more is refused
with a clear line instead of being read until memory runs out.
"""

from __future__ import annotations

MAX_FILE_BYTES = 200 * 1024 * 1024  # a file on disk (an 8-hour CSV at 100 Hz is about 100 MB)
MAX_SAMPLES = 3_000_000  # 8 hours at 100 Hz is 2.88 million
MAX_SPAN_S = 24 * 3600.0  # a session is no longer than a day
MAX_ABS_TIME_S = 1e10  # about 317 years: larger times are not seconds (float64 loses the ms)
MAX_RATE_HZ = 10_000.0  # mean samples per second over the session
MAX_HEADER_BYTES = 64 * 1024  # the CSV header line
MAX_METADATA_BYTES = 1024 * 1024  # a recording's metadata JSON, and its Parquet footer
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024  # a recording's columns once decompressed
MAX_COLUMNS = 64
MAX_EXCLUDED_SHARE = 0.01  # more impossible readings than this: wrong units or a corrupt file
