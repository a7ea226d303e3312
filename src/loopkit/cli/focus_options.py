"""The focus-view options ``render`` and ``report`` share (``--focus``, ``--between``,
``--loops``, ``--group``, ``--collapse``), read into a ``focus.Selection``.

Here rather than in either command so neither command module imports the other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from loopkit.cli.common import fail_usage


class DirectionChoice(StrEnum):
    up = "up"
    down = "down"
    both = "both"


class CollapseChoice(StrEnum):
    groups = "groups"


FOCUS = typer.Option(
    [], "--focus", metavar="VAR",
    help="Draw only VAR (an id, or its label) and what lies within --depth links of it; "
         "repeatable. The picture says how much it leaves out.")
DEPTH = typer.Option(
    None, "--depth", min=0, max=100, help="With --focus: how many links to follow (default 1).")
DIRECTION = typer.Option(
    None, "--direction",
    help="With --focus: up (what drives VAR), down (what VAR drives) or both (default).")
BETWEEN = typer.Option(
    None, "--between", metavar="FROM TO",
    help="Draw only the variables and links on a path from FROM to TO of at most "
         "--max-length links (FROM = TO: the loops through it).")
PATH_LENGTH = typer.Option(
    None, "--max-length", min=1, max=100, help="With --between: the longest path, in links "
    "(default 12).")
LOOPS = typer.Option(
    [], "--loops", metavar="R1,R3",
    help="Draw only these loops (ids as `loopkit loops` lists them for the whole map).")
GROUP = typer.Option(
    [], "--group", metavar="NAME", help="Draw only this group's variables; repeatable.")
COLLAPSE = typer.Option(
    None, "--collapse",
    help="groups: draw each group as one box, links between groups counted and signed "
         "(+, \u2212, \u00b1 mixed).")


def selection_from(*, focus: list[str], depth: int | None, direction: Any,
                   between: tuple[str, str] | None, max_length: int | None, loops: list[str],
                   group: list[str], collapse: Any) -> Any:
    """The focus options as a ``focus.Selection``; a usage error when they conflict."""
    from loopkit.analysis.focus import DEFAULT_DEPTH, Selection

    if not focus and (depth is not None or direction is not None):
        raise fail_usage("--depth and --direction go with --focus VAR")
    if between is None and max_length is not None:
        raise fail_usage("--max-length goes with --between FROM TO")
    ids = tuple(part.strip() for item in loops for part in item.split(",") if part.strip())
    if loops and not ids:
        raise fail_usage("--loops needs loop ids, e.g. --loops R1,B2")
    selection = Selection(
        focus=tuple(focus), depth=DEFAULT_DEPTH if depth is None else depth,
        direction=direction.value if direction is not None else "both",
        between=tuple(between) if between is not None else None,  # type: ignore[arg-type]
        max_length=12 if max_length is None else max_length, loops=ids,
        groups=tuple(group), collapse=collapse is not None)
    chosen = selection.chosen()
    if len(chosen) > 1:
        flags = {"focus": "--focus", "between": "--between", "loops": "--loops",
                 "group": "--group", "collapse": "--collapse"}
        raise fail_usage("use one of " + ", ".join(flags[c] for c in chosen)
                         + ", not several: each draws a different part of the map")
    return selection


def selection_flags(selection: Any) -> list[str]:
    """The focus flags that reproduce a view (quoted for a POSIX shell)."""
    import shlex

    if selection is None or selection.empty:
        return []
    from loopkit.analysis.focus import DEFAULT_DEPTH

    parts = [f" --focus {shlex.quote(name)}" for name in selection.focus]
    if selection.focus and selection.depth != DEFAULT_DEPTH:
        parts.append(f" --depth {selection.depth}")
    if selection.focus and selection.direction != "both":
        parts.append(f" --direction {selection.direction}")
    if selection.between is not None:
        parts.append(" --between " + " ".join(map(shlex.quote, selection.between)))
        if selection.max_length != 12:
            parts.append(f" --max-length {selection.max_length}")
    if selection.loops:
        parts.append(f" --loops {shlex.quote(','.join(selection.loops))}")
    parts += [f" --group {shlex.quote(name)}" for name in selection.groups]
    if selection.collapse:
        parts.append(" --collapse groups")
    return parts


def view_of(diagram: Any, analysis: Any, selection: Any) -> tuple[Any, Any]:
    """The selected part of ``diagram`` (a ``focus.View``) and its loops (the whole map's
    ids); a name the diagram lacks is a usage error (exit 2, nothing written)."""
    from loopkit.analysis.focus import SelectionError, select, view_analysis

    try:
        view = select(diagram, selection, analysis)
    except SelectionError as error:
        raise fail_usage(str(error)) from None
    assert view is not None
    return view, view_analysis(view, analysis)
