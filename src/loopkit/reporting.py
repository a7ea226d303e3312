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


def empty_summary() -> dict[str, Any]:
    return {"total": 0, "reinforcing": 0, "balancing": 0, "undetermined": 0,
            "truncated": False, "reason": None}


def file_record(result: FileResult) -> dict[str, Any]:
    """The JSON shape of one file (documented in the README)."""
    analysis = result.analysis
    return {
        "file": result.file,
        "title": result.diagram.title if result.diagram else None,
        "loops": [loop.to_dict() for loop in analysis.loops] if analysis else [],
        "summary": analysis.summary if analysis else empty_summary(),
        "problems": [p.to_dict() for p in result.all_problems],
    }


def loops_document(results: list[FileResult]) -> dict[str, Any]:
    """The single JSON document ``loopkit loops --format json`` prints."""
    return {"files": [file_record(r) for r in results]}


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
