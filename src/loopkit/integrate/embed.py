"""Diagrams inside documentation pages: one reading of a ``loopkit`` block for every docs tool.

A block (a MkDocs fenced block, the body of a Sphinx directive) holds either a
path to a diagram, relative to the page, or the diagram's YAML itself, plus
optional ``key: value`` option lines::

    diagrams/school-fines.yaml
    loop: R1

    loop: R1          # options first, then a line '---', then the YAML
    ---
    variables: ...

``block_svg`` turns a block into inline SVG. Every problem is an
``EmbedError`` whose message is one ``file:line:col: ...`` line: for a
diagram file, its own location; for inline YAML and bad options, the page
and the line inside it, so the docs build fails pointing at what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The options a block may set, with what each means (for the error message).
OPTIONS = {"loop": "a loop id to highlight, e.g. R1", "engine": "neato, dot, sfdp ...",
           "style": "plain, dashed, ... (comma-separated)"}


class EmbedError(Exception):
    """A block that cannot become a picture; ``str()`` is one ``file:line:col:`` line."""


@dataclass(frozen=True)
class Block:
    """A parsed block: where the diagram comes from and the options chosen."""

    path: Path | None
    text: str | None
    text_line: int
    options: dict[str, str]


def parse_block(body: str, page: str, line: int) -> tuple[Block, int]:
    """Read a block's body; ``line`` is the page line of the body's first line.

    Returns the block and the page line of its first option (for messages).
    """
    lines = body.splitlines()
    is_yaml = any(raw.startswith(("variables:", "links:", "title:")) for raw in lines)
    head: list[tuple[int, str]] = []
    rest_start = 0
    if is_yaml:
        if "---" in (raw.strip() for raw in lines):
            cut = [raw.strip() for raw in lines].index("---")
            head = [(line + i, raw) for i, raw in enumerate(lines[:cut])]
            rest_start = cut + 1
        yaml_text = "\n".join(lines[rest_start:]) + "\n"
        path = None
    else:
        content = [(line + i, raw) for i, raw in enumerate(lines) if raw.strip()]
        if not content:
            raise EmbedError(f"{page}:{line}:1: the loopkit block is empty: give a diagram "
                             "file's path (relative to the page) or the diagram's YAML")
        (path_line, path_text), head = content[0], content[1:]
        if ":" in path_text and path_text.split(":", 1)[0].strip() in OPTIONS:
            raise EmbedError(f"{page}:{path_line}:1: the first line of a loopkit block is the "
                             "diagram's path; options come after it")
        path = Path(path_text.strip())
        yaml_text = None
    options: dict[str, str] = {}
    for number, raw in head:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, sep, value = raw.partition(":")
        key = key.strip()
        if not sep or key not in OPTIONS:
            from loopkit.text import suggest

            raise EmbedError(f"{page}:{number}:1: unknown loopkit option {key!r}"
                             f"{suggest(key, list(OPTIONS))} (options: "
                             + "; ".join(f"{k}: {v}" for k, v in OPTIONS.items()) + ")")
        options[key] = value.split("#", 1)[0].strip()
    return Block(path, yaml_text, line + rest_start, options), line


def block_svg(body: str, page: str | Path, line: int, *, id_prefix: str,
              base: Path | None = None) -> str:
    """The inline SVG for one block on PAGE (a file name for messages) at LINE."""
    from loopkit.problems import DiagramError, UsageError
    from loopkit.read.load import load_diagram, parse_diagram

    page_name = str(page)
    block, _ = parse_block(body, page_name, line)
    try:
        if block.path is not None:
            folder = base if base is not None else Path(page_name).parent
            target = block.path if block.path.is_absolute() else folder / block.path
            diagram = load_diagram(target)
        else:
            diagram = parse_diagram(block.text or "", page_name)
    except DiagramError as error:
        first = error.problems[0]
        if block.path is None:  # inline YAML: its lines are lines of the page
            raise EmbedError(f"{page_name}:{block.text_line + first.line - 1}:{first.column}: "
                             f"{first.message}") from None
        raise EmbedError(str(first)) from None
    except UsageError as error:
        raise EmbedError(f"{page_name}:{line}:1: {error}") from None
    return _draw(diagram, block, page_name, line, id_prefix)


def _draw(diagram: object, block: Block, page: str, line: int, id_prefix: str) -> str:
    from loopkit.analysis.loops import analyse_loops
    from loopkit.render import RenderError, render_svg

    analysis = analyse_loops(diagram)  # type: ignore[arg-type]
    loop = block.options.get("loop")
    if loop is not None and loop not in {lp.id for lp in analysis.loops}:
        from loopkit.text import suggest

        ids = [lp.id for lp in analysis.loops]
        raise EmbedError(f"{page}:{line}:1: the diagram has no loop {loop!r}"
                         f"{suggest(loop, ids)}")
    style = [s.strip() for s in block.options.get("style", "").split(",") if s.strip()]
    try:
        return render_svg(diagram, analysis, highlight=loop,  # type: ignore[arg-type]
                          engine=block.options.get("engine", "neato"), style=style or None,
                          id_prefix=id_prefix)
    except (RenderError, ValueError) as error:
        raise EmbedError(f"{page}:{line}:1: cannot draw the diagram: {error}") from None


def html_figure(svg: str) -> str:
    """SVG wrapped for a page: one block with no blank line (Markdown keeps it whole)."""
    body = "\n".join(row for row in svg.splitlines() if row.strip())
    return f'<div class="loopkit-diagram">\n{body}\n</div>'
