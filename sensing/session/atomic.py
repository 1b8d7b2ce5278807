"""Files appear whole or not at all: write to a temporary name, fsync, rename."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from holdtrack.sensing.session.model import PathLike


def atomic_write(path: PathLike, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename: no half-written files.

    ``write(tmp)`` writes the content; it is fsynced before the rename, and the folder after.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # not every platform or file system syncs folders
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def os_reason(exc: OSError) -> str:
    """An OS error in the system's own few words ("No space left on device")."""
    return os.strerror(exc.errno) if exc.errno else (exc.strerror or str(exc))
