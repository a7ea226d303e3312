"""`loopkit render`: pictures of diagrams (SVG, PNG, DOT, PDF), checked or watched."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from loopkit.cli.app import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    FILES,
    echo_line,
    fail_usage,
    note,
    print_problems,
)
from loopkit.cli.focus_options import (
    BETWEEN,
    COLLAPSE,
    DEPTH,
    DIRECTION,
    FOCUS,
    GROUP,
    LOOPS,
    PATH_LENGTH,
    CollapseChoice,
    DirectionChoice,
    selection_flags,
    selection_from,
)


class RenderFormat(StrEnum):
    svg = "svg"
    png = "png"
    dot = "dot"
    pdf = "pdf"


class Engine(StrEnum):
    neato = "neato"
    dot = "dot"
    circo = "circo"
    fdp = "fdp"


class RendererChoice(StrEnum):
    pure = "pure"
    system = "system"


OUTPUT = typer.Option(
    None, "--output", "-o", metavar="PATH",
    help="Output file, or - for standard output (one input file only). "
         "Default: the input path with the format's suffix.")
FORMAT = typer.Option(
    None, "--format", "-f",
    help="Output format (default: from the -o suffix, else svg). pdf needs --renderer system.")
ENGINE = typer.Option(Engine.neato, "--engine", help="Graphviz layout engine.")
RENDERER = typer.Option(
    None, "--renderer",
    help="pure: the pip-installed graphviz-pure (default); system: Graphviz's dot on PATH. "
         "Also $LOOPKIT_RENDERER.")
LOOP = typer.Option(
    None, "--loop", metavar="ID", help="Highlight one loop (e.g. R1); fade the rest.")
EACH_LOOP = typer.Option(
    None, "--each-loop", metavar="DIR",
    help="Write one picture per loop into DIR, as <name>-<loop>.<format>.")
CHECK = typer.Option(
    False, "--check",
    help="Write nothing; exit 1 naming every output that is missing or out of date.")
WATCH = typer.Option(False, "--watch", help="Render again whenever a file is saved.")
STYLE = typer.Option(
    [], "--style", metavar="NAME",
    help="Repeatable: dashed (negative links dashed), mono (no colour), boxes "
         "(outline variables), plain (no group colours), no-legend, support (link width "
         "by how many merged maps drew it).")


class StatsFormat(StrEnum):
    text = "text"
    json = "json"


STATS = typer.Option(
    None, "--stats", metavar="FORMAT",
    help="Also print layout metrics read from the final picture (text or json): overlaps, "
         "links through variables and texts, crossings, badges inside their loops. "
         "On standard output, or standard error when the picture goes there.")
ALT = typer.Option(
    False, "--alt",
    help="Also write a text alternative beside each picture: NAME.alt.txt (alt text) and "
         "NAME.desc.md (a long description: loops in words, every link, groups).")
TIME_BUDGET = typer.Option(
    20.0, "--time-budget", min=0.5,
    help="Seconds a render may take; curved links fall back to routed ones on time.")


@app.command("render")
def render_command(
    files: list[str] = FILES,
    output: str | None = OUTPUT,
    output_format: RenderFormat | None = FORMAT,
    engine: Engine = ENGINE,
    renderer: RendererChoice | None = RENDERER,
    loop: str | None = LOOP,
    each_loop: str | None = EACH_LOOP,
    check: bool = CHECK,
    watch: bool = WATCH,
    style: list[str] = STYLE,
    alt: bool = ALT,
    time_budget: float = TIME_BUDGET,
    stats: StatsFormat | None = STATS,
    focus: list[str] = FOCUS,
    depth: int | None = DEPTH,
    direction: DirectionChoice | None = DIRECTION,
    between: tuple[str, str] | None = BETWEEN,
    max_length: int | None = PATH_LENGTH,
    loops: list[str] = LOOPS,
    group: list[str] = GROUP,
    collapse: CollapseChoice | None = COLLAPSE,
) -> None:
    """Draw causal loop diagrams: signs at arrowheads, || on delays, loop badges.

    Examples:

      loopkit render examples/school-fines.yaml

      loopkit render diagram.yaml -o - --format png > diagram.png

      cat diagram.yaml | loopkit render - > diagram.svg

      loopkit render --loop R1 diagram.yaml -o r1.svg

      loopkit render --check examples/*.yaml

      loopkit render --alt diagram.yaml   # also diagram.alt.txt and diagram.desc.md

      loopkit render map.yaml --focus obesity --depth 2 -o near-obesity.svg

      loopkit render map.yaml --collapse groups -o overview.svg
    """
    from loopkit.render.dotsource import Style

    fmt = (output_format.value if output_format is not None
           else _format_from_suffix(output) or "svg")
    if "-" in files:  # standard input has no path to write beside
        if watch:
            raise fail_usage("--watch cannot watch standard input (-); give the file")
        if output is None and (len(files) > 1 or each_loop is not None or check):
            raise fail_usage("a diagram read from standard input (-) needs -o PATH")
        output = "-" if output is None else output
    if output is not None and len(files) > 1:
        raise fail_usage("-o/--output takes one input file; leave it out to write "
                         "each picture next to its file")
    if output is not None and each_loop is not None:
        raise fail_usage("use either -o/--output or --each-loop, not both")
    if loop is not None and each_loop is not None:
        raise fail_usage("use either --loop or --each-loop, not both")
    if watch and (check or output == "-"):
        raise fail_usage("--watch writes files: it cannot be combined with --check or -o -")
    if check and output == "-":
        raise fail_usage("--check compares files: give -o PATH, not -o -")
    if alt and output == "-":
        raise fail_usage("--alt writes files beside the picture: give -o PATH, not -o -")
    if output == "-" and fmt in ("png", "pdf") and sys.stdout.isatty():
        raise fail_usage(f"not writing {fmt.upper()} to a terminal; redirect it "
                         f"(> file.{fmt}) or use -o FILE")
    try:
        look = Style.parse(style)
    except ValueError as error:
        raise fail_usage(str(error)) from None
    selection = selection_from(focus=focus, depth=depth, direction=direction, between=between,
                               max_length=max_length, loops=loops, group=group,
                               collapse=collapse)
    options: dict[str, Any] = {
        "selection": selection,
        "fmt": fmt, "output": output, "each_loop": each_loop, "highlight": loop,
        "engine": engine.value, "renderer": renderer.value if renderer else None,
        "style": look, "time_budget": time_budget, "alt": alt,
        "stats": stats.value if stats is not None else None,
    }
    if fmt == "pdf" or renderer is not None:
        from loopkit.render.graphviz import choose_renderer

        choose_renderer(options["renderer"]).require(fmt if fmt != "dot" else "svg")
    code = _render_all(files, check=check, **options)
    if not watch:
        raise typer.Exit(code)
    _watch(files, options)


def _format_from_suffix(output: str | None) -> str | None:
    if output is None or output == "-":
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in RenderFormat.__members__ else None


def _render_all(files: list[str], *, check: bool, **options: Any) -> int:
    """Render (or check) each file; returns the exit code."""
    from loopkit.check import load_files

    code = EXIT_OK
    for path, diagram, problems in load_files(files):
        if diagram is None:
            print_problems(problems)
            code = max(code, EXIT_PROBLEMS)
            continue
        code = max(code, _render_one(path, diagram, check=check, **options))
    return code


def _render_one(path: str, diagram: Any, *, check: bool, **options: Any) -> int:
    import time

    from loopkit.analysis.loops import analyse_loops
    from loopkit.render import ANALYSIS_SHARE
    from loopkit.render.files import plan_outputs, stale_outputs, write_outputs
    from loopkit.text import suggest

    started = time.monotonic()
    selection = options.get("selection")
    view = None
    if selection is not None and not selection.empty and not selection.loops:
        # names are checked before the loop search: a typo costs nothing
        from loopkit.analysis.focus import SelectionError, select

        try:
            view = select(diagram, selection)
        except SelectionError as error:
            fail_usage(str(error))
            return EXIT_USAGE
    # The loop search is part of the render: it gets a share of the budget, the
    # drawing what is left. It runs on the whole map, so a view keeps its loop ids.
    budget = options["time_budget"]
    if view is not None and view.collapsed:
        from loopkit.analysis.loops import LoopAnalysis

        analysis = LoopAnalysis(diagram, [])  # an overview draws no loops: none searched
    else:
        analysis = analyse_loops(diagram, time_budget=budget * ANALYSIS_SHARE)
    if analysis.truncated:
        note(f"{path}: note: loop search stopped ({analysis.reason}): links name only the "
             "loops found")
    options = {**options, "time_budget": max(budget - (time.monotonic() - started), 0.1)}
    full_ids = {lp.id for lp in analysis.loops}
    if selection is not None and selection.loops:
        from loopkit.analysis.focus import SelectionError, select

        try:
            view = select(diagram, selection, analysis)
        except SelectionError as error:
            fail_usage(str(error))
            return EXIT_USAGE
    if view is not None:
        from loopkit.analysis.focus import view_analysis

        diagram, analysis = view.diagram, view_analysis(view, analysis)
    options["view"] = view
    highlight = options["highlight"]
    if highlight is not None and view is not None and highlight in full_ids and \
            highlight not in {lp.id for lp in analysis.loops}:
        fail_usage(f"{path}: loop '{highlight}' is not wholly inside this view "
                   f"({view.what}); loops in it: "
                   + (", ".join(lp.id for lp in analysis.loops[:12]) or "none"))
        return EXIT_USAGE
    if highlight is not None and highlight not in {lp.id for lp in analysis.loops}:
        ids = [lp.id for lp in analysis.loops]
        echo_line(f"loopkit: error: {path}: no loop '{highlight}'{suggest(highlight, ids)}"
                  f" (loops: {', '.join(ids[:12]) or 'none'}"
                  f"{', ...' if len(ids) > 12 else ''})", err=True)
        return EXIT_USAGE
    stats = options.pop("stats", None)
    outputs = plan_outputs(path, diagram, analysis,
                           **{k: v for k, v in options.items() if k not in ("alt", "selection")})
    pictures = len(outputs)
    if options.get("alt"):
        outputs += _alt_outputs(diagram, analysis, outputs, view)
    for remark in dict.fromkeys(remark for out in outputs for remark in out.notes):
        note(f"{path}: note: {remark}")
    if check:
        stale = stale_outputs(outputs)
        for target, why in stale:
            echo_line(f"{target}: {why} (run: loopkit render {path}"
                      f"{_flags_hint(options)})", err=True)
        if not stale:
            note(f"{path}: pictures up to date")
        return EXIT_PROBLEMS if stale else EXIT_OK
    if stats is not None and not check:
        _print_stats(path, diagram, analysis, outputs[:pictures], stats, options)
    if outputs and outputs[0].path is None:
        sys.stdout.buffer.write(outputs[0].data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    folders = [options["each_loop"]] if options["each_loop"] else []
    write_outputs(outputs, [path], folders)
    elapsed = time.monotonic() - started
    where = options["each_loop"] if options["each_loop"] else outputs[0].path
    what = f"{pictures} pictures in " if options["each_loop"] else ""
    also = " with .alt.txt and .desc.md text alternatives" if options.get("alt") else ""
    note(f"{path}: wrote {what}{where}{also} ({elapsed:.2f} s)")
    return EXIT_OK


def _print_stats(path: str, diagram: Any, analysis: Any, outputs: list[Any], fmt: str,
                 options: dict[str, Any]) -> None:
    """Layout metrics of each picture, measured on its final SVG."""
    from loopkit.render import render
    from loopkit.render.metrics import format_metrics, measure_svg
    from loopkit.text import json_document, one_line

    loops = {lp.id: lp.variables for lp in analysis.loops}
    records = []
    for out in outputs:
        svg = out.data if options["fmt"] == "svg" else render(
            diagram, "svg", analysis, highlight=out.loop, engine=options["engine"],
            renderer=options["renderer"], style=options["style"],
            time_budget=options["time_budget"], view=options.get("view"))
        metrics = measure_svg(svg, loops)
        records.append((out, metrics))
    to_stderr = any(out.path is None for out in outputs)
    if fmt == "json":
        text = json_document([{"file": path, "output": out.path, "loop": out.loop,
                               **metrics.as_dict()} for out, metrics in records])
    else:
        lines = []
        for out, metrics in records:
            lines.append(f"{path}" + (f" ({out.loop})" if out.loop else "") + ":")
            lines += [f"  {line}" for line in format_metrics(metrics)]
            lines += [f"  - {problem}" for problem in metrics.problems]
        text = "\n".join(one_line(line) for line in lines)
    typer.echo(text, err=to_stderr)


def _alt_outputs(diagram: Any, analysis: Any, pictures: list[Any],
                 view: Any = None) -> list[Any]:
    """``NAME.alt.txt`` and ``NAME.desc.md`` beside each picture (``--alt``)."""
    from loopkit.output.report.alt import alt_text, long_description
    from loopkit.render.files import Output

    out = []
    for picture in pictures:
        if picture.path is None:
            continue
        stem = Path(picture.path).with_suffix("")
        out += [Output(f"{stem}.alt.txt",
                       (alt_text(diagram, analysis, picture.loop, view=view) + "\n")
                       .encode("utf-8"), picture.loop),
                Output(f"{stem}.desc.md",
                       long_description(diagram, analysis, picture.loop, view=view)
                       .encode("utf-8"), picture.loop)]
    return out


def _flags_hint(options: dict[str, Any]) -> str:
    """The flags that reproduce an output, for the --check message."""
    parts = []
    if options["fmt"] != "svg":
        parts.append(f" --format {options['fmt']}")
    if options["output"]:
        parts.append(f" -o {options['output']}")
    if options["each_loop"]:
        parts.append(f" --each-loop {options['each_loop']}")
    if options["highlight"]:
        parts.append(f" --loop {options['highlight']}")
    if options["engine"] != "neato":
        parts.append(f" --engine {options['engine']}")
    if options.get("alt"):
        parts.append(" --alt")
    parts += selection_flags(options.get("selection"))
    return "".join(parts)


def _watch(files: list[str], options: dict[str, Any]) -> None:
    import threading

    from loopkit.cli.common import report_error
    from loopkit.render.watch import watch_files

    def again(changed: list[str]) -> None:
        try:
            _render_all(changed, check=False, **options)
        except Exception as error:  # keep watching after a bad save
            report_error(error)

    note(f"watching {len(files)} file{'s' if len(files) != 1 else ''}; press Ctrl+C to stop")
    stop = threading.Event()
    try:
        watch_files(files, again, stop=stop)
    except KeyboardInterrupt:
        stop.set()
    raise typer.Exit(EXIT_OK)
