"""Opening a session file safely: only a regular file of a bounded size is ever read.

A device (``/dev/zero``), a FIFO or a socket, or a link to one, would be read forever or block;
they are refused at once. The file is opened without blocking and checked on the open handle,
so what is checked is what is read.
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import BinaryIO

from holdtrack.sensing.session.limits import MAX_FILE_BYTES
from holdtrack.sensing.session.model import PathLike, SessionFormatError


def open_regular(path: PathLike, max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
    """The file at ``path`` (links followed) open for binary reading; SessionFormatError when it
    is missing, not a regular file, empty or larger than ``max_bytes``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SessionFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise SessionFormatError(path, "is a directory, not a file") from None
    except PermissionError:
        raise SessionFormatError(path, "permission denied") from None
    except OSError as e:
        raise SessionFormatError(path, f"cannot open file ({e.strerror or e})") from None
    try:
        _check_open(path, fd, max_bytes)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _check_open(path: PathLike, fd: int, max_bytes: int) -> None:
    """A regular, non-empty file of at most ``max_bytes``."""
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        raise SessionFormatError(path, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise SessionFormatError(path, "not a regular file (a device, pipe or socket)")
    if st.st_size == 0:
        raise SessionFormatError(path, "empty file")
    if st.st_size > max_bytes:
        raise SessionFormatError(
            path,
            f"too large ({st.st_size / 2**20:.0f} MiB; a session file is at most "
            f"{max_bytes / 2**20:.0f} MiB)",
        )
