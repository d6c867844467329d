"""Executors for batches: in-process, a local process pool, Dask; and the loop that feeds them.

The loop owns how many tasks are in flight, what happens when a worker
process dies, and cancelling on an interrupt; an executor only sees
``submit``. Nothing here knows what a run is.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

__all__ = [
    "MAX_BROKEN",
    "SerialExecutor",
    "dask_executor",
    "execute",
    "process_pool",
    "sigterm_as_interrupt",
]

MAX_BROKEN = 2  # a task that kills its worker this many times alone is given up


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


def process_pool(workers: int) -> Executor:
    """A local process pool of ``workers`` processes, started by spawn."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Spawn, chosen here and not process-wide: safe with threads, same on every OS.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """A Dask executor: on ``scheduler``, or on a LocalCluster of ``workers`` processes."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        # pure=False: identical tasks (same chunk twice) must both run, never be deduplicated.
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


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


def execute(
    task: Callable,
    todo: list[int],
    arguments: Callable[[int], tuple],
    executor: Executor,
    rebuild: Callable[[], Executor] | None,
    max_in_flight: int,
    on_done: Callable[[int, Any], None],
    on_lost: Callable[[int, str], None],
) -> None:
    """Run ``task(*arguments(i))`` for each ``i`` in ``todo``, a bounded number at a time.

    ``on_done(i, result)`` is called as each finishes, in completion order;
    ``on_lost(i, message)`` when task ``i`` could not run. With ``rebuild``
    (an executor we own), a process pool that breaks is rebuilt and the tasks
    that were in it are rerun one at a time, so a task that kills its worker
    alone is found and given up after ``MAX_BROKEN`` tries while the others
    finish. On an interrupt, pending work is cancelled without waiting.
    """
    pending = deque(todo)
    suspects: deque[int] = deque()  # chunks in flight when a worker died: rerun one at a time
    solo_breaks: dict[int, int] = {}
    in_flight: dict[Future, int] = {}

    finished = False
    try:
        while pending or suspects or in_flight:
            if suspects:
                if not in_flight:
                    cid = suspects.popleft()
                    in_flight[executor.submit(task, *arguments(cid))] = cid
            else:
                while pending and len(in_flight) < max_in_flight:
                    cid = pending.popleft()
                    in_flight[executor.submit(task, *arguments(cid))] = cid
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                cid = in_flight[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    if rebuild is None:
                        raise
                    # The pool died with every chunk in it: rebuild it, then rerun
                    # those chunks one at a time so a chunk that kills its worker
                    # alone is found and recorded, and the others finish.
                    lost = list(in_flight.values())
                    in_flight.clear()
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = rebuild()
                    if len(lost) == 1:
                        solo_breaks[cid] = solo_breaks.get(cid, 0) + 1
                        if solo_breaks[cid] >= MAX_BROKEN:
                            on_lost(cid, "worker process died")
                            break
                    suspects.extend(lost)
                    break
                except Exception as exc:  # the chunk never ran (e.g. a worker lost)
                    del in_flight[future]
                    on_lost(cid, repr(exc))
                else:
                    del in_flight[future]
                    on_done(cid, result)
        finished = True
    finally:
        for future in in_flight:
            future.cancel()
        if rebuild is not None:  # ours: on an interrupt, do not wait for running chunks
            executor.shutdown(wait=finished, cancel_futures=True)
