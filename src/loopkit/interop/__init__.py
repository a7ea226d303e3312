"""Read and write the formats practitioners already have, behind one interface.

Each format lives in its own module with up to three functions: ``sniff(text)``
(does this content look like mine?), ``read(text, filename, **options)`` ->
``ImportResult`` and ``write(diagram)`` -> ``str``. This registry names them,
maps file extensions, detects the format of an input and imports the format
modules only when one is used, so ``loopkit --help`` stays fast.

>>> from loopkit.interop import import_text, export_text
>>> result = import_text(open("map.json").read(), "map.json")   # doctest: +SKIP
>>> print(export_text(result.diagram, "mermaid"))                # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from types import ModuleType
from typing import Any

from loopkit.model import Diagram
from loopkit.problems import DiagramError, Problem, UsageError


@dataclass(frozen=True)
class ImportResult:
    """An imported diagram and one line per thing that changed or was dropped."""

    diagram: Diagram
    notes: tuple[str, ...] = ()
    format: str = ""
    #: Located warnings (e.g. a drawn sign the model's equation contradicts).
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Format:
    """One external format: its name, file extensions and what loopkit can do with it."""

    name: str
    title: str
    module: str
    extensions: tuple[str, ...]
    reads: bool
    writes: bool
    carries: str = ""
    #: Which of loopkit's fields an export keeps (see ``FIELDS``); the rest is reported.
    keeps: frozenset[str] = frozenset()
    #: Bytes, not text: read and written as Latin-1 text (one character per byte).
    binary: bool = False

    def _module(self) -> ModuleType:
        return importlib.import_module(f"loopkit.interop.{self.module}")

    def sniff(self, text: str) -> bool:
        sniff: Callable[[str], bool] | None = getattr(self._module(), "sniff", None)
        return bool(sniff and sniff(text))

    def read(self, text: str, filename: str = "<string>", **options: Any) -> ImportResult:
        if not self.reads:
            raise UsageError(f"loopkit cannot read {self.title}; it can only write it")
        result: ImportResult = self._module().read(text, filename, **options)
        return result

    def write(self, diagram: Diagram) -> str:
        if not self.writes:
            raise UsageError(f"loopkit cannot write {self.title}; it can only read it")
        out: str = self._module().write(diagram)
        return out

    def write_parts(self, diagram: Diagram) -> list[tuple[str, str]]:
        """``(name suffix, text)`` per output file; most formats are one file."""
        parts = getattr(self._module(), "write_parts", None)
        if parts is not None and self.writes:
            result: list[tuple[str, str]] = parts(diagram)
            return result
        return [("", self.write(diagram))]


#: loopkit's fields beyond labels, links and signs, with how to count them in a diagram.
FIELDS: dict[str, tuple[str, Callable[[Diagram], int]]] = {
    "ids": ("variable ids", lambda d: sum(1 for v in d.variables if v.id != v.label)),
    "groups": ("groups", lambda d: sum(1 for v in d.variables if v.group)),
    "descriptions": ("descriptions", lambda d: sum(1 for v in d.variables if v.description)
                     + sum(1 for lk in d.links if lk.description)),
    "delays": ("delay marks", lambda d: sum(1 for lk in d.links if lk.delay)),
    "evidence": ("evidence and confidence", lambda d: sum(
        1 for lk in d.links if lk.evidence or lk.confidence)),
    "loops": ("declared loops", lambda d: len(d.loops)),
    "title": ("title and description", lambda d: int(bool(d.title or d.description))),
    "positions": ("pinned positions", lambda d: sum(1 for v in d.variables if v.pos)),
    "sources": ("link sources (which maps drew each link)",
                lambda d: sum(1 for lk in d.links if lk.sources)),
}
_ALL = frozenset(FIELDS)

#: Every format, in sniffing order (most specific content signature first).
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("xlsx", "XLSX workbook (Kumu import template)", "xlsx", (".xlsx",), True, True,
           "Elements and Connections sheets, as Kumu's spreadsheet import reads them",
           frozenset({"ids", "groups", "descriptions", "delays", "evidence", "sources"}),
           binary=True),
    Format("claims", "causal claims CSV", "claims", (".claims.csv",),
           True, False, "one claim per row: source, cause, effect, polarity, quote; quotes "
           "become evidence, the people who made a claim its sources"),
    Format("loopy", "LOOPY link or .loopy file", "loopy", (".loopy",), True, True,
           "labels, links, polarity (edge strength +1/-1), colours", frozenset({"groups"})),
    Format("vensim", "Vensim .mdl model", "vensim", (".mdl",), True, False,
           "variables, arrows with polarity and delay marks, equation dependencies"),
    Format("xmile", "XMILE / Stella model", "xmile", (".xmile", ".stmx", ".itmx", ".xml"),
           True, False, "stocks, flows, auxes, connectors with polarity and delay marks"),
    Format("graphml", "GraphML", "graphml", (".graphml",), True, True,
           "everything loopkit has, as node, edge and graph data keys", _ALL),
    Format("systo", "Systo model JSON", "systo", (".systo.json",), True, False,
           "stocks, valves (flows), variables, influence arcs; signs from the equations"),
    Format("kumu", "Kumu blueprint JSON", "kumu", (".kumu.json", ".json"), True, True,
           "elements, connections, loops; exact loopkit fields in the 'loopkit' attribute",
           _ALL),
    Format("sdjson", "SD-JSON (sd-ai)", "sdjson", (".sd.json", ".sdjson"), True, True,
           "variables, relationships with polarity; exact loopkit fields in 'loopkit' keys",
           _ALL),
    Format("nodelink", "node-link JSON (D3, networkx, web map data)", "nodelink",
           (".nodelink.json",), True, False,
           "nodes (id, label, group) and links, edges or connections with a sign"),
    Format("mermaid", "Mermaid flowchart", "mermaid", (".mmd", ".mermaid"), False, True,
           "labels, signed links, delays as '||', groups as subgraphs, loops as comments",
           frozenset({"ids", "groups", "delays", "loops", "title"})),
    Format("dot", "Graphviz DOT", "dot", (".dot", ".gv"), False, True,
           "the graph loopkit draws: labels, signs, delays, group colours",
           frozenset({"ids", "groups", "delays", "title", "positions"})),
    Format("csv", "CSV element and connection tables, or one links sheet", "tables",
           (".csv",), True, True,
           "two tables (elements, connections) for Kumu or a spreadsheet; reads a single "
           "'from,to,polarity' links sheet too",
           frozenset({"ids", "groups", "descriptions", "delays", "evidence", "sources"})),
)}


def losses(diagram: Diagram, fmt: str) -> list[str]:
    """What of this diagram the format cannot carry, e.g. ``['delay marks (3)']``."""
    chosen = get_format(fmt)
    out = []
    for name, (words, count) in FIELDS.items():
        n = count(diagram)
        if n and name not in chosen.keeps:
            out.append(f"{words} ({n})")
    return out


#: Models are bigger than hand-written diagrams: an import source may be this many
#: times the file-size limit (``--max-file-size``), i.e. 50 MiB by default.
SOURCE_SIZE_FACTOR = 10


def max_source_bytes() -> int:
    from loopkit.limits import active_limits

    return SOURCE_SIZE_FACTOR * active_limits().file_size


def read_source(path: str) -> tuple[str, str, tuple[str, ...]]:
    """``(text, filename, notes)`` of an import source: a file, ``-`` (stdin) or a LOOPY link.

    Files are read by ``loader.read_text`` (same limits and messages as diagram
    files, with a larger size cap). A Vensim model that is not UTF-8 (older
    Windows files) is read as Windows-1252 and the note says so.
    """
    import sys

    from loopkit.read.load import read_text

    if path.startswith(("http://", "https://")):
        return path, "<link>", ()
    if path == "-":
        raw = sys.stdin.buffer.read(max_source_bytes() + 1)
        if len(raw) > max_source_bytes():
            raise DiagramError([Problem("<stdin>", 1, 1, f"input is larger than "
                                        f"{max_source_bytes():,} bytes", "file-too-large")])
        if raw.startswith(b"PK\x03\x04"):  # a workbook (zip) on stdin
            return raw.decode("latin-1"), "<stdin>", ()
        try:
            return raw.decode("utf-8-sig"), "<stdin>", ()
        except UnicodeDecodeError:
            raise DiagramError([Problem("<stdin>", 1, 1, "input is not UTF-8 text",
                                        "encoding")]) from None
    if path.lower().endswith((".xlsx", ".xlsm")):
        return _read_binary(path), path, ()
    try:
        return read_text(path, max_source_bytes()).removeprefix("\ufeff"), path, ()
    except DiagramError as error:
        xml = path.lower().endswith((".stmx", ".xmile", ".itmx", ".xml"))
        if error.problems[0].code != "encoding" or not (path.lower().endswith(".mdl") or xml):
            raise
        with open(path, "rb") as handle:
            raw = handle.read(max_source_bytes())
        text, encoding = _decode_legacy(raw, xml)
        return text, path, (f"the file is not UTF-8: read it as {encoding}",)


def _decode_legacy(raw: bytes, xml: bool) -> tuple[str, str]:
    """A model that is not UTF-8: the XML declaration's encoding, else Windows-1252."""
    import codecs
    import re

    declared = re.match(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", raw) if xml else None
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            if codecs.lookup(name).name not in ("utf-8", "utf-16", "utf-32"):
                return raw.decode(name, errors="replace"), f"{name} (its XML declaration)"
        except LookupError:
            pass
    return raw.decode("cp1252", errors="replace"), "Windows-1252"


def _read_binary(path: str) -> str:
    """A workbook's bytes, bounded like any source, as Latin-1 text (lossless)."""
    from loopkit.read.load import shown

    limit = max_source_bytes()
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{shown(path, 500)}: no such file") from None
    except OSError as error:
        raise UsageError(f"{shown(path, 500)}: cannot read: {error.strerror or error}") from None
    if len(raw) > limit:
        raise DiagramError([Problem(path, 1, 1, f"file is larger than {limit:,} bytes",
                                    "file-too-large")])
    return raw.decode("latin-1")


def format_names(*, reads: bool | None = None, writes: bool | None = None) -> list[str]:
    """Names of the formats that can be read and/or written."""
    return [f.name for f in FORMATS.values()
            if (reads is None or f.reads == reads) and (writes is None or f.writes == writes)]


def get_format(name: str, *, reading: bool | None = None) -> Format:
    """The format called ``name``; a usage error naming the choices otherwise."""
    from loopkit.text import suggest

    key = name.strip().lower().lstrip(".")
    aliases = {"stmx": "xmile", "stella": "xmile", "mdl": "vensim", "sd-json": "sdjson",
               "sd_json": "sdjson", "gv": "dot", "graphviz": "dot", "mmd": "mermaid",
               "json": "kumu", "tables": "csv"}
    fmt = FORMATS.get(aliases.get(key, key))
    choices = format_names(reads=True) if reading else (
        format_names(writes=True) if reading is False else list(FORMATS))
    if fmt is None or fmt.name not in choices:
        verb = "read" if reading else "write" if reading is False else "use"
        raise UsageError(f"loopkit cannot {verb} format '{name}'{suggest(key, choices)} "
                         f"(choose from {', '.join(choices)})")
    return fmt


def detect_format(text: str, filename: str = "<string>") -> Format:
    """The readable format of ``text``: by content first, then by file extension."""
    for fmt in FORMATS.values():
        if fmt.reads and fmt.sniff(text):
            return fmt
    lowered = PurePath(filename).name.lower()
    by_extension = [f for f in FORMATS.values()
                    if f.reads and any(lowered.endswith(ext) for ext in f.extensions)]
    if by_extension:
        return max(by_extension, key=lambda f: max(len(e) for e in f.extensions
                                                   if lowered.endswith(e)))
    readable = ", ".join(format_names(reads=True))
    raise DiagramError([Problem(filename, 1, 1,
                                "cannot tell which format this is; name it with --from "
                                f"({readable})", "import-format")])


def import_text(text: str, filename: str = "<string>", fmt: str | None = None, *,
                only_feedback: bool = False, **options: Any) -> ImportResult:
    """Read another tool's file into a ``Diagram``; raises ``DiagramError`` with a location.

    ``only_feedback`` keeps just the variables that lie on a loop (any format);
    Vensim and XMILE also take ``polarity``, ``keep_initial``, ``drop_constants`` and
    ``lookup_signs`` (strict, range or initial: how a non-monotone lookup is signed).
    """
    chosen = get_format(fmt, reading=True) if fmt else detect_format(text, filename)
    result = chosen.read(text, filename, **options)
    diagram, notes = result.diagram, result.notes
    if only_feedback:
        from loopkit.interop.thinning import only_feedback as thin

        diagram, note = thin(diagram)
        notes = (*notes, note)
    return ImportResult(diagram, notes, chosen.name, result.warnings)


def export_text(diagram: Diagram, fmt: str) -> str:
    """The diagram in another format, as text (deterministic: same input, same bytes)."""
    return get_format(fmt, reading=False).write(diagram)


__all__ = ["FIELDS", "FORMATS", "Format", "ImportResult", "detect_format", "export_text",
           "format_names", "get_format", "import_text", "losses", "read_source"]
