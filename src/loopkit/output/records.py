"""What each command found, as plain records, from which every output format is built.

Every analysis command yields a ``Report``: its name and a list of records
(one per file, or one for a two-file ``diff``). Every reporter in
``loopkit.output`` (text, json, markdown, github, sarif) prints any record
list, so the formats always agree (like sqlfluff's one record list). Each
record offers ``file`` and ``all_problems``; the rest is typed data, no prose
(``output.words`` holds the sentences) and no terminal code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from loopkit.analysis.loops import LoopAnalysis
from loopkit.model import Diagram
from loopkit.problems import Problem, Severity

if TYPE_CHECKING:
    from loopkit.analysis.archetypes.records import ArchetypeReport
    from loopkit.analysis.diff import DiagramDiff
    from loopkit.analysis.lint import LintReport
    from loopkit.analysis.trace import Effect, Tree, WhatIf


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


@dataclass
class LintResult:
    """``loopkit lint`` for one file: its findings, or (``report`` None) why it could not load."""

    file: str
    report: LintReport | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def all_problems(self) -> list[Problem]:
        return sorted([*self.problems, *(self.report.problems if self.report else [])])


@dataclass
class ArchetypeResult:
    """``loopkit archetypes`` for one file, with the text options that shape its listing."""

    file: str
    report: ArchetypeReport
    labels: dict[str, str]
    #: How many matches the text lists in full (None: all); the rest are counted.
    shown: int | None = 5

    @property
    def all_problems(self) -> list[Problem]:
        return []


@dataclass
class TraceResult:
    """``loopkit trace``: the cause and/or use trees of one variable."""

    file: str
    variable: str
    depth: int
    trees: list[Tree]
    labels: dict[str, str]

    @property
    def all_problems(self) -> list[Problem]:
        return []


@dataclass
class EffectResult:
    """``loopkit effect``: every path from one variable to another and their verdict."""

    file: str
    effect: Effect
    labels: dict[str, str]
    show_paths: bool = True

    @property
    def all_problems(self) -> list[Problem]:
        return []


@dataclass
class WhatIfResult:
    """``loopkit whatif``: what moves after one push, and which loops respond."""

    file: str
    whatif: WhatIf
    labels: dict[str, str]
    max_loops: int | None = None

    @property
    def all_problems(self) -> list[Problem]:
        return []


@dataclass
class DiffResult:
    """``loopkit diff``: what changed between two versions (``file`` is the new one)."""

    diff: DiagramDiff
    #: What ``--fail-on-*`` found (``1 new loop(s)``); non-empty fails the command.
    failures: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.diff.new.path

    @property
    def all_problems(self) -> list[Problem]:
        return []


@dataclass
class StalePicture:
    """A picture ``render --check`` found missing or out of date, and why."""

    path: str
    why: str


@dataclass
class RenderCheckResult:
    """``loopkit render --check`` for one diagram: its stale pictures, or its load problems."""

    file: str
    stale: list[StalePicture] = field(default_factory=list)
    #: The command that brings the pictures up to date (``loopkit render map.yaml -o x.svg``).
    command: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def all_problems(self) -> list[Problem]:
        """Load problems, then one error per stale picture, located at the picture file."""
        stale = [Problem(s.path, 1, 1, f"{s.why} (run: {self.command})", "stale-picture")
                 for s in self.stale]
        return [*sorted(self.problems), *stale]


Record: TypeAlias = (FileResult | LintResult | ArchetypeResult | TraceResult | EffectResult
                     | WhatIfResult | DiffResult | RenderCheckResult)


@dataclass
class Report:
    """What one command run found: the command's name and one record per input."""

    command: str
    records: list[Any]
    #: ``loops --independent``: add the structure sentence to the text output.
    independent: bool = False
    #: ``loops --evidence``: add each loop's weakest link (and support) to the text output.
    evidence: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.records for p in r.all_problems]
