"""The Python API for notebooks and scripts: load a diagram, find its loops, draw it.

One facade over the pipeline (read -> analysis -> render, and ``check`` for
many files), so a script needs one import: ``loopkit.load(...)``, then the
``Diagram`` methods ``loops()``, ``to_networkx()`` and ``render()``, which
call the functions here. ``model.py`` imports this module only inside those
methods (the one arrow back up the layers, listed in pyproject's import
contract), so ``import loopkit`` stays cheap.

The bounds are the CLI's: reading obeys ``loopkit.limits`` (file size, YAML
size, variables, links...), and a loop search stops at ``max_length``,
``limit`` and ``time_budget``; a result that a bound cut short says so
(``Loops.truncated``/``reason``) and a ``LoopSearchStopped`` warning is issued.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from loopkit.limits import (
    DEFAULT_LOOP_LIMIT,
    DEFAULT_MAX_LENGTH,
    DEFAULT_TIME_BUDGET,
    FLAGS,
    Limits,
    active_limits,
    using_limits,
)
from loopkit.model import Diagram
from loopkit.problems import DiagramError, Problem

if TYPE_CHECKING:
    import networkx as nx

    from loopkit.analysis.loops import Loop, LoopAnalysis
    from loopkit.output.records import FileResult

__all__ = ["LoopSearchStopped", "Loops", "check_files", "find_loops", "load", "render",
           "to_networkx"]

#: The name a diagram given as text carries in its messages (``<string>:3:5: ...``).
TEXT_NAME = "<string>"

#: What ``Diagram.render`` can produce: SVG and DOT as text, PNG and PDF as bytes
#: (PDF needs the system Graphviz: ``renderer="system"``).
RENDER_FORMATS = ("svg", "dot", "png", "pdf")


class LoopSearchStopped(UserWarning):
    """A bound (``max_length``, ``limit`` or ``time_budget``) may have left loops out;
    ``Loops.reason`` says which, and the loops kept are the shortest ones."""


class Loops(tuple["Loop", ...]):
    """The loops ``Diagram.loops()`` found: a tuple of ``Loop`` that knows if it is complete.

    ``truncated`` is True when a bound may have left loops out (``reason``
    says which: longer than ``max_length``, past ``limit``, or out of
    ``time_budget``); the loops kept are then the shortest ones.
    """

    truncated: bool
    reason: str | None

    def __new__(cls, loops: Iterable[Loop], truncated: bool = False,
                reason: str | None = None) -> Loops:
        made = super().__new__(cls, loops)
        made.truncated = truncated
        made.reason = reason
        return made

    def __getnewargs__(self) -> tuple[tuple[Loop, ...], bool, str | None]:  # type: ignore[override]
        """Pickle and copy keep ``truncated`` and ``reason``."""
        return tuple(self), self.truncated, self.reason

    def by_id(self, loop_id: str) -> Loop:
        """The loop with this id; a ``KeyError`` names the closest id."""
        for loop in self:
            if loop.id == loop_id:
                return loop
        from loopkit.text import suggest

        raise KeyError(f"no loop {loop_id!r}{suggest(loop_id, [lp.id for lp in self])}")


def load(source: str | os.PathLike[str], *, limits: Limits | None = None) -> Diagram:
    """A diagram from a file path (``str`` or ``pathlib.Path``) or from YAML text.

    A ``str`` holding a newline, or starting with ``{``, is YAML text; any
    other ``str`` is a path, ``-`` reading standard input. Reading is bounded
    like the CLI's (``limits``, default ``loopkit.limits.active_limits()``).
    Raises ``loopkit.DiagramError`` listing every problem (``file:line:col``),
    or ``loopkit.problems.UsageError`` when the file cannot be read.
    """
    from loopkit.read.load import load_diagram, parse_diagram

    if isinstance(source, os.PathLike) or not is_yaml_text(source):
        return load_diagram(source, limits=limits)
    bound = (limits or active_limits()).file_size
    if len(source) > bound or len(source.encode("utf-8", "surrogatepass")) > bound:
        raise DiagramError([Problem(TEXT_NAME, 1, 1, f"text is larger than {bound:,} bytes; "
                                    "diagrams are small text files (raise the limit with "
                                    f"{FLAGS['file_size']} or limits=)", "file-too-large")])
    return parse_diagram(source, TEXT_NAME, limits=limits)


def is_yaml_text(source: str) -> bool:
    """Whether ``load`` reads ``source`` as YAML text rather than as a path."""
    return "\n" in source or source.lstrip().startswith("{")


def find_loops(diagram: Diagram, *, max_length: int | None = DEFAULT_MAX_LENGTH,
               limit: int | None = DEFAULT_LOOP_LIMIT, through: str | None = None,
               time_budget: float | None = DEFAULT_TIME_BUDGET) -> Loops:
    """Every feedback loop of ``diagram`` (``Diagram.loops()``): declared ones first, then
    the others by length; ``through`` keeps those through one variable id.

    ``None`` lifts a bound. An unknown ``through`` is a ``ValueError`` naming
    the closest variable id.
    """
    from loopkit.analysis.loops import analyse_loops

    _check_variable(diagram, through)
    analysis = analyse_loops(diagram, max_length=max_length, limit=limit,
                             time_budget=time_budget, through=through)
    found = Loops(analysis.loops, analysis.truncated, analysis.reason)
    if found.truncated:
        warnings.warn(f"{diagram.path}: loop search stopped early: {found.reason}",
                      LoopSearchStopped, stacklevel=3)
    return found


def to_networkx(diagram: Diagram) -> nx.DiGraph:
    """``Diagram.to_networkx()``: nodes carry ``label``/``group``; edges ``polarity``
    (``'+'``, ``'-'``, ``'?'``), ``delay`` and ``sign`` (-1 or 1)."""
    from loopkit.analysis.graph import to_networkx as graph_of

    return graph_of(diagram)


def render(diagram: Diagram, format: str = "svg", loop: str | None = None, *,
           style: Iterable[str] = (), engine: str = "neato", renderer: str | None = None,
           time_budget: float = DEFAULT_TIME_BUDGET, id_prefix: str | None = None) -> str | bytes:
    """``Diagram.render()``: the picture as SVG or DOT text, or PNG or PDF bytes.

    ``loop`` highlights one loop by id (an unknown id is a ``ValueError``
    naming the closest); ``style`` takes the ``render --style`` words. The
    same diagram gives the same bytes every time.
    """
    from loopkit.render import render as draw_as
    from loopkit.render import render_svg

    if format not in RENDER_FORMATS:
        from loopkit.text import suggest

        raise ValueError(f"unknown format {format!r}{suggest(format, list(RENDER_FORMATS))}; "
                         f"choose from {', '.join(RENDER_FORMATS)}")
    analysis = _analysis_with(diagram, loop, time_budget)
    if format == "svg":
        return render_svg(diagram, analysis, highlight=loop, engine=engine, renderer=renderer,
                          style=list(style), time_budget=time_budget, id_prefix=id_prefix)
    data = draw_as(diagram, format, analysis, highlight=loop, engine=engine, renderer=renderer,
                   style=list(style), time_budget=time_budget)
    return data.decode("utf-8") if format == "dot" else data


def check_files(paths: Iterable[str | os.PathLike[str]], *, strict: bool = False,
                require_evidence: bool = False, max_length: int = DEFAULT_MAX_LENGTH,
                limit: int = DEFAULT_LOOP_LIMIT, time_budget: float = DEFAULT_TIME_BUDGET,
                limits: Limits | None = None) -> list[FileResult]:
    """What ``loopkit check`` does, for scripts: one ``FileResult`` per file (a folder
    gives its ``*.yaml``/``*.yml`` files); ``all(r.ok for r in results)`` gates CI."""
    from loopkit import check
    from loopkit.read.paths import diagram_paths

    with using_limits(limits or active_limits()):
        return check.check_files(
            diagram_paths([os.fspath(p) for p in paths]), strict=strict,
            require_evidence=require_evidence, max_length=max_length, limit=limit,
            time_budget=time_budget)


def _check_variable(diagram: Diagram, name: str | None) -> None:
    if name is not None and name not in diagram.index:
        from loopkit.text import suggest

        ids = [v.id for v in diagram.variables]
        raise ValueError(f"the diagram has no variable {name!r}{suggest(name, ids)}")


def _analysis_with(diagram: Diagram, loop: str | None,
                   time_budget: float) -> LoopAnalysis | None:
    """The loop analysis a highlight needs (``None`` without one: the renderer finds it),
    refusing an unknown loop id with the closest one."""
    if loop is None:
        return None
    from loopkit.analysis.loops import analyse_loops

    analysis = analyse_loops(diagram, time_budget=time_budget)
    ids = [lp.id for lp in analysis.loops]
    if loop not in ids:
        from loopkit.text import suggest

        raise ValueError(f"the diagram has no loop {loop!r}{suggest(loop, ids)}")
    return analysis
