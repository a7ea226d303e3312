"""`loopkit merge`: several maps of one situation into one (library: ``loopkit.analysis.merge``)."""

from __future__ import annotations

import typer

from loopkit.cli.app import app
from loopkit.cli.common import EXIT_OK, EXIT_PROBLEMS, FILES, fail_usage, note, print_problems


@app.command("merge")
def merge_command(
    files: list[str] = FILES,
    output: str = typer.Option(
        "-", "--output", "-o", metavar="PATH", help="Merged diagram YAML to write ('-': stdout)."),
    synonyms: str | None = typer.Option(
        None, "--synonyms", metavar="FILE",
        help="Ids that name one idea: one line per idea, 'merged_id = id, id, ...'."),
    prefer: str | None = typer.Option(
        None, "--prefer", metavar="FILE",
        help="Settle conflicting signs and delays in this map's favour (one of the inputs)."),
    suggest: bool = typer.Option(
        False, "--suggest-synonyms",
        help="Print synonyms-file lines for variables with similar labels, to confirm by hand."),
) -> None:
    """Merge maps of one situation into one, recording which maps drew each link.

    Every link of the merged map lists its `sources` (the file names of the
    maps that drew it). Opposite signs for one link, or a delay in one map and
    not another, are reported as `file:line:col` problems naming both files;
    the merged link is `?` until someone decides, or --prefer settles it. The
    merged map is still written; the exit code is 1 while conflicts remain.

    Examples:

      loopkit merge a.yaml b.yaml --suggest-synonyms > synonyms.txt

      loopkit merge a.yaml b.yaml --synonyms synonyms.txt -o merged.yaml

      loopkit merge a.yaml b.yaml --synonyms synonyms.txt --prefer a.yaml -o merged.yaml
    """
    from loopkit.analysis.merge import (
        NO_SYNONYMS,
        load_synonyms,
        merge_diagrams,
        source_names,
        suggest_synonyms,
    )
    from loopkit.fsutil import atomic_write, same_file
    from loopkit.interop.yaml_writer import write_yaml
    from loopkit.problems import DiagramError
    from loopkit.read.load import load_diagram, parse_diagram

    diagrams, problems = [], []
    for path in files:
        try:
            diagrams.append(load_diagram(path))
        except DiagramError as error:
            problems += error.problems
    if problems:
        print_problems(problems)
        raise typer.Exit(EXIT_PROBLEMS)
    names = source_names(files)
    known = sorted({v.id for d in diagrams for v in d.variables})
    table = load_synonyms(synonyms, known) if synonyms else NO_SYNONYMS
    preferred = None
    if prefer is not None:
        matches = [i for i, path in enumerate(files)
                   if prefer in (path, names[i]) or same_file(prefer, path)]
        if not matches:
            raise fail_usage(f"--prefer {prefer}: not one of the maps being merged "
                             f"({', '.join(names)})")
        preferred = matches[0]

    if suggest:
        found, truncated = suggest_synonyms(diagrams, table, names)
        typer.echo("# Suggested synonyms (loopkit merge --suggest-synonyms): keep the lines "
                   "that name one idea,\n# then pass this file to --synonyms.")
        for item in found:
            typer.echo(item.line())
        note(f"loopkit: {len(found)} suggestion(s) from {len(diagrams)} maps"
             + (" (stopped at the comparison limit: not every pair was compared)"
                if truncated else ""))
        raise typer.Exit(EXIT_OK)

    result = merge_diagrams(diagrams, table, prefer=preferred, names=names)
    from loopkit.text import one_line

    header = [one_line(f"Merged from {', '.join(names)} by loopkit merge.")]
    target = output if output != "-" else "<output>"
    yaml_text = write_yaml(result.diagram, header=header)
    parse_diagram(yaml_text, target)  # the merged map must read back (limits included)
    if output == "-":
        typer.echo(yaml_text, nl=False)
    else:
        atomic_write(output, yaml_text, inputs=[*files, *([synonyms] if synonyms else [])])
    print_problems(result.problems)
    diagram = result.diagram
    shared = sum(1 for lk in diagram.links if len(lk.sources) > 1)
    summary = (f"loopkit: merged {len(diagrams)} maps into {len(diagram.variables)} variables "
               f"and {len(diagram.links)} links ({shared} drawn by more than one map)")
    if result.conflicted:
        summary += f"; {result.conflicted} conflicting link(s) left for you to decide"
    if result.settled:
        summary += f"; {result.settled} conflict(s) settled by --prefer {names[preferred or 0]}"
    note(summary + ("" if output == "-" else f"; wrote {output}"))
    for line in result.notes:
        note(f"  note: {line}")
    raise typer.Exit(EXIT_PROBLEMS if result.problems else EXIT_OK)
