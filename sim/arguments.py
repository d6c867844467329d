"""Arguments checked before any work: of the batch runner and of every command-line flag.

Each bad value is one :class:`~sim.errors.UsageError` naming its flag (the
library's parameters are named like the flags that set them), raised before a
scenario is loaded, a worker started or a file written.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.scenario import check_value

__all__ = [
    "EXECUTORS",
    "MAX_COUNTS",
    "check_batch_arguments",
    "check_command_line",
    "check_listen_address",
]

#: Executors a batch can make by name.
EXECUTORS = ("process", "dask", "serial")

#: Largest accepted counts: far above any real use, low enough that a typo
#: (an extra zero or two) cannot plan a batch of billions of runs.
MAX_COUNTS = {"--workers": 1024, "--chunk-size": 100_000, "--replicates": 100_000, "--n": 100_000}
_MAX_VALUES = 1_000  # per swept axis
_MAX_POINTS = 100_000  # parameter points of a grid


def _count(flag: str, value: Any) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise UsageError(flag, f"must be a whole number (got {value!r})")
    if value < 1:
        raise UsageError(flag, f"must be at least 1 (got {value})")
    if value > MAX_COUNTS[flag]:
        raise UsageError(flag, f"must be at most {MAX_COUNTS[flag]:,} (got {value:,})")


def _seed(seed: Any) -> None:
    # numpy's SeedSequence refuses negative seeds; run seeds are 63-bit.
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise UsageError("--seed", f"must be a whole number (got {seed!r})")
    if not 0 <= seed < 2**63:
        raise UsageError("--seed", f"must be a whole number from 0 to 2**63 - 1 (got {seed})")


def check_batch_arguments(
    replicates: Any,
    seed: Any = 0,
    executor: Any = None,
    workers: Any = None,
    chunk_size: Any = None,
    scheduler: Any = None,
) -> None:
    """Refuse a bad argument of :func:`sim.batch.run_batch` in one line.

    >>> check_batch_arguments(3, seed=0, workers=2)
    >>> check_batch_arguments(3, workers=-1)
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --workers: must be at least 1 (got -1)
    """
    _count("--replicates", replicates)
    _seed(seed)
    for flag, value in (("--workers", workers), ("--chunk-size", chunk_size)):
        if value is not None:
            _count(flag, value)
    if not isinstance(executor, Executor | None) and executor not in EXECUTORS:
        raise UsageError("--executor", f"must be one of {', '.join(EXECUTORS)} (got {executor!r})")
    if scheduler and executor != "dask":
        raise UsageError("--scheduler", "needs --executor dask")


def check_command_line(args: argparse.Namespace) -> None:
    """Refuse any bad flag of a ``spacecoop`` command, before any work starts."""
    if getattr(args, "replicates", None) is not None:  # the batch verbs
        check_batch_arguments(
            args.replicates, args.seed, args.executor, args.workers, args.chunk_size,
            args.scheduler,
        )  # fmt: skip
    elif getattr(args, "seed", None) is not None:
        _seed(args.seed)
    if getattr(args, "n", None) is not None:
        _count("--n", args.n)
    _check_resume(args)
    for text in getattr(args, "match", None) or []:
        left, eq, right = text.partition("=")
        if not (eq and left.strip() and right.strip()):
            raise UsageError("--match", f"write AGENCY_A=AGENCY_B, not {text!r}")
    _check_metrics(args)
    _check_axes(args)
    for key in ("set", "param", "lever"):
        texts = getattr(args, key, None) or []
        for text in [texts] if isinstance(texts, str) else texts:
            name, _, value = text.partition("=")
            check_value(value, f"--{key}", name)
    if getattr(args, "port", None) is not None and not 1 <= args.port <= 65535:
        raise UsageError("--port", f"must be between 1 and 65535 (got {args.port})")
    if getattr(args, "out", None):
        _check_out(Path(args.out))


def _check_resume(args: argparse.Namespace) -> None:
    if getattr(args, "resume", False):
        if args.command in ("report", "calibrate"):
            raise UsageError("--resume", f"'{args.command}' keeps its runs in memory: run it again")
        if not getattr(args, "out", None):
            raise UsageError("--resume", "needs --out, the batch directory to finish")


def _check_metrics(args: argparse.Namespace) -> None:
    """Metric names exist, before a batch runs rather than after (see ``sim.summary``)."""
    from sim.summary import END_METRICS, METRICS

    if args.command == "sweep":
        names, known, flag = [args.metric], list(END_METRICS), "--metric"
    elif args.command == "sensitivity":
        names, known, flag = [args.metric], list(METRICS), "--metric"
    elif args.command == "explain":
        names, known, flag = [args.metric], list(END_METRICS), "--metric"
    elif args.command == "tradeoff":
        names, known, flag = args.metrics.split(","), list(METRICS), "--metrics"
    else:
        return
    unknown = [m for m in names if m not in known]
    if unknown:
        shown = ", ".join(repr(m) for m in unknown)
        raise UsageError(flag, f"unknown metric {shown} (known: {', '.join(known)})")


def _check_axes(args: argparse.Namespace) -> None:
    """A swept axis has at most ``_MAX_VALUES`` values and a grid ``_MAX_POINTS`` points."""
    axes = [*(getattr(args, "param", None) or [])] if args.command == "sweep" else []
    axes += [args.lever] if args.command == "tradeoff" else []
    points = 1
    for text in axes:
        spec = text.partition("=")[2]
        parts = spec.split(":")
        count = len(spec.split(","))
        if len(parts) == 3 and parts[2].strip().lstrip("+-").isdigit():
            count = int(parts[2])
        if count > _MAX_VALUES:
            flag = "--param" if args.command == "sweep" else "--lever"
            raise UsageError(flag, f"{count:,} values in {text[:40]!r} (at most {_MAX_VALUES:,})")
        points *= max(count, 1)
    if points > _MAX_POINTS:
        raise UsageError("--param", f"a grid of {points:,} points (at most {_MAX_POINTS:,})")


def _check_out(out: Path) -> None:
    """``--out`` is a folder, or can become one: probe the nearest existing folder.

    A probe (a temporary folder, removed at once) rather than ``os.access``,
    which says yes to root even where the system refuses (``/sys``, read-only
    mounts).
    """
    try:
        parent = out
        while not parent.exists():
            parent = parent.parent
        is_dir = parent.is_dir()
        if is_dir:
            os.rmdir(tempfile.mkdtemp(prefix=".spacecoop-probe-", dir=parent))
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError("--out", f"cannot write in {out}: {reason}") from None
    if not is_dir:
        raise UsageError("--out", f"{parent} is a file, not a folder")


def check_listen_address(host: str, port: int) -> None:
    """``--host`` and ``--port`` can be listened on: one-line UsageError now, no traceback later."""
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror:
        raise UsageError("--host", f"unknown host {host!r}") from None
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except OSError as err:
        why = os.strerror(err.errno) if err.errno else str(err)
        raise UsageError("--port", f"cannot listen on {host}:{port} ({why})") from None
