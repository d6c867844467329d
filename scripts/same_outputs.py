"""Check that this tree writes the same tables as another commit, to the byte.

For every bundled scenario (or those named) and seeds 0-4, run
``spacecoop run SCENARIO --seed N --no-plots --out DIR`` once with this working
tree and once with ``COMMIT`` (exported with ``git archive`` into a temporary
folder, run with this project's virtual environment), and compare the
Parquet tables both write (model, agencies, pairs, missions, and deals since
issue #13) byte for byte; a table only one of them writes is reported.

Usage::

    .venv/bin/python scripts/same_outputs.py COMMIT [--seeds 0-4] [--scenarios a,b]

Exit code 0 when every table is identical, 1 when one differs (each listed),
2 when the commit cannot be exported. A refactoring that must not move model
results (issue #12) is checked with it against the commit before it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("model", "agencies", "pairs", "missions", "deals")


def _export(commit: str, into: Path) -> None:
    """The tree of ``commit`` in ``into``, without touching this checkout."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")


def _run(tree: Path, scenario: str, seed: int, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # this tree's sim, not the installed one
    cmd = [sys.executable, "-m", "sim.cli", "run", scenario, "--seed", str(seed),
           "--no-plots", "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)


def _seeds(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def main() -> int:
    """Compare the tables; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the commit to compare against, e.g. HEAD~3 or a hash")
    parser.add_argument("--seeds", default="0-4", help="a seed or a range, e.g. 0-4 (default)")
    parser.add_argument("--scenarios", help="comma-separated (default: every bundled scenario)")
    args = parser.parse_args()
    names = (
        args.scenarios.split(",")
        if args.scenarios
        else sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml") if p.stem[0] != "_")
    )
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as tmp:
        tmp_path = Path(tmp)
        try:
            _export(args.commit, tmp_path)
        except (subprocess.CalledProcessError, tarfile.TarError) as err:
            print(f"error: cannot export {args.commit!r}: {err}", file=sys.stderr)
            return 2
        differ = []
        for name in names:
            for seed in _seeds(args.seeds):
                outs = {}
                for label, tree in (("then", tmp_path / "tree"), ("now", ROOT)):
                    outs[label] = tmp_path / label / f"{name}-{seed}"
                    _run(tree, name, seed, outs[label])
                files = {k: {t: d / f"{t}.parquet" for t in TABLES} for k, d in outs.items()}
                moved = [
                    t
                    for t in TABLES
                    if files["then"][t].exists() or files["now"][t].exists()
                    if not (files["then"][t].exists() and files["now"][t].exists())
                    or files["then"][t].read_bytes() != files["now"][t].read_bytes()
                ]
                differ += [f"{name} seed {seed}: {t}" for t in moved]
                print(f"{name} seed {seed}: {'differs: ' + ', '.join(moved) if moved else 'same'}")
    if differ:
        print(f"{len(differ)} tables differ from {args.commit}:", *differ, sep="\n  ")
        return 1
    print(f"every table is byte-identical to {args.commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
