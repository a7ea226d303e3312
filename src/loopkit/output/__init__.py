"""Reporters: every command's ``Report`` printed as text, JSON, Markdown, GitHub or SARIF.

``FORMATS`` is the one list of ``--format`` names; ``format_report`` turns a report
into the document of a machine format (text needs a terminal: ``output.text``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loopkit.output.records import Report

#: ``--format`` names of every analysis command (``auto``: github under GitHub Actions).
FORMATS = ("text", "json", "markdown", "github", "sarif")


def resolve_format(name: str, environ: Mapping[str, str]) -> str:
    """``auto`` means ``github`` inside GitHub Actions, ``text`` anywhere else."""
    if name != "auto":
        return name
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def write_report(report: Report, fmt: str, write: Callable[[str], object]) -> None:
    """``report`` in the machine format ``fmt`` through ``write``: a long loop listing
    (JSON, Markdown) in pieces, within the time its search left."""
    if fmt == "json":
        from loopkit.output.json import write_json

        write_json(report, write)
    elif fmt == "markdown":
        from loopkit.output.markdown import write_markdown

        write_markdown(report, write)
    else:
        write(format_report(report, fmt))


def format_report(report: Report, fmt: str) -> str:
    """``report`` as one document in the machine format ``fmt`` (not ``text``)."""
    if fmt == "json":
        from loopkit.output.json import json_output

        return json_output(report)
    if fmt == "markdown":
        from loopkit.output.markdown import markdown_output

        return markdown_output(report)
    if fmt == "github":
        from loopkit.output.github import github_output

        return github_output(report)
    if fmt == "sarif":
        from loopkit.output.sarif import sarif_output

        return sarif_output(report)
    raise ValueError(f"unknown output format '{fmt}' (known: {', '.join(FORMATS)})")
