"""Streamed listings: the same loops and bytes as the built documents, and the time
budget kept while writing (an injected clock, no wall-clock asserts)."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.analysis.loops import analyse_loops, list_loops
from loopkit.model import Diagram
from loopkit.output.machine import json_output, markdown_output, write_json, write_markdown
from loopkit.output.records import FileResult
from loopkit.text import markdown_inline_part, markdown_text


def wheel(n: int) -> Diagram:
    """A hub linked both ways to n spokes, spokes in a ring: many loops, a few labels
    that need escaping."""
    names = [f"s{i}" for i in range(n)]
    links = [("hub", s, "+") for s in names] + [(s, "hub", "-") for s in names]
    links += [(names[i], names[(i + 1) % n], "+") for i in range(n)]
    diagram = Diagram.build(["hub", *names], links, title="Wheel *of* <loops>")
    return diagram


def streamed(write_fn: object, results: list[FileResult], clock: object = None) -> str:
    out: list[str] = []
    if clock is None:
        write_fn(results, "loops", out.append)  # type: ignore[operator]
    else:
        write_fn(results, "loops", out.append, clock)  # type: ignore[operator]
    return "".join(out)


def test_list_loops_gives_analyse_loops_loops() -> None:
    diagram = wheel(7)
    for limit in (None, 5, 40):
        built = analyse_loops(diagram, max_length=6, limit=limit, time_budget=None)
        listed = list_loops(diagram, max_length=6, limit=limit, time_budget=None)
        assert list(listed.loops) == built.loops
        assert listed.summary == built.summary
        assert listed.loops[-1] == built.loops[-1] and listed.loops[1:3] == built.loops[1:3]


def test_streamed_documents_are_the_built_ones() -> None:
    diagram = wheel(6)
    results = [FileResult("a.yaml", diagram, list_loops(diagram, max_length=5,
                                                        time_budget=None)),
               FileResult("missing.yaml"),
               FileResult("b.yaml", diagram, list_loops(diagram, max_length=1,
                                                        time_budget=None))]
    assert streamed(write_json, results) == json_output(results, "loops")
    assert streamed(write_markdown, results) == markdown_output(results, "loops")
    assert streamed(write_json, []) == json_output([], "loops")


def test_writing_stops_when_the_time_left_runs_out() -> None:
    """The clock moves 1 s per read; the search left 2.5 s: 3 reads (one per 256 loops)."""
    names = [f"v{i}" for i in range(7)]  # complete: 1,854 loops
    diagram = Diagram.build(names, [(a, b, "+") for a in names for b in names if a != b])
    analysis = list_loops(diagram, max_length=None, limit=None, time_budget=None)
    total = len(analysis.loops)
    assert total > 1000
    analysis.time_left = 2.5
    analysis.time_budget = 10.0
    ticks = itertools.count()
    text = streamed(write_json, [FileResult("w.yaml", diagram, analysis)],
                    lambda: float(next(ticks)))
    record = json.loads(text)["files"][0]
    assert len(record["loops"]) == record["summary"]["total"] == 3 * 256 < total
    assert record["summary"]["truncated"] is True
    assert "used up while writing the loops out; the first 768 are listed" in (
        record["summary"]["reason"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=8), st.text(max_size=8))
def test_markdown_text_is_put_together_from_parts(a: str, b: str) -> None:
    if markdown_text(a):
        assert markdown_text(a + b) == markdown_text(a) + markdown_inline_part(b)
