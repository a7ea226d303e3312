"""The SARIF 2.1.0 reporter, for GitHub code scanning and other SARIF viewers.

One run of the ``loopkit`` driver: a rule per problem code found (id = the
code, with one line of help), a result per problem with its level, message
and location (a relative URI, the region from line and column to the end of
the span when known). Bounds that stopped a search are tool notifications,
since they are about the run, not about a place in a file. The document is
checked against the official SARIF 2.1.0 schema in tests.
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from loopkit.output import words
from loopkit.output.records import Report
from loopkit.problems import Problem, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_output(report: Report) -> str:
    """The whole run as one SARIF log, ending in a newline."""
    from loopkit.text import json_document

    return json_document(sarif_log(report)) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    from loopkit import __version__

    problems = report.problems
    codes = sorted({p.code for p in problems})
    index = {code: i for i, code in enumerate(codes)}
    rules = [{"id": code, "shortDescription": {"text": words.code_help(code)},
              "help": {"text": words.code_help(code)}} for code in codes]
    notes = [{"level": "warning", "message": {"text": f"{record.file}: "
                                              f"{words.stopped_early(analysis.reason)}"}}
             for record in report.records
             if (analysis := getattr(record, "analysis", None)) is not None
             and analysis.truncated]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "loopkit", "version": __version__,
                                "informationUri": "https://pypi.org/project/loopkit-cld/",
                                "rules": rules}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": [_result(p, index[p.code]) for p in problems],
        }],
    }


def artifact_uri(path: str) -> str:
    """A file name as a relative URI reference (``dir/my%20map.yaml``).

    Every character outside the URI's unreserved set and ``/`` is
    percent-encoded (``:`` too), so a name cannot add a scheme, a query or a
    fragment; a path starting ``//`` (the same file as ``/``) would name a host,
    so it starts with one slash.
    """
    uri = quote(PurePath(path).as_posix(), safe="/")
    return "/" + uri.lstrip("/") if uri.startswith("//") else uri


def artifact_location(path: str, root: str | None = None) -> dict[str, str]:
    """Where a problem's file is, as code scanning reads it: relative to ``%SRCROOT%``.

    An absolute name inside ``root`` (default: the working folder, where CI runs
    from the checkout) is made relative to it; one outside it stays absolute
    and gets no base, since it is not in the repository. ``<stdin>`` stays as is.
    """
    pure = PurePath(path)
    if pure.is_absolute():
        base = PurePath(root if root is not None else os.getcwd())
        try:
            pure = pure.relative_to(base)
        except ValueError:
            return {"uri": artifact_uri(path)}
    return {"uri": artifact_uri(str(pure)), "uriBaseId": "%SRCROOT%"}


def _result(problem: Problem, rule_index: int) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(problem.line, 1),
                              "startColumn": max(problem.column, 1)}
    if problem.end_line is not None:
        region["endLine"] = problem.end_line
    if problem.end_column is not None:
        region["endColumn"] = problem.end_column
    return {
        "ruleId": problem.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[problem.severity],
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(problem.file),
            "region": region,
        }}],
    }
