"""Interview coding in: a CSV of causal claims, one row per claim, as a diagram.

Qualitative causal mapping codes interviews into claims: who said it, what
causes what, in which direction, and the words they used::

    source,cause,effect,polarity,quote
    Parent A,Fines issued to parents,Family financial strain,+,"We couldn't pay the rent"

Each distinct cause and effect (by label, ignoring case and spacing) becomes a
variable; each distinct cause -> effect pair one link. The link's evidence
lists every quote with its source, its ``sources`` the people who made the
claim (so ``loops --evidence`` shows how many interviews support each loop),
and its description the count of claims. Claims that disagree on the sign
make the link ``?`` and are counted in the notes.

The input is hostile until read: its size is bounded by ``read_source``,
fields and quotes are bounded here, control characters are removed, and
cells such as ``=HYPERLINK(...)`` stay text (every CSV output escapes them).
Errors are ``file:row:column`` with the row's line and the CSV column number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import IdMaker, Notes
from loopkit.model import Diagram, Link, Polarity, Variable, parse_polarity
from loopkit.problems import DiagramError, Problem

HEADER = ("source", "cause", "effect", "polarity", "quote")
#: Longest cell read; a longer one is a located problem (csv's own limit, set per read).
MAX_FIELD = 100_000
#: Longest quote kept in evidence; longer quotes are cut with an ellipsis and counted.
MAX_QUOTE = 1_000
#: Quotes kept per link; further claims still count, their quotes are left out.
MAX_QUOTES = 50

_NOTES = {
    "conflict": "{n} link{s} coded with both '+' and '-' by different claims: marked '?'{e}",
    "unsigned": "{n} claim{s} without a polarity: read as '?'",
    "long-quote": "{n} quote{s} longer than " + f"{MAX_QUOTE:,}" + " characters: shortened",
    "many-quotes": "{n} quote{s} beyond " + f"{MAX_QUOTES}" + " per link not kept as "
                   "evidence (still counted)",
    "control": "{n} cell{s} had control characters: removed",
    "extra": "{n} extra column{s} after 'quote' ignored{e}",
}


def _header(line: str) -> list[str]:
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []
    return [cell.strip().lower() for cell in row]


def sniff(text: str) -> bool:
    """A CSV whose first line names the claim columns, in order."""
    first = text.lstrip("\ufeff").split("\n", 1)[0][:500].rstrip("\r")
    return tuple(_header(first)[:5]) == HEADER


@dataclass
class _Claims:
    """One link's claims while reading."""

    signs: list[Polarity] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    count: int = 0


def _clean(text: str, notes: Notes) -> str:
    from loopkit.text import first_control, strip_control

    if first_control(text.replace("\n", " ").replace("\t", " ")) is not None:
        notes.add("control")
        text = strip_control(text)
    return " ".join(text.split())


def read(text: str, filename: str = "<string>", **options: object) -> ImportResult:
    """The claims CSV as a diagram; ``DiagramError`` with every located problem."""
    return _Reader(filename).read(text)


class _Reader:
    """One claims file being read: the claims so far and the problems found.

    Reading goes on after a problem, to list every bad row at once, until
    ``--max-problems`` of them; a wrong header stops it at once.
    """

    def __init__(self, filename: str) -> None:
        from loopkit.limits import active_limits

        self.filename = filename
        self.limits = active_limits()
        self.notes = Notes()
        self.problems: list[Problem] = []
        self.ids = IdMaker()
        self.by_label: dict[str, Variable] = {}
        self.claims: dict[tuple[str, str], _Claims] = {}

    def problem(self, line: int, column: int, message: str, code: str = "claims") -> None:
        self.problems.append(Problem(self.filename, line, column, message, code))

    def read(self, text: str) -> ImportResult:
        rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        previous = csv.field_size_limit(MAX_FIELD)
        try:
            self._header(rows)
            start = rows.line_num + 1
            while not self.problems or (self.problems[0].code != "claims-header"
                                        and len(self.problems) < self.limits.problems):
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except csv.Error as error:
                    self.problem(start, 1, f"unreadable CSV row: {error} (cells are at most "
                                 f"{MAX_FIELD:,} characters)", "claims-csv")
                    break
                line, start = start, rows.line_num + 1
                if not self._row(line, row):
                    break
        finally:
            csv.field_size_limit(previous)
        if self.problems:
            raise DiagramError(self.problems)
        if not self.claims:
            raise DiagramError([Problem(self.filename, 1, 1, "no claims: the file has a header "
                                        "but no rows", "import-empty")])
        return self._result()

    def _header(self, rows: Any) -> None:
        try:
            header = next(rows, None)
        except csv.Error as error:
            header = None
            self.problem(1, 1, f"unreadable CSV header: {error}")
        if header is not None and tuple(c.strip().lower() for c in header[:5]) != HEADER:
            got = ",".join(c.strip() for c in header)[:80]
            self.problem(1, 1, f"the first row must be the column names {','.join(HEADER)} "
                         f"(got {got!r})", "claims-header")
        if header is not None and len(header) > 5:
            self.notes.add("extra", ", ".join(repr(c.strip()[:20]) for c in header[5:8]))

    def _row(self, line: int, row: list[str]) -> bool:
        """Read one row; False when a limit means reading stops here."""
        from loopkit.limits import FLAGS

        if not any(cell.strip() for cell in row):
            return True
        if len(row) < 5:
            self.problem(line, len(row) + 1, f"this row has {len(row)} column"
                         f"{'s' if len(row) != 1 else ''}; a claim has 5: "
                         f"{','.join(HEADER)} (quote a cell that contains a comma)",
                         "claims-columns")
            return True
        source, cause, effect, sign, quote = (_clean(cell, self.notes) for cell in row[:5])
        for column, value, what in ((1, source, "a source (who made the claim)"),
                                    (2, cause, "a cause"), (3, effect, "an effect")):
            if not value:
                self.problem(line, column, f"the claim has no {what.split(' (')[0]}: "
                             f"every row needs {what}", "claims-empty")
        for column, value in ((2, cause), (3, effect)):
            if len(value) > self.limits.label_length:
                self.problem(line, column, f"a label of {len(value):,} characters; the limit "
                             f"is {self.limits.label_length:,} (raise it with "
                             f"{FLAGS['label_length']})", "too-long")
        try:
            polarity = parse_polarity(sign) if sign else Polarity.UNKNOWN
        except ValueError as error:
            self.problem(line, 4, str(error), "claims-polarity")
            return True
        if not (source and cause and effect) or self.problems:
            return True
        if not sign:
            self.notes.add("unsigned")
        return self._claim(line, source, cause, effect, polarity, quote)

    def _claim(self, line: int, source: str, cause: str, effect: str, polarity: Polarity,
               quote: str) -> bool:
        """Count one valid claim on its link; False when a variable or link limit is hit."""
        from loopkit.limits import FLAGS

        ends = []
        for label in (cause, effect):
            key = label.casefold()
            if key not in self.by_label:
                if len(self.by_label) >= self.limits.variables:
                    self.problem(line, 2, f"more than {self.limits.variables:,} variables "
                                 f"(raise the limit with {FLAGS['variables']})", "too-many")
                    return False
                self.by_label[key] = Variable(self.ids.make(label), label)
            ends.append(self.by_label[key].id)
        key = (ends[0], ends[1])
        if key not in self.claims and len(self.claims) >= self.limits.links:
            self.problem(line, 2, f"more than {self.limits.links:,} links (raise the limit "
                         f"with {FLAGS['links']})", "too-many")
            return False
        found = self.claims.setdefault(key, _Claims())
        found.count += 1
        found.signs.append(polarity)
        if source not in found.sources:
            found.sources.append(source)
        if len(quote) > MAX_QUOTE:
            self.notes.add("long-quote")
            quote = quote[: MAX_QUOTE - 1] + "\u2026"
        item = f"{source}: \u201c{quote}\u201d" if quote else f"{source} (no quote)"
        if item in found.evidence:
            return True
        if len(found.evidence) >= MAX_QUOTES:
            self.notes.add("many-quotes")
        else:
            found.evidence.append(item)
        return True

    def _result(self) -> ImportResult:
        notes, links = self.notes, []
        for (cause_id, effect_id), found in self.claims.items():
            signs = {s for s in found.signs if s is not Polarity.UNKNOWN}
            polarity = next(iter(signs)) if len(signs) == 1 else Polarity.UNKNOWN
            if len(signs) > 1:  # both + and - were claimed
                notes.add("conflict", f"{cause_id} -> {effect_id}")
            n, m = found.count, len(found.sources)
            tally = ", ".join(f"{found.signs.count(s)} '{s.value}'" for s in Polarity
                              if found.signs.count(s))
            description = (f"Coded from {n} claim{'s' if n != 1 else ''} by {m} "
                           f"source{'s' if m != 1 else ''} ({tally}).")
            links.append(Link(cause_id, effect_id, polarity, description=description,
                              evidence=tuple(found.evidence),
                              sources=tuple(sorted(found.sources))))
        diagram = Diagram(tuple(self.by_label.values()), tuple(links), path=self.filename)
        claims = self.claims.values()
        notes.say(f"{sum(c.count for c in claims)} claims from "
                  f"{len({s for c in claims for s in c.sources})} sources")
        return ImportResult(diagram, notes.lines(_NOTES), "claims")
