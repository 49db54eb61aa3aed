"""Writing a file whole or not at all: into a temporary name beside it, then renamed over it.

A full disk or a crash mid-write then leaves the previous file (or none), never a truncated one that looks
complete to the tools reading run directories.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call write(file) on a temporary file beside `path`, flush it to disk, and rename it to `path`."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """write_atomically for text (UTF-8)."""
    write_atomically(path, lambda f: f.write(text.encode()))
