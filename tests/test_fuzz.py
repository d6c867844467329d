"""Fuzzing the edge: no generated scenario file or command line gets a traceback out.

Everything runs in-process through ``sim.cli.main`` with stdout and stderr
captured. A scenario mutant must either validate and run, or exit 2 with one
``FILE:LINE: field: message`` line per problem. A command line must exit 0,
1 or 2 with one-line messages, or pass every up-front check and reach the
point where work starts: there a tripwire stops it (after validating the
scenario at each parameter point, as a batch does first), so a thousand
command lines take seconds, not a thousand batches.

The fast tier runs 50 examples of each; the slow tier 1,000 of each.
Examples are derandomized, so a failure reproduces in CI.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.batch
import sim.calibration
import sim.cli
import sim.explain
import sim.sensitivity
import sim.validation
from sim.cli import main
from sim.scenario import Scenario, apply_overrides, load_scenario
from sim.summary import METRICS

FAST = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLOW = settings(FAST, max_examples=1_000)

# One problem a line: "FILE:LINE: field: message", "FILE: field: message",
# "error: --flag: message" (or a batch-directory error), "warning: ...", or
# argparse's "spacecoop ...: error: ...".
ONE_LINE = re.compile(r"^(error: .+|warning: .+|spacecoop.*: error: .+|\S.*?(:\d+)?: \S.*: .+)$")


class Started(Exception):
    """Every check passed and the command reached the point where work starts."""


def _fake_run_batch(scenarios, replicates, params=None, **kwargs):
    """Validate the scenario at a few parameter points, as a batch does first; then stop."""
    names = [scenarios] if isinstance(scenarios, (str, Path, Scenario)) else list(scenarios)
    points = list(params or [{}])
    for name in names:
        for point in [*points[:3], points[-1]]:
            if isinstance(name, Scenario):  # built in memory (explain's hybrids)
                apply_overrides(name, point)
            else:
                load_scenario(name, point)
    raise Started


def _tripwire(*args, **kwargs):
    raise Started


def _serial(*args, **kwargs):
    """``explain``'s executor, without starting workers or a cluster: its runs are faked."""
    from sim.executors import SerialExecutor

    return contextlib.nullcontext(SerialExecutor())


@contextlib.contextmanager
def _no_long_work():
    with contextlib.ExitStack() as stack:
        for target, attr, fake in [
            (sim.batch, "run_batch", _fake_run_batch),
            (sim.sensitivity, "run_batch", _fake_run_batch),
            (sim.explain, "_executor", _serial),
            (sim.cli, "run", _tripwire),
            (sim.cli, "_cmd_app", _tripwire),
            (sim.validation, "validate", _tripwire),
            (sim.calibration, "calibrate", _tripwire),
        ]:
            stack.enter_context(mock.patch.object(target, attr, fake))
        yield


def _call(argv: list[str]) -> tuple[int | str, str, str]:
    """``main(argv)`` with output captured: exit code (or "started"), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | str = main(argv)
        except Started:
            code = "started"
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code, err: str, allowed=(0, 1, 2, "started")) -> None:
    assert code in allowed, (code, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 2:
        assert lines, "exit 2 without a message"
    if any(line.startswith("usage:") for line in lines):  # argparse: usage, then its error
        assert ONE_LINE.match(lines[-1]), err
        return
    for line in lines:
        assert ONE_LINE.match(line), f"not a one-line message: {line!r}\n{err}"


# --------------------------------------------------------------------------
# Scenario files: mutations of bundled scenarios

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
BASES = {name: load_scenario(name).model_dump() for name in ("cold_war", "detente")}
HOSTILE = [
    None, -1, 0, 0.1, 0.5, 1, 2.5, 3, 40, -1e308, 1e308, float("inf"), float("-inf"), float("nan"),
    10**30, True, "text", "", [], {}, [1, 2], {"a": 1}, "1e999", [[[[[]]]]],
]  # fmt: skip
BAD_EXTENDS = [
    "/dev/zero", "/proc/self/environ", ".", "no_such_scenario", "/dev/null",
    "_common", "cold_war", "missing.yaml", "../../../../etc/passwd",
]  # fmt: skip


def _paths(node, prefix=()):
    """Every key path of a nested dict/list, containers included."""
    yield prefix
    if isinstance(node, (dict, list)):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            yield from _paths(value, (*prefix, key))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def scenario_bytes(draw) -> bytes:
    data = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(data) if p]
        path = paths[draw(st.integers(0, len(paths) - 1))]
        parent = _parent(data, path)
        op = draw(st.sampled_from(["value", "value", "delete", "rename", "add"]))
        if op == "value":
            parent[path[-1]] = draw(st.sampled_from(HOSTILE))
        elif op == "delete":
            del parent[path[-1]]
        elif op == "rename" and isinstance(parent, dict):
            parent[path[-1] + "_x"] = parent.pop(path[-1])
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["bogus", "extends", "1", "agencies"]))] = draw(
                st.sampled_from(HOSTILE)
            )
    text = yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True).encode()
    return draw(st.sampled_from(BYTE_MUTATIONS))(draw, text)


def _keep(draw, text):
    return text


def _insert_bytes(draw, text):
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]


def _truncate(draw, text):
    return text[: draw(st.integers(0, len(text)))]


def _aliases(draw, text):
    return draw(st.sampled_from([b"a: &a [*a]\n", b"x: &x 1\ny: *x\n", b"<<: *m\n"])) + text


def _extends(draw, text):
    return f"extends: {draw(st.sampled_from(BAD_EXTENDS))}\n".encode() + text


def _nesting(draw, text):
    k = draw(st.integers(1, 3000))
    return text + b"deep: " + b"[" * k + b"]" * k + b"\n"


def _encoding(draw, text):
    return text.decode().encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"])))


BYTE_MUTATIONS = [_keep, _keep, _insert_bytes, _truncate, _aliases, _extends, _nesting, _encoding]


def _check_scenario(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    code, _, err = _call(["validate", str(path)])
    _assert_clean(code, err, allowed=(0, 2))
    if code == 0:  # it validated: it must run, within seconds
        code, _, err = _call(["run", str(path), "--seed", "1"])
        _assert_clean(code, err, allowed=(0,))


@FAST
@given(data=scenario_bytes())
def test_fuzzed_scenarios_never_escape_a_traceback(tmp_path, data):
    _check_scenario(tmp_path, data)


@pytest.mark.slow
@SLOW
@given(data=scenario_bytes())
def test_a_thousand_fuzzed_scenarios_never_escape_a_traceback(tmp_path, data):
    _check_scenario(tmp_path, data)


# --------------------------------------------------------------------------
# Command lines

VERBS = ["run", "batch", "sweep", "tradeoff", "sensitivity", "compare", "explain", "report",
         "calibrate", "app", "plot", "validate", "scenarios", "bogus", ""]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-3, 6).map(str),
    st.sampled_from(["0", "-1", str(2**63), "1000000000000", "abc", "1.5", "", "1e3", "--"]),
)
SET_KEYS = ["agencies.NASA.budget", "dynamics.proposal_rate", "end_year", "nope.x", "agencies",
            "a..b", "", "negotiation.cost_sharing_rule", "policies.treaty", "missions"]  # fmt: skip
SET_VALUES = ["1", "-1", ".inf", ".nan", "1e308", "1e8", "[[[[]]]]", "&a [*a]", "x", "", "{a: 1}",
              "shapley", "0.3", "[" * 80 + "]" * 80, "\x07"]  # fmt: skip
PARAMS = st.builds(
    lambda key, a, b, n, form: {
        "range": f"{key}={a}:{b}",
        "grid": f"{key}={a}:{b}:{n}",
        "list": f"{key}={a},{b}",
        "bare": key,
    }[form],
    st.sampled_from(SET_KEYS),
    st.sampled_from(["0", "0.5", "-1", "inf", "nan", "1e308", "x"]),
    st.sampled_from(["0", "1", "0.5", "inf", "x"]),
    st.sampled_from(["1", "2", "3", "0", "-2", "1000000", "x"]),
    st.sampled_from(["range", "grid", "list", "bare"]),
)
METRIC_NAMES = st.sampled_from([*METRICS, "bogus", "", "autonomy,bogus", "autonomy,fairness_gini"])


@st.composite
def command_lines(draw, tmp: Path) -> list[str]:
    outs = [str(tmp / "new"), str(tmp / "afile"), str(tmp / "afile" / "x"), "/sys/spacecoop",
            "/dev/null", str(tmp)]  # fmt: skip
    scenarios = ["cold_war", "iss_era", "nope", "/dev/zero", str(tmp / "afile"), "", "x.yaml"]
    argv = [draw(st.sampled_from(VERBS))]
    argv += draw(st.lists(st.sampled_from(scenarios), min_size=0, max_size=2))
    flags = {
        "--workers": NUMBERS, "--chunk-size": NUMBERS, "--replicates": NUMBERS, "--n": NUMBERS,
        "--seed": NUMBERS, "--port": NUMBERS, "--out": st.sampled_from(outs),
        "--metric": METRIC_NAMES, "--metrics": METRIC_NAMES, "--param": PARAMS, "--lever": PARAMS,
        "--set": st.builds("{}={}".format, st.sampled_from(SET_KEYS), st.sampled_from(SET_VALUES)),
        "--executor": st.sampled_from(["serial", "process", "dask", "bogus"]),
        "--scheduler": st.just("tcp://127.0.0.1:1"), "--method": st.sampled_from(["sobol", "x"]),
        "--patterns": st.sampled_from(["", "bogus", "a,,b"]), "--host": st.just("localhost"),
        "--match": st.sampled_from(["USSR=Roscosmos", "USSR", "=", "KGB=NASA", "NASA=NASA"]),
        "--factors": st.sampled_from(["tension", "budgets,tension", "money", "", "rules,rules"]),
    }  # fmt: skip
    switches = ["--resume", "--no-progress", "--csv", "--no-plots", "--help", "--bogus"]
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 4)) == 0:
            argv.append(draw(st.sampled_from(switches)))
            continue
        flag = draw(st.sampled_from(sorted(flags)))
        argv += [flag, draw(flags[flag])]
    return argv


def _check_command(tmp_path: Path, argv: list[str]) -> None:
    with _no_long_work():
        code, _, err = _call(argv)
    _assert_clean(code, err)
    assert not (tmp_path / "new").exists() or code == "started", argv  # nothing half-made


@pytest.fixture
def cli_tmp(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    return tmp_path


@FAST
@given(data=st.data())
def test_fuzzed_command_lines_never_escape_a_traceback(cli_tmp, data):
    _check_command(cli_tmp, data.draw(command_lines(cli_tmp)))


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_a_thousand_fuzzed_command_lines_never_escape_a_traceback(cli_tmp, data):
    _check_command(cli_tmp, data.draw(command_lines(cli_tmp)))
