"""Files written whole or not at all: a hidden temporary name, then a rename."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a hidden temporary file beside ``path``, then rename it.

    An interrupted write leaves no half-written file under ``path`` (and
    removes its temporary file when it can). The temporary name starts with a
    dot, so Parquet dataset readers and globs of the real names ignore it.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
