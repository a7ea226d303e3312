"""`loopkit explore`: one offline HTML page to explore a map too big for paper."""

from __future__ import annotations

import typer

from loopkit.cli.app import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    FILE,
    MAX_LENGTH,
    TIME_BUDGET,
    SearchProgress,
    note,
    print_problems,
    required,
)
from loopkit.cli.focus_options import (
    BETWEEN,
    DEPTH,
    DIRECTION,
    FOCUS,
    GROUP,
    LOOPS,
    DirectionChoice,
    selection_from,
    view_of,
)
from loopkit.limits import DEFAULT_EXPLORE_LOOP_LIMIT

OUTPUT = typer.Option(None, "--output", "-o", metavar="PATH", show_default=False,
                      help="The page to write (map.html), or '-' for stdout. Required.")
LIMIT = typer.Option(DEFAULT_EXPLORE_LOOP_LIMIT, "--limit", min=1,
                     help="List at most this many loops (the shortest are kept).")
RENDER_BUDGET = typer.Option(20.0, "--render-budget", min=0.5,
                             help="Seconds the drawing may take; past it the page has "
                                  "tables only, and says so.")
NO_DRAWING = typer.Option(False, "--no-drawing",
                          help="Leave the drawing out: search, loops and tables only.")


@app.command("explore")
def explore_command(
    file: str = FILE,
    output: str | None = OUTPUT,
    max_length: int = MAX_LENGTH,
    limit: int = LIMIT,
    time_budget: float = TIME_BUDGET,
    render_budget: float = RENDER_BUDGET,
    no_drawing: bool = NO_DRAWING,
    focus: list[str] = FOCUS,
    depth: int | None = DEPTH,
    direction: DirectionChoice | None = DIRECTION,
    between: tuple[str, str] | None = BETWEEN,
    loops: list[str] = LOOPS,
    group: list[str] = GROUP,
) -> None:
    """Write one self-contained page to explore a big map: pan and zoom, search,
    neighbourhoods, a filterable loop list and a link-by-link story of each loop.

    The page loads nothing (strict Content-Security-Policy) and works with the
    keyboard alone. It says when the loop search or the drawing stopped at a
    bound. Exits 1 when the diagram has problems (the page lists them).

    Examples:

      loopkit explore examples/school-fines.yaml -o map.html

      loopkit explore world3.yaml -o world3.html --limit 500

      loopkit explore foresight.yaml --group Media -o media.html

    With --focus, --between (paths of at most --max-length links), --loops or
    --group the page explores that part of the map and says what it leaves out;
    loop ids stay those of the whole map.
    """
    output = required(output, "'--output' / '-o'", "explore")
    from dataclasses import replace

    from loopkit.check import CheckOptions, analyse_files
    from loopkit.fsutil import atomic_write
    from loopkit.output.report.explore import build_explore, explore_page

    selection = selection_from(focus=focus, depth=depth, direction=direction, between=between,
                               max_length=None, loops=loops, group=group, collapse=None)
    selection = replace(selection, max_length=max_length)
    [result] = analyse_files([file], CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget), progress=SearchProgress)
    if result.diagram is None or result.analysis is None:
        print_problems(result.all_problems)
        note("no page written: the file could not be read")
        raise typer.Exit(EXIT_PROBLEMS)
    diagram, analysis, view = result.diagram, result.analysis, None
    if not selection.empty:
        view, analysis = view_of(diagram, analysis, selection)
        diagram = view.diagram
    explored = build_explore(result.file, diagram, analysis,
                             problems=result.all_problems, render_budget=render_budget,
                             draw_map=not no_drawing, view=view)
    text = explore_page(explored)
    if output == "-":
        typer.echo(text, nl=False)
    else:
        atomic_write(output, text, inputs=[file])
        stopped = " (the loop search stopped early: the page says so)" if analysis.truncated \
            else ""
        note(f"wrote {output} ({len(diagram.variables)} variables, "
             f"{len(analysis.loops)} loop{'s' if len(analysis.loops) != 1 else ''}{stopped})")
    print_problems(result.all_problems)
    raise typer.Exit(EXIT_PROBLEMS if not result.ok else EXIT_OK)
