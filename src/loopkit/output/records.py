"""Per-file results as plain records, from which every output format is built.

One record list (like sqlfluff's) means text, JSON, Markdown and CI
annotations always agree. No terminal or colour code here: ``cli`` formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loopkit.analysis.loops import LoopAnalysis
from loopkit.model import Diagram
from loopkit.problems import Problem, Severity


@dataclass
class FileResult:
    """What happened to one input file: its diagram and analysis if it loaded."""

    file: str
    diagram: Diagram | None = None
    analysis: LoopAnalysis | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def all_problems(self) -> list[Problem]:
        extra = self.analysis.problems if self.analysis else []
        return sorted([*self.problems, *extra])

    @property
    def ok(self) -> bool:
        """True when nothing about this file should fail a CI job."""
        return not self.failed and not (self.analysis is not None and self.analysis.failed)

    @property
    def declared(self) -> int:
        """How many of the loops found were declared in the file."""
        if self.analysis is None:
            return 0
        from loopkit.analysis.loops import LoopList

        if isinstance(self.analysis.loops, LoopList):
            return len(self.analysis.loops.declared)
        return sum(1 for loop in self.analysis.loops if loop.declared)

    @property
    def labels(self) -> dict[str, str]:
        """Variable id -> label, for writing loops in words."""
        return {v.id: v.label for v in self.diagram.variables} if self.diagram else {}


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
    """The JSON shape of one file (documented in the README); ``loops=False`` leaves the
    loop records out (an empty list), for a writer that streams them."""
    analysis = result.analysis
    return {
        "file": result.file,
        "title": result.diagram.title if result.diagram else None,
        "loops": loop_records(result) if loops else [],
        "summary": analysis.summary if analysis else empty_summary(),
        "problems": [p.to_dict() for p in result.all_problems],
    }


def loops_document(results: list[FileResult]) -> dict[str, Any]:
    """The single JSON document ``loopkit loops``/``check --format json`` print."""
    return {"files": [file_record(r) for r in results]}


def check_document(results: list[FileResult]) -> dict[str, Any]:
    """``loopkit check --format json``: the loops records plus each file's verdict."""
    return {"files": [{**file_record(r), "ok": r.ok} for r in results]}


def check_line(result: FileResult) -> str:
    """``file: ok (5 loops, 5 declared)`` or ``file: 2 problems`` for one checked file."""
    if result.ok and result.analysis is not None:
        total = result.analysis.summary["total"]
        return f"{result.file}: ok ({total} loops, {result.declared} declared)"
    count = len(result.all_problems)
    return f"{result.file}: {count} problem{'s' if count != 1 else ''}"


def summary_sentence(summary: dict[str, Any]) -> str:
    """``5 loops: 3 reinforcing, 2 balancing`` (+ undetermined, + why it stopped)."""
    total = summary["total"]
    parts = [f"{summary['reinforcing']} reinforcing", f"{summary['balancing']} balancing"]
    if summary["undetermined"]:
        parts.append(f"{summary['undetermined']} undetermined")
    text = f"{total} loop{'s' if total != 1 else ''}: {', '.join(parts)}"
    if summary["truncated"]:
        text += f" (stopped early: {summary['reason']})"
    return text
