"""Feedback loops of a diagram: found, classified, named, and checked against declarations.

Output is deterministic: declared loops first (file order), then found loops by
length and by the file positions of their variables; each loop starts at its
variable declared earliest. Undeclared loops get ids that continue each letter
after the highest declared one (R1 declared -> the next reinforcing is R2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loopkit.analysis.engine import DELAY, NEGATIVE, UNKNOWN, CycleSearch, SignedDigraph
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity
from loopkit.problems import Problem, Severity

DEFAULT_MAX_LENGTH = 12
DEFAULT_LIMIT = 10_000
DEFAULT_TIME_BUDGET = 10.0

_NUMBERED = re.compile(r"^([A-Za-z])(\d+)$")


@dataclass(frozen=True)
class Loop:
    """One feedback loop, in causal order, with its links."""

    id: str
    variables: tuple[str, ...]
    type: LoopType
    links: tuple[Link, ...]
    name: str | None = None
    declared: bool = False

    @property
    def length(self) -> int:
        return len(self.variables)

    @property
    def delays(self) -> int:
        return sum(1 for link in self.links if link.delay)

    @property
    def negatives(self) -> int:
        return sum(1 for link in self.links if link.polarity is Polarity.NEGATIVE)

    def chain(self, labels: dict[str, str] | None = None, arrow: str = "\u2192") -> str:
        """``a → b → c → a`` (with labels if given)."""
        names = [labels.get(v, v) if labels else v for v in self.variables]
        return f" {arrow} ".join([*names, names[0]])

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.value,
            "variables": list(self.variables),
            "length": self.length,
            "delays": self.delays,
            "declared": self.declared,
        }


@dataclass
class LoopAnalysis:
    """Everything ``loopkit loops`` reports for one diagram."""

    diagram: Diagram
    loops: list[Loop]
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    reason: str | None = None
    elapsed: float = 0.0

    def count(self, loop_type: LoopType) -> int:
        return sum(1 for loop in self.loops if loop.type is loop_type)

    @property
    def summary(self) -> dict[str, object]:
        return {
            "total": len(self.loops),
            "reinforcing": self.count(LoopType.REINFORCING),
            "balancing": self.count(LoopType.BALANCING),
            "undetermined": self.count(LoopType.UNDETERMINED),
            "truncated": self.truncated,
            "reason": self.reason,
        }

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


def compile_graph(diagram: Diagram) -> SignedDigraph:
    """The diagram as integer adjacency lists in file order, for the loop engine."""
    index = diagram.index
    edges = []
    for link in diagram.links:
        flags = 0
        if link.polarity is Polarity.NEGATIVE:
            flags |= NEGATIVE
        elif link.polarity is Polarity.UNKNOWN:
            flags |= UNKNOWN
        if link.delay:
            flags |= DELAY
        edges.append((index[link.source], index[link.target], flags))
    return SignedDigraph.from_edges(len(diagram.variables), edges)


def canonical(variables: tuple[str, ...], index: dict[str, int]) -> tuple[str, ...]:
    """Rotate a cycle to start at its variable declared earliest."""
    if not variables:
        return variables
    k = min(range(len(variables)), key=lambda i: index.get(variables[i], len(index)))
    return variables[k:] + variables[:k]


def loop_links(diagram: Diagram, variables: tuple[str, ...]) -> tuple[Link, ...] | None:
    """The links along a cycle, or ``None`` if one is missing."""
    links = []
    for a, b in zip(variables, variables[1:] + variables[:1], strict=True):
        link = diagram.link_map.get((a, b))
        if link is None:
            return None
        links.append(link)
    return tuple(links)


def loop_type(links: tuple[Link, ...]) -> LoopType:
    negatives = sum(1 for lk in links if lk.polarity is Polarity.NEGATIVE)
    unknowns = sum(1 for lk in links if lk.polarity is Polarity.UNKNOWN)
    return LoopType.from_signs(negatives, unknowns)


def analyse_loops(
    diagram: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    through: str | None = None,
    strict: bool = False,
) -> LoopAnalysis:
    """Find, classify and name the loops of ``diagram`` and check its declared loops.

    ``through`` keeps only loops through that variable id (raises ``KeyError``
    if unknown). ``strict`` makes every undeclared loop a problem.
    """
    index = diagram.index
    if through is not None and through not in index:
        raise KeyError(through)
    problems: list[Problem] = []
    declared_keys: dict[tuple[str, ...], Loop] = {}
    loops: list[Loop] = []
    for declared in diagram.loops:
        loop = _check_declared(diagram, declared, problems)
        if loop is None:
            continue
        key = canonical(loop.variables, index)
        declared_keys[key] = loop
        if through is None or through in loop.variables:
            loops.append(loop)

    search = CycleSearch(
        compile_graph(diagram),
        max_length=max_length,
        limit=limit,
        time_budget=time_budget,
        through=index[through] if through is not None else None,
    )
    names = [v.id for v in diagram.variables]
    found = []
    for raw in search:
        variables = canonical(tuple(names[i] for i in raw.nodes), index)
        if variables in declared_keys:
            continue
        found.append((len(variables), tuple(index[v] for v in variables), variables,
                      LoopType.from_signs(raw.negatives, raw.unknowns)))
    found.sort(key=lambda item: (item[0], item[1]))

    next_number = _next_numbers(diagram.loops)
    for _, _, variables, kind in found:
        letter = kind.letter
        loop_id = f"{letter}{next_number[letter]}"
        next_number[letter] += 1
        links = loop_links(diagram, variables)
        assert links is not None  # the engine only walks existing links
        loop = Loop(loop_id, variables, kind, links)
        loops.append(loop)
        if strict:
            first = links[0]
            where = first.where
            problems.append(Problem(
                diagram.path, where.line if where else 1, where.column if where else 1,
                f"loop {loop_id} ({kind.value}: {loop.chain()}) is not declared under 'loops'",
                "undeclared-loop"))
    return LoopAnalysis(diagram, loops, sorted(problems), search.truncated, search.reason,
                        search.elapsed)


def _next_numbers(declared: tuple[DeclaredLoop, ...]) -> dict[str, int]:
    highest = {"R": 0, "B": 0, "U": 0}
    for loop in declared:
        match = _NUMBERED.match(loop.id)
        if match and match[1].upper() in highest:
            letter = match[1].upper()
            highest[letter] = max(highest[letter], int(match[2]))
    return {letter: number + 1 for letter, number in highest.items()}


def _check_declared(
    diagram: Diagram, declared: DeclaredLoop, problems: list[Problem]
) -> Loop | None:
    """Verify a declared loop against the links; its own problems go to ``problems``."""
    where = declared.where
    line, column = (where.line, where.column) if where else (1, 1)
    label = f"loop '{declared.id}'" + (f" ({declared.name})" if declared.name else "")
    if any(v not in diagram.index for v in declared.variables):
        return None  # already reported by the loader
    variables = declared.variables
    missing = [
        (a, b)
        for a, b in zip(variables, variables[1:] + variables[:1], strict=True)
        if (a, b) not in diagram.link_map
    ]
    if missing:
        gaps = ", ".join(f"{a} -> {b}" for a, b in missing)
        plural = "s" if len(missing) > 1 else ""
        problems.append(Problem(diagram.path, line, column,
                                f"{label} does not exist: there is no link{plural} {gaps}",
                                "loop-missing"))
        return None
    links = loop_links(diagram, variables)
    assert links is not None
    kind = loop_type(links)
    if declared.type is not None and kind is not declared.type:
        negatives = [f"{lk.source} -> {lk.target}" for lk in links
                     if lk.polarity is Polarity.NEGATIVE]
        if kind is LoopType.UNDETERMINED:
            why = "it has a link of unknown polarity"
        else:
            why = (f"it has {len(negatives)} negative link{'s' if len(negatives) != 1 else ''}"
                   + (f" ({', '.join(negatives)})" if negatives else ""))
        problems.append(Problem(diagram.path, line, column,
                                f"{label} is {kind.value}, not {declared.type.value}: {why}",
                                "loop-type"))
    return Loop(declared.id, canonical(variables, diagram.index), kind, _rotate_links(
        links, variables, canonical(variables, diagram.index)), declared.name, True)


def _rotate_links(
    links: tuple[Link, ...], original: tuple[str, ...], rotated: tuple[str, ...]
) -> tuple[Link, ...]:
    if not rotated:
        return links
    k = original.index(rotated[0])
    return links[k:] + links[:k]
