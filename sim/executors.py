"""Executors for batches: in-process, a local process pool, Dask; and the loop that feeds them.

The loop owns how many tasks are in flight, what happens when a worker
process or the scheduler is lost, and cancelling on an interrupt; an executor
only sees ``submit``. Nothing here knows what a run is: a task's own result
(including the runs it recorded as failed) comes back through ``on_done``;
any exception from a future is the infrastructure's, retried and, if it keeps
failing, reported as not run, never as done.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from typing import Any

from sim.errors import UsageError

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_BROKEN",
    "MAX_RETRIES",
    "SerialExecutor",
    "dask_executor",
    "execute",
    "process_pool",
    "sigterm_as_interrupt",
]

MAX_BROKEN = 2  # a task that kills its worker this many times alone is given up (not done)
MAX_RETRIES = 3  # tries of a task whose future fails for any other reason
CONNECT_TIMEOUT = 5  # seconds to wait for a Dask scheduler before saying it is unreachable
POLL = 1.0  # seconds between checks that the executor is still there while waiting


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted (for one worker, tests)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: exit as soon as the batch process is gone, whatever killed it."""

    def watch() -> None:
        # A SIGKILLed parent cannot tell its workers; polling the parent id is
        # the portable way (PR_SET_PDEATHSIG would fire when the spawning
        # *thread* exits, and the pool spawns from whichever thread submits).
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Hide ``__main__`` from spawn while workers start: they need nothing from it.

    Spawn re-runs the parent's main script in each worker unless it is guarded
    by ``if __name__ == "__main__":``; our task is ``sim.chunk.run_chunk``, so
    a worker never needs the script, and a script without the guard then works.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Pool(ProcessPoolExecutor):
    """A spawn process pool whose workers skip the main script and die with their parent."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Submit ``fn``; a worker started here does not import the main script."""
        with _main_hidden():  # spawn starts workers lazily, inside submit
            return super().submit(fn, *args, **kwargs)

    def kill(self) -> None:
        """Stop every worker now (an interrupt must not wait for running chunks)."""
        for process in list((getattr(self, "_processes", None) or {}).values()):
            with suppress(Exception):
                process.terminate()
        self.shutdown(wait=False, cancel_futures=True)


def process_pool(workers: int) -> Executor:
    """A local process pool of ``workers`` processes, started by spawn."""
    import multiprocessing

    # Spawn, chosen here and not process-wide: safe with threads, same on every OS.
    return _Pool(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


class _DaskExecutor(Executor):
    """A Dask client's executor that can tell when its scheduler is gone.

    A future whose scheduler died may never finish, so the loop asks
    :meth:`lost` while it waits instead of waiting for ever.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        # pure=False: identical tasks (same chunk twice) must both run, never be deduplicated.
        self._executor = client.get_executor(pure=False)

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Submit ``fn`` to the Dask cluster."""
        return self._executor.submit(fn, *args, **kwargs)

    def lost(self) -> bool:
        """Whether the client has lost its scheduler (it closes after failing to reconnect)."""
        return self._client.status not in ("running", "connecting", "newly-created")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Leave the client to :func:`dask_executor`."""


@contextmanager
def dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """A Dask executor: on ``scheduler``, or on a LocalCluster of ``workers`` processes.

    An unreachable scheduler is a :class:`sim.errors.UsageError` after
    :data:`CONNECT_TIMEOUT` seconds.
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except Exception as err:  # OSError, TimeoutError, ValueError for a bad address
            why = "no answer" if isinstance(err, (OSError, TimeoutError)) else type(err).__name__
            raise UsageError(
                "--scheduler",
                f"no Dask scheduler reachable at {scheduler} ({why} within {CONNECT_TIMEOUT} s)",
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        with _tracebacks_quieted():
            yield _DaskExecutor(client)
    finally:
        with suppress(Exception):  # a lost scheduler must not turn into a traceback here
            client.close(timeout=CONNECT_TIMEOUT)
        if cluster is not None:
            with suppress(Exception):
                cluster.close(timeout=CONNECT_TIMEOUT)


class _NoTraceback(logging.Filter):
    """Keep Dask's log lines, drop the tracebacks a lost scheduler makes them carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = record.stack_info = None
        return record.name != "tornado.application"  # "Exception in callback": the same loss


@contextmanager
def _tracebacks_quieted() -> Iterator[None]:
    # The batch reports a lost scheduler in one line of its own (chunks not run,
    # --resume finishes them); the client's event loop would add tracebacks.
    quiet = _NoTraceback()
    loggers = [logging.getLogger(), logging.getLogger("distributed")]
    handlers = [h for lg in loggers for h in lg.handlers]
    tornado = logging.getLogger("tornado.application")
    for target in (*handlers, tornado):
        target.addFilter(quiet)
    try:
        yield
    finally:
        for target in (*handlers, tornado):
            target.removeFilter(quiet)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM stop a batch like Ctrl-C (finished chunks stay on disk)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def execute(
    task: Callable,
    todo: list[int],
    arguments: Callable[[int], tuple],
    executor: Executor,
    rebuild: Callable[[], Executor] | None,
    max_in_flight: int,
    on_done: Callable[[int, Any], None],
) -> dict[int, str]:
    """Run ``task(*arguments(i))`` for each ``i`` in ``todo``, a bounded number at a time.

    ``on_done(i, result)`` is called as each finishes, in completion order.
    A future that fails (a dead worker, a lost scheduler, a cancelled task) is
    the infrastructure's fault, not the task's: the task is tried again, up to
    :data:`MAX_RETRIES` times. With ``rebuild`` (an executor we own), a process
    pool that breaks is rebuilt and the tasks that were in it are rerun one at
    a time, so a task that kills its worker alone is found and given up after
    :data:`MAX_BROKEN` tries while the others finish. A task given up is returned
    with its reason and never passed to ``on_done``; if failures keep coming
    with no success between them, the executor is taken as lost and every
    remaining task is given up. On an interrupt, pending work is cancelled and
    our own workers are stopped without waiting.

    Returns
    -------
    dict
        Reason per task given up (empty when every task finished).
    """
    pending = deque(todo)
    suspects: deque[int] = deque()  # tasks in flight when a worker died: rerun one at a time
    solo_breaks: dict[int, int] = {}
    tries: dict[int, int] = {}
    in_flight: dict[Future, int] = {}
    lost: dict[int, str] = {}
    streak = 0  # infrastructure failures since the last success
    patience = max(10, MAX_RETRIES * max_in_flight)

    def give_up(cid: int, reason: str) -> None:
        lost[cid] = reason

    def failed(cid: int, exc: BaseException) -> None:
        nonlocal streak
        streak += 1
        tries[cid] = tries.get(cid, 0) + 1
        if tries[cid] >= MAX_RETRIES:
            give_up(cid, _why(exc))
        else:
            pending.appendleft(cid)

    def broken(cids: list[int]) -> None:
        # The pool died with every task in it: rebuild it, then rerun those tasks
        # one at a time so a task that kills its worker alone is found.
        nonlocal executor, streak
        assert rebuild is not None  # only called with a pool we own (rebuild given)
        streak += 1
        in_flight.clear()
        executor.shutdown(wait=False, cancel_futures=True)
        executor = rebuild()
        if len(cids) == 1:
            cid = cids[0]
            solo_breaks[cid] = solo_breaks.get(cid, 0) + 1
            if solo_breaks[cid] >= MAX_BROKEN:
                give_up(cid, f"a worker process died running it alone {MAX_BROKEN} times")
                return
        suspects.extend(cids)

    def submit(cid: int) -> None:
        try:
            in_flight[executor.submit(task, *arguments(cid))] = cid
        except BrokenProcessPool:
            if rebuild is None:
                raise
            broken([*in_flight.values(), cid])
        except Exception as exc:  # e.g. a Dask client whose scheduler is gone
            failed(cid, exc)

    finished = False
    try:
        while pending or suspects or in_flight:
            if streak > patience or (rebuild is None and _is_lost(executor)):
                for future, cid in list(in_flight.items()):  # keep what finished in time
                    if future.done() and not future.cancelled() and not future.exception():
                        del in_flight[future]
                        on_done(cid, future.result())
                for cid in [*in_flight.values(), *suspects, *pending]:
                    give_up(cid, "the executor was lost (its workers or scheduler are gone)")
                in_flight.clear()
                suspects.clear()
                pending.clear()
                break
            if suspects:
                if not in_flight:
                    submit(suspects.popleft())
            else:
                while pending and len(in_flight) < max_in_flight and streak <= patience:
                    submit(pending.popleft())
            if not in_flight:
                continue
            done, _ = wait(in_flight, timeout=POLL, return_when=FIRST_COMPLETED)
            for future in done:
                cid = in_flight[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    if rebuild is None:
                        del in_flight[future]
                        failed(cid, BrokenProcessPool("the process pool broke"))
                        continue
                    broken(list(in_flight.values()))
                    break
                except Exception as exc:  # the task never ran to its end: infrastructure
                    del in_flight[future]
                    failed(cid, exc)
                else:
                    del in_flight[future]
                    streak = 0
                    on_done(cid, result)
        finished = True
    finally:
        for future in in_flight:
            future.cancel()
        if rebuild is not None:  # ours: on an interrupt, do not wait for running chunks
            if not finished and isinstance(executor, _Pool):
                executor.kill()
            else:
                executor.shutdown(wait=finished, cancel_futures=True)
    return lost


def _is_lost(executor: Executor) -> bool:
    """Whether an executor we cannot rebuild is gone: a broken pool, a lost scheduler."""
    if getattr(executor, "_broken", False):  # a ProcessPoolExecutor that broke
        return True
    lost = getattr(executor, "lost", None)
    return bool(lost()) if callable(lost) else False
