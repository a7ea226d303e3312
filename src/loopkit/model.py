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

from loopkit.limits import DEFAULT_LOOP_LIMIT, DEFAULT_MAX_LENGTH, DEFAULT_TIME_BUDGET


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


class DeclaredLoops(tuple[DeclaredLoop, ...]):
    """``Diagram.loops``: the loops the file declares, a tuple as ever; called,
    ``diagram.loops(max_length=..., limit=..., through=...)`` finds every loop.

    Both under one name because the issue's API (``Diagram.loops()``) met the
    existing field: the tuple keeps every reader of ``diagram.loops`` working.
    """

    _diagram: Diagram | None

    def __new__(cls, loops: Iterable[DeclaredLoop] = (),
                diagram: Diagram | None = None) -> DeclaredLoops:
        made = super().__new__(cls, loops)
        made._diagram = diagram
        return made

    def __reduce__(self) -> tuple[type, tuple[tuple[DeclaredLoop, ...]]]:
        """Pickled and copied as the plain tuple (the diagram rebuilds the view)."""
        return tuple, (tuple(self),)

    def __call__(self, *, max_length: int | None = DEFAULT_MAX_LENGTH,
                 limit: int | None = DEFAULT_LOOP_LIMIT, through: str | None = None,
                 time_budget: float | None = DEFAULT_TIME_BUDGET) -> Any:
        """Every feedback loop (``loopkit.api.Loops`` of ``Loop``): see ``api.find_loops``."""
        if self._diagram is None:
            raise TypeError("these declared loops belong to no diagram; "
                            "call loops() on a Diagram")
        from loopkit.api import find_loops

        return find_loops(self._diagram, max_length=max_length, limit=limit, through=through,
                          time_budget=time_budget)


class _DeclaredLoopsField:
    """The ``loops`` field: stores the plain tuple, reads it as ``DeclaredLoops`` bound
    to its diagram (made on each read, so no reference cycle and plain pickling)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, diagram: Diagram | None, owner: type | None = None) -> Any:
        if diagram is None:  # the class attribute: dataclass reads the default here
            return ()
        return DeclaredLoops(diagram.__dict__[self.slot], diagram)

    def __set__(self, diagram: Diagram, loops: Iterable[DeclaredLoop]) -> None:
        diagram.__dict__[self.slot] = tuple(loops)


@dataclass(frozen=True)
class Diagram:
    """A whole causal loop diagram; variable and link order is the file's order."""

    variables: tuple[Variable, ...]
    links: tuple[Link, ...]
    #: The loops the file declares, a tuple; ``diagram.loops()`` finds every loop.
    loops: DeclaredLoops = _DeclaredLoopsField()  # type: ignore[assignment]
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

    # -- the Python API (implemented in loopkit.api, imported when called) -----------

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph``: edges carry ``polarity`` ('+', '-', '?') and ``delay``."""
        from loopkit.api import to_networkx

        return to_networkx(self)

    def render(self, format: str = "svg", loop: str | None = None, **options: Any) -> Any:
        """The picture: SVG or DOT text, PNG or PDF bytes; ``loop`` highlighted if given.

        ``options``: ``style``, ``engine``, ``renderer``, ``time_budget`` (see
        ``loopkit.api.render``).
        """
        from loopkit.api import render

        return render(self, format, loop, **options)

    def render_svg(self, loop: str | None = None) -> str:
        """The SVG for a notebook page, ``loop`` highlighted if given (an unknown id is a
        ValueError); element ids are unique per picture shown."""
        from loopkit.api import render

        svg = render(self, "svg", loop, id_prefix=_display_prefix(self, loop))
        assert isinstance(svg, str)
        return svg

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
