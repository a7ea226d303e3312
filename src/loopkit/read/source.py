"""Read YAML into plain data plus a map from data paths to line/column marks.

Why not ``yaml.safe_load``: it forgets where each value came from, reads
``no``/``on`` as booleans (YAML 1.1), lets a duplicate key silently win and
expands aliases without bound. Here we read PyYAML's event stream (which keeps
marks) and build the data ourselves with YAML 1.2 core-schema scalars, so a
pydantic error's ``loc`` can be walked back to ``file:line:col``, and hostile
input (alias bombs, deep nesting, ``!!python/object`` tags) is stopped with a
located message within the limits of ``loopkit.limits``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from loopkit.problems import DiagramError, Problem

Path = tuple[str | int, ...]

#: Longer plain scalars stay text: ``int()`` refuses over 4,300 digits, and no
#: diagram field needs a number (or null/true/false) that long.
_MAX_DIGITS = 100

#: First characters of plain scalars that may be something other than text.
_SPECIAL_START = frozenset("0123456789+-.~nNtTfF")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_BARE_DASH = re.compile(r":\s*-\s*(?:#.*)?$")


@dataclass(frozen=True, order=True, slots=True)
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
    if not plain or len(value) > _MAX_DIGITS or (value and value[0] not in _SPECIAL_START):
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


def _mark(event: Any) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)


_STD_TAG = "tag:yaml.org,2002:"
#: Explicit tags that only restate a plain data type; anything else (``!!python/object``,
#: ``!!binary``, ``!custom``) is refused rather than constructed.
_SCALAR_TAGS = {"str", "int", "float", "bool", "null"}


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD_TAG):] if tag.startswith(_STD_TAG) else tag


class _Fatal(Exception):
    """Stops reading at once: the rest of the file cannot be trusted to be cheap."""

    def __init__(self, mark: Mark, message: str, code: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.code = mark, message, code


_EXPECT_KEY: Any = object()
_SKIP: Any = object()


class _Frame:
    """An open sequence or mapping while its events stream in."""

    __slots__ = ("anchor", "as_key", "count0", "key", "kind", "path", "seen", "text0",
                 "value")

    def __init__(self, kind: str, path: Path | None, anchor: str | None, count0: int,
                 as_key: bool = False, text0: int = 0) -> None:
        self.kind = kind
        self.as_key = as_key
        self.path = path
        self.anchor = anchor
        self.count0 = count0
        self.text0 = text0
        self.value: Any = [] if kind == "seq" else {}
        self.key: Any = _EXPECT_KEY
        self.seen: dict[str, Mark] = {}


class _Builder:
    """Builds data and marks straight from PyYAML's event stream, without recursion.

    Why events and not ``yaml.compose``: the composer (C or Python) recurses
    once per nesting level, so ``[[[[...`` 100,000 deep overflows the C stack
    and kills the process; and it resolves every scalar with YAML 1.1 regexes
    we then ignore. Here the nesting depth and the number of values *after*
    alias expansion are counted as events arrive, so a bomb stops at the alias
    that crosses the limit. An alias shares the anchored value instead of
    copying it, and the marks below an alias point at the alias itself.
    """

    def __init__(self, filename: str, max_values: int, max_depth: int,
                 max_text: int | None = None) -> None:
        self.filename = filename
        self.max_values = max_values
        self.max_depth = max_depth
        #: Bytes of text (keys and scalars, UTF-8) after alias expansion: the value
        #: count alone let one 100,000-character string, aliased 5,000 times, become
        #: 500 MB of text for every output that writes each copy.
        self.max_text = max_text
        self.text = 0
        self.source = SourceMap()
        self.problems: list[Problem] = []
        self.count = 0
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.documents = 0
        self.aliases = 0
        self.root: Any = None
        self.has_root = False
        #: How reading stopped early, if it did: a loopkit limit or the library's error.
        self.fatal: _Fatal | None = None
        self.error: Exception | None = None

    def problem(self, mark: Mark, message: str, code: str) -> None:
        self.problems.append(Problem(self.filename, mark.line, mark.column, message, code))

    def run(self, events: Any) -> Any:
        import yaml

        handlers = {
            yaml.ScalarEvent: self.scalar,
            yaml.AliasEvent: self.alias,
            yaml.SequenceStartEvent: lambda event: self.start(event, "seq"),
            yaml.MappingStartEvent: lambda event: self.start(event, "map"),
            yaml.SequenceEndEvent: self.end,
            yaml.MappingEndEvent: self.end,
            yaml.DocumentStartEvent: self.document,
        }
        for event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
        return self.root

    def document(self, event: Any) -> None:
        self.documents += 1

    # -- helpers ---------------------------------------------------------------------

    def new_node(self, mark: Mark, size: int = 1, text: int = 0) -> Path | None:
        """Count a node (``text``: its bytes of text), check the document is single,
        and return its data path."""
        if self.documents > 1:
            raise _Fatal(mark, "more than one YAML document ('---') in the file; "
                         "put each diagram in its own file", "yaml-multi-doc")
        self.count += size
        self.text += text
        if self.max_text is not None and self.text > self.max_text:
            what = ("aliases here expand the document to more than" if self.aliases
                    else "the document holds more than")
            raise _Fatal(mark, f"{what} {self.max_text:,} bytes of text; a diagram needs far less "
                         "(the limit is set by --max-yaml-text)", "yaml-too-big")
        if self.count > self.max_values:
            what = ("aliases here expand the document to more than" if self.aliases
                    else "the document holds more than")
            raise _Fatal(mark, f"{what} {self.max_values:,} YAML values; a diagram needs far "
                         "fewer (the limit is set by --max-yaml-values)", "yaml-too-big")
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if parent.path is None:
            return None
        if parent.kind == "seq":
            return (*parent.path, len(parent.value))
        if parent.key is _SKIP or parent.key is _EXPECT_KEY:
            return None
        if not parent.path and parent.key.startswith("x-"):
            return None  # user metadata is never validated: its marks would only cost memory
        return (*parent.path, parent.key)

    def is_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].kind == "map" \
            and self.stack[-1].key is _EXPECT_KEY

    def attach(self, value: Any, anchor: str | None, size: int, text: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size, text)
        if not self.stack:
            self.root, self.has_root = value, True
            return
        parent = self.stack[-1]
        if parent.kind == "seq":
            parent.value.append(value)
            return
        if parent.key is not _SKIP:
            parent.value[parent.key] = value
        parent.key = _EXPECT_KEY

    def check_tag(self, tag: str | None, mark: Mark, allowed: set[str]) -> str | None:
        """The standard type an explicit tag names, or None (with a problem if refused)."""
        if tag is None or tag == "!":
            return None
        name = tag[len(_STD_TAG):] if tag.startswith(_STD_TAG) else None
        if name in allowed:
            return name
        self.problem(mark, f"YAML tag '{_short_tag(tag)}' is not supported; loopkit files "
                     "hold plain text, numbers, lists and mappings only", "yaml-tag")
        return None

    def bad_key(self, mark: Mark) -> None:
        self.problem(mark, "a key must be plain text, not a list, mapping or alias", "yaml-key")

    # -- events ----------------------------------------------------------------------

    def scalar(self, event: Any) -> None:
        mark = _mark(event)
        text = _utf8_length(event.value)
        path = self.new_node(mark, 1, text)
        tag = self.check_tag(event.tag, mark, _SCALAR_TAGS) if event.tag else None
        if self.is_key():
            self.key(event.value, mark, event.anchor)
            return
        if tag == "str" or event.tag == "!":
            value: Any = event.value
        else:
            value = _scalar(event.value, tag is not None or (not event.style and not event.tag))
        if path is not None:
            self.source.values[path] = mark
        self.attach(value, event.anchor, 1, text)

    def key(self, key: str, mark: Mark, anchor: str | None) -> None:
        parent = self.stack[-1]
        if anchor is not None:
            self.anchors[anchor] = (key, 1, _utf8_length(key))
        if key == "<<":
            self.problem(mark, "merge keys ('<<') are not supported; write the fields out",
                         "yaml-merge")
            parent.key = _SKIP
        elif key in parent.seen:
            self.problem(mark, f"duplicate key '{_shown(key)}' (first defined at line "
                         f"{parent.seen[key].line}); each key may appear once", "duplicate-key")
            parent.key = _SKIP
        else:
            parent.seen[key] = mark
            if parent.path is not None:
                self.source.keys[(*parent.path, key)] = mark
            parent.key = key

    def alias(self, event: Any) -> None:
        mark = _mark(event)
        name = event.anchor
        if name not in self.anchors:
            open_anchor = any(frame.anchor == name for frame in self.stack)
            raise _Fatal(mark, f"alias '*{_shown(name)}' " + (
                "refers to the block that contains it (a recursive alias)" if open_anchor
                else f"is used before an anchor '&{_shown(name)}' defines it"), "yaml-alias")
        value, size, text = self.anchors[name]
        self.aliases += 1
        path = self.new_node(mark, size, text)
        if self.is_key():
            if isinstance(value, str):
                self.key(value, mark, None)
            else:
                self.bad_key(mark)
                self.stack[-1].key = _SKIP
            return
        if path is not None:
            self.source.values[path] = mark
        self.attach(value, None, size, text)

    def start(self, event: Any, kind: str) -> None:
        mark = _mark(event)
        if len(self.stack) >= self.max_depth:
            raise _Fatal(mark, f"nesting deeper than {self.max_depth} levels is not allowed "
                         "(the limit is set by --max-depth)", "yaml-too-deep")
        as_key = self.is_key()
        path = self.new_node(mark)
        self.check_tag(event.tag, mark, {kind})
        if as_key:
            self.bad_key(mark)
            self.stack[-1].key = _SKIP
            path = None
        elif path is not None:
            self.source.values[path] = mark
        self.stack.append(_Frame(kind, path, event.anchor, self.count - 1, as_key, self.text))

    def end(self, event: Any = None) -> None:
        frame = self.stack.pop()
        if frame.as_key:
            return  # the parent's key stays _SKIP, so the value after it is dropped too
        self.attach(frame.value, frame.anchor, self.count - frame.count0,
                    self.text - frame.text0)


def _utf8_length(text: str) -> int:
    """Bytes of ``text`` as UTF-8 (what an output writes), without encoding ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _shown(text: str, limit: int = 80) -> str:
    """User text inside a one-line message: control characters visible, long text cut."""
    from loopkit.text import one_line

    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Characters YAML allows in a stream (YAML 1.1 ``c-printable``, as libyaml checks it).
_NOT_PRINTABLE = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _syntax_problem(error: Any, text: str, filename: str) -> Problem:
    """One readable line for a YAML syntax error, with known traps explained."""
    bad = _NOT_PRINTABLE.search(text) if not getattr(error, "problem_mark", None) else None
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return Problem(filename, line, column, f"control character U+{ord(bad.group()):04X} "
                       "is not allowed in YAML; delete it (or write it as an escape such as "
                       "\\x07 inside double quotes)", "yaml-control-char")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    source_line = _line_at(text, line)
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
    message = f"YAML syntax error: {_shown(problem, 200)}"
    if context:
        message += f" ({_shown(context, 200)})"
    return Problem(filename, line, column, message, "yaml-syntax")


def _line_at(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text`` without splitting a 5 MB file into a list."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _surrogate_problem(text: str, filename: str) -> Problem:
    index = next(i for i, ch in enumerate(text) if "\ud800" <= ch <= "\udfff")
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Problem(filename, line, column, "text contains an unpaired surrogate character "
                   f"(U+{ord(text[index]):04X}); it is not valid Unicode", "encoding")


def parse_yaml(
    text: str, filename: str, *, max_values: int | None = None, max_depth: int | None = None,
    max_text: int | None = None,
) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into data, marks and recoverable problems.

    Syntax errors, a second document and exceeded limits are fatal
    (``DiagramError``); duplicate keys, refused tags and the like are returned
    so the caller can report them together with validation errors. Limits
    default to ``loopkit.limits.active_limits()``.
    """
    from loopkit.limits import active_limits

    limits = active_limits()
    if text.startswith("\ufeff"):
        text = text[1:]
    values, depth = max_values or limits.yaml_values, max_depth or limits.depth
    text_bytes = max_text or limits.yaml_text
    try:
        builder = _read(text, filename, values, depth, text_bytes)
        if builder.error is not None and builder.fatal is None:
            # A YAML library may stop at a limit of its own first: libyaml (as in PyYAML 6.0.4's
            # wheels) allows 1,000 nesting levels, and its scanner runs up to 1,024
            # characters ahead of the events we have seen, so '[[[[...' fails there before
            # our lower --max-depth got its turn. Read again only the text before the
            # library's error: a loopkit limit that fires there fired first, and its
            # message does not depend on which PyYAML is installed.
            cut = _error_index(builder.error, len(text))
            if 0 < cut < len(text):
                earlier = _read(text[:cut], filename, values, depth, text_bytes)
                if earlier.fatal is not None:
                    builder = earlier
    except UnicodeEncodeError:
        raise DiagramError([_surrogate_problem(text, filename)]) from None
    if builder.fatal is not None:
        fatal = builder.fatal
        raise DiagramError([*builder.problems, Problem(
            filename, fatal.mark.line, fatal.mark.column, fatal.message, fatal.code)])
    if builder.error is not None:
        raise DiagramError([_syntax_problem(builder.error, text, filename)])
    if not builder.has_root:
        raise DiagramError([Problem(filename, 1, 1, "the file is empty; a diagram needs "
                                    "'variables' and 'links'", "empty-file")])
    return builder.root, builder.source, builder.problems


def _read(text: str, filename: str, max_values: int, max_depth: int,
          max_text: int | None = None) -> _Builder:
    """Run the event reader over ``text``; a limit or syntax error is kept on the builder."""
    import yaml

    builder = _Builder(filename, max_values, max_depth, max_text)
    try:
        builder.run(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as error:
        builder.error = error
    except _Fatal as fatal:
        builder.fatal = fatal
    return builder


def _error_index(error: Any, length: int) -> int:
    """Character offset of a YAML error (PyYAML marks count characters, C or Python)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    index = getattr(mark, "index", None)
    return min(max(index, 0), length) if isinstance(index, int) else 0
