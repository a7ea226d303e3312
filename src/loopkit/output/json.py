"""The JSON reporter: one document per run, with a format ``version`` (docs/output.md).

Each record type has one JSON shape, the same for every command that yields
it; commands about one file (``trace``, ``effect``, ``whatif``, ``diff``)
print that record's fields at the top level, the others a ``files`` list.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from loopkit.output.records import (
    ArchetypeResult,
    DiffResult,
    EffectResult,
    FileResult,
    LintResult,
    RenderCheckResult,
    Report,
    TraceResult,
    WhatIfResult,
)

#: The document format version: raised when a field changes meaning or goes away
#: (adding a field does not raise it). Documented in docs/output.md.
VERSION = 1

#: Commands whose document is one record's fields, not a ``files`` list.
SINGLE = frozenset({"trace", "effect", "whatif", "diff"})


def json_output(report: Report) -> str:
    """The whole run as one JSON document, ending in a newline."""
    from loopkit.text import json_document

    return json_document(document(report)) + "\n"


def document(report: Report) -> dict[str, Any]:
    """The JSON document of ``report`` as plain data."""
    records = [data for data in (record_data(r, report.command) for r in report.records)
               if data is not None]
    if report.command in SINGLE and len(records) == 1:
        return {"version": VERSION, **records[0]}
    return {"version": VERSION, "files": records}


@singledispatch
def record_data(record: Any, command: str) -> dict[str, Any] | None:
    """One record as plain data (None: the record has no JSON form, e.g. an unreadable file)."""
    raise TypeError(f"no JSON form for {type(record).__name__}")


def empty_summary() -> dict[str, Any]:
    return {"total": 0, "reinforcing": 0, "balancing": 0, "undetermined": 0,
            "truncated": False, "reason": None}


def _loop_records(result: FileResult) -> list[dict[str, Any]]:
    """Each loop's record; in a merged map (links with ``sources``) with its ``support``."""
    if result.analysis is None:
        return []
    records = [loop.to_dict() for loop in result.analysis.loops]
    if result.diagram is not None and any(lk.sources for lk in result.diagram.links):
        from loopkit.analysis.support import loop_support, merged_from

        total = len(merged_from(result.diagram))
        for record, loop in zip(records, result.analysis.loops, strict=True):
            support = loop_support(loop.links, total)
            if support is not None:
                record["support"] = support.to_dict()
    return records


def file_record(result: FileResult) -> dict[str, Any]:
    """The JSON shape of one file of ``loops``/``check``."""
    analysis = result.analysis
    return {
        "file": result.file,
        "title": result.diagram.title if result.diagram else None,
        "loops": _loop_records(result),
        "summary": analysis.summary if analysis else empty_summary(),
        "problems": [p.to_dict() for p in result.all_problems],
    }


@record_data.register
def _(record: FileResult, command: str) -> dict[str, Any]:
    data = file_record(record)
    if command == "check":
        data["ok"] = record.ok
    return data


@record_data.register
def _(record: LintResult, command: str) -> dict[str, Any] | None:
    report = record.report
    if report is None:
        return None
    return {"file": record.file, "rules": list(report.rules),
            "problems": [p.to_dict() for p in report.problems],
            "truncated": report.truncated, "reason": report.reason}


@record_data.register
def _(record: ArchetypeResult, command: str) -> dict[str, Any]:
    return record.report.to_dict()


@record_data.register
def _(record: TraceResult, command: str) -> dict[str, Any]:
    return {"file": record.file, "variable": record.variable, "depth": record.depth,
            "trees": [{"direction": t.direction, "nodes": t.nodes, "truncated": t.truncated,
                       "reason": t.reason, "root": t.root.to_dict()} for t in record.trees]}


@record_data.register
def _(record: EffectResult, command: str) -> dict[str, Any]:
    from loopkit.output.words import effect_sentence

    data = record.effect.to_dict()
    data["sentence"] = effect_sentence(record.effect, record.labels)
    return {"file": record.file, **data}


@record_data.register
def _(record: WhatIfResult, command: str) -> dict[str, Any]:
    return {"file": record.file, **record.whatif.to_dict()}


@record_data.register
def _(record: DiffResult, command: str) -> dict[str, Any]:
    return record.diff.to_dict()


@record_data.register
def _(record: RenderCheckResult, command: str) -> dict[str, Any]:
    return {"file": record.file, "ok": not record.all_problems,
            "stale": [{"path": s.path, "why": s.why} for s in record.stale],
            "command": record.command,
            "problems": [p.to_dict() for p in record.all_problems]}
