"""The diagram as the rest of loopkit sees it: small frozen dataclasses.

The YAML file format lives in ``schema.py`` (pydantic, with all the spellings
users may write); this module is the normalised result every analysis,
renderer and exporter works on, and what importers build. Keeping it free of
pydantic keeps it cheap to build in code and in tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any


class Polarity(StrEnum):
    """Sign of a causal link: same direction, opposite direction, or not known."""

    POSITIVE = "+"
    NEGATIVE = "-"
    UNKNOWN = "?"

    @property
    def symbol(self) -> str:
        """The sign as drawn (a true minus sign for negative links)."""
        return {"+": "+", "-": "\u2212", "?": "?"}[self.value]

    @property
    def word(self) -> str:
        return {"+": "positive", "-": "negative", "?": "unknown"}[self.value]


#: Every spelling of a polarity the format accepts, lower-cased.
POLARITY_SPELLINGS: dict[str, Polarity] = {
    "+": Polarity.POSITIVE,
    "s": Polarity.POSITIVE,
    "same": Polarity.POSITIVE,
    "positive": Polarity.POSITIVE,
    "-": Polarity.NEGATIVE,
    "\u2212": Polarity.NEGATIVE,
    "o": Polarity.NEGATIVE,
    "opposite": Polarity.NEGATIVE,
    "negative": Polarity.NEGATIVE,
    "?": Polarity.UNKNOWN,
    "unknown": Polarity.UNKNOWN,
}


#: ``absence -> fines (+)`` or ``absence -> fines (-, delay)``: a link in one line.
#: Here rather than in ``schema.py`` so reading it needs no pydantic.
COMPACT_LINK = re.compile(
    r"^\s*(?P<source>[^()]+?)\s*(?:->|\u2192)\s*(?P<target>[^()]+?)\s*"
    r"\(\s*(?P<polarity>[^,()]+?)\s*(?:,\s*(?P<delay>delay(?:ed)?)\s*)?\)\s*$",
    re.IGNORECASE,
)


def parse_polarity(text: str) -> Polarity:
    """Read any accepted spelling; raises ``ValueError`` with the accepted ones."""
    try:
        return POLARITY_SPELLINGS[text.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown polarity {text!r}: use '+' (same), '-' (opposite) or '?' (unknown)"
        ) from None


class LoopType(StrEnum):
    """Reinforcing (even number of negative links), balancing (odd), or undetermined."""

    REINFORCING = "reinforcing"
    BALANCING = "balancing"
    UNDETERMINED = "undetermined"

    @property
    def letter(self) -> str:
        return {"reinforcing": "R", "balancing": "B", "undetermined": "U"}[self.value]

    @classmethod
    def from_id(cls, loop_id: str) -> LoopType | None:
        """The type an id such as ``R3`` or ``B12`` states; ``None`` for any other id.

        One reading for the loader (which checks a declared type against it) and
        the writer (which leaves out a ``type`` the id already states).
        """
        if not loop_id[1:].isdigit():
            return None
        return {"R": cls.REINFORCING, "B": cls.BALANCING}.get(loop_id[:1])

    @classmethod
    def from_signs(cls, negatives: int, unknowns: int) -> LoopType:
        if unknowns:
            return cls.UNDETERMINED
        return cls.BALANCING if negatives % 2 else cls.REINFORCING


@dataclass(frozen=True, order=True)
class Pos:
    """Where an element was written (1-based line and column), for messages."""

    line: int
    column: int


#: What a variable is in stock-and-flow terms (``Variable.kind``): an accumulation
#: (``stock``) or a rate that fills or drains one (``flow``). Only these two: anything
#: else (auxiliary, constant) is the default, no kind.
VARIABLE_KINDS = ("stock", "flow")


@dataclass(frozen=True)
class Variable:
    """A quantity that can rise or fall."""

    id: str
    label: str
    group: str | None = None
    description: str | None = None
    pos: tuple[float, float] | None = None
    where: Pos | None = field(default=None, compare=False, repr=False)
    #: ``"stock"``, ``"flow"`` or ``None`` (not known, or neither); see ``VARIABLE_KINDS``.
    kind: str | None = None


@dataclass(frozen=True)
class Link:
    """A causal influence ``source -> target`` with its polarity."""

    source: str
    target: str
    polarity: Polarity
    delay: bool = False
    description: str | None = None
    evidence: tuple[str, ...] = ()
    confidence: str | None = None
    where: Pos | None = field(default=None, compare=False, repr=False)
    #: File names of the maps that drew this link (``loopkit merge``), sorted.
    sources: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


@dataclass(frozen=True)
class DeclaredLoop:
    """A loop the author names in the file and expects to exist."""

    id: str
    variables: tuple[str, ...]
    name: str | None = None
    type: LoopType | None = None
    description: str | None = None
    where: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Diagram:
    """A whole causal loop diagram; variable and link order is the file's order."""

    variables: tuple[Variable, ...]
    links: tuple[Link, ...]
    loops: tuple[DeclaredLoop, ...] = ()
    title: str | None = None
    description: str | None = None
    path: str = "<diagram>"
    extensions: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        variables: Iterable[Variable | str],
        links: Iterable[Link | tuple[str, str, str]],
        **kwargs: Any,
    ) -> Diagram:
        """Convenience constructor for code and tests: ids and ``(a, b, "+")`` triples."""
        vs = tuple(v if isinstance(v, Variable) else Variable(v, v) for v in variables)
        ls = tuple(
            lk if isinstance(lk, Link) else Link(lk[0], lk[1], parse_polarity(lk[2]))
            for lk in links
        )
        return cls(variables=vs, links=ls, **kwargs)

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each variable id in file order (the tie-breaker everywhere)."""
        return {v.id: i for i, v in enumerate(self.variables)}

    @cached_property
    def by_id(self) -> dict[str, Variable]:
        return {v.id: v for v in self.variables}

    @cached_property
    def link_map(self) -> dict[tuple[str, str], Link]:
        return {lk.key: lk for lk in self.links}

    def label(self, variable_id: str) -> str:
        return self.by_id[variable_id].label

    @property
    def display_title(self) -> str:
        """The title, or the file name when the author gave none."""
        if self.title:
            return self.title
        from pathlib import PurePath

        return PurePath(self.path).stem

    # -- display in notebooks ---------------------------------------------------

    def render_svg(self, loop: str | None = None) -> str:
        """The finished SVG, ``loop`` highlighted if given (an unknown id is a ValueError)."""
        from loopkit.analysis.loops import analyse_loops
        from loopkit.render import render_svg

        analysis = analyse_loops(self)
        if loop is not None and loop not in {lp.id for lp in analysis.loops}:
            from loopkit.text import suggest

            ids = [lp.id for lp in analysis.loops]
            raise ValueError(f"the diagram has no loop {loop!r}{suggest(loop, ids)}")
        return render_svg(self, analysis, highlight=loop, id_prefix=_display_prefix(self, loop))

    def _repr_svg_(self) -> str:
        """Jupyter shows a diagram as its picture (IPython's rich display protocol)."""
        return self.render_svg()

    def highlight(self, loop: str) -> DiagramView:
        """A view of the diagram with one loop highlighted; displays itself in Jupyter."""
        return DiagramView(self, loop)


@dataclass(frozen=True)
class DiagramView:
    """One loop of a diagram highlighted, for display: ``diagram.highlight("R1")``."""

    diagram: Diagram
    loop: str

    def _repr_svg_(self) -> str:
        return self.diagram.render_svg(self.loop)


_DISPLAYED = [0]


def _display_prefix(diagram: Diagram, loop: str | None) -> str:
    """Ids unique per picture on a notebook page (all outputs share one HTML document,
    and the same diagram may be shown twice): a digest of what is shown plus a count."""
    import hashlib

    _DISPLAYED[0] += 1
    seed = f"{diagram.path}\0{diagram.title}\0{len(diagram.variables)}\0{loop or ''}"
    digest = hashlib.sha256(seed.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return f"nb{digest}{_DISPLAYED[0]}-"
