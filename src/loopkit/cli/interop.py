"""`loopkit import` and `loopkit export`: other tools' formats in and out."""

from __future__ import annotations

from pathlib import Path

import typer

from loopkit.cli.app import app
from loopkit.cli.common import EXIT_OK, FILE, echo_line, fail_usage, required

MAP_TYPE = typer.Option(
    [], "--map-type", metavar="NAME=SIGN",
    help="Kumu: read connection type NAME as + or - (repeatable).")


def _type_map(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, sign = pair.rpartition("=")
        if not sep or not name.strip() or sign.strip() not in ("+", "-", "?"):
            raise fail_usage(f"--map-type/--polarity-map {pair!r}: write it as NAME=+ or "
                             "NAME=- (or NAME=?)")
        out[name.strip()] = sign.strip()
    return out


@app.command("import")
def import_command(
    source: str = typer.Argument(
        ..., metavar="SOURCE",
        help="File to import, '-' for stdin, or a LOOPY link (https://...?data=...)."),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="PATH", help="Diagram YAML to write ('-': stdout)."),
    from_format: str | None = typer.Option(
        None, "--from", metavar="FORMAT",
        help="Format of SOURCE when detection guesses wrong: loopy, vensim, xmile, systo, "
             "graphml, kumu, sdjson, claims, csv, xlsx."),
    map_type: list[str] = MAP_TYPE,
    polarity_map: str | None = typer.Option(
        None, "--polarity-map", metavar="'VALUE=+,VALUE=-,...'",
        help="Kumu: how to read sign values, overriding the convention loopkit detects "
             "(e.g. '--=+,+-=-' for link-end pairs)."),
    link: int | None = typer.Option(
        None, "--link", min=1, metavar="N", help="LOOPY: which link of a page that has several."),
    polarity: str = typer.Option(
        "equations", "--polarity", metavar="equations|drawn",
        help="Vensim/XMILE: which sign wins where the drawn arrow and the equation disagree."),
    keep_initial: bool = typer.Option(
        False, "--keep-initial",
        help="Vensim/XMILE: keep dependencies that act only through an initial value (as ?)."),
    lookup_signs: str = typer.Option(
        "initial", "--lookup-signs", metavar="strict|range|initial",
        help="Vensim/XMILE: sign a lookup that is not monotone never (strict), where its "
             "input's provable range keeps to a monotone part (range), or also by its slope "
             "at the model's initial state (initial, the default; see docs/interop.md)."),
    only_feedback: bool = typer.Option(
        False, "--only-feedback", help="Keep only the variables that lie on a loop."),
    drop_constants: bool = typer.Option(
        False, "--drop-constants",
        help="Vensim/XMILE: drop inputs that are constants or lookup tables."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the summary."),
) -> None:
    """Import a Kumu, LOOPY, Vensim, Stella/XMILE, Systo, SD-JSON or GraphML map, or a CSV of
    interview claims (source,cause,effect,polarity,quote), as a diagram.

    The format is detected from the content (or the extension); anything that
    could not be carried over is summarised on stderr. Unreadable input is one
    `file:line:col` problem and exit code 1.

    Examples:

      loopkit import model.mdl -o diagram.yaml

      loopkit import 'https://ncase.me/loopy/v1.1/?data=[...]' -o loopy.yaml

      loopkit import map.json --map-type "boosts=+" --map-type "hinders=-" -o map.yaml
    """
    from loopkit.fsutil import atomic_write
    from loopkit.interop import FORMATS, import_text, read_source
    from loopkit.interop.yaml_writer import write_yaml
    from loopkit.problems import DiagramError, Problem
    from loopkit.read.load import parse_diagram

    text, name, read_notes = read_source(source)
    options: dict[str, object] = {}
    pairs = [*map_type, *(p for p in (polarity_map or "").split(",") if p.strip())]
    if pairs:
        options["type_map"] = _type_map(pairs)
    if link is not None:
        options["link"] = link
    if polarity not in ("equations", "drawn"):
        raise fail_usage(f"--polarity {polarity!r}: choose equations or drawn")
    if polarity != "equations":
        options["polarity"] = polarity
    if lookup_signs not in ("strict", "range", "initial"):
        raise fail_usage(f"--lookup-signs {lookup_signs!r}: choose strict, range or initial")
    if lookup_signs != "initial":
        options["lookup_signs"] = lookup_signs
    if keep_initial:
        options["keep_initial"] = True
    if drop_constants:
        options["drop_constants"] = True
    if only_feedback:
        options["only_feedback"] = True
    result = import_text(text, name, from_format, **options)
    shown = "a LOOPY link" if name == "<link>" else Path(name).name
    from loopkit.text import one_line

    # one_line: a file name with a newline or escape must not break the YAML comment
    header = [one_line(f"Imported from {shown} ({FORMATS[result.format].title}) by loopkit "
                       "import.")]
    yaml_text = write_yaml(result.diagram, header=header)
    try:  # e.g. a label longer than the --max-label-length limit
        parse_diagram(yaml_text, output if output != "-" else "<output>")
    except DiagramError as error:
        raise DiagramError([Problem(name, 1, 1, f"the imported diagram is not valid: "
                                    f"{p.message}", p.code) for p in error.problems]) from None
    if output == "-":
        typer.echo(yaml_text, nl=False)
    else:
        atomic_write(output, yaml_text, inputs=[] if source == "-" or name == "<link>"
                     else [source])
    if not quiet:
        diagram = result.diagram
        target = "stdout" if output == "-" else output
        echo_line(f"loopkit: imported {len(diagram.variables)} variables and "
                  f"{len(diagram.links)} links from {shown} ({result.format}) to {target}",
                  err=True)
        for note in (*read_notes, *result.notes):
            echo_line(f"  note: {note}", err=True)
    for warning in result.warnings:  # drawn signs the equations contradict: always said
        echo_line(str(warning), err=True)
    raise typer.Exit(EXIT_OK)


@app.command("export")
def export_command(
    file: str = FILE,
    to: str | None = typer.Option(
        None, "--to", "-t", metavar="FORMAT", show_default=False,
        help="mermaid, dot, graphml, csv, xlsx, kumu, loopy or sdjson. Required."),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="PATH",
        help="File to write ('-': stdout). csv writes PATH-elements.csv and "
             "PATH-connections.csv."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print what was lost."),
) -> None:
    """Export a diagram to Mermaid, DOT, GraphML, CSV, Kumu, LOOPY or SD-JSON.

    Files are written atomically and never over the input. What the chosen
    format cannot carry (delays in LOOPY, say) is listed on stderr.

    Examples:

      loopkit export diagram.yaml --to mermaid -o diagram.mmd

      loopkit export diagram.yaml --to loopy        # prints a link to play it in LOOPY

      loopkit export diagram.yaml --to csv -o map.csv
    """
    to = required(to, "'--to' / '-t'", "export")
    from loopkit.fsutil import atomic_write
    from loopkit.interop import get_format, losses
    from loopkit.read.load import load_diagram

    fmt = get_format(to, reading=False)
    diagram = load_diagram(file)
    written = []
    if output == "-":
        if fmt.binary:
            import sys

            if sys.stdout.isatty():
                raise fail_usage(f"{fmt.title} is binary: write it to a file with -o NAME.xlsx")
            sys.stdout.buffer.write(fmt.write(diagram).encode("latin-1"))
            sys.stdout.buffer.flush()
        else:
            typer.echo(fmt.write(diagram), nl=False)
    else:
        target = Path(output)
        for suffix, text in fmt.write_parts(diagram):
            path = target.with_name(f"{target.stem}{suffix}{target.suffix}") if suffix \
                else target
            atomic_write(path, text.encode("latin-1") if fmt.binary else text, inputs=[file])
            written.append(str(path))
    if not quiet:
        lost = losses(diagram, fmt.name)
        if written:
            echo_line(f"loopkit: wrote {', '.join(written)}", err=True)
        if lost:
            echo_line(f"  note: {fmt.title} cannot carry: {', '.join(lost)}", err=True)
    raise typer.Exit(EXIT_OK)
