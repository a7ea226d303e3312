"""How well each link and loop is supported by evidence.

A loop is only as believable as its least supported link, so the weakest link
is what a reader needs to see next to each loop. Strength, from weakest:
``none`` (no evidence and no confidence), ``low``, ``cited`` (evidence given,
confidence not stated), ``medium``, ``high``. A confidence stated without any
evidence still counts as that confidence, but ``--require-evidence`` flags it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from loopkit.analysis.loops import Loop
from loopkit.model import Diagram, Link
from loopkit.problems import Problem

#: Strength words in rank order (weakest first).
STRENGTHS = ("none", "low", "cited", "medium", "high")


def strength(link: Link) -> str:
    """The strength word of one link."""
    if link.confidence in ("low", "medium", "high"):
        return link.confidence
    return "cited" if link.evidence else "none"


def rank(link: Link) -> int:
    return STRENGTHS.index(strength(link))


@dataclass(frozen=True)
class WeakestLink:
    """The least supported link of a loop (the first in loop order on ties)."""

    link: Link
    strength: str
    unsupported: int  # links of the loop without any evidence

    def describe(self) -> str:
        """``fines -> strain (none)``, plus how many links lack evidence."""
        text = f"{self.link.source} -> {self.link.target} ({self.strength})"
        if self.unsupported > 1:
            text += f"; {self.unsupported} links without evidence"
        return text

    def to_dict(self) -> dict[str, object]:
        return {"source": self.link.source, "target": self.link.target,
                "strength": self.strength, "evidence": list(self.link.evidence),
                "confidence": self.link.confidence, "unsupported_links": self.unsupported}


def weakest_link(loop: Loop) -> WeakestLink | None:
    """The weakest link of ``loop`` (``None`` only for a loop without links)."""
    if not loop.links:
        return None
    link = min(loop.links, key=rank)
    return WeakestLink(link, strength(link), sum(1 for lk in loop.links if not lk.evidence))


def require_evidence(diagram: Diagram, loops: Iterable[Loop] = ()) -> list[Problem]:
    """Problems for every link without evidence and every loop resting on one.

    Links are located at the link; a loop at its declaration if declared,
    else at its first unsupported link.
    """
    problems = []
    for link in diagram.links:
        if not link.evidence:
            where = link.where
            stated = f" (confidence '{link.confidence}' is stated, but no source)" \
                if link.confidence else ""
            problems.append(Problem(
                diagram.path, where.line if where else 1, where.column if where else 1,
                f"link {link.source} -> {link.target} has no evidence{stated}: add "
                "'evidence:' with a source, study or observation", "no-evidence"))
    declared = {d.id: d.where for d in diagram.loops}
    for loop in loops:
        bare = [lk for lk in loop.links if not lk.evidence]
        if not bare:
            continue
        where = declared.get(loop.id) if loop.declared else None
        where = where or bare[0].where
        name = f" ({loop.name})" if loop.name else ""
        chain = ", ".join(f"{lk.source} -> {lk.target}" for lk in bare)
        how = "rests entirely on" if len(bare) == len(loop.links) else "rests on"
        problems.append(Problem(
            diagram.path, where.line if where else 1, where.column if where else 1,
            f"loop {loop.id}{name} {how} {len(bare)} link{'s' if len(bare) != 1 else ''} "
            f"without evidence: {chain}", "loop-without-evidence"))
    return sorted(problems)
