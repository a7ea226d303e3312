"""Feedback loops of a diagram: found, classified, named, and checked against declarations.

Output is deterministic: declared loops first (file order), then found loops by
length and by the file positions of their variables; each loop starts at its
variable declared earliest. Undeclared loops get ids that continue each letter
after the highest declared one (R1 declared -> the next reinforcing is R2).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import getitem
from typing import overload

from loopkit.analysis.cycles import (
    DELAY,
    NEGATIVE,
    UNKNOWN,
    ProgressCallback,
    RawCycle,
    SignedDigraph,
    count_cycles,
    find_cycles,
    gc_paused,
    kind_of,
    time_reason,
)
from loopkit.limits import DEFAULT_LOOP_LIMIT as DEFAULT_LIMIT
from loopkit.limits import DEFAULT_MAX_LENGTH, DEFAULT_TIME_BUDGET
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity
from loopkit.problems import Problem, Severity

#: Time held back from the budget per loop found, to sort and number them once
#: the search stops, as a multiple of what building one Loop costs (measured
#: while searching, so it follows the machine's load): sorting and numbering
#: take about half of it.
_RESERVE_FACTOR = 0.6

#: Loops built between clock reads when a deadline applies.
_CLOCK_EVERY = 512

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
    #: a list, or for ``list_loops`` a ``LoopList`` (a sequence built on access)
    loops: list[Loop] | LoopList
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    reason: str | None = None
    elapsed: float = 0.0
    #: loop counts by length and type, when only counted (``count_loops``)
    counts: dict[int, dict[LoopType, int]] | None = None
    #: extra summary fields of other analyses (e.g. the independent loop set)
    extra: dict[str, object] = field(default_factory=dict)
    #: seconds of the time budget left for writing the loops out (``list_loops``)
    time_left: float | None = None
    #: the time budget the search was given (for messages)
    time_budget: float | None = None

    def count(self, loop_type: LoopType) -> int:
        if self.counts is not None:
            return sum(row[loop_type] for row in self.counts.values())
        if isinstance(self.loops, LoopList):
            return self.loops.count_type(loop_type)
        return sum(1 for loop in self.loops if loop.type is loop_type)

    @property
    def total(self) -> int:
        if self.counts is not None:
            return sum(sum(row.values()) for row in self.counts.values())
        return len(self.loops)

    @property
    def summary(self) -> dict[str, object]:
        summary: dict[str, object] = {
            "total": self.total,
            "reinforcing": self.count(LoopType.REINFORCING),
            "balancing": self.count(LoopType.BALANCING),
            "undetermined": self.count(LoopType.UNDETERMINED),
            "truncated": self.truncated,
            "reason": self.reason,
        }
        if self.counts is not None:
            summary["by_length"] = {
                str(length): {kind.value: n for kind, n in row.items()}
                for length, row in self.counts.items()
            }
        summary.update(self.extra)
        return summary

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
    link: tuple[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> LoopAnalysis:
    """Find, classify and name the loops of ``diagram`` and check its declared loops.

    ``through`` keeps only loops through that variable id (raises ``KeyError``
    if unknown); ``link`` only loops using the link ``(source, target)``
    (``KeyError``/``ValueError`` if there is no such link). Either searches
    from that one variable only. ``strict`` makes every undeclared loop a
    problem. When ``limit`` stops the search, the loops kept are the
    ``limit`` shortest (ties by file position), so the ids of a truncated
    listing match those of the full one.
    """
    started = time.monotonic()
    deadline = None if time_budget is None else started + time_budget
    graph, through_v, link_v = _query(diagram, through, link)
    loops, declared_keys, problems = declared_loops(diagram, through, link)
    namer = _Namer(diagram, declared_keys)
    result = find_cycles(graph, max_length=max_length, limit=limit,
                         time_budget=None if deadline is None else deadline - time.monotonic(),
                         through=through_v, link=link_v, progress=progress, keep=namer.keep,
                         reserve_factor=_RESERVE_FACTOR)
    with gc_paused():
        # numbering may run 2 % past the budget rather than drop loops the
        # search found just before its deadline
        found, complete = namer.loops(
            result.cycles, False, strict, problems,
            None if deadline is None or time_budget is None else deadline + 0.02 * time_budget)
    loops.extend(found)
    truncated, reason = result.truncated, result.reason
    if result.timed_out or not complete:
        # (if out of time while naming loops, the shortest ones found are kept)
        truncated = True
        reason = time_reason(time_budget, result.covered if complete else None, result.starts,
                             result.complete_length if complete else None)
    if limit is not None and len(loops) > limit:
        # Declared loops count toward the limit: `--limit N` lists at most N loops, the
        # declared ones first, then the shortest others (the ids stay those of a full listing).
        del loops[limit:]
        if not truncated or (reason or "").startswith("limit of"):
            reason = (f"limit of {limit:,} loops reached; the declared loops, then the "
                      "shortest others, are kept")
        truncated = True
    return LoopAnalysis(diagram, loops, sorted(problems), truncated, reason,
                        time.monotonic() - started)


class LoopList(Sequence[Loop]):
    """The loops of a listing, held compactly: declared Loops, then found cycles as
    vertex numbers with their kind and number; each Loop is built when read.

    Why: a Loop with its links costs about 600 bytes, 70,000 of them plus their
    JSON most of a listing's memory; vertex tuples cost a quarter of that, and
    the writers stream Loops one at a time (``loops`` of ``list_loops``).
    """

    def __init__(self, namer: _Namer, declared: list[Loop],
                 found: list[tuple[tuple[int, ...], int, int]]) -> None:
        self.namer = namer
        self.declared = declared
        #: ``(vertex numbers, kind, number)`` in report order
        self.found = found

    def __len__(self) -> int:
        return len(self.declared) + len(self.found)

    def _loop(self, k: int) -> Loop:
        if k < len(self.declared):
            return self.declared[k]
        nodes, kind, number = self.found[k - len(self.declared)]
        loop = self.namer.build(nodes, kind)
        loop.__dict__["id"] = f"{'RBU'[kind]}{number}"  # new and private, see _Namer
        return loop

    @overload
    def __getitem__(self, index: int) -> Loop: ...

    @overload
    def __getitem__(self, index: slice) -> list[Loop]: ...

    def __getitem__(self, index: int | slice) -> Loop | list[Loop]:
        if isinstance(index, slice):
            return [self._loop(k) for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._loop(index)

    def __iter__(self) -> Iterator[Loop]:
        yield from self.declared
        build = self.namer.build
        for nodes, kind, number in self.found:
            loop = build(nodes, kind)
            loop.__dict__["id"] = f"{'RBU'[kind]}{number}"
            yield loop

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def items(self) -> Iterator[Loop | tuple[tuple[int, ...], int, int]]:
        """Declared Loops, then found loops as ``(vertex numbers, kind, number)``: for
        writers that lay a loop out from its vertex numbers without building it."""
        yield from self.declared
        yield from self.found

    @property
    def variable_ids(self) -> list[str]:
        """Variable id by vertex number."""
        return [v.id for v in self.namer.diagram.variables]

    def delays_of(self, nodes: tuple[int, ...]) -> int:
        """How many links of the cycle through ``nodes`` are delayed."""
        delayed = self.namer.delayed
        if not delayed:
            return 0
        return sum(1 for pair in zip(nodes, nodes[1:] + nodes[:1], strict=True)
                   if pair in delayed)

    def count_type(self, loop_type: LoopType) -> int:
        kind = _KINDS.index(loop_type)
        return (sum(1 for loop in self.declared if loop.type is loop_type)
                + sum(1 for entry in self.found if entry[1] == kind))

    def truncate(self, keep: int) -> None:
        """Keep the first ``keep`` loops (a writer ran out of time)."""
        if keep < len(self.declared):
            del self.declared[keep:]
            self.found.clear()
        else:
            del self.found[keep - len(self.declared):]


#: Time held back from the budget per loop found by ``list_loops``, as a multiple
#: of what keeping one costs (a small tuple): writing a loop out costs about this
#: many times more (a Markdown row, the dearest; JSON and text take a third of
#: that) - and the most of the budget held back for writing.
_LIST_RESERVE_FACTOR = 40.0
_LIST_RESERVE_CAP = 0.6


def list_loops(
    diagram: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    through: str | None = None,
    link: tuple[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> LoopAnalysis:
    """``analyse_loops`` for a listing that is written out: the same loops, ids and
    summary, with ``loops`` a ``LoopList`` (compact; Loops are built as they are
    read) and ``time_left`` the part of the budget left for writing them.

    The search holds back time per loop for the writing (see
    ``_LIST_RESERVE_FACTOR``); writers stop listing when ``time_left`` runs out
    and say so (``cut_short``).
    """
    started = time.monotonic()
    graph, through_v, link_v = _query(diagram, through, link)
    declared, declared_keys, problems = declared_loops(diagram, through, link)
    namer = _Namer(diagram, declared_keys)
    budget_left = None if time_budget is None else started + time_budget - time.monotonic()
    result = find_cycles(graph, max_length=max_length, limit=limit, time_budget=budget_left,
                         through=through_v, link=link_v, progress=progress,
                         keep=_compact, reserve_factor=_LIST_RESERVE_FACTOR,
                         reserve_cap=_LIST_RESERVE_CAP)
    next_number = _next_numbers(diagram.loops)
    letters = "RBU"
    found: list[tuple[tuple[int, ...], int, int]] = []
    name_at = namer.name_at
    room = None if limit is None else max(0, limit - len(declared))
    dropped = False
    with gc_paused():
        for nodes, kind in result.cycles:
            if declared_keys and tuple(map(name_at, nodes)) in declared_keys:
                continue
            if room is not None and len(found) >= room:
                dropped = True
                break
            letter = letters[kind]
            number = next_number[letter]
            next_number[letter] = number + 1
            found.append((nodes, kind, number))
    if limit is not None and len(declared) > limit:
        del declared[limit:]
        dropped = True
    truncated, reason = result.truncated, result.reason
    if result.timed_out:
        truncated = True
        reason = time_reason(time_budget, result.covered, result.starts, result.complete_length)
    if dropped:
        reason = (f"limit of {limit:,} loops reached; the declared loops, then the "
                  "shortest others, are kept") if not truncated or (
            reason or "").startswith("limit of") else reason
        truncated = True
    elapsed = time.monotonic() - started
    return LoopAnalysis(diagram, LoopList(namer, declared, found), sorted(problems), truncated,
                        reason, elapsed,
                        time_left=None if time_budget is None else time_budget - elapsed,
                        time_budget=time_budget)


def _compact(nodes: tuple[int, ...], weight: int) -> tuple[tuple[int, ...], int]:
    """``find_cycles``' ``keep`` for ``list_loops``: vertex numbers and kind."""
    return nodes, kind_of(weight)


def cut_short(analysis: LoopAnalysis, written: int) -> None:
    """Record that a writer ran out of time after ``written`` loops (a ``LoopList``)."""
    assert isinstance(analysis.loops, LoopList)
    analysis.loops.truncate(written)
    analysis.truncated = True
    budget = analysis.time_budget
    analysis.reason = (f"time budget of {budget:g} s used up while writing the loops out; "
                       f"the first {written:,} are listed")


def count_loops(
    diagram: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    through: str | None = None,
    link: tuple[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> LoopAnalysis:
    """Count loops by type and length without keeping them (memory: one path).

    Declared loops are still checked. The result has no ``loops``; its
    ``counts`` (and ``summary``) hold the totals. There is no count cap:
    the length bound and the time budget bound the work.
    """
    graph, through_v, link_v = _query(diagram, through, link)
    declared, _, problems = declared_loops(diagram, through, link)
    result = count_cycles(graph, max_length=max_length, time_budget=time_budget,
                          through=through_v, link=link_v, progress=progress)
    kinds = (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED)
    counts = {length: dict(zip(kinds, row, strict=True))
              for length, row in result.by_length.items()}
    # A declared loop is always listed, however long; count it the same way, so that
    # `loops --count` and `loops` agree (the search counted those within max_length).
    for loop in declared:
        if max_length is not None and loop.length > max_length:
            row = counts.setdefault(loop.length, dict.fromkeys(kinds, 0))
            row[loop.type] += 1
    counts = dict(sorted(counts.items()))
    return LoopAnalysis(diagram, [], sorted(problems), result.truncated, result.reason,
                        result.elapsed, counts=counts)


def _query(
    diagram: Diagram, through: str | None, link: tuple[str, str] | None
) -> tuple[SignedDigraph, int | None, tuple[int, int] | None]:
    """The compiled graph and the query's vertex numbers (validated)."""
    index = diagram.index
    if through is not None and through not in index:
        raise KeyError(through)
    link_v = None
    if link is not None:
        for name in link:
            if name not in index:
                raise KeyError(name)
        if tuple(link) not in diagram.link_map:
            raise ValueError(f"there is no link {link[0]} -> {link[1]}")
        link_v = (index[link[0]], index[link[1]])
    return compile_graph(diagram), (index[through] if through is not None else None), link_v


def declared_loops(
    diagram: Diagram, through: str | None = None, link: tuple[str, str] | None = None
) -> tuple[list[Loop], dict[tuple[str, ...], Loop], list[Problem]]:
    """Declared loops (checked) that match the query, keyed by canonical variables."""
    problems: list[Problem] = []
    declared_keys: dict[tuple[str, ...], Loop] = {}
    first: dict[tuple[str, ...], DeclaredLoop] = {}
    loops: list[Loop] = []
    for declared in diagram.loops:
        loop = _check_declared(diagram, declared, problems)
        if loop is None:
            continue
        if loop.variables in first:
            # R1: [a, b] and R2: [b, a] are one loop: listed and counted twice, it would
            # make every total wrong, so it is an error where the second one is declared
            earlier = first[loop.variables]
            where, at = declared.where, earlier.where
            problems.append(Problem(
                diagram.path, where.line if where else 1, where.column if where else 1,
                f"loop '{declared.id}' is the same loop as '{earlier.id}'"
                + (f", declared at line {at.line}" if at else "") + "; declare each loop once",
                "loop-duplicate"))
            continue
        first[loop.variables] = declared
        declared_keys[loop.variables] = loop
        if through is not None and through not in loop.variables:
            continue
        if link is not None and not any(lk.key == tuple(link) for lk in loop.links):
            continue
        loops.append(loop)
    return loops, declared_keys, problems


def loops_from_cycles(
    diagram: Diagram,
    cycles: list[RawCycle],
    declared_keys: dict[tuple[str, ...], Loop],
    *,
    use_declared: bool = False,
    strict: bool = False,
    problems: list[Problem] | None = None,
) -> list[Loop]:
    """Engine cycles (in report order) as named Loops.

    A cycle the author declared is skipped (it is listed from the file), or
    with ``use_declared`` given as the declared loop. Others are numbered
    after the highest declared id; ``strict`` reports each to ``problems``.
    """
    namer = _Namer(diagram, declared_keys)
    built = [namer.build(c.nodes, c.kind) for c in cycles]
    return namer.loops(built, use_declared, strict, problems, None)[0]


class _Namer:
    """Builds Loops in two steps: each loop while the search runs (the costly part,
    so it happens inside the time budget), then ids once the report order is known.

    Until then a new Loop carries an empty id; ``loops`` sets it (the Loop is
    frozen for everyone else, but nobody else holds it yet). A declared cycle
    is represented by its declared Loop.
    """

    def __init__(self, diagram: Diagram, declared_keys: dict[tuple[str, ...], Loop]) -> None:
        self.diagram = diagram
        self.declared_keys = declared_keys
        self.name_at = [v.id for v in diagram.variables].__getitem__
        index = diagram.index
        link_at: list[dict[int, Link]] = [{} for _ in diagram.variables]
        for lk in diagram.links:
            link_at[index[lk.source]][index[lk.target]] = lk
        self.links_from = link_at.__getitem__
        #: vertex-number pairs of delayed links
        self.delayed = {(index[lk.source], index[lk.target]) for lk in diagram.links
                        if lk.delay}

    def build(self, nodes: tuple[int, ...], kind: int) -> Loop:
        variables = tuple(map(self.name_at, nodes))
        declared = self.declared_keys.get(variables) if self.declared_keys else None
        if declared is not None:
            return declared
        return Loop("", variables, _KINDS[kind],
                    tuple(map(getitem, map(self.links_from, nodes), nodes[1:] + nodes[:1])))

    def keep(self, nodes: tuple[int, ...], weight: int) -> Loop:
        """The engine's ``keep`` callback."""
        return self.build(nodes, kind_of(weight))

    def loops(
        self,
        built: list[Loop],
        use_declared: bool,
        strict: bool,
        problems: list[Problem] | None,
        deadline: float | None,
    ) -> tuple[list[Loop], bool]:
        """Loops numbered in order, and whether all were done before ``deadline``
        (else: a prefix, so the shortest)."""
        diagram = self.diagram
        next_number = _next_numbers(diagram.loops)
        reinforcing, balancing = LoopType.REINFORCING, LoopType.BALANCING
        loops: list[Loop] = []
        countdown = _CLOCK_EVERY
        for loop in built:
            countdown -= 1
            if not countdown:
                countdown = _CLOCK_EVERY
                if deadline is not None and time.monotonic() >= deadline:
                    return loops, False
            if loop.declared:
                if use_declared:
                    loops.append(loop)
                continue
            kind = loop.type
            letter = "R" if kind is reinforcing else "B" if kind is balancing else "U"
            number = next_number[letter]
            next_number[letter] = number + 1
            loop.__dict__["id"] = f"{letter}{number}"  # still private: see the class doc
            loops.append(loop)
            if strict and problems is not None:
                where = loop.links[0].where
                problems.append(Problem(
                    diagram.path, where.line if where else 1, where.column if where else 1,
                    f"loop {loop.id} ({loop.type.value}: {loop.chain()}) is not declared "
                    "under 'loops'", "undeclared-loop"))
        return loops, True


_KINDS = (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED)


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
