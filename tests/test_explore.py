"""`loopkit explore`: the page's safety, bounds and words, without a browser.

What the page does when used (search, click, filter, step, keyboard, axe,
print) is tested in headless Chromium in tests/browser/test_explore_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.output.report.explore import SCRIPT, STYLE, build_explore, csp, explore_page
from loopkit.output.report.words import loop_sentence, loop_story
from loopkit.read.load import load_diagram
from loopkit.text import script_json, strip_control
from tests.helpers import EXAMPLES, ROOT, foresight_diagram

FINES = EXAMPLES / "school-fines.yaml"
EVIL = "</script><img src=x onerror=alert(1)>"
runner = CliRunner()


def _page(diagram: Diagram, **options: object) -> str:
    analysis = analyse_loops(diagram, **options)  # type: ignore[arg-type]
    return explore_page(build_explore(str(diagram.path), diagram, analysis))


def _json_block(page: str) -> object:
    start = page.index('<script type="application/json" id="lk-data">') + 45
    return json.loads(page[start:page.index("</script>", start)])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _hostile() -> Diagram:
    variables = (Variable("a", EVIL, group="<b>g</b>"), Variable("b", "B & <!-- c"),
                 Variable("c", "\u2028line\u202eevil \"quote' `tick`"))
    links = (Link("a", "b", Polarity.POSITIVE), Link("b", "c", Polarity.NEGATIVE),
             Link("c", "a", Polarity.POSITIVE, delay=True))
    return Diagram(variables, links, title=EVIL, description=EVIL, path="evil.yaml")


def test_story_pieces_join_to_the_loop_sentence_for_every_example_loop() -> None:
    checked = 0
    for path in sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("archetypes/*.yaml")):
        diagram = load_diagram(path)
        labels = {v.id: v.label for v in diagram.variables}
        for loop in analyse_loops(diagram).loops:
            pieces = loop_story(loop, labels)
            assert len(pieces) == loop.length + 1  # the opening, then one clause per link
            assert f"{pieces[0]}, {', '.join(pieces[1:])}." == loop_sentence(loop, labels)
            checked += 1
    assert checked > 30


def test_policy_allows_only_this_script_and_stylesheet_by_hash() -> None:
    page = _page(load_diagram(FINES))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and policy[1] == csp()
    for text, directive in ((SCRIPT, "script-src"), (STYLE, "style-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp()
    assert "unsafe" not in csp() and "default-src 'none'" in csp()
    tags = _tags(page)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "lk-data"}, {}]  # data, then ours
    assert page.count(f"<script>{SCRIPT}</script>") == 1
    assert page.count(f"<style>{STYLE}</style>") == 1
    assert not any("style" in attrs for _, attrs in tags)  # no inline style to allow
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    # nothing to load: no external source, link, font or URL in the stylesheet
    assert not any(tag in ("link", "img", "iframe", "object", "embed") for tag, _ in tags)
    assert "url(" not in STYLE and "@import" not in STYLE and "http" not in SCRIPT


def test_page_is_deterministic_bytes() -> None:
    diagram = load_diagram(FINES)
    assert _page(diagram) == _page(diagram)


def test_page_holds_every_variable_link_and_loop_as_text() -> None:
    diagram = load_diagram(FINES)
    page = _page(diagram)
    data = _json_block(page)
    assert isinstance(data, dict)
    assert [v[1] for v in data["vars"]] == [v.label for v in diagram.variables]
    assert len(data["links"]) == len(diagram.links)
    assert [p[0] for p in data["loops"]] == ["B1", "R1", "R2", "R3", "B2"]
    assert page.count('<tr class="loop-row"') == 5
    assert page.count('class="var-btn"') == len(diagram.variables)
    # each link as text twice: among its target's causes and its source's effects
    table = page[page.index('<table class="variables">'):]
    assert table.count("(\u2212 negative") == 2 * sum(
        1 for lk in diagram.links if lk.polarity is Polarity.NEGATIVE)
    assert "School non-attendance \u2192 Fines issued to parents" in page  # a loop's chain


def test_hostile_names_stay_text_in_html_attributes_and_json() -> None:
    page = _page(_hostile())
    tags = _tags(page)
    assert [tag for tag, _ in tags].count("script") == 2
    assert page.count("</script>") == 2  # none from a label
    assert "<img" not in page and "<!-- c" not in page and "<b>g" not in page
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # shown as text
    data = _json_block(page)
    assert isinstance(data, dict)
    assert data["vars"][0] == ["a", EVIL, "<b>g</b>"]  # JSON.parse gives the text back
    assert data["vars"][2][1] == "\nlineevil \"quote' `tick`"  # controls gone, as in HTML
    raw = page[page.index('id="lk-data">'):]
    raw = raw[:raw.index("</script>")]
    assert "<" not in raw[13:] and "&" not in raw and "\u2028" not in raw


def test_script_json_escapes_what_could_end_or_change_a_script_element() -> None:
    text = script_json({"x": "</script><!--&\u2028\u202e\x85"})
    assert text == '{"x":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u202e\\u0085"}'
    assert json.loads(text) == {"x": "</script><!--&\u2028\u202e\x85"}


def test_a_truncated_search_is_said_on_the_page() -> None:
    diagram = foresight_diagram()  # skips when ../shared/data is absent
    page = _page(diagram, limit=50)
    assert page.count('<tr class="loop-row"') == 50
    assert page.count("The loop list is incomplete.") == 2  # at the top and over the list
    assert "limit of 50 loops reached" in page
    assert "straight links" in page  # the drawing's own simplification, said too


def test_a_drawing_out_of_time_leaves_a_page_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import loopkit.render as render
    from loopkit.render import RenderTimeout

    message = "the layout needs more than the time budget allows; give a larger --time-budget"

    def slow(*args: object, **kwargs: object) -> object:
        raise RenderTimeout(message)

    monkeypatch.setattr(render, "draw", slow)
    diagram = load_diagram(FINES)
    explored = build_explore("x.yaml", diagram, analyse_loops(diagram), render_budget=0.5)
    page = explore_page(explored)
    assert explored.svg is None and "<svg" not in page
    assert f"About the drawing:</strong> no drawing: {message}." in page
    assert page.count('<tr class="loop-row"') == 5  # the lists are all there


def test_cli_writes_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "map.html"
    result = runner.invoke(app, ["explore", "examples/school-fines.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "5 loops" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert '<p class="file">examples/school-fines.yaml</p>' in page
    stdout = runner.invoke(app, ["explore", "examples/school-fines.yaml", "-o", "-"])
    assert stdout.exit_code == 0 and stdout.stdout == page


def test_cli_bounds_and_options(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    result = runner.invoke(app, ["explore", str(FINES), "-o", str(out), "--limit", "2",
                                 "--no-drawing"])
    assert result.exit_code == 0, result.output
    assert "stopped early" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<tr class="loop-row"') == 2 and "<svg" not in page
    assert "no drawing was asked for" in page


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("variables:\n  a: A\nlinks:\n  - a -> zz (+)\n", encoding="utf-8")
    result = runner.invoke(app, ["explore", str(bad), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1
    assert f"{bad}:4:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()
    missing = runner.invoke(app, ["explore", str(tmp_path / "none.yaml"), "-o", "x.html"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    usage = runner.invoke(app, ["explore", str(FINES)])
    assert usage.exit_code == 2


def test_real_process(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    done = subprocess.run([sys.executable, "-m", "loopkit", "explore", str(FINES), "-o",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_world3_gives_a_bounded_page_that_says_where_it_stopped(tmp_path: Path) -> None:
    """312 variables and 1.9 million loops: the page lists the loops within the search's
    bounds, says the search stopped, and still holds the drawing and every variable."""
    from tests.helpers import shared_file

    model = shared_file("sd-models/world3/wrld3-03.mdl")
    diagram_file = tmp_path / "world3.yaml"
    imported = runner.invoke(app, ["import", str(model), "-o", str(diagram_file)])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "world3.html"
    result = runner.invoke(app, ["explore", str(diagram_file), "-o", str(out),
                                 "--max-length", "8"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "The loop list is incomplete.</strong> The loop search stopped: loops longer " \
           "than 8 links may exist" in page
    assert page.count('class="var-btn"') == 312 and "<svg" in page
    rows = page.count('<tr class="loop-row"')
    assert 0 < rows <= 2_000
    assert len(page.encode()) < 5 * 1024 * 1024


_LABELS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                  max_size=30).filter(lambda t: t.strip() != "")


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(_LABELS, min_size=2, max_size=6),
       edges=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5),
                               st.sampled_from(list(Polarity))), max_size=14))
def test_page_data_and_structure_for_any_labels(
        labels: list[str], edges: set[tuple[int, int, Polarity]]) -> None:
    """Whatever the labels, the page's elements are the same and its data is the map's:
    each loop's links join its variables in order (checked against the diagram)."""
    n = len(labels)
    variables = tuple(Variable(f"v{i}", label) for i, label in enumerate(labels))
    seen: set[tuple[int, int]] = set()
    links = []
    for a, b, sign in sorted(edges):
        if a < n and b < n and a != b and (a, b) not in seen:
            seen.add((a, b))
            links.append(Link(f"v{a}", f"v{b}", sign))
    diagram = Diagram(variables, tuple(links), title=labels[0], path="x.yaml")
    analysis = analyse_loops(diagram)
    page = explore_page(build_explore("x.yaml", diagram, analysis, draw_map=False))
    plain = Diagram(tuple(Variable(f"v{i}", f"V{i}") for i in range(n)), tuple(links),
                    title="T", path="x.yaml")
    plain_page = explore_page(build_explore("x.yaml", plain, analyse_loops(plain),
                                            draw_map=False))
    assert [t for t, _ in _tags(page)] == [t for t, _ in _tags(plain_page)]
    data = _json_block(page)
    assert isinstance(data, dict)
    assert [v[1] for v in data["vars"]] == [strip_control(label) for label in labels]
    assert [(lk[0], lk[1]) for lk in data["links"]] == [
        (int(lk.source[1:]), int(lk.target[1:])) for lk in links]
    assert len(data["loops"]) == len(analysis.loops)
    for loop in data["loops"]:
        vs, ls = loop[4], loop[5]
        assert len(vs) == len(ls) == len(loop[6]) - 1
        for k, j in enumerate(ls):
            assert data["links"][j][:2] == [vs[k], vs[(k + 1) % len(vs)]]


def test_cli_focus_views_explore_part_of_the_map_and_say_what_is_left_out(
        tmp_path: Path) -> None:
    """`explore` takes the focus options `render` and `report` take: the page covers that
    part (variables, links and loops of the view, loop ids of the whole map) and says in
    words and in the drawing's title how much it leaves out."""
    out = tmp_path / "part.html"
    result = runner.invoke(app, ["explore", str(FINES), "--focus", "fines", "--depth", "1",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    full = load_diagram(FINES)
    data = _json_block(page)
    shown = {row[0] for row in data["vars"]}  # type: ignore[index]
    fines = next(v for v in full.variables if v.id == "fines")
    near = {lk.target for lk in full.links if lk.source == "fines"} | {
        lk.source for lk in full.links if lk.target == "fines"}
    assert shown == near | {fines.id}
    hidden = len(full.variables) - len(shown)
    words = re.search(r'<p class="view">([^<]*)</p>', page)
    assert words and f"{hidden} more variables" in words.group(1)
    assert "Loop ids are those of the whole map" in words.group(1)
    title = re.search(r"<svg[^>]*>\s*<title[^>]*>([^<]*)", page)
    assert title and f"{hidden} more variables" in title.group(1)
    whole = {lp.id for lp in analyse_loops(full).loops}
    assert {row[0] for row in data["loops"]} <= whole  # type: ignore[index]
    assert f"wrote {out} ({len(shown)} variables" in " ".join(result.stderr.split())


def test_cli_focus_on_a_missing_variable_is_one_usage_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["explore", str(FINES), "--focus", "finez",
                                 "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert result.stderr == (f"loopkit: error: {FINES}: --focus 'finez' is not a variable of "
                             "this diagram (did you mean 'fines'?)\n")
    assert not (tmp_path / "x.html").exists()
