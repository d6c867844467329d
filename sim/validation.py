"""Checking a scenario against the record: validation reports and ABC calibration.

``validate`` runs seeded replicates of a scenario and scores each pattern of
:mod:`sim.patterns` on every run. ``calibrate`` does the same at sampled
parameter points (Latin hypercube over the ranges a scenario declares in
``validation.calibrate``) and keeps the points at which every pattern holds:
rejection ABC with the patterns as the summary statistics and their required
pass shares as the tolerance (Grimm et al. 2005; Beaumont et al. 2002). Both
go through :func:`sim.run_batch`, so they run on any executor and give the
same numbers for the same seed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import BatchResult, param_column, run_batch
from sim.files import write_atomically
from sim.patterns import PATTERNS, evaluate, pass_shares
from sim.scenario import Scenario, ScenarioError, field_value, load_scenario

__all__ = [
    "Calibration",
    "Validation",
    "calibrate",
    "check_patterns",
    "latin_hypercube",
    "validate",
    "write_calibration",
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


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return check_patterns(scenario if isinstance(scenario, Scenario) else load_scenario(scenario))


def _patterns(spec: Scenario, patterns: Sequence[str] | None) -> list[str]:
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


def _checked(value: int, field: str, least: int = 1) -> int:
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
    spec = _scenario(scenario)
    names = _patterns(spec, patterns)
    batch = run_batch(spec, _checked(replicates, "replicates"), seed=seed, **batch_options)
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


# --------------------------------------------------------------------------
# Calibration: rejection ABC over declared ranges


@dataclass(frozen=True)
class Calibration:
    """Sampled points, their pass shares, and what the accepted points say."""

    scenario: Scenario
    patterns: list[str]
    ranges: dict[str, tuple[float, float]]
    samples: pd.DataFrame  # point, one column per parameter, one pass share per pattern
    posterior: pd.DataFrame  # one row per parameter
    results: pd.DataFrame  # per run and pattern
    batch: BatchResult

    @property
    def accepted(self) -> pd.DataFrame:
        """The points at which every pattern holds."""
        return self.samples[self.samples.accepted]


def latin_hypercube(
    ranges: dict[str, tuple[float, float]], n: int, seed: int, integers: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points over ``ranges``; fields in ``integers`` are rounded.

    >>> pts = latin_hypercube({"a": (0.0, 1.0)}, 4, seed=0)
    >>> sorted(int(p["a"] * 4) for p in pts)
    [0, 1, 2, 3]
    """
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(n)
    points = []
    for row in unit:
        point = {}
        for (name, (low, high)), u in zip(ranges.items(), row, strict=True):
            value = low + u * (high - low)
            point[name] = round(value) if name in integers else round(float(value), 6)
        points.append(point)
    return points


def calibrate(
    scenario: Scenario | str | Path,
    n: int,
    replicates: int = 10,
    patterns: Sequence[str] | None = None,
    seed: int = 0,
    **batch_options: Any,
) -> Calibration:
    """Sample ``n`` points in the declared ranges, run each, keep those where every pattern holds.

    Point 0 is the scenario's own defaults, so the result also says whether
    the bundled values are among the accepted ones. Points are drawn by a
    Latin hypercube seeded by ``seed``; runs are seeded by ``seed`` as in
    :func:`sim.run_batch`.
    """
    spec = _scenario(scenario)
    names = _patterns(spec, patterns)
    ranges = {k: (float(v[0]), float(v[1])) for k, v in spec.validation.calibrate.items()}
    if not ranges:
        raise ScenarioError(
            [(spec.name, None, "validation.calibrate", "declare the ranges to sample, "
              "e.g. 'negotiation.political_cost: [0.5, 1.5]'")]
        )  # fmt: skip
    _checked(n, "n")
    defaults = {k: field_value(spec, k) for k in ranges}
    integers = [k for k, v in defaults.items() if isinstance(v, int)]
    points = [defaults, *latin_hypercube(ranges, n, seed, integers)]
    batch = run_batch(
        spec, _checked(replicates, "replicates"), params=points, seed=seed, **batch_options
    )
    results = evaluate(batch, spec, names)
    shares = pass_shares(results)
    wide = shares.pivot(index="point", columns="pattern", values="pass_share")[names]
    holds = shares.groupby("point").holds.all()
    samples = pd.DataFrame(points).rename(columns=param_column)
    samples.insert(0, "point", range(len(points)))
    samples["defaults"] = samples.point == 0
    samples = samples.join(wide.add_prefix("pass_"), on="point")
    samples["accepted"] = samples.point.map(holds).fillna(False).astype(bool)
    posterior = _posterior(samples, ranges, defaults)
    return Calibration(spec, names, ranges, samples, posterior, results, batch)


def _posterior(samples: pd.DataFrame, ranges: dict, defaults: dict) -> pd.DataFrame:
    drawn = samples[~samples.defaults]
    kept = drawn[drawn.accepted]
    rows = []
    for name, (low, high) in ranges.items():
        col = kept[param_column(name)].astype(float)
        q = col.quantile([0.05, 0.5, 0.95]) if len(col) else pd.Series([np.nan] * 3)
        inside = bool(len(col)) and col.min() <= defaults[name] <= col.max()
        rows.append(
            {
                "param": name,
                "prior_low": low,
                "prior_high": high,
                "default": defaults[name],
                "accepted": len(col),
                "drawn": len(drawn),
                "min": col.min() if len(col) else np.nan,
                "q05": q.iloc[0],
                "median": q.iloc[1],
                "q95": q.iloc[2],
                "max": col.max() if len(col) else np.nan,
                "default_inside": inside,
            }
        )
    return pd.DataFrame(rows)


def write_calibration(cal: Calibration, out: str | Path, command: str = "") -> list[Path]:
    """Write ``samples.csv``, ``accepted.csv``, ``posterior.csv`` and ``calibration.md``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        write_atomically(out / "samples.csv", partial(cal.samples.to_csv, index=False)),
        write_atomically(out / "accepted.csv", partial(cal.accepted.to_csv, index=False)),
        write_atomically(out / "posterior.csv", partial(cal.posterior.to_csv, index=False)),
    ]
    text = calibration_summary(cal, command)
    paths.append(write_atomically(out / "calibration.md", lambda t: t.write_text(text)))
    return paths


def calibration_summary(cal: Calibration, command: str = "") -> str:
    """A Markdown account of a calibration: what was varied, what passed, what is left."""
    drawn = cal.samples[~cal.samples.defaults]
    default_row = cal.samples[cal.samples.defaults].iloc[0]
    lines = [
        f"# Calibration of {cal.scenario.name}",
        "",
        f"Rejection ABC: {len(drawn)} Latin-hypercube points, "
        f"{cal.results.run_id.nunique() // len(cal.samples)} seeded runs each; a point is "
        f"accepted when every one of {len(cal.patterns)} patterns holds "
        f"({', '.join(cal.patterns)}).",
        "",
    ]
    if command:
        lines += ["```", command, "```", ""]
    lines += [
        f"**Accepted: {int(drawn.accepted.sum())} of {len(drawn)} points.** "
        f"The scenario's own defaults: {'accepted' if default_row.accepted else 'rejected'}.",
        "",
        "Share of points at which each pattern holds:",
        "",
        "| pattern | points where it holds | pass share at the defaults |",
        "|---|---|---|",
    ]
    shares = pass_shares(cal.results)
    for name in cal.patterns:
        here = shares[shares.pattern == name]
        lines.append(
            f"| {name} | {int(here[here.point > 0].holds.sum())} of {len(drawn)} "
            f"| {default_row[f'pass_{name}']:.0%} |"
        )
    lines += [
        "",
        "Posterior ranges (accepted points):",
        "",
        "| parameter | prior | default | accepted | 5 % | median | 95 % | default inside |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in cal.posterior.itertuples():
        lines.append(
            f"| {r.param} | [{r.prior_low:g}, {r.prior_high:g}] | {r.default:g} | {r.accepted} "
            f"| {r.q05:.3g} | {r.median:.3g} | {r.q95:.3g} "
            f"| {'yes' if r.default_inside else 'no'} |"
        )
    return "\n".join(lines) + "\n"
