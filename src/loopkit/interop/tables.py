"""CSV: an element table and a connection table, as Kumu and spreadsheets import them.

Elements: ``ID, Label, Type, Description`` (Type is the loopkit group).
Connections: ``From, To, Type, Delay, Description, Evidence, Confidence,
From ID, To ID`` where From/To are labels (what Kumu's spreadsheet import
matches on) and Type is the sign ``+``/``-``/``?``. Every cell goes through
``escape.csv_cell`` so a label such as ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io

from loopkit.escape import csv_cell
from loopkit.model import Diagram


def _cell(text: str) -> str:
    """A lone sign is not a formula: keep ``+``/``-`` readable for Kumu's connection type."""
    return text if text in ("+", "-") else csv_cell(text)


def _table(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
    return buffer.getvalue()


def elements(diagram: Diagram) -> str:
    rows = [["ID", "Label", "Type", "Description"]]
    rows += [[v.id, v.label, v.group or "", v.description or ""] for v in diagram.variables]
    return _table(rows)


def connections(diagram: Diagram) -> str:
    labels = {v.id: v.label for v in diagram.variables}
    rows = [["From", "To", "Type", "Delay", "Description", "Evidence", "Confidence",
             "From ID", "To ID"]]
    rows += [[labels[lk.source], labels[lk.target], lk.polarity.value,
              "yes" if lk.delay else "", lk.description or "", " | ".join(lk.evidence),
              lk.confidence or "", lk.source, lk.target] for lk in diagram.links]
    return _table(rows)


def write_parts(diagram: Diagram) -> list[tuple[str, str]]:
    """Two files: ``NAME-elements.csv`` and ``NAME-connections.csv``."""
    return [("-elements", elements(diagram)), ("-connections", connections(diagram))]


def write(diagram: Diagram) -> str:
    """Both tables in one text (for stdout), elements first, a blank line between."""
    return elements(diagram) + "\n" + connections(diagram)
