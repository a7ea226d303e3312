"""XLSX workbooks in Kumu's import-template layout: an ``Elements`` and a ``Connections`` sheet.

The sheets hold the same columns as the CSV tables (``tables.py``), and are read
by the same ``from_sheets``, so problems point at ``file:row:column`` of the
sheet they are in. A workbook with one sheet of ``from,to,polarity`` columns is
read as a links sheet.

The import pipeline passes text, so a workbook's bytes travel as Latin-1 text
(one character per byte, lossless) from ``read_source`` to ``read``.
Workbooks are zip files: the uncompressed size is checked against the source
limit before openpyxl (imported only here) opens anything, so a zip bomb costs
nothing. Every cell is written as a string (``data_type = "s"``), never a
formula, whatever it starts with.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import fail
from loopkit.interop.tables import Sheet, _header_kind, connection_rows, element_rows, from_sheets
from loopkit.model import Diagram

#: How much larger than the file its unpacked parts may be (real workbooks: 3-10x).
UNPACKED_FACTOR = 20
#: Rows and columns read per sheet at most (the variable and link limits apply after).
MAX_ROWS = 200_000
MAX_COLUMNS = 64
ZIP_MAGIC = "PK\x03\x04"


def sniff(text: str) -> bool:
    return text.startswith(ZIP_MAGIC) and "xl/" in text[:4096]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheets(data: bytes, filename: str) -> list[Sheet]:
    from loopkit.interop import max_source_bytes

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        fail(filename, 1, 1, f"not a readable XLSX workbook: {error}", "xlsx")
    if unpacked > max(UNPACKED_FACTOR * len(data), 1) or unpacked > 4 * max_source_bytes():
        fail(filename, 1, 1, f"the workbook unpacks to {unpacked:,} bytes, far more than its "
             "size: refusing to open it", "xlsx")
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        fail(filename, 1, 1, f"not a readable XLSX workbook: {type(error).__name__}", "xlsx")
    sheets = []
    try:
        for worksheet in book.worksheets:
            rows: list[tuple[int, tuple[str, ...]]] = []
            header: tuple[str, ...] | None = None
            header_row = 1
            for number, values in enumerate(worksheet.iter_rows(values_only=True,
                                                                max_col=MAX_COLUMNS), 1):
                if number > MAX_ROWS:
                    fail(filename, number, 1, f"sheet {worksheet.title!r} has more than "
                         f"{MAX_ROWS:,} rows", "xlsx")
                cells = tuple(_cell_text(v).strip() for v in values)
                if not any(cells):
                    continue
                if header is None:
                    header, header_row = cells, number
                else:
                    rows.append((number, cells))
            if header is not None:
                sheets.append(Sheet(f"sheet {worksheet.title!r}", header, tuple(rows),
                                    header_row))
    finally:
        book.close()
    return sheets


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    sheets = _sheets(text.encode("latin-1"), filename)
    by_kind: dict[str, Sheet] = {}
    for sheet in sheets:
        kind = _header_kind(sheet.header)
        if kind is not None:
            by_kind.setdefault(kind, sheet)
    if "connections" not in by_kind:
        fail(filename, 1, 1, "no Connections sheet: the workbook needs a sheet whose first "
             "row has 'From' and 'To' columns", "xlsx")
    return from_sheets(by_kind.get("elements"), by_kind["connections"], filename, filename)


def write_bytes(diagram: Diagram) -> bytes:
    """The workbook: ``Elements`` and ``Connections`` sheets, every cell a literal string."""
    import openpyxl
    from openpyxl.styles import Font

    from loopkit.text import strip_control

    book = openpyxl.Workbook()
    first = book.active
    book.remove(first)
    for title, rows in (("Elements", element_rows(diagram)),
                        ("Connections", connection_rows(diagram))):
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                cell = sheet.cell(row=r, column=c)
                cell.value = strip_control(value)  # XML 1.0 cannot hold most controls
                cell.data_type = "s"
                if r == 1:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic(buffer.getvalue())


def _deterministic(data: bytes) -> bytes:
    """Same diagram, same bytes: fixed zip timestamps and no creation/modified dates."""
    import re

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"",
                                 content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def write(diagram: Diagram) -> str:
    """The workbook's bytes as Latin-1 text (see the module docstring)."""
    return write_bytes(diagram).decode("latin-1")
