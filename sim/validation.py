"""Checking a scenario against the record: pattern names, validation runs and reports.

``validate`` runs seeded replicates of a scenario and scores each pattern of
:mod:`sim.patterns` on every run (pattern-oriented modelling, Grimm et al.
2005); :mod:`sim.calibration` does the same at sampled parameter points. It
goes through :func:`sim.run_batch`, so it runs on any executor and gives the
same numbers for the same seed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch import BatchResult, run_batch
from sim.files import write_atomically
from sim.patterns import PATTERNS, evaluate, pass_shares
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "Validation",
    "at_least",
    "check_patterns",
    "checked_scenario",
    "pattern_names",
    "validate",
    "write_report",
]


def check_patterns(scenario: Scenario) -> Scenario:
    """Return ``scenario`` if every pattern it declares exists and applies to it.

    Here, not in ``sim.scenario``: the input schema does not depend on the
    analysis. The line travels on the scenario (:meth:`Scenario.source_of`),
    so errors read ``FILE:LINE: validation.patterns[0]: unknown pattern 'x'``.

    Raises
    ------
    ScenarioError
        One line per unknown pattern, or pattern needing agencies the scenario lacks.
    """
    problems = []
    for i, name in enumerate(scenario.validation.patterns):
        where = ("validation", "patterns", i)
        if name not in PATTERNS:
            msg = f"unknown pattern {name!r}"
        elif missing := [a for a in PATTERNS[name].agencies if a not in scenario.agencies]:
            msg = f"{name} needs agencies {', '.join(missing)}"
        else:
            continue
        problems.append((*scenario.source_of(where), f"validation.patterns[{i}]", msg))
    if problems:
        raise ScenarioError(problems)
    return scenario


def checked_scenario(scenario: Scenario | str | Path) -> Scenario:
    """The scenario (loaded if named) whose declared patterns exist and apply."""
    return check_patterns(scenario if isinstance(scenario, Scenario) else load_scenario(scenario))


def pattern_names(spec: Scenario, patterns: Sequence[str] | None) -> list[str]:
    """The patterns to check (``patterns``, else the declared ones), each known and applicable."""
    names = list(patterns or spec.validation.patterns)
    if not names:
        raise ScenarioError(
            [("--patterns", None, "patterns",
              f"{spec.name} declares no validation.patterns; name some with --patterns")]
        )  # fmt: skip
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        known = ", ".join(PATTERNS)
        raise ScenarioError(
            [("--patterns", None, ",".join(unknown), f"unknown pattern (known: {known})")]
        )
    for name in names:
        missing = [a for a in PATTERNS[name].agencies if a not in spec.agencies]
        if missing:
            raise ScenarioError(
                [("--patterns", None, name, f"{spec.name} has no {', '.join(missing)}")]
            )
    return names


def at_least(value: int, field: str, least: int = 1) -> int:
    """``value`` if it is at least ``least``, else a one-line error naming ``--field``."""
    if value < least:
        raise ScenarioError([(f"--{field}", None, field, f"must be at least {least}")])
    return value


# --------------------------------------------------------------------------
# Validation: one point, many seeds


@dataclass(frozen=True)
class Validation:
    """Per-run pattern results of a scenario, and their pass shares."""

    scenario: Scenario
    patterns: list[str]
    results: pd.DataFrame  # point, run_id, seed, pattern, value, passed
    shares: pd.DataFrame  # pattern, runs, pass_share, value, required, holds
    batch: BatchResult


def validate(
    scenario: Scenario | str | Path,
    replicates: int = 30,
    patterns: Sequence[str] | None = None,
    seed: int = 0,
    **batch_options: Any,
) -> Validation:
    """Run ``replicates`` seeds of ``scenario`` and score each pattern on every run.

    ``batch_options`` go to :func:`sim.run_batch` (``workers``, ``executor``...).
    """
    spec = checked_scenario(scenario)
    names = pattern_names(spec, patterns)
    batch = run_batch(spec, at_least(replicates, "replicates"), seed=seed, **batch_options)
    results = evaluate(batch, spec, names)
    return Validation(spec, names, results, pass_shares(results), batch)


def _report_rows(v: Validation) -> list[dict[str, str]]:
    rows = []
    for row in v.shares.itertuples():
        p = PATTERNS[row.pattern]
        rows.append(
            {
                "pattern": p.name,
                "verdict": "holds" if row.holds else "**fails**",
                "pass share": f"{row.pass_share:.0%} of {row.runs}",
                "required": f"{p.required:.0%}",
                "median value": f"{row.value:.3g}",
            }
        )
    return rows


def write_report(v: Validation, out: str | Path, command: str = "") -> list[Path]:
    """Write ``report.md``, ``report.html``, ``patterns.csv``, ``runs.csv`` and one plot each.

    Every file is written whole or not at all.
    """
    from sim.plots import pattern_plot, save_figure

    out = Path(out)
    (out / "img").mkdir(parents=True, exist_ok=True)
    paths = []
    for name in v.patterns:
        fig = pattern_plot(v.results[v.results.pattern == name], PATTERNS[name])
        paths.append(save_figure(fig, out / "img" / f"{name}.png"))
    held = int(v.shares.holds.sum())
    title = f"Validation of {v.scenario.name}: {held} of {len(v.patterns)} patterns hold"
    intro = (
        f"{v.scenario.title or v.scenario.name}. Each pattern is a stylized fact of the "
        f"historical record, checked on each of {v.results.run_id.nunique()} seeded runs; "
        "it holds when the share of runs in which it holds reaches the share it requires. "
        "The value plotted is the statistic each run is judged on."
    )
    sections = []
    for name in v.patterns:
        p = PATTERNS[name]
        row = v.shares[v.shares.pattern == name].iloc[0]
        sections.append(
            {
                "name": name,
                "claim": p.claim,
                "fields": [
                    ("Verdict", "holds" if row.holds else "does NOT hold"),
                    (
                        "Pass share",
                        f"{row.pass_share:.0%} of {row.runs} runs (required {p.required:.0%})",
                    ),
                    ("Tolerance per run", p.tolerance),
                    ("Mechanism", p.mechanism),
                ],
                "image": f"img/{name}.png",
            }
        )
    markdown = _markdown(title, intro, command, _report_rows(v), sections)
    paths.append(write_atomically(out / "report.md", lambda t: t.write_text(markdown)))
    page = _html(title, intro, command, _report_rows(v), sections)
    paths.append(write_atomically(out / "report.html", lambda t: t.write_text(page)))
    paths.append(write_atomically(out / "patterns.csv", partial(v.shares.to_csv, index=False)))
    paths.append(write_atomically(out / "runs.csv", partial(v.results.to_csv, index=False)))
    return paths


def _markdown(title, intro, command, rows, sections) -> str:
    lines = [f"# {title}", "", intro, ""]
    if command:
        lines += ["Reproduce with:", "", "```", command, "```", ""]
    head = list(rows[0])
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    for s in sections:
        lines += ["", f"## {s['name']}", "", s["claim"], ""]
        lines += [f"- **{k}**: {v}" for k, v in s["fields"]]
        lines += ["", f"![{s['name']}]({s['image']})"]
    return "\n".join(lines) + "\n"


def _html(title, intro, command, rows, sections) -> str:
    e = html.escape
    head = list(rows[0])
    table = "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"
    for r in rows:
        cells = "".join(
            f"<td>{'<b>fails</b>' if r[h] == '**fails**' else e(r[h])}</td>" for h in head
        )
        table += f"<tr>{cells}</tr>"
    table += "</table>"
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(intro)}</p>"]
    if command:
        body.append(f"<p>Reproduce with:</p><pre>{e(command)}</pre>")
    body.append(table)
    for s in sections:
        items = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in s["fields"])
        body += [
            f"<h2 id='{e(s['name'])}'>{e(s['name'])}</h2>",
            f"<p>{e(s['claim'])}</p><ul>{items}</ul>",
            f"<img src='{e(s['image'])}' alt='{e(s['name'])}'>",
        ]
    style = (
        "body{font-family:sans-serif;max-width:62em;margin:2em auto;line-height:1.45}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em}"
        "img{max-width:100%}pre{background:#f4f4f4;padding:.6em}"
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )
