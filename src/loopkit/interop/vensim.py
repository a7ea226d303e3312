"""Vensim ``.mdl`` models: the sketch's arrows and the equations' dependencies.

A model file holds equations (``name = expression ~ units ~ comment |``), then
from a line starting ``\\\\\\---///`` one sketch per view. Sketch lines are
comma-separated objects: ``10,id,name,x,y,...`` a variable, ``11,id,...`` a
flow valve (its flow's name is the variable right after it), ``12,...`` a
cloud or comment, and ``1,id,from,to,shape,hid,pol,thick,hasf,dtype,...`` an
arrow. ``pol`` is a character code: 43 '+', 45 '-', 83 'S' (same) and 79 'O'
(opposite); 0 means no polarity was drawn. The arrow's delay mark is bit 0 of
``dtype``. Arrows with ``thick`` above 20 are flow pipes, not influences.

Links are the sketch's influence arrows, then every dependency found in an
equation but not drawn; each is signed from its equation where the equation
settles the sign (``_sdsigns``), the drawn sign kept otherwise. Models with
only ``A FUNCTION OF(...)`` equations (pure causal loop diagrams) read the
same way, unsigned unless drawn.
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
    fail,
    line_col,
    link_notes,
    too_many,
)
from loopkit.interop._sdsigns import NOTES as SIGN_NOTES
from loopkit.interop._sdsigns import (
    Drawn,
    SdVariable,
    finish_model,
    function_roles,
    signed_links,
)
from loopkit.interop.sdexpr import ExpressionError, parse, table_points
from loopkit.model import Polarity, Variable

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NUMBER_LIST = re.compile(r"[-+\d.eE,;\s]+")
_DATA = re.compile(r"(?i)(GET\s+(XLS|DIRECT|123|DATA|VDF)|TABBED\s+ARRAY|:)")
#: ``name[subscripts] :EXCEPT: [...] :KEYWORD: = expression`` (or ``name(`` a lookup, or
#: nothing after ``:INTERPOLATE:``: data supplied from outside the model).
_DEFINITION = re.compile(
    r"\s*((?:\"(?:\\.|[^\"\\])*\"|[^=:(\[\"])+?)\s*(\[[^\]]*\])?\s*"
    r"(?::EXCEPT:\s*(?:\[[^\]]*\]\s*,?\s*)+)?(?::[A-Za-z ]+:)?\s*(:?=|\(|$)(.*)",
    re.DOTALL | re.IGNORECASE)
_MACRO = re.compile(r":MACRO:.*?:END OF MACRO:", re.DOTALL | re.IGNORECASE)
_SKETCH = re.compile(r"^\\\\\\---///.*$", re.MULTILINE)
_CONTROL = {"final time", "initial time", "time step", "saveper", "time"}
_POLARITY = {43: Polarity.POSITIVE, 45: Polarity.NEGATIVE, 83: Polarity.POSITIVE,
             115: Polarity.POSITIVE, 79: Polarity.NEGATIVE, 111: Polarity.NEGATIVE}
#: Arrows thicker than this are stock-and-flow pipes (Vensim draws them at 22).
_PIPE_THICKNESS = 20
_NOTES = {
    **link_notes("arrow"),
    **SIGN_NOTES,
    "unsigned": "{n} arrow{s} had no polarity drawn: signed from the equations where they "
                "settle it, else ?{e}",
    "odd-sign": "{n} arrow{s} had a polarity mark loopkit does not know: marked ?{e}",
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
        name = name[1:-1].replace('\\"', '"')
    return re.sub(r"[\s_]+", " ", name).strip().lower()


def _display(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"')
    return " ".join(name.replace("\\n", " ").split())


@dataclass
class _Equation:
    name: str
    key: str
    rhs: str
    line: int
    integ: bool = False
    #: The body of a lookup definition ``name( [(0,0)-(1,1)], (0,0), (1,1) )``.
    lookup: str | None = None
    subscript: str = ""


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
    # Macro definitions are blanked (same length, so offsets stay true): see _macros.
    body = _MACRO.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text[:end])
    out: list[_Equation] = []
    counted, line = 0, 1  # lines are counted on from the last equation: linear, not n^2
    for chunk_start, definition_end, _ in _chunks(body):
        definition = body[chunk_start:definition_end]
        # {comments}, {UTF-8}: blanked to the same length, so offsets stay true
        stripped = re.sub(r"\{[^}]*\}", lambda m: " " * len(m.group()), definition)
        stripped = stripped.replace("\\\n", "  ")  # a name broken over lines with '\\'
        eq = _DEFINITION.match(stripped)
        if not eq or not eq.group(1).strip() or eq.group(1).strip().startswith("*") or (
                not eq.group(3) and "<->" in eq.group(1)):
            continue
        name = eq.group(1).strip()
        rhs = eq.group(4) if eq.group(3) != "(" else ""
        offset = chunk_start + eq.start(1)
        line, counted = line + text.count("\n", counted, offset), offset
        if message := too_many(len(out) + 1, "variables", "equations"):
            fail(filename, line, 1, message, "too-many")
        rhs = rhs.replace("\\\n", " ")
        lookup = eq.group(4).replace("\\\n", " ") if eq.group(3) == "(" else None
        out.append(_Equation(_display(name), canonical(name), rhs, line,
                             bool(re.match(r"\s*INTEG\s*\(", rhs, re.IGNORECASE)), lookup,
                             eq.group(2) or ""))
    return out


def _macros(text: str, end: int) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each macro: its parameters and its equations (``name -> expression``), by name."""
    out: dict[str, tuple[list[str], dict[str, str]]] = {}
    for match in _MACRO.finditer(text[:end]):
        head = re.match(r":MACRO:\s*([^(]+)\(([^)]*)\)", match.group(), re.IGNORECASE)
        if not head:
            continue
        params = [canonical(p) for p in re.split(r"[,:]", head.group(2)) if p.strip()]
        body: dict[str, str] = {}
        inner = match.group()[head.end():]
        for start, definition_end, _ in _chunks(inner):
            definition = re.sub(r"\{[^}]*\}", " ", inner[start:definition_end])
            eq = _DEFINITION.match(definition.replace("\\\n", "  "))
            if eq and eq.group(3) in ("=", ":=") and eq.group(1).strip():
                body.setdefault(canonical(eq.group(1)), eq.group(4).replace("\\\n", " "))
        out[canonical(head.group(1))] = (params, body)
    return out


def _ranges(text: str, end: int) -> list[str]:
    """Names of the subscript ranges defined (``dim: a, b, c``)."""
    out = []
    for chunk in re.split(r"\|", text[:end]):
        definition = re.sub(r"\{[^}]*\}", " ", chunk.split("~", 1)[0])
        match = re.match(r"\s*((?:\"[^\"]*\"|[^=:(\[\"~])+?)\s*(?:<->|:(?![=A-Za-z ]+:))",
                         definition)
        if match and ":macro:" not in definition.lower() and match.group(1).strip():
            out.append(_display(match.group(1)))
    return out


def _fields(line: str) -> list[str]:
    """A sketch line's fields; a quoted name keeps its escaped quotes (``\\"``) as ``"``."""
    if '\\"' not in line:
        return next(csv.reader([line], skipinitialspace=False))
    fields = next(csv.reader([line.replace('\\"', "\x00")], skipinitialspace=False))
    return [f.replace("\x00", '"') for f in fields]


#: What ends a definition (``~``) or an equation (``|``), and what hides them: a quoted
#: name (``"Aux with $peC!@| characters"``) or a {comment}.
_STOPS = re.compile(r'"(?:\\.|[^"\\\n])*"|\{[^}]*\}|[~|]')


def _chunks(body: str) -> list[tuple[int, int, int]]:
    """``(start, end of definition, end)`` of each equation in ``body``.

    A ``~`` or ``|`` inside a quoted name or a {comment} of the definition does
    not count; after the first ``~`` (units and documentation, free text) the
    next ``|`` ends the equation.
    """
    out: list[tuple[int, int, int]] = []
    pos = 0
    while pos < len(body):
        stop = next((m for m in _STOPS.finditer(body, pos) if m.group() in "~|"), None)
        if stop is None:
            break
        if stop.group() == "|":
            out.append((pos, stop.start(), stop.start()))
            pos = stop.end()
            continue
        bar = body.find("|", stop.end())
        if bar < 0:
            break
        out.append((pos, stop.start(), bar))
        pos = bar + 1
    return out


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


def read(text: str, filename: str = "<string>", *, polarity: str = "equations",
         keep_initial: bool = False, drop_constants: bool = False,
         lookup_signs: str = "initial", **options: Any) -> ImportResult:
    # Old Mac models end lines with CR alone; count those as line breaks too.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    notes = Notes()
    sketch_match = _SKETCH.search(text)
    sketch_start = sketch_match.start() if sketch_match else len(text)
    equations = _equations(text, sketch_start, filename)
    sketches = _sketches(text, sketch_start, filename) if sketch_match else []
    _say_what_was_read(text, sketch_start, len(sketches), notes)
    labels = _labels(sketches, equations)
    if not labels:
        fail(filename, 1, 1, "no variables found: is this a Vensim .mdl model?", "import-empty")
    if message := too_many(len(labels), "variables", "variables"):
        fail(filename, 1, 1, message, "too-many")
    ids = IdMaker()
    vid = {key: ids.make(label) for key, label in labels.items()}
    variables = tuple(Variable(vid[key], label) for key, label in labels.items())

    drawn = _drawn(sketches, vid, notes)
    model = _sd_variables(equations, vid)
    names = _name_pattern([k for k in labels if k not in _CONTROL])
    for var in model.values():
        if var.error is not None:
            for eq in equations:
                if eq.key == var.key:
                    var.fallback += [d for d in _dependencies(eq.rhs, names)
                                     if d not in var.fallback]

    def resolve(name: str) -> str:
        key = canonical(name)
        return key if key in model else ""

    roles = _macro_roles(text, sketch_start)
    links, warnings = signed_links(model, drawn, resolve, notes, filename,
                                   polarity=polarity, keep_initial=keep_initial, roles=roles,
                                   lookups=lookup_signs, start_time=_start_time(equations))
    links = [lk for lk in links if lk.source in vid.values() and lk.target in vid.values()]
    return finish_model(model, variables, links, warnings, notes, _NOTES, filename=filename,
                        fmt="vensim", title=None, drop_constants=drop_constants)


def _say_what_was_read(text: str, sketch_start: int, views: int, notes: Notes) -> None:
    """The summary's first lines: several views, subscript ranges, macros."""
    if views > 1:
        notes.say(f"{views} sketch views read as one diagram")
    ranges = _ranges(text, sketch_start)
    if ranges:
        shown = ", ".join(ranges[:5]) + (", ..." if len(ranges) > 5 else "")
        notes.say(f"{len(ranges)} subscript range{'s' if len(ranges) != 1 else ''} ({shown}): "
                  "each subscripted variable is one variable, its equations read together")
    macros = len(re.findall(r":MACRO:", text[:sketch_start], re.IGNORECASE))
    if macros:
        notes.say(f"{macros} macro{'s' if macros != 1 else ''} defined: a call's links are "
                  "signed through the macro's own equations")


def _labels(sketches: list[Any], equations: list[_Equation]) -> dict[str, str]:
    """Variable key -> label: the sketch's names first, then equations no view shows."""
    labels: dict[str, str] = {}
    for sketch in sketches:
        for element in sketch.elements.values():
            if element.kind == 10 and element.name.strip():
                labels.setdefault(canonical(element.name), _display(element.name))
    for eq in equations:
        if eq.key not in _CONTROL:
            labels.setdefault(eq.key, eq.name)
    return labels


def _drawn(sketches: list[Any], vid: dict[str, str], notes: Notes) -> list[Drawn]:
    """The sketch's influence arrows with their drawn signs (pipes, clouds and dangling
    arrows are left out and counted)."""
    drawn: list[Drawn] = []
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
            sign = _POLARITY.get(arrow.polarity, Polarity.UNKNOWN)
            if arrow.polarity == 0:
                notes.add("unsigned", f"{source} -> {target}")
            elif sign is Polarity.UNKNOWN:
                notes.add("odd-sign", f"line {arrow.line}")
            delay = bool(arrow.dtype & 1)
            if delay:
                notes.add("delay")
            drawn.append(Drawn(source, target, sign, delay, arrow.line))
    return drawn


def _macro_roles(text: str, sketch_start: int) -> dict[str, str]:
    """How each macro's parameters act on its result, read from its own equations."""
    roles: dict[str, str] = {}
    macro_trees: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for name, (params, body) in _macros(text, sketch_start).items():
        trees: dict[str, Any] = {}
        for key, rhs in body.items():
            try:
                trees[key] = parse(rhs.strip(), "vensim")
            except ExpressionError:
                trees[key] = None
        macro_trees[name] = (params, trees)
    for _ in range(3):  # macros calling macros: a few rounds settle nested definitions
        roles = {name: function_roles(name, params, trees, roles)
                 for name, (params, trees) in macro_trees.items()}
    return roles


def initial_values(text: str) -> dict[str, float | None]:
    """Each variable's value at the model's initial time (None where loopkit cannot compute
    it exactly), by Vensim name: the values ``--lookup-signs initial`` reads."""
    from loopkit.interop._sdsigns import Analysis

    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sketch = _SKETCH.search(text)
    equations = _equations(text, sketch.start() if sketch else len(text))
    model = _sd_variables(equations, {eq.key: eq.key for eq in equations})
    analysis = Analysis(model, lambda n: canonical(n) if canonical(n) in model else "",
                        lookups="initial", start_time=_start_time(equations))
    return {key: analysis.initial_value(key) for key in model}


def _start_time(equations: list[_Equation]) -> float | None:
    """INITIAL TIME, when the model gives it as a number (for values at the start)."""
    for eq in equations:
        if eq.key == "initial time" and _NUMBER.fullmatch(eq.rhs.strip()):
            return float(eq.rhs.strip())
    return None


def _sd_variables(equations: list[_Equation], vid: dict[str, str]) -> dict[str, SdVariable]:
    """Each variable's parsed equations, kind and lookup table, for the sign analysis."""
    out: dict[str, SdVariable] = {}
    for eq in equations:
        if eq.key not in vid or eq.key in _CONTROL:
            continue
        var = out.setdefault(eq.key, SdVariable(eq.key, vid[eq.key], line=eq.line))
        var.subscripted = var.subscripted or bool(eq.subscript.strip())
        if eq.lookup is not None:
            var.kind = "table"
            var.table = table_points(eq.lookup)
            continue
        if eq.integ:
            var.kind = "stock"
        rhs = eq.rhs.strip()
        if rhs.startswith("="):  # ``name == 7``: an unchangeable constant
            rhs = rhs[1:].strip()
        if not rhs:  # data given from outside the model
            continue
        if _NUMBER_LIST.fullmatch(rhs) or _DATA.match(rhs):
            # Subscripted constants (``1, 2; 3, 4``) and data read from files.
            var.add_constants([float(v) for v in _NUMBER.findall(rhs)]
                              if _NUMBER_LIST.fullmatch(rhs) else [])
            continue
        try:
            var.trees.append(parse(rhs, "vensim"))
        except ExpressionError as error:
            var.error = str(error)
            var.line = eq.line
    for var in out.values():  # flows: terms added to or taken from a stock
        if var.kind != "stock":
            continue
        for tree in var.trees:
            if tree[0] == "call" and tree[2]:
                for _, term in _terms(tree[2][0]):
                    if term[0] == "var" and canonical(term[1]) in out:
                        flow = out[canonical(term[1])]
                        if flow.kind == "aux":
                            flow.kind = "flow"
    return out


def _terms(tree: Any, sign: int = 1) -> list[tuple[int, Any]]:
    """``a - b + c`` as signed terms."""
    if tree[0] == "arith" and tree[2] in ("+", "-"):
        out = _terms(tree[1], sign)
        for op, operand in zip(tree[2::2], tree[3::2], strict=True):
            out += _terms(operand, sign if op == "+" else -sign)
        return out
    if tree[0] == "neg":
        return _terms(tree[1], -sign)
    return [(sign, tree)]


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
