"""Helpers every format module shares: ids, located problems, notes, JSON/XML positions.

Importers read files written by other tools, so every failure must still be
one located line (``file:line:col: ...``), every id must be valid in loopkit's
format, and whatever could not be carried over must be counted and reported.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from loopkit.model import POLARITY_SPELLINGS, DeclaredLoop, Diagram, Link, Polarity, Variable
from loopkit.problems import DiagramError, Problem

if TYPE_CHECKING:
    from loopkit.interop import ImportResult

#: Longest slug made from a label; long labels stay readable ids.
MAX_ID_LENGTH = 40


def fail(filename: str, line: int, column: int, message: str, code: str = "import") -> NoReturn:
    """Raise the one located problem an importer reports for unreadable input."""
    raise DiagramError([Problem(filename, max(line, 1), max(column, 1), message, code)])


def too_many(count: int, kind: str, what: str) -> str | None:
    """The message when an import holds more ``kind`` ("variables"/"links") than the limit.

    Importers ask while reading, so a 20,000-element file fails before any
    per-item work, not after it when the imported diagram is checked.
    """
    from loopkit.limits import FLAGS, active_limits

    limit = getattr(active_limits(), kind)
    if count <= limit:
        return None
    return (f"more than {limit:,} {what}; the limit is {limit:,} {kind} (raise it with "
            f"{FLAGS[kind]} if this model is really that large)")


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def slugify(label: str) -> str:
    """A readable id from a label: ascii words joined by ``_``, at most 40 characters."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        candidate = f"{slug}_{word}" if slug else word
        if len(candidate) > MAX_ID_LENGTH:
            if not slug:
                slug = word[:MAX_ID_LENGTH]
            break
        slug = candidate
    if not slug:
        # Labels with no latin letters or digits (e.g. Chinese) keep their own words.
        slug = re.sub(r"\W+", "_", label.strip().lower(), flags=re.UNICODE).strip("_")
        slug = slug[:MAX_ID_LENGTH] or "v"
    if slug[0].isdigit():
        slug = f"v_{slug}"[:MAX_ID_LENGTH]
    return slug


class IdMaker:
    """Stable, unique, readable ids: slugified labels, ``_2``/``_3`` on clashes."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.used: set[str] = set(reserved)
        #: Last suffix given to each base: every smaller one is taken (ids are never
        #: freed), so the search resumes there. Starting at ``_2`` each time made
        #: 20,000 identical labels quadratic (200 million probes, minutes).
        self.last: dict[str, int] = {}

    def make(self, label: str, preferred: str | None = None) -> str:
        base = preferred if preferred and valid_id(preferred) else slugify(label)
        candidate, n = base, self.last.get(base, 1)
        if n > 1:
            candidate = f"{base}_{n}"
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        self.last[base] = n
        return candidate


def valid_id(text: str) -> bool:
    """Ids the YAML writer can always write and the loader reads back unchanged."""
    return (bool(text) and text == text.strip() and text != "<<"  # YAML merge key
            and not re.search(r"[\x00-\x1f\x7f]", text))


@dataclass
class Notes:
    """What an importer changed or dropped, counted so the summary stays short."""

    counts: Counter[str] = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)

    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        """A note that is not a count (shown first)."""
        self.said.append(text)

    def add(self, key: str, example: str | None = None) -> None:
        if key not in self.counts:
            self.order.append(key)
        self.counts[key] += 1
        if example is not None:
            bucket = self.examples.setdefault(key, [])
            if len(bucket) < 3:
                bucket.append(example)

    def lines(self, templates: dict[str, str]) -> tuple[str, ...]:
        """Each key through its template: ``{n}`` count, ``{s}`` plural, ``{e}`` examples."""
        out = list(self.said)
        for key in self.order:
            n = self.counts[key]
            examples = self.examples.get(key, [])
            e = f" (e.g. {', '.join(examples)})" if examples else ""
            out.append(templates.get(key, key).format(n=n, s="" if n == 1 else "s",
                                                     ies="y" if n == 1 else "ies", e=e))
        return tuple(out)


def link_notes(noun: str, unsigned: str = "had no polarity") -> dict[str, str]:
    """Note templates every importer shares, worded with its own name for a link."""
    return {
        "unsigned": f"{{n}} {noun}{{s}} {unsigned}: marked ?{{e}}",
        "duplicate": f"{{n}} repeated {noun}{{s}} merged into one{{e}}",
        "conflict": f"{{n}} {noun}{{s}} given both + and -: marked ?{{e}}",
        "delay-function": "{n} link{s} marked delayed: the equation passes the cause "
                          "through a delay or smoothing function{e}",
    }


def merge_links(links: Iterable[Link], notes: Notes) -> tuple[Link, ...]:
    """One link per ``(from, to)``: later duplicates merge into the first.

    A signed duplicate replaces an unknown sign; conflicting signs become '?'
    so the conflict is visible rather than silently resolved.
    """
    merged: dict[tuple[str, str], Link] = {}
    for link in links:
        first = merged.get(link.key)
        if first is None:
            merged[link.key] = link
            continue
        notes.add("duplicate", f"{link.source} -> {link.target}")
        polarity = first.polarity
        if polarity is Polarity.UNKNOWN:
            polarity = link.polarity
        elif link.polarity not in (Polarity.UNKNOWN, polarity):
            polarity = Polarity.UNKNOWN
            notes.add("conflict", f"{link.source} -> {link.target}")
        merged[link.key] = Link(first.source, first.target, polarity,
                                first.delay or link.delay, first.description or link.description,
                                first.evidence or link.evidence,
                                first.confidence or link.confidence,
                                sources=tuple(sorted({*first.sources, *link.sources})))
    return tuple(merged.values())


@dataclass
class Draft:
    """What a reader has found so far; ``finish`` builds the diagram every reader returns.

    Readers differ in how they walk their format, not in what they collect:
    variables with ids made from labels, links (an unsigned one is noted),
    loops kept in loopkit's packed fields, and notes on what changed. Repeated
    links are merged once, here, the same way for every format.
    """

    filename: str
    format: str
    notes: Notes = field(default_factory=Notes)
    ids: IdMaker = field(default_factory=IdMaker)
    variables: list[Variable] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    loops: list[DeclaredLoop] = field(default_factory=list)
    title: str | None = None
    description: str | None = None
    #: Located warnings, e.g. a drawn sign the model's own equation contradicts.
    warnings: list[Problem] = field(default_factory=list)

    def add_link(self, link: Link) -> None:
        """Keep ``link``; an unknown sign is noted (the summary says how many)."""
        if link.polarity is Polarity.UNKNOWN:
            self.notes.add("unsigned", f"{link.source} -> {link.target}")
        self.links.append(link)

    def add_packed_loops(self, raw: Any) -> None:
        """Declared loops that loopkit wrote into the file's own fields (round trips)."""
        from loopkit.interop._lossless import loop_from_fields

        known = {v.id for v in self.variables}
        for fields in raw if isinstance(raw, list) else []:
            loop = loop_from_fields(fields if isinstance(fields, dict) else {}, known)
            if loop is None:
                self.notes.add("loop")
            else:
                self.loops.append(loop)

    def finish(self, templates: dict[str, str]) -> ImportResult:
        from loopkit.interop import ImportResult

        diagram = Diagram(tuple(self.variables), merge_links(self.links, self.notes),
                          tuple(self.loops), self.title, self.description, self.filename)
        return ImportResult(diagram, self.notes.lines(templates), self.format,
                            tuple(self.warnings))


# ---------------------------------------------------------------------------
# JSON with positions (only walked on the error path, so speed does not matter)
# ---------------------------------------------------------------------------


def load_json(text: str, filename: str, what: str) -> Any:
    """``json.loads`` whose syntax errors name ``file:line:col``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(filename, error.lineno, error.colno, f"not valid {what} JSON: {error.msg}",
             "import-syntax")
    except RecursionError:
        fail(filename, 1, 1, f"not valid {what} JSON: nested too deeply", "import-syntax")
    except ValueError:  # Python refuses to convert an integer of more than 4,300 digits
        long = _LONG_NUMBER.search(text)
        line, column = line_col(text, long.start()) if long else (1, 1)
        fail(filename, line, column, f"not usable {what} JSON: a number with more than "
             f"{_MAX_INT_DIGITS:,} digits", "import-syntax")


_WS = re.compile(r"[ \t\r\n]*")
#: ``int()`` refuses longer digit strings (``sys.get_int_max_str_digits``).
_MAX_INT_DIGITS = 4_300
_LONG_NUMBER = re.compile(rf"-?[0-9]{{{_MAX_INT_DIGITS + 1},}}")


def json_position(text: str, path: Iterable[str | int]) -> tuple[int, int]:
    """Line and column of the value at ``path`` in JSON ``text`` (1, 1 when not found)."""
    decoder = json.JSONDecoder()
    i = _WS.match(text, 0).end()  # type: ignore[union-attr]
    try:
        for step in path:
            if text[i] == "{":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                while text[i] != "}":
                    key, i = decoder.raw_decode(text, i)
                    i = _WS.match(text, i).end()  # type: ignore[union-attr]
                    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]  # ':'
                    if key == step:
                        break
                    _, i = decoder.raw_decode(text, i)
                    i = _WS.match(text, i).end()  # type: ignore[union-attr]
                    if text[i] == ",":
                        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                else:
                    return line_col(text, i)
            elif text[i] == "[" and isinstance(step, int):
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                for _ in range(step):
                    _, i = decoder.raw_decode(text, i)
                    i = _WS.match(text, i).end()  # type: ignore[union-attr]
                    if text[i] == ",":
                        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            else:
                break
    except (IndexError, ValueError):
        return 1, 1
    return line_col(text, i)


def json_fail(text: str, filename: str, path: tuple[str | int, ...], message: str) -> NoReturn:
    line, column = json_position(text, path)
    fail(filename, line, column, message, "import-structure")


def json_sign(value: Any, text: str, filename: str, path: tuple[str | int, ...],
              message: str) -> Polarity:
    """A sign as JSON formats write it: +1/-1 (0 is unknown), '+'/'-' or a word loopkit
    knows; null or '' is unknown. Anything else is one problem at ``path`` (``message``
    says what the format allows)."""
    if value is None or value == "":
        return Polarity.UNKNOWN
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Polarity.POSITIVE if value > 0 else Polarity.NEGATIVE if value < 0 \
            else Polarity.UNKNOWN
    if isinstance(value, str) and value.strip().lower() in POLARITY_SPELLINGS:
        return POLARITY_SPELLINGS[value.strip().lower()]
    json_fail(text, filename, path, message)


def describe_path(path: tuple[str | int, ...]) -> str:
    """``connections[3].from`` from a JSON path."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def text_value(value: Any) -> str | None:
    """A JSON value as text: strings stripped, numbers formatted, others ignored."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return None


# ---------------------------------------------------------------------------
# XML with positions: a tiny element tree built on expat, which records lines
# ---------------------------------------------------------------------------


@dataclass
class XmlNode:
    """An XML element with its local tag name and the line/column it starts at."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> XmlNode | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[XmlNode]:
        return [c for c in self.children if c.tag == tag]

    def iter(self, tag: str | None = None) -> Iterator[XmlNode]:
        """This node and every descendant in document order (a loop: no recursion limit)."""
        stack = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed(node.children))

    def child_text(self, tag: str) -> str | None:
        node = self.find(tag)
        return node.text if node is not None else None


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


#: XML elements allowed per variable or link (a Stella model has ~7, yEd ~8): 12 million
#: empty elements in a 48 MB file took over 300 s and 2 GB before this bound.
XML_ELEMENTS_PER_ITEM = 10


def parse_xml(text: str, filename: str, what: str) -> XmlNode:
    """Parse XML into ``XmlNode``s; entity declarations are refused (no entity bombs).

    Nesting is bounded by ``--max-depth`` (real models nest about 10 deep), and
    text is gathered in pieces and joined once: expat calls back once per
    entity reference, and ``text += data`` per call was quadratic.
    """
    from xml.parsers import expat

    from loopkit.limits import FLAGS, active_limits

    limits = active_limits()
    max_depth = limits.depth
    max_elements = XML_ELEMENTS_PER_ITEM * (limits.variables + limits.links)
    parser = expat.ParserCreate()
    stack: list[XmlNode] = []
    pieces: list[list[str]] = []
    root: list[XmlNode] = []
    count = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) >= max_depth:
            fail(filename, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
                 f"XML nested deeper than {max_depth} levels; {what} files need far fewer "
                 f"(the limit is set by {FLAGS['depth']})", "import-structure")
        count[0] += 1
        if count[0] > max_elements:
            fail(filename, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
                 f"more than {max_elements:,} XML elements; a {what} file of at most "
                 f"{limits.variables:,} variables and {limits.links:,} links needs far fewer "
                 f"(raise {FLAGS['variables']} or {FLAGS['links']})", "too-many")
        node = XmlNode(_local(name), {_local(k): v for k, v in attrs.items()},
                       parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)
        pieces.append([])

    def end(name: str) -> None:
        stack.pop().text = "".join(pieces.pop())

    def chars(data: str) -> None:
        if stack:
            pieces[-1].append(data)

    def entity(*args: Any) -> None:
        fail(filename, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
             f"{what} files do not declare XML entities; refusing to expand them",
             "import-syntax")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        fail(filename, error.lineno, error.offset + 1,
             f"not valid {what} XML: {expat.ErrorString(error.code)}", "import-syntax")
    if not root:
        fail(filename, 1, 1, f"not valid {what} XML: no root element", "import-syntax")
    return root[0]
