"""Reading a batch directory: its manifest, which chunks are intact, their tables.

What :class:`sim.store.BatchStore` writes, read back without its lock: a chunk
counts only once its ``done`` marker exists and its files match the marker's
rows, bytes and checksums (the cheap check: present and of the right size).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.run import TABLES

__all__ = [
    "ERRORS",
    "FILES",
    "MANIFEST",
    "BatchDirectoryError",
    "IncompleteBatchError",
    "check_chunks",
    "chunk_name",
    "chunk_size_of",
    "describe_damage",
    "load_table",
    "read_manifest",
    "runs_of",
    "warn_damaged",
]

ERRORS = "errors"
FILES = (*TABLES, ERRORS)
MANIFEST = "manifest.json"

log = logging.getLogger("sim.store")  # one logger for the batch directory, read or written


class BatchDirectoryError(Exception):
    """A batch directory that cannot be used as asked (exists, differs, missing, locked)."""


class IncompleteBatchError(BatchDirectoryError):
    """Some chunks could not be run (workers or scheduler lost); ``--resume`` finishes them."""


def chunk_name(chunk: int) -> str:
    """File name of a chunk in each table directory and in ``done/``."""
    return f"chunk-{chunk:05d}"


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of the batch in ``root``, or a one-line error."""
    path = Path(root) / MANIFEST
    if not path.exists():
        raise BatchDirectoryError(f"{root}: holds no batch (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text())
        int(manifest["design"]["n_runs"])  # the one field every reader needs
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BatchDirectoryError(f"{path}: not a readable batch manifest ({err})") from None
    return manifest


def chunk_size_of(manifest: dict[str, Any]) -> int:
    """Runs per chunk of the batch ``manifest`` describes."""
    layout = manifest.get("layout") or manifest["design"]  # version 1 kept it in the design
    return int(layout["chunk_size"])


def runs_of(manifest: dict[str, Any], chunk: int) -> range:
    """The run ids of ``chunk``."""
    size = chunk_size_of(manifest)
    return range(chunk * size, min((chunk + 1) * size, manifest["design"]["n_runs"]))


def _marker(root: Path, chunk: int) -> dict[str, Any] | None:
    text = (root / "done" / chunk_name(chunk)).read_text()
    return json.loads(text) if text else None  # version 1 markers are empty


def _check_file(
    root: Path, manifest: dict, chunk: int, table: str, marker: dict | None, full: bool
) -> tuple[str | None, pd.DataFrame | None]:
    """Why one table file of a chunk is bad (or None), and its frame when read in full."""
    path = root / table / f"{chunk_name(chunk)}.parquet"
    if not path.is_file():
        return f"{table} file missing", None
    if marker is not None and path.stat().st_size != marker["bytes"][table]:
        return f"{table} file has {path.stat().st_size} bytes, not {marker['bytes'][table]}", None
    if not full:
        return None, None
    data = path.read_bytes()
    if marker is not None and hashlib.sha256(data).hexdigest() != marker["sha256"][table]:
        return f"{table} file checksum differs", None
    try:
        frame = pq.read_table(pa.BufferReader(data)).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as err:
        return f"{table} file unreadable ({type(err).__name__})", None
    if marker is not None and len(frame) != marker["rows"][table]:
        return f"{table} file has {len(frame)} rows, not {marker['rows'][table]}", None
    runs = runs_of(manifest, chunk)
    if len(frame) and (
        "run_id" not in frame or not frame["run_id"].between(runs.start, runs.stop - 1).all()
    ):
        return f"{table} file holds runs of another chunk", None
    return None, frame


def check_chunks(
    root: Path, manifest: dict[str, Any], full: bool = False
) -> tuple[list[int], dict[int, str]]:
    """Finished chunks that pass their checks, and why each other one fails.

    The cheap check (``full=False``) compares each file's size with its marker;
    the full one also reads every file and checks its sha256, row count and run
    ids (a chunk file swapped for another chunk's is caught here).
    """
    root = Path(root)
    n_chunks = -(-manifest["design"]["n_runs"] // chunk_size_of(manifest))
    good, bad = [], {}
    for path in sorted((root / "done").glob("chunk-*")):
        try:
            cid = int(path.name.split("-")[1])
            marker = _marker(root, cid)
        except (ValueError, OSError):
            bad[-1] = f"{path.name}: unreadable marker"
            continue
        if not 0 <= cid < n_chunks:
            bad[cid] = "not a chunk of this batch's layout"
            continue
        for table in FILES:
            try:
                reason, _ = _check_file(root, manifest, cid, table, marker, full)
            except (KeyError, TypeError):
                reason = "unreadable marker"
            if reason:
                bad[cid] = reason
                break
        else:
            good.append(cid)
    return good, bad


def describe_damage(bad: dict[int, str]) -> str:
    """The first three damaged chunks and why, on one line."""
    first = sorted(bad.items())[:3]
    shown = [f"{chunk_name(c) if c >= 0 else 'marker'}: {why}" for c, why in first]
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return "; ".join(shown) + more


def warn_damaged(root: Path, bad: dict[int, str]) -> None:
    """One line on the ``sim.store`` logger naming the chunks a reader skips."""
    log.warning(
        "%s: skipped %d damaged chunk(s) (%s); --resume reruns them",
        root,
        len(bad),
        describe_damage(bad),
    )


def load_table(root: Path, table: str, chunks: list[int] | None = None) -> pd.DataFrame:
    """One table of the finished, intact chunks, in run order.

    Each file is checked against its chunk's marker as it is read (size,
    sha256, rows, run ids: hashing the bytes already read costs little next to
    decoding them); a chunk that fails is skipped with one warning line.
    Rows are sorted by ``run_id`` with a stable sort, so the result does not
    depend on which worker finished first or on how runs were chunked.
    ``chunks`` restricts the read (default: every chunk that passes the
    cheap check).
    """
    root = Path(root)
    manifest = read_manifest(root)
    if chunks is None:
        chunks, bad = check_chunks(root, manifest)
        if bad:
            warn_damaged(root, bad)
    frames, bad = [], {}
    for cid in chunks:
        try:
            reason, frame = _check_file(root, manifest, cid, table, _marker(root, cid), True)
        except (OSError, ValueError, KeyError, TypeError):
            reason, frame = "unreadable marker", None
        if reason:
            bad[cid] = reason
        else:
            assert frame is not None  # with full=True, no reason means the frame was read
            frames.append(frame)
    if bad:
        warn_damaged(root, bad)
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0] if frames else pd.DataFrame()
    frame = pd.concat(full, ignore_index=True)
    return frame.sort_values("run_id", kind="stable", ignore_index=True)
