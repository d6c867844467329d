"""Reading scenario YAML within limits, with the file and line of every field.

The limits (size, encoding, depth, values, aliases) are checked before YAML
builds anything, so a hostile file gets one ``FILE:LINE: field: message``
line in bounded time and memory instead of a traceback or a hang.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any, cast

import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_ITEMS",
    "MAX_NODES",
    "Lines",
    "Path_",
    "ScenarioError",
    "check_value",
    "dotted",
    "line_of",
    "not_a_scenario_file",
    "parse_yaml",
    "read_value",
    "read_yaml",
]


class ScenarioError(ValueError):
    """A scenario that cannot be used, with one ``FILE:LINE: field: message`` each.

    Parameters
    ----------
    problems : list of (source, line, field, message)
        ``line`` may be ``None`` when the value did not come from a file
        (for instance a ``--set`` override).
    """

    def __init__(self, problems: list[tuple[str, int | None, str, str]]):
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            f"{src}:{line}: {field}: {msg}" if line else f"{src}: {field}: {msg}"
            for src, line, field, msg in self.problems
        )


Path_ = tuple[str | int, ...]
Lines = dict[Path_, tuple[str, int | None]]


#: Limits on what a scenario file may hold. Each is far above any real scenario
#: (the bundled ones are under 30 kB, 4 levels deep, with fewer than 100 events)
#: and keeps reading a hostile file within a fraction of a second and a few MB.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 50
MAX_NODES = 100_000
MAX_ITEMS = 10_000

# The characters YAML allows in a stream (YAML 1.1, as PyYAML's reader checks).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class _LimitError(yaml.MarkedYAMLError):
    """A YAML construct a scenario may not use (an alias, too deep, too many nodes)."""


# misc: mypy cannot check a base class chosen at runtime.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when the wheel has it: five times faster on a large file).

    It also reads ``1e8`` as a number, as YAML 1.2 and every user do; YAML 1.1
    wants ``1.0e+8`` and would pass the text on as a string.
    """


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _check_events(text: str) -> None:
    """Refuse anchors and aliases, and bound depth and size, before building anything.

    Aliases are refused outright rather than counted: no scenario needs them,
    and a few nested ones ("billion laughs") expand to gigabytes when walked.
    The check streams parser events, so a hostile file stops at its first
    offending value, in bounded memory, before PyYAML composes a node tree
    (recursively, hence the depth bound).
    """
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        if not isinstance(event, yaml.NodeEvent):
            depth -= isinstance(event, yaml.CollectionEndEvent)
            continue
        problem = None
        if isinstance(event, yaml.AliasEvent):
            problem = "aliases (*name) are not allowed: write the value out"
        elif event.anchor is not None:
            problem = "anchors (&name) are not allowed: write the value out"
        nodes += 1
        depth += isinstance(event, yaml.CollectionStartEvent)
        if nodes > MAX_NODES:
            problem = f"more than {MAX_NODES:,} values in one file"
        elif depth > MAX_DEPTH:
            problem = f"nested too deeply (more than {MAX_DEPTH} levels)"
        if problem:
            # libyaml's events carry its own Mark class, with the same line and column.
            mark = cast(yaml.Mark | None, event.start_mark)
            raise _LimitError(problem=problem, problem_mark=mark)


def _read_text(path: Path) -> str:
    """The file's text: a regular file, at most ``MAX_FILE_BYTES``, UTF-8, no control characters.

    The checks come before YAML sees the text, so that a device, a FIFO or a
    huge file is refused without being read, and a wrong encoding gets its
    line instead of a reader traceback.
    """
    source = str(path)
    problem = not_a_scenario_file(path)
    if problem:
        raise ScenarioError([(source, None, "(file)", problem)])
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # /proc files report size 0: read bounded
    except OSError as exc:
        raise ScenarioError([(source, None, "(file)", exc.strerror or str(exc))]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError([(source, None, "(file)", _too_big(len(data)))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save as UTF-8"
        raise ScenarioError([(source, line, "(text)", msg)]) from None
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        char = f"U+{ord(bad.group()):04X}"
        hint = " (a NUL byte: is the file UTF-16?)" if bad.group() == "\0" else ""
        raise ScenarioError([(source, line, "(text)", f"control character {char}{hint}")])
    return text


def not_a_scenario_file(path: Path) -> str | None:
    """Why ``path`` cannot be a scenario file (not there, a device, too big), or None."""
    try:
        info = path.stat()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return getattr(exc, "strerror", None) or str(exc)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > MAX_FILE_BYTES:
        return _too_big(info.st_size)
    return None


def _too_big(size: int) -> str:
    return f"{size:,} bytes or more; a scenario file holds at most {MAX_FILE_BYTES:,}"


def parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse ``text`` within the limits of :func:`_check_events`: the node tree and the data."""
    _check_events(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def read_value(text: str) -> Any:
    """A command-line value (``--set``, a sweep axis) as YAML reads it, within the file limits.

    Text that is not YAML, or breaks a limit (an alias, too deep), stays the
    string it is: a string cannot expand.

    >>> read_value("0.5"), read_value("nash"), read_value("*a")
    (0.5, 'nash', '*a')
    """
    try:
        return parse_yaml(text)[1]
    except (yaml.YAMLError, ValueError):
        return text


def read_yaml(path: Path) -> tuple[Any, Lines]:
    """Parse ``path`` with the safe loader; map every field path to its line."""
    source = str(path)
    text = _read_text(path)
    try:
        node, data = parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([(source, line, "(yaml)", str(exc.problem))]) from None
    except yaml.YAMLError as exc:  # e.g. a reader error without a mark
        raise ScenarioError([(source, None, "(yaml)", str(exc).splitlines()[0])]) from None
    lines: Lines = {}
    if node is not None:
        _index_lines(node, (), lines, source)
    if not isinstance(data, dict):
        raise ScenarioError([(source, 1, "(top)", "a scenario is a YAML mapping")])
    return data, lines


def _index_lines(node: yaml.Node, path: Path_, lines: Lines, source: str) -> None:
    lines.setdefault(path, (source, node.start_mark.line + 1))
    if isinstance(node, yaml.CollectionNode) and len(node.value) > MAX_ITEMS:
        where = (source, node.start_mark.line + 1, dotted(path))
        raise ScenarioError([(*where, f"more than {MAX_ITEMS:,} items")])
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            here = (*path, key)
            if key in seen:
                raise ScenarioError(
                    [
                        (
                            source,
                            key_node.start_mark.line + 1,
                            dotted(here),
                            "duplicate key",
                        )
                    ]
                )
            seen.add(key)
            lines[here] = (source, key_node.start_mark.line + 1)
            _index_lines(value_node, here, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines, source)


def line_of(path: Path_, lines: Lines, default: str) -> tuple[str, int | None]:
    """The file and line of the field at ``path``, or of its nearest parent in ``lines``."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return default, None


def dotted(path: Path_) -> str:
    """A field path as the user writes it: ``agencies.NASA.budget``, ``events[3].year``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top)"


def check_value(text: str, source: str = "--set", field: str = "") -> None:
    """Raise :class:`ScenarioError` if ``text`` breaks the limits of a scenario file.

    For values given on the command line (``--set``, ``--param a,b``), which
    are read as YAML: no anchors or aliases, bounded depth and size.
    """
    try:
        _check_events(text)
    except _LimitError as exc:
        raise ScenarioError([(source, None, field or text[:40], str(exc.problem))]) from None
    except yaml.YAMLError:
        pass  # not YAML: the text is taken as a string
