"""The archetypes' names and families, and the records a search returns.

What callers and output formats read: a :class:`Match` per archetype found
and an :class:`ArchetypeReport` per diagram (``loopkit.output.words`` writes
them as text).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """One archetype found: which loops, which variable plays which role, and why.

    ``criteria`` names the evidence found (see :mod:`.judge`), ``score`` sums
    it so matches of different archetypes rank against each other,
    ``strong_because`` names the criterion that earned "strong", and
    ``question`` is what the reader must answer to accept the reading.
    ``alternatives`` are other loop combinations playing the same roles.
    """

    archetype: str
    confidence: str  # "strong" or "possible"
    loops: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]  # (role, variable id), in story order
    reasons: tuple[str, ...]
    criteria: tuple[str, ...] = ()
    strong_because: str | None = None
    question: str = ""
    variant: str | None = None
    score: float = 0.0
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def generic(self) -> str:
        return ARCHETYPES[self.archetype]

    @property
    def title(self) -> str:
        return f"{self.archetype} ({self.variant})" if self.variant else self.archetype

    def to_dict(self) -> dict[str, object]:
        return {"archetype": self.archetype, "variant": self.variant, "generic": self.generic,
                "confidence": self.confidence, "score": self.score,
                "strong_because": self.strong_because, "criteria": list(self.criteria),
                "loops": list(self.loops),
                "roles": [{"role": r, "variable": v} for r, v in self.roles],
                "reasons": list(self.reasons), "question": self.question,
                "alternatives": [list(a) for a in self.alternatives]}


@dataclass
class ArchetypeReport:
    """All matches for one diagram, best first, and whether any bound stopped the search.

    ``not_fully_searched`` lists the archetypes whose search a bound cut short,
    so a count of 0 for any other archetype means "looked and not found".
    ``safety_stop`` is true when the wall clock, not the step budget, stopped
    the work: only then may the output differ between runs.
    """

    diagram: Diagram
    matches: list[Match]
    loops: list[Loop]
    truncated: bool = False
    reason: str | None = None
    not_fully_searched: list[str] = field(default_factory=list)
    steps: int = 0
    step_budget: int | None = None
    safety_stop: bool = False
    ignored_loops: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"file": self.diagram.path, "matches": [m.to_dict() for m in self.matches],
                "loops_compared": len(self.loops), "truncated": self.truncated,
                "reason": self.reason, "not_fully_searched": self.not_fully_searched,
                "steps": self.steps, "step_budget": self.step_budget,
                "safety_stop": self.safety_stop,
                "ignored_loops": [{"loop": k, "why": v} for k, v in self.ignored_loops.items()]}
