"""Spreadsheets: an element table and a connection table (Kumu style), or one links sheet.

Written: elements ``ID, Label, Type, Description, Kind`` (Type is the loopkit
group) and connections ``From, To, Type, Delay, Description, Evidence,
Confidence, From ID, To ID, Sources`` where From/To are labels (what Kumu's
spreadsheet import matches on) and Type is the sign ``+``/``-``/``?``. Every
cell goes through ``escape.csv_cell`` so a label such as ``=HYPERLINK(...)``
stays text; reading removes that guard quote again, so export and import
round-trip.

Read: the same pair (two files ``NAME-elements.csv`` + ``NAME-connections.csv``,
either named, or both tables in one text separated by a blank line, as
``export --to csv -o -`` prints them), or a single links sheet with the
columns ``from, to, polarity[, delay, evidence, description, confidence]``
whose from/to name the variables. Column names are matched without regard
to case; unknown columns are noted and ignored. Every problem points at
``file:row:column``. The XLSX reader (``xlsx.py``) hands its sheets to the
same ``from_sheets``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import IdMaker, Notes, fail, link_notes, merge_links
from loopkit.model import Diagram, Link, Polarity, Variable, parse_polarity
from loopkit.text import csv_cell

ELEMENT_COLUMNS = ("ID", "Label", "Type", "Description", "Kind")
CONNECTION_COLUMNS = ("From", "To", "Type", "Delay", "Description", "Evidence", "Confidence",
                      "From ID", "To ID", "Sources")
#: Column names read as each field (lower-cased); the first of each is what loopkit writes.
_ELEMENT_NAMES = {"id": "id", "label": "label", "name": "label", "type": "group",
                  "group": "group", "description": "description", "kind": "kind"}
_CONNECTION_NAMES = {"from": "from", "source": "from", "cause": "from", "to": "to",
                     "target": "to", "effect": "to", "type": "polarity",
                     "polarity": "polarity", "sign": "polarity", "delay": "delay",
                     "description": "description", "evidence": "evidence",
                     "confidence": "confidence", "from id": "from_id", "to id": "to_id",
                     "sources": "sources"}
_TRUE = {"yes", "y", "true", "1", "x", "delay", "delayed"}
_FALSE = {"", "no", "n", "false", "0"}
#: Several evidence items or sources share one cell, joined by this.
JOIN = " | "
_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Sheet:
    """One table as read: its name, header row and data rows with their row numbers."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    header_row: int = 1


# -- writing -------------------------------------------------------------------


def _cell(text: str) -> str:
    """A lone sign is not a formula: keep ``+``/``-`` readable for Kumu's connection type."""
    return text if text in ("+", "-") else csv_cell(text)


def _table(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
    return buffer.getvalue()


def element_rows(diagram: Diagram) -> list[list[str]]:
    rows = [list(ELEMENT_COLUMNS)]
    rows += [[v.id, v.label, v.group or "", v.description or "", v.kind or ""]
             for v in diagram.variables]
    return rows


def connection_rows(diagram: Diagram) -> list[list[str]]:
    labels = {v.id: v.label for v in diagram.variables}
    rows = [list(CONNECTION_COLUMNS)]
    rows += [[labels[lk.source], labels[lk.target], lk.polarity.value,
              "yes" if lk.delay else "", lk.description or "", JOIN.join(lk.evidence),
              lk.confidence or "", lk.source, lk.target,
              JOIN.join(lk.sources)] for lk in diagram.links]
    return rows


def elements(diagram: Diagram) -> str:
    return _table(element_rows(diagram))


def connections(diagram: Diagram) -> str:
    return _table(connection_rows(diagram))


def write_parts(diagram: Diagram) -> list[tuple[str, str]]:
    """Two files: ``NAME-elements.csv`` and ``NAME-connections.csv``."""
    return [("-elements", elements(diagram)), ("-connections", connections(diagram))]


def write(diagram: Diagram) -> str:
    """Both tables in one text (for stdout), elements first, a blank line between."""
    return elements(diagram) + "\n" + connections(diagram)


# -- reading -------------------------------------------------------------------


def _unguard(text: str) -> str:
    """Undo ``csv_cell``: a guard quote before a formula character (or a quote) goes."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r'":
        return text[1:]
    return text


def _header_kind(header: Sequence[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    if {"source", "quote"} <= names:
        return None  # interview coding (source,cause,effect,polarity,quote): not a link table
    if {"from", "to"} <= names or {"source", "target"} <= names or {"cause", "effect"} <= names:
        return "connections"
    if "label" in names and ("id" in names or "type" in names):
        return "elements"
    return None


def sniff(text: str) -> bool:
    """A CSV whose first row is an element or connection header."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if "," not in first and ";" not in first and "\t" not in first:
        return False
    try:
        header = next(csv.reader([first], _dialect(first)))
    except (csv.Error, StopIteration):
        return False
    return _header_kind(header) is not None


def _dialect(sample: str) -> type[csv.Dialect]:
    """Comma unless the header row clearly uses ';' (European spreadsheets) or tabs."""
    first = sample.split("\n", 1)[0]
    if first.count(";") > first.count(",") and first.count(";") >= first.count("\t"):
        return _Semicolon
    if first.count("\t") > first.count(","):
        return _Tab
    return _Comma


class _Comma(csv.excel):
    strict = True  # an unclosed quote is an error, not a cell that swallows the file


class _Semicolon(_Comma):
    delimiter = ";"


class _Tab(_Comma):
    delimiter = "\t"


def csv_sheets(text: str, filename: str) -> list[Sheet]:
    """Every table in a CSV text (tables are separated by a blank line), rows numbered."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    sheets: list[Sheet] = []
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[str, ...]]] = []
    start = 1
    try:
        for record in reader:
            row_number = start
            start = reader.line_num + 1
            cells = tuple(_unguard(c) for c in record)
            if not any(c.strip() for c in cells):
                if header is not None:
                    sheets.append(Sheet("", header, tuple(rows), header_row))
                header, rows = None, []
                continue
            if header is None:
                header, header_row = cells, row_number
            else:
                rows.append((row_number, cells))
    except csv.Error as error:
        fail(filename, reader.line_num or 1, 1, f"not a readable CSV table: {error}", "csv")
    if header is not None:
        sheets.append(Sheet("", header, tuple(rows), header_row))
    return sheets


def _sibling(filename: str, want: str) -> Path | None:
    """``map-connections.csv`` for ``map-elements.csv`` and the other way round."""
    path = Path(filename)
    for mine, theirs in (("-elements", "-connections"), ("-connections", "-elements")):
        if path.stem.endswith(mine) and theirs == f"-{want}":
            other = path.with_name(path.stem[: -len(mine)] + theirs + path.suffix)
            return other if other.is_file() else None
    return None


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    sheets = csv_sheets(text, filename)
    if not sheets:
        fail(filename, 1, 1, "the CSV file is empty: it needs a header row such as "
             "'from,to,polarity'", "csv")
    found: dict[str, Sheet] = {}
    files: dict[str, str] = {}
    for sheet in sheets:
        kind = _header_kind(sheet.header)
        if kind is None:
            fail(filename, sheet.header_row, 1, "cannot tell what this table is: a connection "
                 "table needs 'from' and 'to' columns, an element table 'label' and 'id'", "csv")
        found.setdefault(kind, sheet)
        files.setdefault(kind, filename)
    for want in ("elements", "connections"):
        other = _sibling(filename, want) if want not in found else None
        if other is not None:
            from loopkit.interop import max_source_bytes
            from loopkit.read.load import read_text

            for sheet in csv_sheets(read_text(other, max_source_bytes()), str(other)):
                if _header_kind(sheet.header) == want:
                    found[want] = sheet
                    files[want] = str(other)
                    break
    if "connections" not in found:
        fail(filename, 1, 1, "no connection table: give the '-connections.csv' file, or one "
             "links sheet with 'from,to,polarity' columns", "csv")
    return from_sheets(found.get("elements"), found["connections"], files.get("elements", ""),
                       files["connections"])


def _columns(sheet: Sheet, names: dict[str, str], filename: str, notes: Notes,
             ) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(sheet.header):
        key = raw.strip().lower()
        field = names.get(key)
        if field is None:
            if key:
                notes.add("column", repr(raw.strip()[:40]))
            continue
        if field in columns:
            fail(filename, sheet.header_row, index + 1,
                 f"{_in(sheet.name)}two columns give '{field}' ({raw.strip()!r} repeats one)",
                 "csv")
        columns[field] = index
    return columns


def _get(cells: Sequence[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def from_sheets(element_sheet: Sheet | None, connection_sheet: Sheet, elements_file: str,
                connections_file: str) -> ImportResult:
    """A diagram from an (optional) element table and a connection table."""
    notes = Notes()
    ids = IdMaker()
    variables: list[Variable] = []
    by_name: dict[str, str] = {}
    by_label: dict[str, list[str]] = {}
    if element_sheet is not None:
        ecols = _columns(element_sheet, _ELEMENT_NAMES, elements_file, notes)
        if "label" not in ecols and "id" not in ecols:
            fail(elements_file, element_sheet.header_row, 1,
                 f"{_in(element_sheet.name)}an element table needs a 'Label' column", "csv")
        for row, cells in element_sheet.rows:
            label = _get(cells, ecols, "label") or _get(cells, ecols, "id")
            if not label:
                fail(elements_file, row, ecols.get("label", ecols.get("id", 0)) + 1,
                     f"{_in(element_sheet.name)}this element has no label", "csv")
            wanted = _get(cells, ecols, "id")
            if wanted and wanted in by_name and by_name[wanted] == wanted:
                fail(elements_file, row, ecols["id"] + 1,
                     f"{_in(element_sheet.name)}id {wanted!r} is given twice", "csv")
            vid = ids.make(label, wanted or None)
            kind = _get(cells, ecols, "kind").lower() or None
            if kind not in (None, "stock", "flow"):
                fail(elements_file, row, ecols["kind"] + 1,
                     f"{_in(element_sheet.name)}kind {kind!r} is not 'stock' or 'flow'", "csv")
            variables.append(Variable(vid, label, _get(cells, ecols, "group") or None,
                                      _get(cells, ecols, "description") or None, kind=kind))
            by_name[vid] = vid
            by_label.setdefault(label.lower(), []).append(vid)
    ccols = _columns(connection_sheet, _CONNECTION_NAMES, connections_file, notes)
    for field in ("from", "to"):
        if field not in ccols:
            fail(connections_file, connection_sheet.header_row, 1,
                 f"{_in(connection_sheet.name)}a connection table needs a '{field}' column",
                 "csv")
    links: list[Link] = []
    for row, cells in connection_sheet.rows:
        ends = []
        for end in ("from", "to"):
            name = _get(cells, ccols, f"{end}_id") or _get(cells, ccols, end)
            column = ccols.get(f"{end}_id", ccols[end]) + 1
            if not name:
                fail(connections_file, row, column,
                     f"{_in(connection_sheet.name)}this connection has no '{end}'", "csv")
            ends.append(_variable(name, row, column, element_sheet is not None, by_name,
                                  by_label, ids, variables, connections_file,
                                  connection_sheet.name))
        sign = _get(cells, ccols, "polarity")
        try:
            polarity = parse_polarity(sign) if sign else Polarity.UNKNOWN
        except ValueError as error:
            fail(connections_file, row, ccols["polarity"] + 1,
                 f"{_in(connection_sheet.name)}{error}", "csv")
        if not sign:
            notes.add("unsigned", f"{ends[0]} -> {ends[1]}")
        delay_text = _get(cells, ccols, "delay").lower()
        if delay_text not in _TRUE and delay_text not in _FALSE:
            fail(connections_file, row, ccols["delay"] + 1,
                 f"{_in(connection_sheet.name)}delay {delay_text!r} is not yes or no", "csv")
        links.append(Link(ends[0], ends[1], polarity, delay=delay_text in _TRUE,
                          description=_get(cells, ccols, "description") or None,
                          evidence=_split(_get(cells, ccols, "evidence")),
                          confidence=_get(cells, ccols, "confidence") or None,
                          sources=_split(_get(cells, ccols, "sources"))))
    if not variables:
        fail(connections_file, connection_sheet.header_row, 1, "the table has no connections",
             "csv")
    templates = {**link_notes("connection", "had no sign"),
                 "column": "{n} column{s} not read{e}"}
    merged = merge_links(links, notes)
    return ImportResult(Diagram(tuple(variables), merged), notes.lines(templates))


def _in(sheet: str) -> str:
    """``in sheet 'Connections': `` for workbooks; a CSV file is its own one table."""
    return f"in {sheet}: " if sheet else ""


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(JOIN) if part.strip())


def _variable(name: str, row: int, column: int, strict: bool, by_name: dict[str, str],
              by_label: dict[str, list[str]], ids: IdMaker, variables: list[Variable],
              filename: str, sheet: str) -> str:
    """The variable a from/to cell names: by id, then by label; a links sheet makes it."""
    if name in by_name:
        return by_name[name]
    matches = by_label.get(name.lower(), [])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        fail(filename, row, column, f"{_in(sheet)}{name!r} is the label of "
             f"{len(matches)} elements; use the 'From ID'/'To ID' columns", "csv")
    if strict:
        from loopkit.text import suggest

        fail(filename, row, column, f"{_in(sheet)}{name!r} names no element"
             f"{suggest(name, [v.label for v in variables])}", "csv")
    vid = ids.make(name, name if _PLAIN_ID.match(name) else None)
    variables.append(Variable(vid, name))
    by_name[vid] = vid
    by_label.setdefault(name.lower(), []).append(vid)
    return vid
