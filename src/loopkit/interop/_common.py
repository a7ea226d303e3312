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
from typing import Any, NoReturn

from loopkit.model import Link, Polarity
from loopkit.problems import DiagramError, Problem

#: Longest slug made from a label; long labels stay readable ids.
MAX_ID_LENGTH = 40


def fail(filename: str, line: int, column: int, message: str, code: str = "import") -> NoReturn:
    """Raise the one located problem an importer reports for unreadable input."""
    raise DiagramError([Problem(filename, max(line, 1), max(column, 1), message, code)])


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

    def make(self, label: str, preferred: str | None = None) -> str:
        base = preferred if preferred and valid_id(preferred) else slugify(label)
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
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


_WS = re.compile(r"[ \t\r\n]*")


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
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)

    def child_text(self, tag: str) -> str | None:
        node = self.find(tag)
        return node.text if node is not None else None


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def parse_xml(text: str, filename: str, what: str) -> XmlNode:
    """Parse XML into ``XmlNode``s; entity declarations are refused (no entity bombs)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    stack: list[XmlNode] = []
    root: list[XmlNode] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        node = XmlNode(_local(name), {_local(k): v for k, v in attrs.items()},
                       parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

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
