"""The JSON reporter: one document per run, with a format ``version`` (docs/output.md).

Each record type has one JSON shape, the same for every command that yields
it; commands about one file (``trace``, ``effect``, ``whatif``, ``diff``)
print that record's fields at the top level, the others a ``files`` list.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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
from loopkit.output.stream import Clock, TimedListing, Write, write_chunked

#: The document format version: raised when a field changes meaning or goes away
#: (adding a field does not raise it). Documented in docs/output.md.
VERSION = 1

#: Commands whose document is one record's fields, not a ``files`` list.
SINGLE = frozenset({"trace", "effect", "whatif", "diff"})


def json_output(report: Report) -> str:
    """The whole run as one JSON document, ending in a newline."""
    from loopkit.text import json_document

    return json_document(document(report)) + "\n"


def write_json(report: Report, write: Write, clock: Clock = time.monotonic) -> None:
    """``json_output`` through ``write``; a loop listing (``loops``, ``check``) in pieces,
    each file's record around its streamed loops, within the time its search left."""
    results = report.records
    if report.command not in ("loops", "check") or not results:
        write(json_output(report))
        return
    from loopkit.text import json_document

    write(f'{{\n  "version": {VERSION},\n  "files": [\n')
    for k, result in enumerate(results):
        listing = TimedListing(result, clock)  # this file's writing time starts now
        layout = _indent(json_document(_record(result, report.command)), "    ")
        head = layout[:layout.index(_SENTINEL)]
        write((",\n    " if k else "    ") + head + '\n      "loops": ')
        if result.analysis is None or not len(result.analysis.loops):
            write("[]")
        else:
            write("[\n")
            records = _LoopRecords(result)
            loops = iter(listing) if records.support else listing.raw()
            write_chunked(write, records.pieces(loops))
            write("\n      ]")
        # laid out again after the loops: a listing cut short says so in its summary
        layout = _indent(json_document(_record(result, report.command)), "    ")
        write(layout[layout.index(_SENTINEL) + len(_SENTINEL):])
    write("\n  ]\n}\n")


#: Stands for a file's loop records while the rest of its JSON is laid out: found
#: after a raw newline, which JSON never has inside a string, so no user text can
#: be mistaken for it.
_SENTINEL_VALUE = "\0loopkit\0"
_SENTINEL = '\n      "loops": "\\u0000loopkit\\u0000"'


def _record(result: FileResult, command: str) -> dict[str, Any]:
    record = file_record(result, loops=False)
    record["loops"] = _SENTINEL_VALUE
    if command == "check":
        record["ok"] = result.ok
    return record


def _indent(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix) if prefix else text


class _LoopRecords:
    """One file's loop records as JSON text, as ``json.dumps(indent=2)`` lays them out
    eight spaces in: a template for plain maps, ``json.dumps`` per record otherwise."""

    def __init__(self, result: FileResult) -> None:
        self.result = result
        diagram = result.diagram
        self.support = diagram is not None and any(lk.sources for lk in diagram.links)

    def pieces(self, loops: Iterator[Any]) -> Iterator[str]:
        if self.support:
            yield from self._with_support(loops)
            return
        import json

        from loopkit.analysis.loops import LoopList
        from loopkit.text import json_safe

        quoted: dict[str, str] = {}

        def q(text: str) -> str:
            done = quoted.get(text)
            if done is None:
                done = quoted[text] = json_safe(json.dumps(text, ensure_ascii=False))
            return done

        analysis = self.result.analysis
        loops_list = analysis.loops if analysis is not None else None
        by_vertex = ([q(v) for v in loops_list.variable_ids]
                     if isinstance(loops_list, LoopList) else [])
        kinds = ("reinforcing", "balancing", "undetermined")
        separator = ""
        for loop in loops:
            if type(loop) is tuple:  # a LoopList's found loop: laid out from its numbers
                nodes, kind, number = loop
                variables = ",\n            ".join([by_vertex[v] for v in nodes])
                delays = loops_list.delays_of(nodes)  # type: ignore[union-attr]
                yield (f'{separator}        {{\n          "id": "{"RBU"[kind]}{number}",\n'
                       f'          "name": null,\n'
                       f'          "type": "{kinds[kind]}",\n'
                       f'          "variables": [\n            {variables}\n          ],\n'
                       f'          "length": {len(nodes)},\n'
                       f'          "delays": {delays},\n'
                       '          "declared": false\n'
                       '        }')
                separator = ",\n"
                continue
            variables = ",\n            ".join(map(q, loop.variables))
            yield (f'{separator}        {{\n          "id": {q(loop.id)},\n'
                   f'          "name": {"null" if loop.name is None else q(loop.name)},\n'
                   f'          "type": "{loop.type.value}",\n'
                   f'          "variables": '
                   + (f'[\n            {variables}\n          ]' if variables else "[]")
                   + f',\n          "length": {loop.length},\n'
                   f'          "delays": {loop.delays},\n'
                   f'          "declared": {"true" if loop.declared else "false"}\n'
                   '        }')
            separator = ",\n"

    def _with_support(self, loops: Iterator[Any]) -> Iterator[str]:
        """Records of a merged map's loops, each with its ``support``: ``json.dumps`` each."""
        import json

        from loopkit.text import json_safe

        first = True
        for loop in loops:
            for record in loop_records(self.result, [loop]):
                text = json_safe(json.dumps(record, indent=2, ensure_ascii=False))
                yield ("" if first else ",\n") + "        " + _indent(text, "        ")
                first = False


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


def loop_records(result: FileResult, loops: Any = None) -> list[dict[str, Any]]:
    """Each loop's record (of ``loops``, default all the file's); in a merged map (links
    with ``sources``) with its ``support``."""
    if result.analysis is None:
        return []
    if loops is None:
        loops = result.analysis.loops
    records = [loop.to_dict() for loop in loops]
    if result.diagram is not None and any(lk.sources for lk in result.diagram.links):
        from loopkit.analysis.support import loop_support, merged_from

        total = len(merged_from(result.diagram))
        for record, loop in zip(records, loops, strict=True):
            support = loop_support(loop.links, total)
            if support is not None:
                record["support"] = support.to_dict()
    return records


def file_record(result: FileResult, loops: bool = True) -> dict[str, Any]:
    """The JSON shape of one file of ``loops``/``check``; ``loops=False`` leaves the loop
    records out (an empty list), for a writer that streams them."""
    analysis = result.analysis
    return {
        "file": result.file,
        "title": result.diagram.title if result.diagram else None,
        "loops": loop_records(result) if loops else [],
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
