"""The archetypes' names and families, and the records a search returns.

What callers and output formats read: a :class:`Match` per archetype found,
an :class:`ArchetypeReport` per diagram, and :func:`describe_match` for the
plain-text form.
"""

from __future__ import annotations

from dataclasses import dataclass

from loopkit.analysis.loops import Loop
from loopkit.model import Diagram

OUT_OF_CONTROL = "out of control"
UNDERACHIEVEMENT = "underachievement"
RELATIVE_ACHIEVEMENT = "relative achievement"
RELATIVE_CONTROL = "relative control"

#: Plain explanation of each generic archetype.
GENERIC = {
    OUT_OF_CONTROL: "an intended balancing loop is undermined by an unintended reinforcing one",
    UNDERACHIEVEMENT: "an intended reinforcing loop is held back by an unintended balancing one",
    RELATIVE_ACHIEVEMENT: "one side's reinforcing success comes at another side's expense",
    RELATIVE_CONTROL: "each side's balancing control provokes the other side",
}

FIXES_THAT_FAIL = "Fixes that Fail"
SHIFTING_THE_BURDEN = "Shifting the Burden"
ACCIDENTAL_ADVERSARIES = "Accidental Adversaries"
LIMITS_TO_GROWTH = "Limits to Growth"
GROWTH_AND_UNDERINVESTMENT = "Growth and Underinvestment"
TRAGEDY_OF_THE_COMMONS = "Tragedy of the Commons"
SUCCESS_TO_THE_SUCCESSFUL = "Success to the Successful"
ESCALATION = "Escalation"
ERODING_GOALS = "Eroding Goals"

#: Every archetype detected, in report order, with its generic family.
ARCHETYPES = {
    FIXES_THAT_FAIL: OUT_OF_CONTROL,
    SHIFTING_THE_BURDEN: OUT_OF_CONTROL,
    ACCIDENTAL_ADVERSARIES: OUT_OF_CONTROL,
    LIMITS_TO_GROWTH: UNDERACHIEVEMENT,
    GROWTH_AND_UNDERINVESTMENT: UNDERACHIEVEMENT,
    TRAGEDY_OF_THE_COMMONS: UNDERACHIEVEMENT,
    SUCCESS_TO_THE_SUCCESSFUL: RELATIVE_ACHIEVEMENT,
    ESCALATION: RELATIVE_CONTROL,
    ERODING_GOALS: RELATIVE_CONTROL,
}

#: Archetypes made of more loops hide the pairwise ones they contain.
_SPECIFIC = (SHIFTING_THE_BURDEN, ACCIDENTAL_ADVERSARIES, GROWTH_AND_UNDERINVESTMENT,
             TRAGEDY_OF_THE_COMMONS)


@dataclass(frozen=True)
class Match:
    """One archetype found: which loops, which variable plays which role, and why."""

    archetype: str
    confidence: str  # "strong" or "possible"
    loops: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]  # (role, variable id), in story order
    reasons: tuple[str, ...]

    @property
    def generic(self) -> str:
        return ARCHETYPES[self.archetype]

    def to_dict(self) -> dict[str, object]:
        return {"archetype": self.archetype, "generic": self.generic,
                "confidence": self.confidence, "loops": list(self.loops),
                "roles": [{"role": r, "variable": v} for r, v in self.roles],
                "reasons": list(self.reasons)}


@dataclass
class ArchetypeReport:
    """All matches for one diagram, and whether any bound stopped the search."""

    diagram: Diagram
    matches: list[Match]
    loops: list[Loop]
    truncated: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.diagram.path, "matches": [m.to_dict() for m in self.matches],
                "loops_compared": len(self.loops), "truncated": self.truncated,
                "reason": self.reason}


def describe_match(match: Match, labels: dict[str, str] | None = None) -> list[str]:
    """A match as plain lines: the name and confidence, the loops, the roles, the reasons."""
    labels = labels or {}
    lines = [f"{match.archetype} ({match.confidence}) - {match.generic}: "
             f"{GENERIC[match.generic]}",
             f"  loops: {', '.join(match.loops)}"]
    for role, variable in match.roles:
        label = labels.get(variable)
        shown = f"{variable} ({label})" if label and label != variable else variable
        lines.append(f"  {role}: {shown}")
    lines += [f"  - {reason}" for reason in match.reasons]
    return lines
