"""Streamed listings: the same loops and bytes as the built documents, and the time
budget kept while writing (an injected clock, no wall-clock asserts)."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.analysis.loops import analyse_loops, list_loops
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.output import json as json_format
from loopkit.output import markdown as markdown_format
from loopkit.output.records import FileResult, Report
from loopkit.text import markdown_inline_part, markdown_text

#: Labels that Markdown, JSON and terminals each need to escape (one blank: the chain
#: is then escaped whole), and one left to its id.
_LABELS = ["- hub *", "  ", "a|b", "@x #1", "\u202e\u2028", "www.x.y", "<b>", "\x1b[31m"]


def wheel(n: int) -> Diagram:
    """A hub linked both ways to n spokes, spokes in a ring: many loops, labels that
    need escaping, delayed links and an unknown sign."""
    names = [f"s{i}" for i in range(n)]
    variables = tuple(Variable(v, _LABELS[k % len(_LABELS)] if k % 5 != 4 else v)
                      for k, v in enumerate(["hub", *names]))
    links = tuple([Link("hub", s, Polarity.POSITIVE, delay=i % 3 == 0)
                   for i, s in enumerate(names)]
                  + [Link(s, "hub", Polarity.NEGATIVE if i % 4 else Polarity.UNKNOWN)
                     for i, s in enumerate(names)]
                  + [Link(names[i], names[(i + 1) % n], Polarity.POSITIVE, delay=i == 1)
                     for i in range(n)])
    return Diagram(variables, links, title="Wheel *of* <loops>")


def streamed(write_fn: object, results: list[FileResult], clock: object = None) -> str:
    out: list[str] = []
    if clock is None:
        write_fn(Report("loops", results), out.append)  # type: ignore[operator]
    else:
        write_fn(Report("loops", results), out.append, clock)  # type: ignore[operator]
    return "".join(out)


def json_output(results: list[FileResult], command: str) -> str:
    return json_format.json_output(Report(command, results))


def markdown_output(results: list[FileResult], command: str) -> str:
    return markdown_format.markdown_output(Report(command, results))


write_json = json_format.write_json
write_markdown = markdown_format.write_markdown


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
    built = [FileResult(r.file, r.diagram, None if r.analysis is None else analyse_loops(
        r.diagram, max_length=5 if r.file == "a.yaml" else 1, time_budget=None))
        for r in results]
    assert json_output(built, "loops") == json_output(results, "loops")
    assert markdown_output(built, "loops") == markdown_output(results, "loops")


def test_text_lines_are_rich_lines() -> None:
    """The plain line writer prints what rich printed, byte for byte (no colour)."""
    import io

    from rich.console import Console

    from loopkit.output.text import TextOut, loop_lines

    diagram = wheel(9)
    result = FileResult("w.yaml", diagram, list_loops(diagram, max_length=9,
                                                      time_budget=None))
    captured: list[str] = []
    loop_lines(TextOut(None, captured.append, captured.append, write=captured.append),
               result)  # no console (piped): the direct writer
    rich_console = Console(file=io.StringIO(), highlight=False, color_system=None, width=80)
    loop_lines(TextOut(rich_console, print, print), result)  # a console: one rich print a line
    assert len(result.analysis.loops) > 50  # type: ignore[union-attr]
    # Trailing spaces (a label "  " ends some lines) are rich's to keep or drop, and
    # rich versions differ; everything else is the same byte for byte.
    def ends_trimmed(text: str) -> list[str]:
        return [line.rstrip(" ") for line in text.split("\n")]

    assert ends_trimmed("".join(captured)) == ends_trimmed(rich_console.file.getvalue())


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
