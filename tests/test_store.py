"""Batch directories: provenance, resume checks, chunk integrity, the lock, full schemas."""

import json
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import sim.chunk as chunk_mod
from sim.batch import load_batch, run_batch, run_seed
from sim.errors import UsageError
from sim.provenance import scenario_record
from sim.run import TABLES
from sim.scenario import SCENARIO_DIR, load_scenario
from sim.store import BatchDirectoryError, BatchStore, IncompleteBatchError, load_table
from sim.summary import run_metrics

# 6 runs of cold_war in 3 chunks of 2, in this process: fast enough for every test.
ARGS = dict(seed=4, workers=1, chunk_size=2, progress=False)


@pytest.fixture(scope="module")
def reference():
    return run_batch("cold_war", 6, **ARGS)


def assert_same(a, b):
    for t in (*TABLES, "errors"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), check_dtype=False)


@pytest.fixture
def batch(tmp_path):
    out = tmp_path / "b"
    run_batch("cold_war", 6, out=out, **ARGS)
    return out


# -- provenance ---------------------------------------------------------------


def test_manifest_records_provenance_design_layout_and_seeds(batch):
    manifest = json.loads((batch / "manifest.json").read_text())
    assert manifest["design"] == {
        "scenarios": ["cold_war"],
        "points": [{}],
        "replicates": 6,
        "seed": 4,
        "n_runs": 6,
    }
    assert manifest["layout"] == {"chunk_size": 2, "n_chunks": 3}
    assert manifest["seeds"]["runs"] == [run_seed(4, i) for i in range(6)]
    record = scenario_record(load_scenario("cold_war"))
    assert manifest["scenarios"]["cold_war"] == record
    assert manifest["scenarios"]["cold_war"]["resolved"]["name"] == "cold_war"
    about = manifest["provenance"]
    assert about["code"]["version"] == "0.1.0"
    assert set(about["dependencies"]) >= {"python", "mesa", "numpy", "pandas", "pyarrow"}
    assert about["dependencies"]["numpy"] == __import__("numpy").__version__
    assert about["command"]  # pytest's own command line here
    assert len(manifest["sessions"]) == 1


# -- resume -------------------------------------------------------------------


def test_resume_refuses_an_edited_scenario_naming_the_field(tmp_path):
    text = (SCENARIO_DIR / "iss_era.yaml").read_text()
    path = tmp_path / "iss.yaml"
    path.write_text(text)
    out = tmp_path / "b"
    run_batch(str(path), 2, workers=1, out=out, progress=False)
    path.write_text(text.replace("budget: 25.6", "budget: 5.0", 1))
    with pytest.raises(BatchDirectoryError) as err:
        run_batch(str(path), 2, workers=1, out=out, resume=True, progress=False)
    message = str(err.value)
    assert "\n" not in message
    assert "changed since the batch started" in message
    assert "agencies.NASA.budget: 25.6 -> 5.0" in message


def test_resume_refuses_another_override_naming_the_field(batch):
    with pytest.raises(BatchDirectoryError, match=r"points\[0\]\.negotiation\.candidates: added"):
        run_batch("cold_war", 6, out=batch, resume=True, params={"negotiation.candidates": 2},
                  **{**ARGS, "chunk_size": None})  # fmt: skip


@pytest.mark.slow
def test_resume_keeps_the_chunk_layout_whatever_the_workers(tmp_path, reference):
    out = tmp_path / "b"
    # 17 runs are cut into chunks of 2 for two workers, of 3 for one.
    with ThreadPoolExecutor(2) as pool:
        run_batch("cold_war", 17, seed=4, executor=pool, workers=2, out=out, progress=False)
    layout = json.loads((out / "manifest.json").read_text())["layout"]
    assert layout["chunk_size"] == 2
    for marker in sorted((out / "done").iterdir())[::2]:
        marker.unlink()
    resumed = run_batch("cold_war", 17, seed=4, workers=1, out=out, resume=True, progress=False)
    assert resumed.model.run_id.nunique() == 17
    assert_same(resumed, run_batch("cold_war", 17, seed=4, workers=1, progress=False))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["layout"]["chunk_size"] == 2
    assert [s["workers"] for s in manifest["sessions"]] == [2, 1]
    with pytest.raises(BatchDirectoryError, match="--chunk-size 7 differs"):
        run_batch("cold_war", 17, seed=4, workers=1, chunk_size=7, out=out, resume=True,
                  progress=False)  # fmt: skip


# -- chunk integrity ----------------------------------------------------------


def _damage(out, how):
    target = out / "model" / "chunk-00001.parquet"
    if how == "truncated":
        target.write_bytes(target.read_bytes()[:100])
    elif how == "garbage":  # same size: only the checksum or decoding can tell
        target.write_bytes(bytes(len(target.read_bytes())))
    elif how == "deleted":
        target.unlink()
    elif how == "swapped file":
        shutil.copy(out / "model" / "chunk-00002.parquet", target)
    elif how == "swapped chunk":  # every file and the marker: only the run ids tell
        for sub in (*TABLES, "errors"):
            shutil.copy(out / sub / "chunk-00002.parquet", out / sub / "chunk-00001.parquet")
        shutil.copy(out / "done" / "chunk-00002", out / "done" / "chunk-00001")


HOW = ["truncated", "garbage", "deleted", "swapped file", "swapped chunk"]


@pytest.mark.parametrize("how", HOW)
def test_readers_skip_a_damaged_chunk_in_one_line(batch, how, caplog, reference):
    _damage(batch, how)
    with caplog.at_level(logging.WARNING, logger="sim.store"):
        loaded = load_batch(batch)
        model = loaded.model
    assert sorted(model.run_id.unique()) == [0, 1, 4, 5]  # chunk 1 (runs 2, 3) left out
    lines = [r.getMessage() for r in caplog.records]
    assert lines and all("\n" not in line for line in lines)
    assert "chunk-00001" in lines[0] and "--resume reruns" in lines[0]
    kept = reference.model[reference.model.run_id.isin([0, 1, 4, 5])].reset_index(drop=True)
    pd.testing.assert_frame_equal(model, kept, check_dtype=False)


@pytest.mark.parametrize("how", HOW)
def test_resume_reruns_a_damaged_chunk(batch, how, caplog, reference):
    _damage(batch, how)
    with caplog.at_level(logging.WARNING, logger="sim.store"):
        resumed = run_batch("cold_war", 6, out=batch, resume=True, **ARGS)
    assert any("rerunning 1 damaged chunk" in r.getMessage() for r in caplog.records)
    assert_same(resumed, reference)


def test_resume_clears_temporary_files_a_killed_writer_left(batch, reference):
    stale = batch / "model" / ".chunk-00001.parquet.0123456789ab.tmp"
    stale.write_bytes(b"half a file")
    (batch / "done" / "chunk-00001").unlink()
    assert_same(run_batch("cold_war", 6, out=batch, resume=True, **ARGS), reference)
    assert not list(batch.rglob("*.tmp"))


def test_a_garbled_manifest_is_one_line(batch):
    (batch / "manifest.json").write_text("{not json")
    with pytest.raises(BatchDirectoryError, match="not a readable batch manifest"):
        load_batch(batch)


# -- the lock -----------------------------------------------------------------


def test_a_second_writer_is_refused_at_once(tmp_path):
    out = tmp_path / "b"
    holder = BatchStore(out, {"n_runs": 1}, {}, None, 1)  # another batch writing here
    try:
        with pytest.raises(BatchDirectoryError, match=r"another batch is writing here \(pid \d+\)"):
            run_batch("cold_war", 2, workers=1, out=out, progress=False)
        assert not (out / "manifest.json").exists()
    finally:
        holder.close()
    run_batch("cold_war", 2, workers=1, out=out, progress=False)  # free again


# -- full schemas -------------------------------------------------------------


def _always_fails(scenario, seed, overrides=None):
    raise RuntimeError("boom")


def test_an_all_failed_batch_keeps_every_column(tmp_path, monkeypatch, reference):
    chunk_mod._result_columns()  # the bundled reference run, before runs start failing
    monkeypatch.setattr(chunk_mod, "run", _always_fails)
    out = tmp_path / "b"
    result = run_batch("cold_war", 6, out=out, **ARGS)
    assert result.n_failed == 6
    for t in TABLES:
        on_disk = pd.read_parquet(out / t)  # the README's read path
        assert len(on_disk) == 0
        assert list(on_disk.columns) == list(getattr(reference, t).columns)
        assert list(getattr(result, t).columns) == list(getattr(reference, t).columns)
    errors = pd.read_parquet(out / "errors")
    assert errors.run_id.tolist() == list(range(6)) and errors.error.str.contains("boom").all()
    runs = run_metrics(result.model)  # the report's KeyError: 'cross_bloc_share' came from here
    assert len(runs) == 0 and "cross_bloc_share" in runs
    in_memory = run_batch("cold_war", 6, **ARGS)
    assert list(in_memory.model.columns) == list(reference.model.columns)


def test_a_partly_failed_batch_reads_with_pandas(tmp_path, monkeypatch, reference):
    real = chunk_mod.run

    def fails_in_chunk_zero(scenario, seed, overrides=None):
        if seed in (run_seed(4, 0), run_seed(4, 1)):
            raise RuntimeError("boom")
        return real(scenario, seed=seed, overrides=overrides)

    chunk_mod._result_columns()
    monkeypatch.setattr(chunk_mod, "run", fails_in_chunk_zero)
    out = tmp_path / "b"
    run_batch("cold_war", 6, out=out, **ARGS)
    model = pd.read_parquet(out / "model")
    assert sorted(model.run_id.unique()) == [2, 3, 4, 5]
    assert list(model.columns) == list(reference.model.columns)
    assert pd.read_parquet(out / "errors").run_id.tolist() == [0, 1]
    assert load_table(out, "errors").run_id.tolist() == [0, 1]


# -- a start that fails leaves nothing ----------------------------------------


@pytest.mark.parametrize(
    ("option", "kwargs"),
    [
        ("--workers", {"workers": -1}),
        ("--chunk-size", {"chunk_size": 0}),
        ("--seed", {"seed": -1}),
        ("--replicates", {"replicates": 0}),
        ("--executor", {"executor": "threads"}),
        ("--scheduler", {"scheduler": "tcp://127.0.0.1:1"}),
    ],
)
def test_bad_arguments_fail_before_anything_is_written(tmp_path, option, kwargs):
    out = tmp_path / "b"
    arguments = {"replicates": 2, **kwargs}
    with pytest.raises(UsageError) as err:
        run_batch("cold_war", out=out, progress=False, **arguments)
    assert err.value.option == option
    assert not out.exists()


def test_out_that_is_a_file_or_under_a_file_is_one_line(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("mine")
    for out in (a_file, a_file / "b"):
        with pytest.raises(BatchDirectoryError) as err:
            run_batch("cold_war", 2, workers=1, out=out, progress=False)
        assert "\n" not in str(err.value)
    assert a_file.read_text() == "mine"


def test_a_start_that_fails_to_write_removes_only_what_it_created(tmp_path, monkeypatch):
    import sim.store as store_mod

    def disk_full(path, write):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_mod, "write_atomically", disk_full)
    fresh, existing = tmp_path / "new" / "b", tmp_path / "mine"
    existing.mkdir()
    for out in (fresh, existing):
        with pytest.raises(BatchDirectoryError, match="No space left on device"):
            run_batch("cold_war", 2, workers=1, out=out, progress=False)
    assert not (tmp_path / "new").exists()
    assert existing.is_dir() and list(existing.iterdir()) == []


def test_a_disk_that_fills_mid_batch_is_one_line_and_resumable(tmp_path, monkeypatch):
    import sim.store as store_mod

    real, written = store_mod.write_atomically, []

    def fills_after_two_chunks(path, write):
        if path.parent.name == "done" and len(written) == 2:
            raise OSError(28, "No space left on device")
        if path.parent.name == "done":
            written.append(path.name)
        return real(path, write)

    monkeypatch.setattr(store_mod, "write_atomically", fills_after_two_chunks)
    out = tmp_path / "b"
    with pytest.raises(IncompleteBatchError, match="No space left on device") as err:
        run_batch("cold_war", 6, workers=1, chunk_size=1, out=out, progress=False)
    assert "\n" not in str(err.value) and "--resume" in str(err.value)
    assert sorted(p.name for p in (out / "done").iterdir()) == written
    monkeypatch.setattr(store_mod, "write_atomically", real)
    resumed = run_batch("cold_war", 6, workers=1, out=out, resume=True, progress=False)
    whole = run_batch("cold_war", 6, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed.model, whole.model, check_dtype=False)
