"""File -> validated ``Diagram``, with every problem located at ``file:line:col``.

Three layers of checks, all reported together: YAML (syntax, duplicate keys),
shape (pydantic, ``schema.py``) and meaning (links to undeclared variables,
duplicate links, loops naming unknown variables).
"""

from __future__ import annotations

import codecs
import difflib
import math
import os
from collections import Counter
from typing import Any

from loopkit.limits import FLAGS, Limits, active_limits, using_limits
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity, Pos, Variable
from loopkit.problems import DiagramError, Problem, UsageError
from loopkit.read import fastpath
from loopkit.read.paths import STDIN, STDIN_NAME
from loopkit.read.source import SourceMap, parse_yaml
from loopkit.read.source import _shown as shown
from loopkit.text import first_control, suggest

#: Layout pins beyond this many inches are typos, and break renderers.
MAX_POS = 1e6

#: Unknown names that get a did-you-mean (each costs a pass over every id).
_MAX_HINTS = 20


def read_text(path: str | os.PathLike[str], max_bytes: int | None = None) -> str:
    """Read a diagram file (``-``: standard input) as UTF-8; I/O trouble is a usage
    error, bad bytes a problem.

    At most ``max_bytes`` (default: the active ``file_size`` limit) are read, so a
    huge or endless file (``/dev/zero``) costs nothing.
    """
    name = shown_name(path)
    max_bytes = max_bytes or active_limits().file_size
    try:
        if os.fspath(path) == STDIN:
            raw = _read_stdin(max_bytes + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"{shown(name, 500)}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{shown(name, 500)}: is a directory, not a diagram file") from None
    except OSError as error:
        raise UsageError(f"{shown(name, 500)}: cannot read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise DiagramError([Problem(name, 1, 1, f"file is larger than {max_bytes:,} bytes; "
                                    "diagrams are small text files (raise the limit with "
                                    f"{FLAGS['file_size']})", "file-too-large")])
    if raw[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) or raw[:2] in (
            codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise DiagramError([Problem(name, 1, 1, "file is UTF-16 or UTF-32 text; save it as "
                                    "UTF-8", "encoding")])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DiagramError([Problem(name, line, 1, "file contains NUL bytes: is it binary?",
                                    "binary-file")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise DiagramError([Problem(name, line, column, "file is not valid UTF-8 text "
                                    f"(byte 0x{raw[error.start]:02x}); save it as UTF-8",
                                    "encoding")]) from None


def shown_name(path: str | os.PathLike[str]) -> str:
    """The name a file carries in messages and results: ``<stdin>`` for ``-``."""
    name = os.fspath(path)
    return STDIN_NAME if name == STDIN else str(name)


def _read_stdin(size: int) -> bytes:
    """Up to ``size`` bytes of standard input (its binary buffer: the bytes are checked
    as a file's are)."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UsageError("-: there is no standard input to read")
    return stream.read(size)


def load_yaml_data(path: str | os.PathLike[str]) -> Any:
    """Any other YAML file loopkit reads (settings), with the same limits and located errors.

    ``yaml.safe_load`` on a hostile ``.loopkit.yaml`` recurses per nesting level
    (RecursionError, or a segfault with libyaml) and knows no size limit; this
    reads at most the file-size limit and raises ``DiagramError`` with
    ``file:line:col`` problems (duplicate keys, tags, bombs) or ``UsageError``.
    """
    data, _, problems = parse_yaml(read_text(path), str(path))
    if problems:
        raise DiagramError(_capped(problems))
    return data


def load_diagram(
    path: str | os.PathLike[str], max_bytes: int | None = None, *, limits: Limits | None = None
) -> Diagram:
    """Read and validate a diagram file; raises ``DiagramError`` or ``UsageError``.

    ``limits`` (default: ``loopkit.limits.active_limits()``) bound the work a
    hostile file can cause; ``max_bytes`` overrides just the file size.
    """
    if limits is not None:
        with using_limits(limits):
            return load_diagram(path, max_bytes)
    return parse_diagram(read_text(path, max_bytes), shown_name(path))


def parse_diagram(
    text: str, filename: str = "<string>", *, limits: Limits | None = None
) -> Diagram:
    """Validate diagram text; raises ``DiagramError`` listing every problem."""
    if limits is not None:
        with using_limits(limits):
            return parse_diagram(text, filename)
    return _parse(text, filename)


def _parse(text: str, filename: str, *, fast: bool = True) -> Diagram:
    """``parse_diagram``; ``fast=False`` skips ``fastpath`` (tests compare the two)."""
    try:
        data, source, problems = parse_yaml(text, filename)
    except DiagramError as error:
        raise DiagramError(_capped(error.problems)) from None
    if not isinstance(data, dict):
        mark = source.locate(())
        raise DiagramError([*problems, Problem(
            filename, mark.line, mark.column,
            "a diagram must be a mapping with 'variables' and 'links' keys", "not-a-mapping")])
    _check_counts(data, source, filename)
    entries = fastpath.entries(data) if fast else None
    if entries is None:  # not plainly valid: pydantic decides, and words the errors
        problems += _validate_shape(data, source, filename)
        entries = _validated_entries(data)
    diagram, meaning_problems = _normalise(data, source, filename, entries)
    problems += meaning_problems
    if problems:
        raise DiagramError(_capped(problems))
    return diagram


def _capped(problems: list[Problem]) -> list[Problem]:
    """The first ``problems`` limit of them, then one line saying how many were left out.

    A generated file with 10,000 broken links should not bury a CI log.
    """
    limit = active_limits().problems
    problems = sorted(problems)
    if len(problems) <= limit:
        return problems
    rest = problems[limit]
    return [*problems[:limit], Problem(
        rest.file, rest.line, rest.column,
        f"... and {len(problems) - limit:,} more problems from here on, not shown "
        f"(fix the ones above first, or raise {FLAGS['problems']})", "too-many-problems")]


def _check_counts(data: dict[str, Any], source: SourceMap, filename: str) -> None:
    """Refuse oversized variable/link lists before validating each entry (fatal)."""
    limits = active_limits()
    for key, limit, name in (("variables", limits.variables, "variables"),
                             ("links", limits.links, "links")):
        entries = data.get(key)
        if isinstance(entries, (dict, list)) and len(entries) > limit:
            mark = source.locate((key,), key=True)
            raise DiagramError([Problem(
                filename, mark.line, mark.column,
                f"{len(entries):,} {name}; the limit is {limit:,} (raise it with "
                f"{FLAGS[name]} if this diagram is really that large)", "too-many")])


def _field_kind(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "variables":
        return "variable"
    if len(loc) >= 2 and loc[0] == "links":
        return "link"
    if len(loc) >= 2 and loc[0] == "loops":
        return "loop"
    return "top"


def _validate_shape(data: dict[str, Any], source: SourceMap, filename: str) -> list[Problem]:
    """Every pydantic error of the whole file, located."""
    from pydantic import ValidationError

    from loopkit.read.schema import FIELD_NAMES, DiagramFile

    try:
        DiagramFile.model_validate(data)
    except ValidationError as error:
        items = [(item, _data_loc(item["loc"], data))
                 for item in error.errors(include_url=False)]
        problems = [
            _shape_problem(item, loc, source, filename, FIELD_NAMES)
            for item, loc in _merge_typos(items)
        ]
        return _dedupe(problems)
    return []


def _merge_typos(items: list[tuple[Any, tuple[Any, ...]]]) -> list[tuple[Any, tuple[Any, ...]]]:
    """Drop "missing key X" when the same mapping has a misspelt X: one mistake, one line."""

    extras: dict[tuple[Any, ...], list[str]] = {}
    for item, loc in items:
        if item["type"] == "extra_forbidden" and loc:
            extras.setdefault(loc[:-1], []).append(str(loc[-1]))
    kept = []
    for item, loc in items:
        if item["type"] == "missing" and loc and difflib.get_close_matches(
            str(loc[-1]), extras.get(loc[:-1], []), n=1, cutoff=0.6
        ):
            continue
        kept.append((item, loc))
    return kept


#: Plain wording for pydantic's error types, keyed by ``type``.
_PLAIN = {
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "tuple_type": "must be a list",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
}


def _entries(data: Any, adapter: Any, *, mapping: bool) -> list[tuple[Any, Any]]:
    """``(key, validated)`` for each entry of a mapping (or list) that is valid on its own.

    Lets the meaning checks run on the valid part of a file that also has shape
    errors, so one run reports all of them. The wrong kind of collection (a
    list of variables) gives nothing here: the shape check already reported it.
    """
    from pydantic import ValidationError

    if mapping and isinstance(data, dict):
        items = list(data.items())
    elif not mapping and isinstance(data, list):
        items = list(enumerate(data))
    else:
        return []
    out = []
    for key, value in items:
        try:
            out.append((key, adapter.validate_python(value)))
        except ValidationError:
            continue
    return out


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop pydantic's validator-name segments so ``loc`` matches the data path.

    A segment is only dropped when the data has no such key: a user's own key
    named ``str`` or ``dict`` is kept (dropping it crashed on ``str: x``).
    """
    out = []
    node = data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not present and isinstance(part, str) and (
                part.startswith("function-") or part in ("str", "dict")):
            continue
        out.append(part)
        node = node[part] if present else None
    return tuple(out)


def _shape_problem(
    item: dict[str, Any],
    loc: tuple[Any, ...],
    source: SourceMap,
    filename: str,
    field_names: dict[str, list[str]],
) -> Problem:
    kind = item["type"]
    where = _describe(loc)
    if kind == "extra_forbidden" and loc:
        mark = source.locate(loc, key=True)
        key = str(loc[-1])
        allowed = field_names[_field_kind((*loc[:-1], "x"))] if len(loc) > 1 else field_names["top"]
        hint = suggest(key, allowed) or f" (allowed: {', '.join(allowed)})"
        if len(loc) == 1:
            hint += "; put your own metadata under a key starting with 'x-'"
        return Problem(filename, mark.line, mark.column, f"unknown key '{shown(key)}'{hint}",
                       "unknown-key")
    mark = source.locate(loc)
    if kind == "missing" and loc:
        field = shown(str(loc[-1]))
        parent = _describe(loc[:-1])
        message = f"missing required key '{field}'"
        return Problem(filename, mark.line, mark.column,
                       f"{parent}: {message}" if parent else message, "missing-key")
    message = item["msg"]
    if message.startswith("Value error, "):
        message = shown(message[len("Value error, "):], 400)
    elif kind == "too_short":
        message = "needs at least one entry"
    elif kind in _PLAIN:
        message = _PLAIN[kind]
        got = item.get("input")
        if isinstance(got, (str, int, float, bool)) or got is None:
            message += f", got {shown(repr(got))}"
    elif kind == "literal_error":
        message = "must be " + message.removeprefix("Input should be ")
    else:
        message = message[0].lower() + message[1:]
        got = item.get("input")
        if isinstance(got, (str, int, float, bool)) or got is None:
            message += f", got {shown(repr(got))}"
    return Problem(filename, mark.line, mark.column,
                   f"{where}: {message}" if where else message, kind)


def _describe(loc: tuple[Any, ...]) -> str:
    """Human path such as ``link 3 'polarity'`` or ``variable 'fines'``."""
    if not loc:
        return ""
    head, rest = loc[0], loc[1:]
    if head == "links" and rest and isinstance(rest[0], int):
        text = f"link {rest[0] + 1}"
        rest = rest[1:]
    elif head == "variables" and rest:
        text = f"variable '{shown(str(rest[0]))}'"
        rest = rest[1:]
    elif head == "loops" and rest:
        text = f"loop '{shown(str(rest[0]))}'"
        rest = rest[1:]
    else:
        text = f"'{shown(str(head))}'"
    for part in rest:
        text += f" item {part + 1}" if isinstance(part, int) else f" '{shown(str(part))}'"
    return text


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for p in problems:
        if (p.line, p.column, p.message) not in seen:
            seen.add((p.line, p.column, p.message))
            out.append(p)
    return out


def _pos(source: SourceMap, path: tuple[Any, ...], key: bool = False) -> Pos:
    mark = source.locate(path, key=key)
    return Pos(mark.line, mark.column)


def _validated_entries(data: dict[str, Any]) -> fastpath.Entries:
    """Each entry that pydantic accepts on its own, with pydantic's values."""
    from pydantic import TypeAdapter

    from loopkit.read.schema import LinkEntry, LoopSpec, VariableEntry

    return fastpath.Entries(
        _entries(data.get("variables"), TypeAdapter(VariableEntry), mapping=True),
        _entries(data.get("links"), TypeAdapter(LinkEntry), mapping=False),
        _entries(data.get("loops"), TypeAdapter(LoopSpec), mapping=True),
    )


def _normalise(
    data: dict[str, Any], source: SourceMap, filename: str, entries: fastpath.Entries
) -> tuple[Diagram, list[Problem]]:
    """The checked entries as a ``Diagram``, with every meaning problem located."""
    return _Normaliser(data, source, filename).diagram(entries)


class _Normaliser:
    """Builds the model from checked entries, collecting located problems as it goes.

    A class rather than one long function so each part (variables, links,
    loops) reads on its own and the did-you-mean allowance is plain state.
    """

    def __init__(self, data: dict[str, Any], source: SourceMap, filename: str) -> None:
        self.data, self.source, self.filename = data, source, filename
        self.problems: list[Problem] = []
        self.max_label = active_limits().label_length
        raw_variables = data.get("variables")
        self.ids = [str(k) for k in raw_variables] if isinstance(raw_variables, dict) else []
        self.known = set(self.ids)
        self.label_to_id: dict[str, str] = {}
        #: did-you-mean costs O(ids): only for the first few mistakes
        self.hints_left = _MAX_HINTS

    def diagram(self, entries: fastpath.Entries) -> tuple[Diagram, list[Problem]]:
        variables = [self.variable(vid, vspec) for vid, vspec in entries.variables]
        self.label_to_id = {v.label.lower(): v.id for v in variables}
        links = self.links(entries.links)
        loops = [self.loop(loop_id, lspec) for loop_id, lspec in entries.loops]
        data = self.data
        extensions = {k: v for k, v in data.items() if str(k).startswith("x-")}
        text = {k: data.get(k) if isinstance(data.get(k), str) else None
                for k in ("title", "description")}
        self.check_length(text["title"], ("title",), "the title")
        diagram = Diagram(tuple(variables), tuple(links), tuple(loops), text["title"],
                          text["description"], self.filename, extensions)
        return diagram, self.problems

    def report(self, pos: Pos, message: str, code: str) -> None:
        self.problems.append(Problem(self.filename, pos.line, pos.column, message, code))

    def where(self, path: tuple[Any, ...], key: bool = False) -> Pos:
        return _pos(self.source, path, key=key)

    def check_length(self, text: str | None, path: tuple[Any, ...], what: str,
                     key: bool = False) -> None:
        if text is not None and len(text) > self.max_label:
            self.report(self.where(path, key=key),
                        f"{what} is {len(text):,} characters long; the limit is "
                        f"{self.max_label:,} (put long text in 'description', or raise "
                        f"the limit with {FLAGS['label_length']})", "too-long")

    def check_id(self, name: str, path: tuple[Any, ...], kind: str) -> None:
        char = first_control(name)
        if char is not None:
            self.report(self.where(path, key=True),
                        f"{kind} id '{shown(name)}' contains the control character "
                        f"U+{ord(char):04X}; ids must be plain text (put line breaks and "
                        "formatting in the label)", "control-in-id")

    def unknown(self, name: str) -> str:
        """The did-you-mean for a name that is no variable id."""
        if name.lower() in self.label_to_id:
            return (f" (did you mean '{shown(self.label_to_id[name.lower()])}'? links name "
                    "variables by id)")
        self.hints_left -= 1
        return shown(suggest(name, self.ids)) if self.hints_left >= 0 else ""

    def variable(self, vid: str, vspec: Any) -> Variable:
        label = vspec.label if vspec.label else vid
        where = self.where(("variables", vid), key=True)
        if not vid.strip():
            self.report(where, "a variable id may not be empty", "empty-id")
        self.check_length(vid, ("variables", vid), "variable id", key=True)
        self.check_id(vid, ("variables", vid), "variable")
        self.check_length(vspec.label, ("variables", vid, "label"),
                          f"variable '{shown(vid)}' label")
        self.check_length(vspec.group, ("variables", vid, "group"),
                          f"variable '{shown(vid)}' group")
        if vspec.pos and not all(math.isfinite(x) and abs(x) <= MAX_POS for x in vspec.pos):
            self.report(self.where(("variables", vid, "pos")),
                        f"variable '{shown(vid)}' 'pos': must be two finite numbers of "
                        f"inches, at most {MAX_POS:,.0f} from 0", "bad-pos")
        return Variable(vid, label, vspec.group, vspec.description,
                        tuple(vspec.pos) if vspec.pos else None, where, vspec.kind)

    def links(self, entries: Any) -> list[Link]:
        links = []
        seen: dict[tuple[str, str], Pos] = {}
        for i, lspec in entries:
            compact = isinstance(self.data["links"][i], str)
            where = self.where(("links", i))
            for end, attr in (("from", "source"), ("to", "target")):
                name = getattr(lspec, attr)
                if name not in self.known:
                    pos = where if compact else self.where(("links", i, end))
                    self.report(pos, f"link {i + 1}: '{shown(name)}' is not a declared "
                                f"variable{self.unknown(name)}", "unknown-variable")
            key = (lspec.source, lspec.target)
            if key in seen:
                self.report(where, f"duplicate link {shown(key[0])} -> {shown(key[1])} (first "
                            f"at line {seen[key].line}); merge them into one", "duplicate-link")
                continue
            seen[key] = where
            links.append(Link(lspec.source, lspec.target, Polarity(lspec.polarity),
                              lspec.delay, lspec.description, tuple(lspec.evidence or ()),
                              lspec.confidence, where, tuple(lspec.sources or ())))
        return links

    def loop(self, loop_id: str, lspec: Any) -> DeclaredLoop:
        where = self.where(("loops", loop_id), key=True)
        self.check_length(loop_id, ("loops", loop_id), "loop id", key=True)
        self.check_id(loop_id, ("loops", loop_id), "loop")
        if first_control(loop_id) is None and (
                not loop_id.strip() or any(c.isspace() for c in loop_id)):
            # ids name loops in tables, file names and space-separated SVG hooks
            self.report(where, f"loop id '{shown(loop_id)}' may not be empty or contain "
                        "spaces (use e.g. R1, B2 or fines_spiral, and put words in 'name')",
                        "loop-id")
        self.check_length(lspec.name, ("loops", loop_id, "name"),
                          f"loop '{shown(loop_id)}' name")
        letter_type = LoopType.from_id(loop_id)
        expected = LoopType(lspec.type) if lspec.type else letter_type
        if lspec.type and letter_type and LoopType(lspec.type) is not letter_type:
            self.report(self.where(("loops", loop_id, "type")),
                        f"loop '{shown(loop_id)}': its id says {letter_type.value} but 'type' "
                        f"says {lspec.type}; rename it or fix the type", "loop-type-conflict")
        for j, name in enumerate(lspec.variables):
            if name not in self.known:
                self.report(self.where(("loops", loop_id, "variables", j)),
                            f"loop '{shown(loop_id)}': '{shown(name)}' is not a declared "
                            f"variable{self.unknown(name)}", "unknown-variable")
        repeated = sorted(v for v, n in Counter(lspec.variables).items() if n > 1)
        if repeated:
            self.report(self.where(("loops", loop_id, "variables")),
                        f"loop '{shown(loop_id)}': a loop passes each variable once, but "
                        f"{shown(', '.join(repeated))} appears twice", "loop-repeats-variable")
        return DeclaredLoop(loop_id, tuple(lspec.variables), lspec.name, expected,
                            lspec.description, where)
