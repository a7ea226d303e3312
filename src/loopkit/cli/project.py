"""`loopkit init`: start a new diagram file."""

from __future__ import annotations

import typer

from loopkit.cli.app import app
from loopkit.cli.common import note


@app.command("init")
def init_command(
    name: str = typer.Argument(
        None, metavar="[NAME]",
        help="File to create (.yaml is added if missing). Default: diagram.yaml.",
        show_default=False,
    ),
    title: str | None = typer.Option(
        None, "--title", help="Diagram title. Default: from the file name."
    ),
    schema: str | None = typer.Option(
        None, "--schema", metavar="PATH_OR_URL",
        help="Add a '# yaml-language-server: $schema=...' line for editor completion.",
    ),
) -> None:
    """Write a small commented starter diagram (never over an existing file).

    Examples:

      loopkit init

      loopkit init school-fines --schema ../docs/schema.json
    """
    from loopkit.interop.starter import init_diagram

    path = init_diagram(name, title=title, schema=schema)
    note(f"created {path}; next: loopkit check {path}")
