"""A batch on disk: a manifest and one Parquet file per table per finished chunk.

Layout of a batch directory::

    manifest.json            the design (scenarios, points, replicates, seed, chunk size)
    model/chunk-00000.parquet, agencies/..., pairs/..., missions/..., errors/...
    done/chunk-00000         written last: the chunk is complete

Every file is written under a hidden temporary name and renamed into place,
and a chunk counts as finished only once its ``done`` marker exists, so an
interrupted batch (Ctrl-C, SIGTERM, SIGKILL) never shows a half-written chunk
as complete. Each table directory is a Parquet dataset that pandas, polars or
pyarrow read directly (hidden files are ignored); :func:`load_table` reads
only finished chunks.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.files import write_atomically
from sim.run import TABLES, to_arrow

__all__ = ["ERRORS", "BatchDirectoryError", "BatchStore", "load_table"]

ERRORS = "errors"
_VERSION = 1


class BatchDirectoryError(Exception):
    """A batch directory that cannot be used as asked (exists, differs, missing)."""


class BatchStore:
    """Read and write one batch directory.

    Parameters
    ----------
    root : Path
        The batch directory.
    design : dict
        A JSON-able description of the batch; a resumed batch must match it.
    resume : bool
        Continue an existing batch (its design must be the same) instead of
        refusing to touch a non-empty directory.
    """

    def __init__(self, root: Path, design: dict[str, Any], resume: bool = False) -> None:
        self.root = Path(root)
        manifest = self.root / "manifest.json"
        if manifest.exists():
            old = json.loads(manifest.read_text())
            if not resume:
                raise BatchDirectoryError(
                    f"{self.root} already holds a batch; use --resume to finish it "
                    "or choose another --out"
                )
            if old.get("design") != design:
                raise BatchDirectoryError(
                    f"{manifest}: the batch there has another design; --resume needs the "
                    "same scenarios, parameters, replicates, seed and chunk size"
                )
        elif self.root.exists() and any(self.root.iterdir()):
            raise BatchDirectoryError(f"{self.root} is not empty and holds no batch")
        for sub in (*TABLES, ERRORS, "done"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            text = json.dumps({"version": _VERSION, "design": design}, indent=2, sort_keys=True)
            write_atomically(manifest, lambda tmp: tmp.write_bytes(text.encode()))

    def done(self) -> set[int]:
        """Ids of the chunks that finished."""
        return {int(p.name.split("-")[1]) for p in (self.root / "done").glob("chunk-*")}

    def write(self, chunk: int, tables: dict[str, pd.DataFrame], errors: pd.DataFrame) -> None:
        """Write one finished chunk: its tables, its errors, then its marker."""
        name = f"chunk-{chunk:05d}"
        for table, frame in [*tables.items(), (ERRORS, errors)]:
            arrow = to_arrow(frame)
            write_atomically(self.root / table / f"{name}.parquet", partial(pq.write_table, arrow))
        write_atomically(self.root / "done" / name, lambda tmp: tmp.write_bytes(b""))


def load_table(root: Path, table: str) -> pd.DataFrame:
    """One table of the finished chunks, in run order.

    Rows are sorted by ``run_id`` with a stable sort, so the result does not
    depend on which worker finished first or on how runs were chunked.
    """
    root = Path(root)
    if not (root / "manifest.json").exists():
        raise BatchDirectoryError(f"{root} holds no batch (no manifest.json)")
    chunks = sorted(p.name for p in (root / "done").glob("chunk-*"))
    frames = [pd.read_parquet(root / table / f"{c}.parquet") for c in chunks]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values("run_id", kind="stable", ignore_index=True)
