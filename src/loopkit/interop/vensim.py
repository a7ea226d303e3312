"""Vensim ``.mdl`` models: the sketch's arrows and the equations' dependencies.

A model file holds equations (``name = expression ~ units ~ comment |``), then
from a line starting ``\\\\\\---///`` one sketch per view. Sketch lines are
comma-separated objects: ``10,id,name,x,y,...`` a variable, ``11,id,...`` a
flow valve (its flow's name is the variable right after it), ``12,...`` a
cloud or comment, and ``1,id,from,to,shape,hid,pol,thick,hasf,dtype,...`` an
arrow. ``pol`` is a character code: 43 '+', 45 '-', 83 'S' (same) and 79 'O'
(opposite); 0 means no polarity was drawn. The arrow's delay mark is bit 0 of
``dtype``. Arrows with ``thick`` above 20 are flow pipes, not influences.

Links are, in order: the sketch's influence arrows; each stock's inflows
(``+``) and outflows (``-``) read from its ``INTEG(inflow - outflow, ...)``
equation; and every other dependency found in an equation but not drawn as an
arrow (polarity '?'). Models with only ``A FUNCTION OF(...)`` equations (pure
causal loop diagrams) read the same way.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    IdMaker,
    Notes,
    delayed_arguments,
    fail,
    line_col,
    link_notes,
    mark_delays,
    merge_links,
    too_many,
)
from loopkit.model import Diagram, Link, Polarity, Variable

_SKETCH = re.compile(r"^\\\\\\---///.*$", re.MULTILINE)
_CONTROL = {"final time", "initial time", "time step", "saveper", "time"}
_POLARITY = {43: Polarity.POSITIVE, 45: Polarity.NEGATIVE, 83: Polarity.POSITIVE,
             115: Polarity.POSITIVE, 79: Polarity.NEGATIVE, 111: Polarity.NEGATIVE}
#: Arrows thicker than this are stock-and-flow pipes (Vensim draws them at 22).
_PIPE_THICKNESS = 20
#: Vensim functions whose first argument reaches the result with a delay.
DELAY_FUNCTIONS = ("smooth", "smoothi", "smooth3", "smooth3i", "smooth n", "delay1", "delay1i",
                   "delay3", "delay3i", "delay n", "delay fixed", "delay material",
                   "delay information", "delay conveyor", "delay profile")

_NOTES = {
    **link_notes("arrow"),
    "odd-sign": "{n} arrow{s} had a polarity mark loopkit does not know: marked ?{e}",
    "equation-only": "{n} dependenc{ies} found only in equations (no arrow drawn): marked ?{e}",
    "flows": "{n} stock-flow link{s} taken from INTEG equations (+ inflow, - outflow)",
    "flow-unsigned": "{n} stock-flow term{s} too complex to sign: marked ?{e}",
    "cloud": "{n} arrow{s} to or from a cloud, comment or picture dropped",
    "dangling": "{n} arrow{s} pointing at no sketch object dropped{e}",
    "delay": "{n} arrow{s} carried a delay mark",
}


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:200]
    return head.startswith("{UTF-8}") or (bool(_SKETCH.search(text)) and "|" in text)


def canonical(name: str) -> str:
    """Vensim names ignore case, quotes, underscores and repeated spaces."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return re.sub(r"[\s_]+", " ", name).strip().lower()


def _display(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return " ".join(name.replace("\\n", " ").split())


@dataclass
class _Equation:
    name: str
    key: str
    rhs: str
    line: int
    integ: bool = False


@dataclass
class _Element:
    kind: int
    uid: int
    name: str
    shape: int
    line: int


@dataclass
class _Arrow:
    source: int
    target: int
    polarity: int
    thickness: int
    dtype: int
    line: int


@dataclass
class _Sketch:
    elements: dict[int, _Element] = field(default_factory=dict)
    arrows: list[_Arrow] = field(default_factory=list)


def _equations(text: str, end: int, filename: str = "<string>") -> list[_Equation]:
    """Every ``name = expression`` in the equation section (macros skipped)."""
    body = text[:end]
    out: list[_Equation] = []
    in_macro = False
    start = 0
    counted, line = 0, 1  # lines are counted on from the last equation: linear, not n^2
    for match in re.finditer(r"\|", body):
        chunk, chunk_start = body[start:match.start()], start
        start = match.end()
        definition = chunk.split("~", 1)[0]
        stripped = re.sub(r"\{[^}]*\}", " ", definition)  # {comments}, {UTF-8}
        lowered = stripped.lower()
        if ":macro:" in lowered:
            in_macro = True
        if ":end of macro:" in lowered:
            in_macro = False
            continue
        if in_macro:
            continue
        eq = re.match(r"\s*((?:\"[^\"]*\"|[^=:(\[\"])+?)\s*(\[[^\]]*\])?\s*(:?=|\()(.*)",
                      stripped, re.DOTALL)
        if not eq or not eq.group(1).strip() or eq.group(1).strip().startswith("*"):
            continue
        name = eq.group(1).strip()
        rhs = eq.group(4) if eq.group(3) != "(" else ""
        offset = chunk_start + len(chunk) - len(chunk.lstrip())
        line, counted = line + text.count("\n", counted, offset), offset
        if message := too_many(len(out) + 1, "variables", "equations"):
            fail(filename, line, 1, message, "too-many")
        rhs = rhs.replace("\\\n", " ")
        out.append(_Equation(_display(name), canonical(name), rhs, line,
                             bool(re.match(r"\s*INTEG\s*\(", rhs, re.IGNORECASE))))
    return out


def _fields(line: str) -> list[str]:
    return next(csv.reader([line], skipinitialspace=False))


def _int(fields: list[str], index: int, filename: str, text: str, offset: int,
         what: str) -> int:
    try:
        return int(fields[index].strip())
    except (IndexError, ValueError):
        column = len(",".join(fields[:index])) + (2 if index else 1)
        line, _ = line_col(text, offset)
        got = repr(fields[index]) if index < len(fields) else "nothing"
        fail(filename, line, column, f"sketch {what} must be a whole number, got {got}",
             "import-syntax")


def _sketches(text: str, start: int, filename: str) -> list[_Sketch]:
    sketches: list[_Sketch] = []
    offset = start
    lines = text[start:].split("\n")
    first_line = line_col(text, start)[0]
    skip_next = False
    arrows = 0
    for number, raw in enumerate(lines, first_line):
        line_offset, offset = offset, offset + len(raw) + 1
        line = raw.rstrip("\r")
        if skip_next:
            skip_next = False
            continue
        if line.startswith("\\\\\\---///"):
            sketches.append(_Sketch())
            continue
        if line.startswith("///---\\\\\\"):
            break
        if not sketches or not line[:1].isdigit():
            continue
        try:
            fields = _fields(line)
        except csv.Error as error:
            line_no, _ = line_col(text, line_offset)
            fail(filename, line_no, 1, f"cannot read this sketch line: {error}", "import-syntax")
        kind = _int(fields, 0, filename, text, line_offset, "object type")
        where = number
        if kind == 1:
            arrows += 1
            if message := too_many(arrows, "links", "sketch arrows"):
                fail(filename, where, 1, message, "too-many")
            get = [_int(fields, i, filename, text, line_offset, what) for i, what in (
                (1, "arrow id"), (2, "arrow start"), (3, "arrow end"))]
            polarity = _int(fields, 6, filename, text, line_offset, "arrow polarity") \
                if len(fields) > 6 and fields[6].strip() else 0
            thickness = _int(fields, 7, filename, text, line_offset, "arrow thickness") \
                if len(fields) > 7 and fields[7].strip() else 0
            dtype = _int(fields, 9, filename, text, line_offset, "arrow delay type") \
                if len(fields) > 9 and fields[9].strip() else 0
            sketches[-1].arrows.append(_Arrow(get[1], get[2], polarity, thickness, dtype, where))
        elif kind in (10, 11, 12):
            uid = _int(fields, 1, filename, text, line_offset, "object id")
            shape = _int(fields, 7, filename, text, line_offset, "object shape") \
                if len(fields) > 7 and fields[7].strip() else 0
            bits = _int(fields, 8, filename, text, line_offset, "object bits") \
                if len(fields) > 8 and fields[8].strip() else 0
            name = fields[2] if len(fields) > 2 else ""
            sketches[-1].elements[uid] = _Element(kind, uid, name, shape, where)
            skip_next = kind == 12 and bool(bits & 4)  # comment text on the next line
        else:
            sketches[-1].elements[_int(fields, 1, filename, text, line_offset, "object id")] = \
                _Element(kind, -1, "", 0, where)
    return sketches


def _name_pattern(keys: list[str]) -> re.Pattern[str] | None:
    if not keys:
        return None
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![\w$'])(?:{alternatives})(?![\w$'])")


def _normalise_expression(expr: str) -> str:
    """Lower-case, quotes removed, underscores and whitespace runs as single spaces."""
    expr = re.sub(r"\"([^\"]*)\"", lambda m: f" {m.group(1)} ", expr)
    return re.sub(r"[\s_]+", " ", expr).lower()


def _dependencies(expr: str, pattern: re.Pattern[str] | None) -> list[str]:
    if pattern is None:
        return []
    seen: list[str] = []
    for match in pattern.finditer(_normalise_expression(expr)):
        if match.group(0) not in seen:
            seen.append(match.group(0))
    return seen


def _split_args(expr: str) -> list[str]:
    """Top-level comma-separated arguments of ``f(a, b)`` given the text after ``f``."""
    depth, args, current = 0, [], ""
    for char in expr[expr.index("(") + 1:] if "(" in expr else "":
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                args.append(current)
                return args
            depth -= 1
        elif char == "," and depth == 0:
            args.append(current)
            current = ""
            continue
        current += char
    args.append(current)
    return args


def _signed_terms(expr: str) -> list[tuple[int, str]]:
    """``a - b + c`` -> [(+1, 'a'), (-1, 'b'), (+1, 'c')] at the top level of ``expr``."""
    terms, depth, sign, current = [], 0, 1, ""
    text = _normalise_expression(expr).strip()
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if depth == 0 and char in "+-" and (i == 0 or text[i - 1] not in "eE*/^("):
            if current.strip():
                terms.append((sign, current.strip()))
            sign, current = (1 if char == "+" else -1), ""
            continue
        current += char
    if current.strip():
        terms.append((sign, current.strip()))
    return terms


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    # Old Mac models end lines with CR alone; count those as line breaks too.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    notes = Notes()
    sketch_match = _SKETCH.search(text)
    sketch_start = sketch_match.start() if sketch_match else len(text)
    equations = _equations(text, sketch_start, filename)
    sketches = _sketches(text, sketch_start, filename) if sketch_match else []
    if len(sketches) > 1:
        notes.say(f"{len(sketches)} sketch views read as one diagram")

    labels: dict[str, str] = {}
    for sketch in sketches:
        for element in sketch.elements.values():
            if element.kind == 10 and element.name.strip():
                labels.setdefault(canonical(element.name), _display(element.name))
    for eq in equations:
        if eq.key not in _CONTROL:
            labels.setdefault(eq.key, eq.name)
    if not labels:
        fail(filename, 1, 1, "no variables found: is this a Vensim .mdl model?", "import-empty")
    if message := too_many(len(labels), "variables", "variables"):
        fail(filename, 1, 1, message, "too-many")
    ids = IdMaker()
    vid = {key: ids.make(label) for key, label in labels.items()}
    variables = tuple(Variable(vid[key], label) for key, label in labels.items())

    links: list[Link] = []
    drawn: set[tuple[str, str]] = set()
    for sketch in sketches:
        for arrow in sketch.arrows:
            if arrow.thickness > _PIPE_THICKNESS:
                continue
            ends = [_resolve(sketch, uid) for uid in (arrow.source, arrow.target)]
            if any(end is None for end in ends):
                notes.add("dangling", f"line {arrow.line}")
                continue
            if any(end == "" for end in ends):
                notes.add("cloud")
                continue
            source, target = vid[ends[0]], vid[ends[1]]  # type: ignore[index]
            polarity = _POLARITY.get(arrow.polarity, Polarity.UNKNOWN)
            if arrow.polarity == 0:
                notes.add("unsigned", f"{source} -> {target}")
            elif polarity is Polarity.UNKNOWN:
                notes.add("odd-sign", f"line {arrow.line}")
            delay = bool(arrow.dtype & 1)
            if delay:
                notes.add("delay")
            links.append(Link(source, target, polarity, delay))
            drawn.add((source, target))

    pattern = _name_pattern([k for k in labels if k not in _CONTROL])
    delayed: set[tuple[str, str]] = set()
    for eq in equations:
        if eq.key not in vid or eq.key in _CONTROL:
            continue
        target = vid[eq.key]
        rhs = eq.rhs
        if eq.integ:
            rates = _split_args(rhs)[0] if _split_args(rhs) else ""
            for sign, term in _signed_terms(rates):
                if term in vid and term not in _CONTROL:
                    links.append(Link(vid[term], target,
                                      Polarity.POSITIVE if sign > 0 else Polarity.NEGATIVE))
                    notes.add("flows")
                    drawn.add((vid[term], target))
            rhs = rates
        for argument in delayed_arguments(_normalise_expression(rhs), DELAY_FUNCTIONS):
            delayed.update((vid[dep], target) for dep in _dependencies(argument, pattern))
        for dep in _dependencies(rhs, pattern):
            source = vid[dep]
            if (source, target) in drawn or (source == target and not eq.integ):
                continue
            notes.add("flow-unsigned" if eq.integ else "equation-only", f"{source} -> {target}")
            links.append(Link(source, target, Polarity.UNKNOWN))
            drawn.add((source, target))

    links = mark_delays(links, delayed, notes)
    diagram = Diagram(variables, merge_links(links, notes), (), None, None, filename)
    return ImportResult(diagram, notes.lines(_NOTES), "vensim")


def _resolve(sketch: _Sketch, uid: int) -> str | None:
    """Canonical variable name at a sketch object; '' for clouds/comments; None if missing."""
    element = sketch.elements.get(uid)
    if element is None:
        return None
    if element.kind == 11:  # valve: its flow's name is the attached variable after it
        following = sketch.elements.get(uid + 1)
        if following is not None and following.kind == 10 and following.shape & 32:
            return canonical(following.name)
        return ""
    if element.kind == 10 and element.name.strip():
        return canonical(element.name)
    return ""
