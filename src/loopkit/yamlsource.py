"""Read YAML into plain data plus a map from data paths to line/column marks.

Why not ``yaml.safe_load``: it forgets where each value came from, reads
``no``/``on`` as booleans (YAML 1.1), lets a duplicate key silently win and
expands aliases without bound. Here we compose PyYAML's node tree (which keeps
marks) and build the data ourselves with YAML 1.2 core-schema scalars, so a
pydantic error's ``loc`` can be walked back to ``file:line:col``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from loopkit.problems import DiagramError, Problem

Path = tuple[str | int, ...]

#: Upper bound on values built from one file; alias "billion laughs" bombs hit it.
MAX_NODES = 200_000
#: Upper bound on nesting depth; deeper documents are not diagrams.
MAX_DEPTH = 64

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_BARE_DASH = re.compile(r":\s*-\s*(?:#.*)?$")


@dataclass(frozen=True, order=True)
class Mark:
    """A 1-based position in a source file."""

    line: int
    column: int


class SourceMap:
    """Positions of every key and value, addressed by their path in the data."""

    def __init__(self) -> None:
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}

    def locate(self, path: Path, *, key: bool = False) -> Mark:
        """Mark of the deepest existing node on ``path`` (the key itself if asked)."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Mark(1, 1))


def _scalar(value: str, plain: bool) -> Any:
    """Resolve a scalar the YAML 1.2 core-schema way (``no`` stays a string)."""
    if not plain:
        return value
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    if _INT.match(value):
        return int(value, 0) if value.lstrip("+-")[:2] in ("0x", "0o") else int(value)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN.match(value):
        return math.nan
    return value


def _mark(node: Any) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into data, recording marks and problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.source = SourceMap()
        self.problems: list[Problem] = []
        self.count = 0

    def problem(self, mark: Mark, message: str, code: str) -> None:
        self.problems.append(Problem(self.filename, mark.line, mark.column, message, code))

    def build(self, node: Any, path: Path, depth: int = 0) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        self.source.values[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node.value, not node.style)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(_mark(key_node), "a key must be plain text, not a list or mapping",
                             "yaml-key")
                continue
            key = key_node.value
            if key == "<<":
                self.problem(_mark(key_node), "merge keys ('<<') are not supported; "
                             "write the fields out", "yaml-merge")
                continue
            if key in first_seen:
                self.problem(_mark(key_node), f"duplicate key '{key}' (first defined at line "
                             f"{first_seen[key].line}); each key may appear once",
                             "duplicate-key")
                continue
            first_seen[key] = _mark(key_node)
            self.source.keys[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


class _TooBig(Exception):
    def __init__(self, node: Any) -> None:
        self.node = node


class _TooDeep(Exception):
    def __init__(self, node: Any) -> None:
        self.node = node


def _syntax_problem(error: Any, text: str, filename: str) -> Problem:
    """One readable line for a YAML syntax error, with known traps explained."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = getattr(error, "problem", None) or str(error)
    if "block sequence entries are not allowed" in problem and _BARE_DASH.search(source_line):
        message = ("a bare '-' starts a YAML list here; quote it: \"-\" "
                   "(or write the polarity as 'negative')")
        return Problem(filename, line, column, message, "yaml-bare-dash")
    if "found character '\\t'" in problem or "\t" in source_line[: max(column, 1)]:
        if "\t" in source_line:
            return Problem(filename, line, source_line.index("\t") + 1,
                           "tab character used for indentation; YAML needs spaces",
                           "yaml-tab")
    context = getattr(error, "context", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    return Problem(filename, line, column, message, "yaml-syntax")


def parse_yaml(text: str, filename: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into data, marks and recoverable problems.

    Syntax errors are fatal (``DiagramError``); duplicate keys and the like are
    returned so the caller can report them together with validation errors.
    """
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        documents = list(yaml.compose_all(text, Loader=loader_cls))
    except yaml.YAMLError as error:
        raise DiagramError([_syntax_problem(error, text, filename)]) from None
    except RecursionError:
        raise DiagramError([Problem(filename, 1, 1, f"nesting deeper than {MAX_DEPTH} levels "
                                    "is not allowed", "yaml-too-deep")]) from None
    documents = [d for d in documents if d is not None]
    if not documents:
        raise DiagramError([Problem(filename, 1, 1, "the file is empty; a diagram needs "
                                    "'variables' and 'links'", "empty-file")])
    if len(documents) > 1:
        mark = _mark(documents[1])
        raise DiagramError([Problem(filename, mark.line, mark.column,
                                    "more than one YAML document ('---') in the file; "
                                    "put each diagram in its own file", "yaml-multi-doc")])
    builder = _Builder(filename)
    try:
        data = builder.build(documents[0], ())
    except _TooBig as too_big:
        mark = _mark(too_big.node)
        raise DiagramError([Problem(filename, mark.line, mark.column,
                                    f"the document expands to more than {MAX_NODES:,} values "
                                    "(are aliases repeating a large block?)",
                                    "yaml-too-big")]) from None
    except _TooDeep as too_deep:
        mark = _mark(too_deep.node)
        raise DiagramError([Problem(filename, mark.line, mark.column,
                                    f"nesting deeper than {MAX_DEPTH} levels is not allowed",
                                    "yaml-too-deep")]) from None
    return data, builder.source, builder.problems
