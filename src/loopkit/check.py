"""Analyse files: the pipeline every analysis command and ``loopkit.check_files`` share.

read each file -> find its loops (or count them, or its independent set) ->
optionally add strict lint findings and evidence problems -> one
``FileResult`` per file, for any reporter in ``loopkit.output`` to print.
Nothing here prints or knows about the terminal: a caller that wants a
progress display passes a ``progress`` factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from loopkit.limits import DEFAULT_LOOP_LIMIT, DEFAULT_MAX_LENGTH, DEFAULT_TIME_BUDGET
from loopkit.model import Diagram
from loopkit.output.records import FileResult
from loopkit.problems import DiagramError, Problem, UsageError

#: ``progress(path)`` -> a context manager giving the engine's progress callback (or None).
ProgressFactory = Callable[[str], AbstractContextManager[Any]]


@dataclass(frozen=True)
class CheckOptions:
    """What to search and what to add; the defaults are those of ``loopkit check``."""

    max_length: int = DEFAULT_MAX_LENGTH
    limit: int = DEFAULT_LOOP_LIMIT
    time_budget: float = DEFAULT_TIME_BUDGET
    #: Only loops through this variable id.
    through: str | None = None
    #: Only loops using this link, written ``A->B``.
    link: str | None = None
    #: ``list`` every loop, ``count`` them by length and type, or the ``independent`` set.
    mode: Literal["list", "count", "independent"] = "list"
    #: Undeclared loops fail, and lint warnings are added (``check --strict``).
    strict: bool = False
    #: Keep found loops compact (``list_loops``: a ``LoopList`` built on access) for a
    #: caller that writes them out as a stream; not with ``strict``.
    stream: bool = False
    #: Links without evidence, and the loops resting on them, fail.
    require_evidence: bool = False


def load_files(paths: Iterable[str]) -> list[tuple[str, Diagram | None, list[Problem]]]:
    """Load each file; a bad file gives its problems, a missing one raises ``UsageError``.

    Each comes with the name its messages use (``<stdin>`` for ``-``).
    """
    from loopkit.read.load import load_diagram, shown_name

    out: list[tuple[str, Diagram | None, list[Problem]]] = []
    for path in paths:
        try:
            out.append((shown_name(path), load_diagram(path), []))
        except DiagramError as error:
            out.append((shown_name(path), None, error.problems))
    return out


def analyse_files(paths: Iterable[str], options: CheckOptions = CheckOptions(),
                  progress: ProgressFactory | None = None) -> list[FileResult]:
    """One ``FileResult`` per path, in order; see ``CheckOptions`` for what is done."""
    from loopkit.analysis import loops as loops_api

    results = []
    for path, diagram, problems in load_files(paths):
        result = FileResult(path, diagram, None, problems)
        if diagram is not None:
            check_variable(path, diagram, "--through", options.through)
            link_ids = parse_link(path, diagram, options.link)
            with (progress(path) if progress else nullcontext()) as callback:
                if options.mode == "independent":
                    from loopkit.analysis.structure import independent_loops

                    result.analysis = independent_loops(diagram, time_budget=options.time_budget)
                elif options.mode == "count":
                    result.analysis = loops_api.count_loops(
                        diagram, max_length=options.max_length, time_budget=options.time_budget,
                        through=options.through, link=link_ids, progress=callback)
                elif options.stream and not options.strict:
                    result.analysis = loops_api.list_loops(
                        diagram, max_length=options.max_length, limit=options.limit,
                        time_budget=options.time_budget, through=options.through,
                        link=link_ids, progress=callback)
                else:
                    result.analysis = loops_api.analyse_loops(
                        diagram, max_length=options.max_length, limit=options.limit,
                        time_budget=options.time_budget, through=options.through,
                        strict=options.strict, link=link_ids, progress=callback)
        results.append(result)
    if options.strict or options.require_evidence:
        add_check_problems(results, strict=options.strict,
                           require_evidence=options.require_evidence)
    return results


def check_files(paths: Iterable[str], *, strict: bool = False, require_evidence: bool = False,
                max_length: int = DEFAULT_MAX_LENGTH, limit: int = DEFAULT_LOOP_LIMIT,
                time_budget: float = DEFAULT_TIME_BUDGET) -> list[FileResult]:
    """What ``loopkit check`` does, for scripts: ``all(r.ok for r in results)`` gates CI."""
    return analyse_files(paths, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget, strict=strict,
        require_evidence=require_evidence))


def add_check_problems(results: list[FileResult], *, strict: bool,
                       require_evidence: bool) -> None:
    """What ``check --strict`` / ``--require-evidence`` add to each file's problems.

    ``--strict`` adds lint findings of severity warning and error (notes stay
    in ``loopkit lint``); only errors fail, so a rule fails ``check`` only when
    the project settings raise it to ``error``.
    """
    from loopkit.analysis.evidence import require_evidence as evidence_problems
    from loopkit.analysis.lint import lint, lint_settings_for
    from loopkit.problems import Severity

    for result in results:
        if result.diagram is None or result.analysis is None:
            continue
        if strict:
            report = lint(result.diagram, lint_settings_for(result.file),
                          analysis=result.analysis)
            result.problems.extend(report.at_least(Severity.WARNING))
        if require_evidence:
            result.problems.extend(evidence_problems(result.diagram, result.analysis.loops))
        result.problems.sort()


def check_variable(path: str, diagram: Diagram, option: str, name: str | None) -> None:
    """A usage error naming the closest variable when ``name`` is not one of ``diagram``'s."""
    from loopkit.text import suggest

    if name is not None and name not in diagram.index:
        ids = [v.id for v in diagram.variables]
        raise UsageError(f"{path}: {option} '{name}' is not a variable of this "
                         f"diagram{suggest(name, ids)}")


def parse_link(path: str, diagram: Diagram, text: str | None) -> tuple[str, str] | None:
    """``A->B`` (spaces and ``→`` allowed) as a pair of variable ids of an existing link."""
    if text is None:
        return None
    parts = text.replace("\u2192", "->").split("->")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise UsageError(f"--link '{text}' should be written SOURCE->TARGET, e.g. a->b")
    source, target = (p.strip() for p in parts)
    check_variable(path, diagram, "--link", source)
    check_variable(path, diagram, "--link", target)
    if (source, target) not in diagram.link_map:
        targets = [lk.target for lk in diagram.links if lk.source == source]
        hint = (f" (links from {source} go to: {', '.join(targets)})" if targets
                else f" ({source} has no outgoing links)")
        raise UsageError(f"{path}: there is no link {source} -> {target}{hint}")
    return source, target
