"""`loopkit report`: one self-contained HTML or Markdown report for one or more diagrams."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from loopkit.cli.app import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    FILES,
    LIMIT,
    MAX_LENGTH,
    TIME_BUDGET,
    SearchProgress,
    fail_usage,
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


class ReportFormat(StrEnum):
    html = "html"
    markdown = "markdown"


_SUFFIXES = {".html": ReportFormat.html, ".htm": ReportFormat.html,
             ".md": ReportFormat.markdown, ".markdown": ReportFormat.markdown}


OUTPUT = typer.Option(
    None, "--output", "-o", metavar="PATH", show_default=False,
    help="report.html or report.md (the suffix picks the format); '-' for stdout "
         "(Markdown unless --format html). Required.",
)
FORMAT = typer.Option(None, "--format", "-f", help="Override the format the suffix implies.")
IMAGES = typer.Option(
    True, "--images/--no-images",
    help="Markdown only: write the pictures as SVG files beside the report and link them "
         "(--no-images: text only, e.g. for pull-request comments).",
)
MAX_PICTURES = typer.Option(
    30, "--max-pictures", min=0, help="Draw at most this many loops per diagram."
)


@app.command("report")
def report_command(
    files: list[str] = FILES,
    output: str | None = OUTPUT,
    report_format: ReportFormat | None = FORMAT,
    images: bool = IMAGES,
    max_pictures: int = MAX_PICTURES,
    max_length: int = MAX_LENGTH,
    limit: int = LIMIT,
    time_budget: float = TIME_BUDGET,
    focus: list[str] = FOCUS,
    depth: int | None = DEPTH,
    direction: DirectionChoice | None = DIRECTION,
    between: tuple[str, str] | None = BETWEEN,
    loops: list[str] = LOOPS,
    group: list[str] = GROUP,
) -> None:
    """Write a report: the diagram, each loop highlighted and in plain words, a variable table.

    The HTML page is self-contained (no network): hover over or click a loop
    in the table to highlight it in the diagram. Exits 1 when a diagram has
    problems (the report still lists them); a file that cannot be read gives
    no report.

    Examples:

      loopkit report examples/school-fines.yaml -o report.html

      loopkit report examples/*.yaml -o report.md --no-images

      loopkit report map.yaml --focus fines --depth 2 -o fines.html

    With --focus, --between (paths of at most --max-length links), --loops or
    --group the report covers that part of each map and says what it leaves out;
    loop ids stay those of the whole map.
    """
    output = required(output, "'--output' / '-o'", "report")
    from pathlib import Path

    from loopkit.fsutil import atomic_write
    from loopkit.output.report import (
        build_reports,
        default_svg,
        html_report,
        markdown_pictures,
        markdown_report,
    )

    chosen = report_format or _SUFFIXES.get(Path(output).suffix.lower())
    if chosen is None and output == "-":  # stdout: Markdown, the text a terminal or PR wants
        chosen, images = ReportFormat.markdown, False
    if chosen is None:
        raise fail_usage(f"{output}: cannot tell the report format from the name; "
                         "use a .html or .md file or --format html|markdown")
    from dataclasses import replace

    from loopkit.check import CheckOptions, analyse_files

    selection = selection_from(focus=focus, depth=depth, direction=direction, between=between,
                               max_length=None, loops=loops, group=group, collapse=None)
    selection = replace(selection, max_length=max_length)
    results = analyse_files(files, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget), progress=SearchProgress)
    unreadable = [r for r in results if r.diagram is None]
    if unreadable:
        for result in unreadable:
            print_problems(result.all_problems)
        note(f"no report written: {len(unreadable)} file(s) could not be read")
        raise typer.Exit(EXIT_PROBLEMS)
    views = None if selection.empty else _views(results, selection)
    if chosen is ReportFormat.markdown and images and output == "-":
        note("the Markdown report's pictures are files beside it: give -o report.md "
             "to write them; writing text only")
        images = False
    reports = build_reports(results, max_pictures=max_pictures,
                            svg=None if chosen is ReportFormat.markdown and not images
                            else default_svg, views=views)
    stem = Path(output).stem
    text = (html_report(reports) if chosen is ReportFormat.html
            else markdown_report(reports, images=images, picture_stem=stem))
    if output == "-":
        typer.echo(text, nl=False)
    else:
        if chosen is ReportFormat.markdown and images:
            for name, svg in markdown_pictures(reports, stem).items():
                atomic_write(Path(output).parent / name, svg, inputs=files)
        atomic_write(output, text, inputs=files)
        note(f"wrote {output} ({len(reports)} diagram{'s' if len(reports) != 1 else ''}, "
             f"{sum(len(r.analysis.loops) for r in reports)} loops)")
    problems = [p for r in results for p in r.all_problems]
    print_problems(problems)
    raise typer.Exit(EXIT_PROBLEMS if any(not r.ok for r in results) else EXIT_OK)



def _views(results: list[Any], selection: Any) -> list[Any]:
    """Each result cut to the selected part of its map (in place); the views, in order.

    A name one file lacks is a usage error: no report is written.
    """
    from loopkit.output.records import FileResult

    views = []
    for k, result in enumerate(results):
        view, analysis = view_of(result.diagram, result.analysis, selection)
        results[k] = FileResult(result.file, view.diagram, analysis, result.problems)
        views.append(view)
    return views
