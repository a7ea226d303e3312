"""Merge several people's maps of one situation into one shared map, with provenance.

A community of practice, a workshop with one map per table, or an evaluation
that codes interviews ends up with several diagrams of the same system.
``merge_diagrams`` unions them: variables that mean the same thing are joined
through a synonyms table, every link records in ``sources`` which maps drew
it, and where maps disagree (opposite signs, a delay in one and not the
other) the disagreement is a located problem naming both files, never a
silent choice: the merged link keeps polarity ``?`` until someone decides, or
until ``prefer`` names the map to follow.

Merging is deterministic (input order decides ties), idempotent (a merged map
merged with itself is unchanged: links that already carry ``sources`` keep
them) and commutative up to the order of lists and which map's text comes
first. The synonyms file format and ``suggest_synonyms`` are here too; the
command in ``cli/merge.py`` only parses arguments and prints.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from loopkit.limits import DEFAULT_TIME_BUDGET
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity, Pos, Variable
from loopkit.problems import DiagramError, Problem, UsageError

#: Confidence words, weakest first: a merged link keeps the weakest stated.
_CONFIDENCE = ("low", "medium", "high")
#: Label comparisons ``suggest_synonyms`` makes at most (each is a difflib ratio).
MAX_COMPARISONS = 250_000
#: Label similarity (0..1) from which a pair is suggested.
SUGGEST_CUTOFF = 0.6
#: Characters that cannot be part of an id in a synonyms file.
_SYNONYM_SYNTAX = re.compile(r"[=,]|\s#|^#")


# ---------------------------------------------------------------------------
# Synonyms
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Synonyms:
    """Map ids -> merged id, from a synonyms file; ids not listed keep their own id."""

    mapping: Mapping[str, str]

    def __call__(self, variable_id: str) -> str:
        return self.mapping.get(variable_id, variable_id)


NO_SYNONYMS = Synonyms({})


def _split(text: str, start: int, sep: str) -> list[tuple[int, str]]:
    """``(column offset, stripped item)`` for each ``sep``-separated item of ``text``."""
    out, offset = [], start
    for part in text.split(sep):
        lead = len(part) - len(part.lstrip()) if part.strip() else 0
        out.append((offset + lead, part.strip()))
        offset += len(part) + len(sep)
    return out


def parse_synonyms(text: str, filename: str, known: Sequence[str] = ()) -> Synonyms:
    """Read a synonyms file: ``merged_id = id, id, ...`` per line, ``#`` comments.

    Each line is one shared idea: the id the merged map uses, then the ids the
    maps use for it. ``known`` (every id of every map) turns an unknown id on
    the right into a located problem with a did-you-mean; the merged id on the
    left may be new. Raises ``DiagramError`` with every problem at once.
    """
    from loopkit.read.source import _shown as shown
    from loopkit.text import suggest

    problems: list[Problem] = []
    mapping: dict[str, str] = {}
    first_seen: dict[str, int] = {}  # id on the right -> line
    merged_on: dict[str, int] = {}  # merged id -> first line
    known_set = set(known)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        comment = re.search(r"(^|\s)#", line)
        if comment:
            line = line[: comment.start()]
        if not line.strip():
            continue
        if "=" not in line:
            column = len(line) - len(line.lstrip()) + 1
            problems.append(Problem(filename, number, column,
                                    "write one shared idea per line as 'merged_id = id, id' "
                                    "(the ids each map uses for it)", "synonyms-syntax"))
            continue
        left, _, right = line.partition("=")
        merged_col = len(left) - len(left.lstrip()) + 1
        merged = left.strip()
        if not merged:
            problems.append(Problem(filename, number, merged_col,
                                    "missing the merged id before '='", "synonyms-syntax"))
            continue
        if merged in first_seen:
            problems.append(Problem(filename, number, merged_col,
                                    f"'{shown(merged)}' is already listed on line "
                                    f"{first_seen[merged]}; put every id of one idea on one "
                                    "line", "synonyms-chain"))
            continue
        merged_on.setdefault(merged, number)
        items = _split(right, len(left) + 2, ",")
        if all(not name for _, name in items):
            problems.append(Problem(filename, number, len(left) + 2,
                                    f"no ids after '=' for '{shown(merged)}'", "synonyms-syntax"))
            continue
        for offset, name in items:
            column = offset
            if not name:
                problems.append(Problem(filename, number, column, "empty id between commas",
                                        "synonyms-syntax"))
                continue
            if known_set and name not in known_set:
                problems.append(Problem(filename, number, column,
                                        f"'{shown(name)}' is not a variable id in any of the "
                                        f"maps{shown(suggest(name, sorted(known_set)))}",
                                        "synonyms-unknown"))
                continue
            if name in merged_on and merged_on[name] != number and name != merged:
                problems.append(Problem(filename, number, column,
                                        f"'{shown(name)}' is itself a merged id on line "
                                        f"{merged_on[name]}; put every id of one idea on one "
                                        "line", "synonyms-chain"))
                continue
            if name in mapping and mapping[name] != merged:
                problems.append(Problem(filename, number, column,
                                        f"'{shown(name)}' is already mapped to "
                                        f"'{shown(mapping[name])}' on line {first_seen[name]}",
                                        "synonyms-twice"))
                continue
            first_seen.setdefault(name, number)
            if name != merged:
                mapping[name] = merged
    if problems:
        raise DiagramError(problems)
    return Synonyms(mapping)


def load_synonyms(path: str | os.PathLike[str], known: Sequence[str] = ()) -> Synonyms:
    """``parse_synonyms`` of a file (same size limit and encoding checks as diagrams)."""
    from loopkit.read.load import read_text

    return parse_synonyms(read_text(path), str(path), known)


def synonyms_line(merged: str, ids: Sequence[str]) -> str:
    return f"{merged} = {', '.join(ids)}"


# ---------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    """The merged map, its conflicts (located problems) and notes on what changed."""

    diagram: Diagram
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    settled: int = 0  # conflicts settled by ``prefer``
    conflicted: int = 0  # links whose conflicts are left for a person to decide


def source_names(paths: Sequence[str]) -> list[str]:
    """The name each map is recorded under: its file name, or its path when two share one."""
    bases = [PurePath(p).name for p in paths]
    by_base: dict[str, set[str]] = {}
    for path, base in zip(paths, bases, strict=True):
        by_base.setdefault(base, set()).add(str(PurePath(path)))
    return [base if len(by_base[base]) == 1 else PurePath(path).as_posix()
            for path, base in zip(paths, bases, strict=True)]


@dataclass(frozen=True)
class _Drawn:
    """One map's version of a link: which map, where, and the link itself."""

    map_index: int
    path: str
    link: Link

    @property
    def at(self) -> str:
        where = self.link.where or Pos(1, 1)
        return f"{self.path}:{where.line}:{where.column}"

    def problem(self, message: str, code: str) -> Problem:
        where = self.link.where or Pos(1, 1)
        return Problem(self.path, where.line, where.column, message, code)


def _paragraphs(texts: Sequence[str | None]) -> str | None:
    """Distinct paragraphs of several texts, in order: combining is idempotent."""
    seen: list[str] = []
    for text in texts:
        for paragraph in (text or "").split("\n\n"):
            if paragraph.strip() and paragraph.strip() not in seen:
                seen.append(paragraph.strip())
    return "\n\n".join(seen) or None


def _distinct(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def merge_diagrams(
    diagrams: Sequence[Diagram],
    synonyms: Synonyms = NO_SYNONYMS,
    *,
    prefer: int | None = None,
    names: Sequence[str] | None = None,
) -> MergeResult:
    """Merge ``diagrams`` (at least one) into one; see the module docstring.

    ``names`` are what ``sources`` records for each map (default: ``source_names``
    of the diagrams' paths); ``prefer`` is the index of the map whose sign and
    delay settle conflicts on links it draws.
    """
    if not diagrams:
        raise UsageError("nothing to merge: name at least one map")
    names = list(names) if names is not None else source_names([d.path for d in diagrams])
    notes: list[str] = []
    order = list(range(len(diagrams)))
    if prefer is not None:  # the preferred map's text (labels, groups) comes first
        order = [prefer, *(i for i in order if i != prefer)]

    # Variables: merged id -> occurrences, in input order.
    seen_vars: dict[str, list[tuple[int, Variable]]] = {}
    for i, diagram in enumerate(diagrams):
        for variable in diagram.variables:
            seen_vars.setdefault(synonyms(variable.id), []).append((i, variable))
    variables = tuple(_merge_variable(mid, seen_vars[mid], order) for mid in seen_vars)
    kinds = [mid for mid, found in seen_vars.items()
             if len({v.kind for _, v in found if v.kind is not None}) > 1]
    if kinds:
        notes.append(f"{len(kinds)} variable(s) are a stock in one map and a flow in another: "
                     f"kept the {'preferred' if prefer is not None else 'first'} map's "
                     f"kind (e.g. {', '.join(kinds[:3])})")

    # Links: (from, to) after synonyms -> every map's version.
    drawn: dict[tuple[str, str], list[_Drawn]] = {}
    self_links = []
    for i, diagram in enumerate(diagrams):
        for link in diagram.links:
            key = (synonyms(link.source), synonyms(link.target))
            if key[0] == key[1] and link.source != link.target:
                self_links.append(f"{link.source} -> {link.target} ({names[i]})")
                continue
            drawn.setdefault(key, []).append(_Drawn(i, diagram.path, link))
    if self_links:
        notes.append(f"{len(self_links)} link(s) between synonyms would point at their own "
                     f"variable: dropped (e.g. {', '.join(self_links[:3])})")
    problems: list[Problem] = []
    settled = conflicted = 0
    links = []
    for key, versions in drawn.items():
        link, found, n_settled = _merge_link(key, versions, names, prefer)
        links.append(link)
        problems += found
        settled += n_settled
        conflicted += bool(found)
    merged = Diagram(variables, tuple(links))
    loops = _merge_loops(diagrams, synonyms, merged, names, notes)
    extensions: dict[str, Any] = {}
    for i in order:
        for name, value in diagrams[i].extensions.items():
            extensions.setdefault(name, value)
    titles = _distinct([d.title for i in order if (d := diagrams[i]).title])
    diagram = Diagram(variables, tuple(links), loops, " + ".join(titles) or None,
                      _paragraphs([diagrams[i].description for i in order]),
                      "<merged>", extensions)
    return MergeResult(diagram, tuple(sorted(problems)), tuple(notes), settled, conflicted)


def _merge_variable(mid: str, occurrences: list[tuple[int, Variable]],
                    order: list[int]) -> Variable:
    rank = {m: r for r, m in enumerate(order)}
    ranked = sorted(occurrences, key=lambda o: (o[1].id != mid, rank[o[0]]))
    first = ranked[0][1]
    group = next((v.group for _, v in ranked if v.group), None)
    pos = next((v.pos for _, v in ranked if v.pos is not None), None)
    kind = next((v.kind for _, v in ranked if v.kind is not None), None)
    return Variable(mid, first.label if first.id == mid or first.label != first.id else mid,
                    group, _paragraphs([v.description for _, v in ranked]), pos, kind=kind)


def _merge_link(key: tuple[str, str], versions: list[_Drawn], names: Sequence[str],
                prefer: int | None) -> tuple[Link, list[Problem], int]:
    """One merged link from every map's version, and the conflicts between them."""
    source, target = key
    preferred = next((v for v in versions if v.map_index == prefer), None)
    problems: list[Problem] = []
    settled = 0

    def what(v: _Drawn) -> str:
        text = f"link {v.link.source} -> {v.link.target}"
        return text if v.link.key == key else f"{text} (merged as {source} -> {target})"

    signed = [v for v in versions if v.link.polarity is not Polarity.UNKNOWN]
    polarity = signed[0].link.polarity if signed else Polarity.UNKNOWN
    disagree = [v for v in signed if v.link.polarity is not polarity]
    if disagree:
        if preferred is not None and preferred.link.polarity is not Polarity.UNKNOWN:
            polarity = preferred.link.polarity
            settled += 1
        else:
            reference = signed[0]
            polarity = Polarity.UNKNOWN
            problems += [v.problem(
                f"{what(v)}: polarity '{v.link.polarity.value}' here but "
                f"'{reference.link.polarity.value}' in {reference.at}; merged as '?' until "
                "someone decides (or settle it with --prefer FILE)", "merge-polarity")
                for v in disagree]

    delay = versions[0].link.delay
    differ = [v for v in versions if v.link.delay is not delay]
    if differ:
        if preferred is not None:
            delay = preferred.link.delay
            settled += 1
        else:
            with_delay = next(v for v in versions if v.link.delay)
            delay = True
            problems += [v.problem(
                f"{what(v)}: no delay here but a delay in {with_delay.at}; merged with the "
                "delay until someone decides (or settle it with --prefer FILE)", "merge-delay")
                for v in versions if not v.link.delay]

    sources = sorted({s for v in versions for s in (v.link.sources or (names[v.map_index],))})
    ordered = sorted(versions, key=lambda v: v is not preferred)  # stable: input order
    stated = [v.link.confidence for v in versions if v.link.confidence in _CONFIDENCE]
    confidence = min(stated, key=_CONFIDENCE.index) if stated else None
    link = Link(source, target, polarity, delay,
                _paragraphs([v.link.description for v in ordered]),
                _distinct([e for v in ordered for e in v.link.evidence]), confidence,
                sources=tuple(sources))
    return link, problems, settled


def _loop_type(diagram: Diagram, cycle: tuple[str, ...]) -> LoopType | None:
    links = [diagram.link_map.get(pair) for pair in zip(cycle, cycle[1:] + cycle[:1],
                                                          strict=True)]
    if any(lk is None for lk in links):
        return None
    return LoopType.from_signs(sum(lk.polarity is Polarity.NEGATIVE for lk in links if lk),
                               sum(lk.polarity is Polarity.UNKNOWN for lk in links if lk))


def _rotation(cycle: tuple[str, ...]) -> tuple[str, ...]:
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


def _merge_loops(diagrams: Sequence[Diagram], synonyms: Synonyms, merged: Diagram,
                 names: Sequence[str], notes: list[str]) -> tuple[DeclaredLoop, ...]:
    """Declared loops whose links all survive, once per cycle, ids kept unique."""
    out: list[DeclaredLoop] = []
    cycles: set[tuple[str, ...]] = set()
    used = {loop.id for d in diagrams for loop in d.loops}
    taken: set[str] = set()
    for i, diagram in enumerate(diagrams):
        for loop in diagram.loops:
            cycle = tuple(synonyms(v) for v in loop.variables)
            kind = _loop_type(merged, cycle) if len(set(cycle)) == len(cycle) else None
            if kind is None:
                notes.append(f"loop {loop.id} of {names[i]} does not survive the synonyms "
                             "(two of its variables became one): dropped")
                continue
            if _rotation(cycle) in cycles:
                continue
            if loop.type is not None and kind not in (loop.type, LoopType.UNDETERMINED):
                notes.append(f"loop {loop.id} of {names[i]} is {kind.value} after the merge, "
                             f"not {loop.type.value}: not carried over")
                continue
            cycles.add(_rotation(cycle))
            loop_id = loop.id
            if loop_id in taken:
                loop_id = _free_id(loop.id, used | taken)
                notes.append(f"loop {loop.id} of {names[i]} is {loop_id} in the merged map "
                             "(another map uses that id for another loop)")
            taken.add(loop_id)
            out.append(DeclaredLoop(loop_id, cycle, loop.name, loop.type, loop.description))
    return tuple(out)


def _free_id(loop_id: str, used: set[str]) -> str:
    letter = LoopType.from_id(loop_id)
    n = 1 if letter else 2
    while True:
        candidate = f"{loop_id[0]}{n}" if letter else f"{loop_id}_{n}"
        if candidate not in used:
            return candidate
        n += 1


# ---------------------------------------------------------------------------
# Suggesting synonyms
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """Two variables of different maps whose labels look alike."""

    score: float
    first: tuple[str, str, str]  # (map name, id, label)
    second: tuple[str, str, str]

    def line(self) -> str:
        """One synonyms-file line, the evidence as a trailing comment."""
        (na, ia, la), (nb, ib, lb) = self.first, self.second
        from loopkit.text import one_line

        return (f"{synonyms_line(ia, [ib])}    # {self.score:.2f} "
                f"{one_line(la)!r} ({one_line(na)}) ~ {one_line(lb)!r} ({one_line(nb)})")


#: Characters of a label compared (difflib is quadratic in the length).
MAX_COMPARED = 120


def _words(label: str) -> str:
    return " ".join(re.findall(r"\w+", label[:MAX_COMPARED].lower()))


def similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """0..1: the better of difflib's ratio on the words and the share of words in common.

    Below ``cutoff`` the answer may be any lower number: difflib's cheap upper
    bound skips the quadratic comparison for pairs that cannot reach it.
    """
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    wb = _words(b)
    matcher.set_seq2(wb)
    return _score(matcher, _words(a), set(wb.split()), cutoff)


def _score(matcher: difflib.SequenceMatcher[str], wa: str, sb: set[str],
           cutoff: float) -> float:
    """``similarity`` with the second label already in ``matcher`` (difflib caches it)."""
    wb = matcher.b
    if not wa or not wb:
        return 0.0
    sa = set(wa.split())
    shared = len(sa & sb) / len(sa | sb)
    matcher.set_seq1(wa)
    if shared < cutoff and (matcher.real_quick_ratio() < cutoff
                            or matcher.quick_ratio() < cutoff):
        return shared
    return max(matcher.ratio(), shared)


def suggest_synonyms(diagrams: Sequence[Diagram], synonyms: Synonyms = NO_SYNONYMS,
                     names: Sequence[str] | None = None, *,
                     cutoff: float = SUGGEST_CUTOFF,
                     max_comparisons: int = MAX_COMPARISONS,
                     time_budget: float | None = DEFAULT_TIME_BUDGET,
                     ) -> tuple[list[Suggestion], bool]:
    """Pairs of variables of different maps with similar labels, best first.

    Only pairs the merge does not already join are compared, and ids a synonyms
    file cannot name are left out. Returns ``(suggestions, truncated)``:
    ``truncated`` says the comparison count or ``time_budget`` (seconds)
    stopped the search.
    """
    import time

    deadline = None if time_budget is None else time.monotonic() + time_budget
    names = list(names) if names is not None else source_names([d.path for d in diagrams])
    per_map = []
    for diagram in diagrams:
        ids = {synonyms(v.id) for v in diagram.variables}
        per_map.append((ids, [v for v in diagram.variables
                              if not _SYNONYM_SYNTAX.search(v.id)]))
    found: dict[frozenset[str], Suggestion] = {}
    budget, truncated = max_comparisons, False
    words = {id(v): _words(v.label) for _, vs in per_map for v in vs}
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for i in range(len(diagrams)):
        for j in range(i + 1, len(diagrams)):
            for b in per_map[j][1]:
                mb = synonyms(b.id)
                matcher.set_seq2(words[id(b)])
                sb = set(words[id(b)].split())
                for a in per_map[i][1]:
                    ma = synonyms(a.id)
                    if ma == mb or mb in per_map[i][0] or ma in per_map[j][0]:
                        continue
                    if budget <= 0 or (deadline is not None and budget % 256 == 0
                                       and time.monotonic() > deadline):
                        truncated = True
                        break
                    budget -= 1
                    score = _score(matcher, words[id(a)], sb, cutoff)
                    pair = frozenset((a.id, b.id))
                    if score >= cutoff and pair not in found:
                        found[pair] = Suggestion(round(score, 4), (names[i], a.id, a.label),
                                                 (names[j], b.id, b.label))
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.first[1], s.second[1]))
    return ranked, truncated
