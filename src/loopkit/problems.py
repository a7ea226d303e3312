"""Located problems: the one record every check, reporter and exit code is built from.

Keeping a single sortable record (like yamllint's ``LintProblem``) means text,
JSON, Markdown and GitHub annotations can never disagree about what was found.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """How much a problem matters; only errors make a command fail by default."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at a 1-based line and column.

    Field order makes problems sort by file position, which is the order a
    person fixes them in.
    """

    file: str
    line: int
    column: int
    message: str
    code: str = "error"
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def __str__(self) -> str:
        # Warnings and notes say so, and name their rule so it can be switched off.
        return self.format_line(rule=self.severity is not Severity.ERROR)

    def format_line(self, *, rule: bool) -> str:
        """``file:line:col: message``; ``rule`` adds the severity and ``[code]`` (lint lines)."""
        # One line whatever the user wrote: a newline in a loop name must not start a
        # second line such as "::error ...", which CI logs run as a workflow command.
        from loopkit.text import log_line, one_line

        where = f"{log_line(self.file)}:{self.line}:{self.column}"
        if not rule:
            return f"{where}: {one_line(self.message)}"
        return f"{where}: {self.severity.word}: {one_line(self.message)} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.word
        return data


class LoopkitError(Exception):
    """Base class for errors a user can fix; the CLI turns these into exit codes."""

    exit_code = 1


class DiagramError(LoopkitError):
    """A diagram file could not be read into a model; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(LoopkitError):
    """Bad arguments, missing files, unwritable outputs: exit code 2."""

    exit_code = 2
