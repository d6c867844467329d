"""Faults a batch must survive: lost workers and schedulers, kills, scripts, bad starts."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import CancelledError, Executor, Future
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.batch import load_batch, run_batch
from sim.cli import main
from sim.executors import MAX_RETRIES, SerialExecutor
from sim.run import TABLES
from sim.store import IncompleteBatchError

ROOT = Path(__file__).resolve().parent.parent


def assert_same(a, b):
    for t in (*TABLES, "errors"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), check_dtype=False)


def env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class LosesRunTwo(Executor):
    """Runs tasks here, but the task holding run 2 is always cancelled, as by a lost scheduler."""

    def __init__(self):
        self.tries = 0

    def submit(self, fn, /, *args, **kwargs):
        if any(s.run_id == 2 for s in args[1]):
            self.tries += 1
            future = Future()
            future.set_exception(CancelledError())
            return future
        return SerialExecutor().submit(fn, *args, **kwargs)


def test_an_infrastructure_failure_is_retried_never_done_and_resumed(tmp_path):
    out = tmp_path / "b"
    flaky = LosesRunTwo()
    with pytest.raises(IncompleteBatchError) as err:
        run_batch("cold_war", 6, seed=2, executor=flaky, chunk_size=2, out=out, progress=False)
    message = str(err.value)
    assert "\n" not in message
    assert "1 of 3 chunks (2 runs) were not run" in message and "--resume" in message
    assert flaky.tries == MAX_RETRIES
    assert sorted(p.name for p in (out / "done").iterdir()) == ["chunk-00000", "chunk-00002"]
    partial = load_batch(out)
    assert partial.n_failed == 0  # not recorded as failed runs
    assert sorted(partial.model.run_id.unique()) == [0, 1, 4, 5]
    resumed = run_batch("cold_war", 6, seed=2, workers=1, out=out, resume=True, progress=False)
    assert_same(resumed, run_batch("cold_war", 6, seed=2, workers=1, progress=False))


def test_an_infrastructure_failure_without_out_is_one_line():
    with pytest.raises(IncompleteBatchError, match="nothing was written"):
        run_batch("cold_war", 6, seed=2, executor=LosesRunTwo(), chunk_size=2, progress=False)


def test_an_incomplete_batch_exits_3_not_2(tmp_path, capsys, monkeypatch):
    # 2 says "bad input, nothing started"; an incomplete batch is neither, and
    # a script must be able to tell "resume me" from "fix your command".
    import sim.batch

    real = sim.batch.run_batch
    monkeypatch.setattr(
        sim.batch, "run_batch", lambda *a, **kw: real(*a, **{**kw, "executor": LosesRunTwo()})
    )
    out = tmp_path / "b"
    argv = ["batch", "cold_war", "--replicates", "6", "--chunk-size", "2", "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--resume will finish them" in err


def test_cli_bad_arguments_are_one_line_exit_2(tmp_path, capsys):
    a_file = tmp_path / "f"
    a_file.write_text("")
    for argv, option in [
        (["batch", "cold_war", "--workers", "-1", "--out", str(tmp_path / "a")], "--workers"),
        (["batch", "cold_war", "--chunk-size", "-1", "--out", str(tmp_path / "a")], "--chunk-size"),
        (["batch", "cold_war", "--seed", "-1", "--out", str(tmp_path / "a")], "--seed"),
        (["batch", "cold_war", "--out", str(a_file)], str(a_file)),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ") and option in err
    assert not (tmp_path / "a").exists()


# -- with real processes ---------------------------------------------------------


def _batch_cli(out, *extra, scenario="iss_era", replicates=40):
    cmd = [sys.executable, "-m", "sim.cli", "batch", scenario, "--replicates", str(replicates),
           "--chunk-size", "1", "--out", str(out), "--no-progress", *extra]  # fmt: skip
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(), cwd=ROOT
    )


def _wait_for_chunks(out, n, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline and len(list((out / "done").glob("chunk-*"))) < n:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "executor"),
    [(signal.SIGKILL, "process"), (signal.SIGTERM, "process"), (signal.SIGKILL, "dask")],
)
def test_a_killed_batch_leaves_no_worker_and_no_temporary_file(tmp_path, sig, executor):
    out = tmp_path / "b"
    # Far more runs than can finish before the signal, even on a loaded machine:
    # a signal after the batch (while it summarizes) would test nothing here.
    proc = _batch_cli(out, "--workers", "2", "--executor", executor, replicates=400)
    _wait_for_chunks(out, 2, proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert len(workers) >= 2
    os.kill(proc.pid, sig)
    proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == []
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
        assert proc.stderr.read().decode().strip() == "interrupted"
        assert not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_a_second_writer_on_the_same_out_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "b"
    proc = _batch_cli(out, "--workers", "1")
    try:
        _wait_for_chunks(out, 1, proc)
        code = main(["batch", "iss_era", "--replicates", "40", "--workers", "1",
                     "--out", str(out), "--resume", "--no-progress"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1
        assert f"another batch is writing here (pid {proc.pid})" in err
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_a_process_pool(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """\
            import sim

            result = sim.run_batch("cold_war", 4, seed=3, workers=2, chunk_size=1, progress=False)
            print(result.n_failed, result.model.to_json())
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    failed, rows = done.stdout.split(" ", 1)
    assert failed == "0"
    serial = run_batch("cold_war", 4, seed=3, workers=1, progress=False).model
    got = pd.read_json(__import__("io").StringIO(rows))
    pd.testing.assert_frame_equal(got, serial, check_dtype=False)


@pytest.mark.slow
def test_pool_workers_killed_at_random_lose_no_run(tmp_path):
    out = tmp_path / "b"
    me = psutil.Process()
    stop = threading.Event()
    killed = []
    rng = random.Random(1)

    def killer():
        while not stop.is_set() and len(killed) < 2:
            time.sleep(rng.uniform(0.3, 0.8))
            workers = [p for p in me.children() if "spawn" in " ".join(p.cmdline())]
            workers = [p for p in workers if "resource_tracker" not in " ".join(p.cmdline())]
            if workers:
                victim = rng.choice(workers)
                victim.kill()
                killed.append(victim.pid)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        run_batch("iss_era", 16, seed=8, workers=2, chunk_size=2, out=out, progress=False)
    except IncompleteBatchError:
        pass  # a chunk killed alone twice is left for --resume, never recorded as failed
    finally:
        stop.set()
        thread.join()
    assert killed
    assert load_batch(out).n_failed == 0
    resumed = run_batch("iss_era", 16, seed=8, workers=1, out=out, resume=True, progress=False)
    assert_same(resumed, run_batch("iss_era", 16, seed=8, workers=1, progress=False))


@pytest.mark.slow
def test_an_unreachable_scheduler_fails_fast_and_leaves_nothing(tmp_path, capsys):
    out = tmp_path / "b"
    start = time.time()
    code = main(["batch", "cold_war", "--replicates", "2", "--executor", "dask",
                 "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--scheduler" in err and "tcp://127.0.0.1:9" in err
    assert time.time() - start < 20
    assert not out.exists()


@pytest.mark.slow
def test_a_scheduler_killed_mid_batch_leaves_chunks_for_resume(tmp_path):
    pytest.importorskip("distributed")
    port = 20000 + os.getpid() % 20000
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen(
        [*dask, "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
    )
    worker = None
    out = tmp_path / "b"
    try:
        worker_cmd = [sys.executable, "-m", "distributed.cli.dask_worker", address]
        worker = subprocess.Popen(
            [*worker_cmd, "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env(),
        )
        proc = _batch_cli(out, "--executor", "dask", "--scheduler", address, scenario="cold_war")
        _wait_for_chunks(out, 3, proc, timeout=90)
        scheduler.kill()
        start = time.time()
        _, err = proc.communicate(timeout=60)
        err = err.decode()
        assert time.time() - start < 30
        assert proc.returncode != 0
        assert "Traceback" not in err
        assert "--resume will finish them" in err.strip().splitlines()[-1]
        partial = load_batch(out)
        assert partial.n_failed == 0 and 0 < partial.model.run_id.nunique() < 40
    finally:
        for p in (scheduler, worker):
            if p is not None:
                p.kill()
                p.wait()
    resumed = run_batch("cold_war", 40, workers=1, out=out, resume=True, progress=False)
    assert_same(resumed, run_batch("cold_war", 40, workers=1, progress=False))
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [s["executor"] for s in sessions] == ["dask", "serial"]
