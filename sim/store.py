"""A batch on disk: a manifest, one Parquet file per table per finished chunk, a lock.

Layout of a batch directory::

    manifest.json            design, resolved scenarios and their hashes, chunk layout,
                             seeds, code and dependency versions, command lines
    model/chunk-00000.parquet, agencies/..., pairs/..., missions/..., errors/...
    done/chunk-00000         written last: rows, bytes and sha256 of each file
    .lock                    held (flock) by the one process writing here

Every file is written under a hidden temporary name and renamed into place,
and a chunk counts as finished only once its ``done`` marker exists, so an
interrupted batch (Ctrl-C, SIGTERM, SIGKILL) never shows a half-written chunk
as complete. The marker's checksums let ``--resume`` rerun a chunk whose files
were later truncated, damaged, deleted or swapped, and let readers skip it
with a one-line warning instead of crashing. Each table directory is a
Parquet dataset that pandas, polars or pyarrow read directly (every file has
the full schema, even when all runs of its chunk failed; hidden files are
ignored); :func:`load_table` reads only finished, intact chunks (reading lives
in :mod:`sim.store_read`; this module writes).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import pyarrow.parquet as pq

from sim.files import write_atomically
from sim.provenance import first_difference
from sim.run import to_arrow
from sim.store_read import (
    ERRORS,
    FILES,
    MANIFEST,
    BatchDirectoryError,
    IncompleteBatchError,
    check_chunks,
    chunk_name,
    describe_damage,
    load_table,
    read_manifest,
    warn_damaged,
)

__all__ = [
    "ERRORS",
    "BatchDirectoryError",
    "BatchStore",
    "IncompleteBatchError",
    "check_chunks",
    "load_table",
    "read_manifest",
    "warn_damaged",
]

LOCK = ".lock"
_VERSION = 2

log = logging.getLogger(__name__)


def _lock_now(file: Any) -> None:
    """Take an exclusive lock on ``file`` without waiting, or raise ``OSError``.

    The system releases it when the process ends, however it ends, so a
    killed batch leaves no stale lock behind.
    """
    try:
        import fcntl
    except ImportError:  # Windows: lock the first byte instead
        import msvcrt

        file.seek(0)
        # attr-defined: typeshed declares msvcrt's functions on Windows only.
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)


class BatchStore:
    """Read and write one batch directory, holding its lock while open.

    Opening checks everything and creates at most the directory and its lock
    file; :meth:`begin` writes the manifest; :meth:`abandon` removes what this
    store created if the start fails before that, and :meth:`close` releases
    the lock.

    Parameters
    ----------
    root : Path
        The batch directory.
    design : dict
        JSON-able scenarios, points, replicates, seed and run count; a resumed
        batch must match it.
    scenarios : dict
        Label to :func:`sim.provenance.scenario_record`; a resumed batch must
        match every hash.
    chunk_size : int or None
        Runs per chunk asked for; on resume, the batch's own layout is kept and
        a different explicit value is an error.
    default_chunk_size : int
        Runs per chunk of a new batch when ``chunk_size`` is not given.
    resume : bool
        Continue an existing batch instead of refusing to touch it.
    """

    def __init__(
        self,
        root: Path,
        design: dict[str, Any],
        scenarios: dict[str, Any],
        chunk_size: int | None,
        default_chunk_size: int,
        resume: bool = False,
    ) -> None:
        self.root = Path(root)
        self._created: list[Path] = []
        self._lock: TextIO | None = None
        try:
            self._open_root()
            self.old = self._check(design, scenarios, chunk_size, resume)
        except BaseException:
            self.abandon()
            raise
        self.design, self.scenarios = design, scenarios
        layout = self.old["layout"] if self.old else None
        self.chunk_size = layout["chunk_size"] if layout else chunk_size or default_chunk_size

    # -- opening ----------------------------------------------------------

    def _open_root(self) -> None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise BatchDirectoryError(
                f"{root}: exists and is not a directory; choose another --out"
            )
        try:
            if not root.exists():
                missing = [p for p in (root, *root.parents) if not p.exists()]
                root.mkdir(parents=True, exist_ok=True)
                self._created.extend(sorted(missing, key=lambda p: len(p.parts)))
            lock = root / LOCK
            if not lock.exists():
                self._created.append(lock)
            self._lock = open(lock, "a+")  # noqa: SIM115 (held until close)
        except OSError as err:
            raise BatchDirectoryError(f"{root}: cannot write here ({err.strerror})") from None
        try:
            _lock_now(self._lock)
        except OSError:
            self._lock.seek(0)
            pid = self._lock.read().strip() or "?"
            self._lock.close()
            self._lock = None
            self._created.clear()  # the directory is the other writer's now
            raise BatchDirectoryError(
                f"{root}: another batch is writing here (pid {pid}); "
                "wait for it or choose another --out"
            ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(str(os.getpid()))
        self._lock.flush()

    def _check(self, design, scenarios, chunk_size, resume) -> dict[str, Any] | None:
        root = self.root
        if not (root / MANIFEST).exists():
            others = [p for p in root.iterdir() if p.name != LOCK]
            if others:
                raise BatchDirectoryError(f"{root}: is not empty and holds no batch")
            return None
        if not resume:
            raise BatchDirectoryError(
                f"{root}: already holds a batch; use --resume to finish it or choose another --out"
            )
        old = read_manifest(root)
        where = f"{root}: --resume:"
        if old.get("version") != _VERSION:
            raise BatchDirectoryError(
                f"{where} the batch was written by an older spacecoop and cannot be resumed "
                "(load_batch still reads it); start it again in another --out"
            )
        # n_runs follows from the rest: name the field the user changed instead.
        changed = first_difference(
            {k: v for k, v in old["design"].items() if k != "n_runs"},
            {k: v for k, v in design.items() if k != "n_runs"},
        ) or first_difference(old["design"], design)
        if changed:
            raise BatchDirectoryError(
                f"{where} the design changed since the batch started ({changed})"
            )
        for label, record in scenarios.items():
            before = old["scenarios"].get(label, {})
            if before.get("sha256") != record["sha256"]:
                what = first_difference(before.get("resolved"), record["resolved"])
                raise BatchDirectoryError(
                    f"{where} the scenario {label} changed since the batch started ({what})"
                )
        kept = old["layout"]["chunk_size"]
        if chunk_size is not None and chunk_size != kept:
            raise BatchDirectoryError(
                f"{where} --chunk-size {chunk_size} differs from the batch's {kept}; "
                "leave --chunk-size out to keep the batch's chunks"
            )
        return old

    def begin(self, extra: dict[str, Any], session: dict[str, Any]) -> None:
        """Create the table folders and write (or extend) the manifest; clear stale temp files.

        ``extra`` (seeds, provenance) is written with a new batch; ``session``
        (command, versions, workers) is appended to the manifest on every start.
        """
        try:
            for sub in (*FILES, "done"):
                path = self.root / sub
                if not path.exists():
                    path.mkdir()
                    self._created.append(path)
                for tmp in path.glob(".*.tmp"):  # left by a killed writer; we hold the lock
                    tmp.unlink(missing_ok=True)
            if self.old:
                manifest = {**self.old, "sessions": [*self.old.get("sessions", []), session]}
            else:
                manifest = {
                    "version": _VERSION,
                    "design": self.design,
                    "scenarios": self.scenarios,
                    "layout": {
                        "chunk_size": self.chunk_size,
                        "n_chunks": -(-self.design["n_runs"] // self.chunk_size),
                    },
                    **extra,
                    "sessions": [session],
                }
            text = json.dumps(manifest, indent=1, sort_keys=True)
            path = self.root / MANIFEST
            if not path.exists():
                self._created.append(path)
            write_atomically(path, lambda tmp: tmp.write_text(text))
        except OSError as err:
            self.abandon()
            raise BatchDirectoryError(f"{self.root}: cannot write here ({err.strerror})") from None
        self._created.clear()  # from here on, the batch's files are kept for --resume

    def abandon(self) -> None:
        """Remove what this store created (a start that failed), then release the lock."""
        for path in reversed(self._created):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self._created.clear()
        self.close()

    def close(self) -> None:
        """Release the lock (the lock file stays; deleting it would race a new writer)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- chunks -------------------------------------------------------------

    def done(self) -> set[int]:
        """Ids of the finished chunks whose files pass their checks; the others are removed.

        Each file's size, sha256, row count and run ids are checked against its
        marker and the chunk layout, so a truncated, damaged, deleted or
        swapped chunk is run again.
        """
        manifest = read_manifest(self.root)
        good, bad = check_chunks(self.root, manifest, full=True)
        for cid in bad:
            (self.root / "done" / chunk_name(cid)).unlink(missing_ok=True)
        if bad:
            log.warning(
                "%s: rerunning %d damaged chunk(s): %s", self.root, len(bad), describe_damage(bad)
            )
        return set(good)

    def write(self, chunk: int, tables: dict[str, pd.DataFrame], errors: pd.DataFrame) -> None:
        """Write one finished chunk: its tables, its errors, then its marker with checksums."""
        name = chunk_name(chunk)
        marker: dict[str, dict[str, Any]] = {"rows": {}, "bytes": {}, "sha256": {}}
        try:
            for table, frame in [*tables.items(), (ERRORS, errors)]:
                buffer = io.BytesIO()
                pq.write_table(to_arrow(frame), buffer)
                data = buffer.getvalue()
                write_atomically(
                    self.root / table / f"{name}.parquet", partial(Path.write_bytes, data=data)
                )
                marker["rows"][table] = len(frame)
                marker["bytes"][table] = len(data)
                marker["sha256"][table] = hashlib.sha256(data).hexdigest()
            text = json.dumps(marker, sort_keys=True)
            write_atomically(self.root / "done" / name, lambda tmp: tmp.write_text(text))
        except OSError as err:  # a full disk mid-batch: what is done stays, nothing half-done
            raise IncompleteBatchError(
                f"{self.root}: cannot write chunk {chunk} ({err.strerror or err}); the finished "
                "chunks are kept: make room, then --resume finishes the batch"
            ) from None
