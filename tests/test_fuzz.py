"""Property tests: any text gives a diagram or located problems, never a crash.

Small example counts keep CI fast; ``fuzz/campaign.py`` runs the same
properties (and a byte-mutation loop) with tens of thousands of cases.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.problems import DiagramError
from loopkit.read.load import parse_diagram
from tests.helpers import EXAMPLES

#: Pieces YAML is made of, including the ones that trip parsers up.
_TOKENS = [
    "variables", "links", "loops", "title", "version", "label", "group", "pos", "from", "to",
    "polarity", "delay", "evidence", "a", "b", "c", "R1", "B1", "x-meta", "<<", ": ", ":", "- ",
    "-", "[", "]", "{", "}", ", ", "\n", "\n  ", "\n    ", "\t", " ", "#", "&a ", "*a", "&b ",
    "*b", "!!str ", "!!python/object:os.system ", "!tag ", "'", '"', "\\", "?", "|", ">",
    "---\n", "...\n", "+", "(+)", "(-)", "->", "a -> b (+)", "b -> a (-, delay)", ".nan",
    ".inf", "1e999", "0x1F", "true", "no", "null", "~", "\ufeff", "\r\n", "\u2028", "\x85",
    "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "\x07", "é", "因果", "\U0001f600", "9" * 30,
    "str", "dict", "function-after", "name", "type", "description", "x-", "\\n",
]
#: A valid diagram to start from, so mutations land near real structure.
_SEED = (
    "title: T\nvariables:\n  a: A\n  b: {label: B, group: g, pos: [1, 2]}\n  c:\n"
    "links:\n  - a -> b (+)\n  - {from: b, to: c, polarity: '-', delay: true}\n"
    "  - c -> a (?)\nloops:\n  R1: {variables: [a, b, c]}\n"
)

yaml_soup = st.lists(st.sampled_from(_TOKENS) | st.text(max_size=4), max_size=60).map("".join)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed diagram with a few characters inserted, deleted or replaced."""
    text = draw(st.sampled_from([_SEED, *_examples()]))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(_TOKENS) | st.text(max_size=2))
        if kind == "insert":
            text = text[:i] + piece + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)):]
        else:
            text = text[:i] + piece + text[i + len(piece):]
    return text


def _examples() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.yaml"))]


_IDS = st.text(string.ascii_letters + string.digits + "_- .é因", min_size=1, max_size=12)
_LABELS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def valid_diagrams(draw: st.DrawFn) -> dict[str, Any]:
    """Random diagrams that follow the format: unique ids, links between them, any labels."""
    ids = draw(st.lists(_IDS.filter(lambda s: s.strip() == s and s.strip()), min_size=1,
                        max_size=12, unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                          max_size=30, unique=True))
    return {
        "title": draw(_LABELS),
        "variables": {i: {"label": draw(_LABELS), "group": draw(st.none() | _LABELS),
                          "description": draw(st.none() | _LABELS)} for i in ids},
        "links": [{"from": a, "to": b, "polarity": draw(st.sampled_from("+-?")),
                   "delay": draw(st.booleans())} for a, b in pairs],
    }


def as_yaml(data: dict[str, Any]) -> str:
    """YAML 1.2 text for ``data``: JSON (a subset of YAML) with every string quoted.

    Not ``json.dumps`` alone: libyaml refuses its surrogate-pair escapes and some
    raw characters JSON allows (DEL, C1, U+2028); not PyYAML's emitter either: it
    writes YAML 1.1, leaving ``1e100`` unquoted, which YAML 1.2 reads as a number.
    """
    text = json.dumps(data, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)


def check_text(text: str) -> str:
    """The fuzz property for one input text; returns 'ok' or 'problems' (for counting)."""
    try:
        parse_diagram(text, "fuzz.yaml")
    except DiagramError as error:
        assert error.problems, "a DiagramError must carry at least one problem"
        for problem in error.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message.strip() and "\n" not in problem.message, problem
        return "problems"
    return "ok"


_LOCATED = re.compile(r"^fuzz\.yaml:\d+:\d+: \S")


def check_cli(text: str | bytes, folder: Path) -> int:
    """``loopkit check`` on the text as a file: exit 0/1/2, never a traceback, located lines."""
    path = folder / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    result = CliRunner().invoke(app, ["check", "fuzz.yaml"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert lines and all(_LOCATED.match(line) for line in lines), result.stderr
    return result.exit_code


@settings(max_examples=150, deadline=None)
@given(yaml_soup)
def test_random_yaml_text_never_crashes_the_loader(text: str) -> None:
    check_text(text)


@settings(max_examples=150, deadline=None)
@given(mutated_seed())
def test_mutated_diagrams_never_crash_the_loader(text: str) -> None:
    check_text(text)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(yaml_soup, mutated_seed(), st.binary(max_size=80)))
def test_random_files_through_the_cli_exit_0_1_or_2(text: str | bytes, tmp_path: Path,
                                                   monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    check_cli(text, tmp_path)


@settings(max_examples=60, deadline=None)
@given(valid_diagrams())
def test_valid_diagrams_always_load_and_analyse(data: dict[str, Any]) -> None:
    from loopkit.analysis.loops import analyse_loops

    diagram = parse_diagram(as_yaml(data), "fuzz.yaml")
    assert [v.id for v in diagram.variables] == list(data["variables"])
    analysis = analyse_loops(diagram, time_budget=2.0)
    assert all(set(loop.variables) <= set(data["variables"]) for loop in analysis.loops)


@settings(max_examples=5, deadline=None)
@given(valid_diagrams())
def test_valid_diagrams_always_render(data: dict[str, Any]) -> None:
    try:
        from loopkit.render import render
    except ImportError:  # pragma: no cover - the renderer is optional at this stage
        return
    from loopkit.analysis.loops import analyse_loops

    diagram = parse_diagram(as_yaml(data), "fuzz.yaml")
    svg = render(diagram, "svg", analyse_loops(diagram, time_budget=2.0))
    assert svg.lstrip().startswith((b"<?xml", b"<svg"))
