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
ignored); :func:`load_table` reads only finished, intact chunks.
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
import pyarrow as pa
import pyarrow.parquet as pq

from sim.files import write_atomically
from sim.provenance import first_difference
from sim.run import TABLES, to_arrow

__all__ = [
    "ERRORS",
    "BatchDirectoryError",
    "BatchStore",
    "IncompleteBatchError",
    "check_chunks",
    "load_table",
    "read_manifest",
]

ERRORS = "errors"
FILES = (*TABLES, ERRORS)
MANIFEST = "manifest.json"
LOCK = ".lock"
_VERSION = 2

log = logging.getLogger(__name__)


class BatchDirectoryError(Exception):
    """A batch directory that cannot be used as asked (exists, differs, missing, locked)."""


class IncompleteBatchError(BatchDirectoryError):
    """Some chunks could not be run (workers or scheduler lost); ``--resume`` finishes them."""


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


def _name(chunk: int) -> str:
    return f"chunk-{chunk:05d}"


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
            (self.root / "done" / _name(cid)).unlink(missing_ok=True)
        if bad:
            log.warning(
                "%s: rerunning %d damaged chunk(s): %s", self.root, len(bad), _describe(bad)
            )
        return set(good)

    def write(self, chunk: int, tables: dict[str, pd.DataFrame], errors: pd.DataFrame) -> None:
        """Write one finished chunk: its tables, its errors, then its marker with checksums."""
        name = _name(chunk)
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


# --------------------------------------------------------------------------
# Reading


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


def _chunk_size(manifest: dict[str, Any]) -> int:
    layout = manifest.get("layout") or manifest["design"]  # version 1 kept it in the design
    return int(layout["chunk_size"])


def _runs_of(manifest: dict[str, Any], chunk: int) -> range:
    size = _chunk_size(manifest)
    return range(chunk * size, min((chunk + 1) * size, manifest["design"]["n_runs"]))


def _marker(root: Path, chunk: int) -> dict[str, Any] | None:
    text = (root / "done" / _name(chunk)).read_text()
    return json.loads(text) if text else None  # version 1 markers are empty


def _check_file(
    root: Path, manifest: dict, chunk: int, table: str, marker: dict | None, full: bool
) -> tuple[str | None, pd.DataFrame | None]:
    """Why one table file of a chunk is bad (or None), and its frame when read in full."""
    path = root / table / f"{_name(chunk)}.parquet"
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
    runs = _runs_of(manifest, chunk)
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
    n_chunks = -(-manifest["design"]["n_runs"] // _chunk_size(manifest))
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


def _describe(bad: dict[int, str]) -> str:
    shown = [f"{_name(c) if c >= 0 else 'marker'}: {why}" for c, why in sorted(bad.items())[:3]]
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return "; ".join(shown) + more


def warn_damaged(root: Path, bad: dict[int, str]) -> None:
    """One line on the ``sim.store`` logger naming the chunks a reader skips."""
    log.warning(
        "%s: skipped %d damaged chunk(s) (%s); --resume reruns them",
        root,
        len(bad),
        _describe(bad),
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
