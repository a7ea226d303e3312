"""Rendering: DOT and SVG checked structurally (parsed), never by raw text comparison."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loopkit.analysis.loops import analyse_loops
from loopkit.model import DeclaredLoop, Diagram, Link, Polarity, Variable
from loopkit.read.load import load_diagram
from loopkit.render import RenderError, Style, build_dot, draw, render, render_svg, svg_of
from loopkit.render.dotsource import FADED_EDGE, attr_list, wrap_label
from loopkit.render.graphviz import choose_renderer
from loopkit.render.layout import (
    _inside_on_row,
    arc,
    parse_edge_pos,
    parse_layout,
    signed_area,
    winding,
)
from tests.helpers import EXAMPLES, foresight_diagram

NS = {"s": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
HOSTILE = '<script>alert(1)</script> "q" \\N back\\slash & &amp; \x07bell'


@cache
def school() -> Diagram:
    return load_diagram(EXAMPLES / "school-fines.yaml")


@cache
def school_svg(highlight: str | None = None) -> ET.Element:
    return ET.fromstring(render_svg(school(), highlight=highlight))


def dot_graph(source: str) -> dict:
    """Parse DOT with a real DOT parser (the renderer's) and return its JSON."""
    renderer = choose_renderer("pure")
    return json.loads(subprocess.run(
        [renderer.executable, "-q", "-Tjson", "-Kneato"], input=source.encode(),
        capture_output=True, check=True, timeout=30).stdout)


def numbers(path_d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path_d)]
    return list(zip(values[::2], values[1::2], strict=False))


def groups(root: ET.Element, attribute: str) -> dict[str, ET.Element]:
    return {g.get(attribute): g for g in root.iter(f"{SVG}g") if g.get(attribute) is not None}


def all_text(element: ET.Element) -> str:
    return " ".join((t.text or "") for t in element.iter(f"{SVG}text"))


# --- DOT -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_dot_has_every_variable_and_link_with_its_sign(path: Path) -> None:
    diagram = load_diagram(path)
    graph = dot_graph(build_dot(diagram))
    names = [obj["name"] for obj in graph["objects"]]
    assert names == [v.id for v in diagram.variables]
    edges = {(names[e["tail"]], names[e["head"]]): e for e in graph["edges"]}
    assert set(edges) == {link.key for link in diagram.links}
    for link in diagram.links:
        edge = edges[link.key]
        assert edge["headlabel"] == link.polarity.symbol
        assert (edge.get("label") == "||") == link.delay


def test_dot_highlight_emphasises_exactly_the_loop() -> None:
    analysis = analyse_loops(school())
    graph = dot_graph(build_dot(school(), analysis, highlight="B1"))
    names = [obj["name"] for obj in graph["objects"]]
    strong = {(names[e["tail"]], names[e["head"]]) for e in graph["edges"]
              if e.get("penwidth") == "2.2"}
    assert strong == {("absence", "fines"), ("fines", "pressure"), ("pressure", "absence")}


def test_dot_attributes_outside_the_allow_list_are_refused() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        attr_list("node", {"URL": "javascript:alert(1)"})
    with pytest.raises(ValueError, match="not allowed"):
        attr_list("graph", {"stylesheet": "http://example.com/x.css"})


def test_dot_escapes_hostile_text() -> None:
    diagram = Diagram.build(
        [Variable("a", HOSTILE, group='Arial" onload="x'), Variable("node", "b")],
        [("a", "node", "+"), ("node", "a", "-")], title=HOSTILE)
    graph = dot_graph(build_dot(diagram))
    assert [obj["name"] for obj in graph["objects"]] == ["a", "node"]
    assert len(graph["edges"]) == 2
    # fontname never carries user text
    assert all(obj.get("fontname", "Helvetica") == "Helvetica" for obj in graph["objects"])


def test_dot_engine_is_validated() -> None:
    with pytest.raises(ValueError, match="engine"):
        build_dot(school(), engine="sfdp; rm -rf")


# --- labels and geometry -------------------------------------------------------------


def test_wrap_label_balances_lines() -> None:
    assert wrap_label("Family financial strain") == ["Family", "financial strain"]
    assert wrap_label("Short") == ["Short"]
    assert wrap_label("Parents aware of right to challenge fines") == [
        "Parents aware", "of right to", "challenge fines"]


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=20), min_size=1,
                max_size=12), st.integers(min_value=4, max_value=30))
def test_wrap_label_keeps_words_and_needs_no_more_lines_than_greedy(
        words: list[str], width: int) -> None:
    text = " ".join(words)
    lines = wrap_label(text, width)
    assert " ".join(lines) == text
    greedy, current = 1, 0
    for word in words:
        if current and current + 1 + len(word) > width:
            greedy, current = greedy + 1, len(word)
        else:
            current = current + 1 + len(word) if current else len(word)
    assert len(lines) <= max(greedy, 1)


def test_arc_turns_the_requested_way() -> None:
    for clockwise in (True, False):
        shape = parse_edge_pos(arc((100.0, 100.0), 13.0, clockwise).pos)
        area = signed_area(list(shape.points))
        assert (area < 0) == clockwise  # y up: negative area is clockwise on the page


def test_winding_inside_and_outside() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    assert winding((5, 5), square) != 0
    assert winding((15, 5), square) == 0


# --- SVG -------------------------------------------------------------------------------


def test_svg_every_link_has_its_sign_and_delays_their_mark() -> None:
    root = school_svg()
    links = groups(root, "data-link")
    assert set(links) == {f"{lk.source}->{lk.target}" for lk in school().links}
    for link in school().links:
        group = links[f"{link.source}->{link.target}"]
        signs = [t.text for t in group.iter(f"{SVG}text")]
        assert signs == [link.polarity.symbol]
        marks = [p for p in group.iter(f"{SVG}path") if p.get("class") == "delay-mark"]
        assert len(marks) == (2 if link.delay else 0)
        assert group.get("data-delay") == ("true" if link.delay else "false")


def test_svg_delay_mark_crosses_the_link_near_its_middle() -> None:
    root = school_svg()
    group = groups(root, "data-link")["absence->fines"]
    line, *marks = [p for p in group.iter(f"{SVG}path")]
    points = numbers(line.get("d"))
    (x0, y0), (x1, y1) = points[0], points[-1]
    for mark in marks:
        (a, b), (c, d) = numbers(mark.get("d"))[0], numbers(mark.get("d"))[-1]
        mx, my = (a + c) / 2, (b + d) / 2
        # the mark's middle lies within the curve's span, away from both ends
        xs = [x for x, _ in points]
        assert min(xs) - 10 < mx < max(xs) + 10
        assert min(y0, y1) + 5 < my < max(y0, y1) - 5
        # and it runs across the link: roughly perpendicular to the chord
        chord = (x1 - x0, y1 - y0)
        stroke = (c - a, d - b)
        cos = abs(chord[0] * stroke[0] + chord[1] * stroke[1]) / (
            (chord[0] ** 2 + chord[1] ** 2) ** 0.5 * (stroke[0] ** 2 + stroke[1] ** 2) ** 0.5)
        assert cos < 0.5


def test_svg_each_declared_loop_has_a_badge_inside_the_loop() -> None:
    root = school_svg()
    badges = groups(root, "data-loop")
    links = groups(root, "data-link")
    assert set(badges) == {loop.id for loop in school().loops}
    for loop in school().loops:
        badge = badges[loop.id]
        id_text = next(t for t in badge.iter(f"{SVG}text") if t.text == loop.id)
        point = (float(id_text.get("x")), float(id_text.get("y")))
        ring = list(loop.variables)
        outline: list[tuple[float, float]] = []
        for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
            path = next(links[f"{a}->{b}"].iter(f"{SVG}path"))
            outline.extend(numbers(path.get("d")))
        xs, ys = [p[0] for p in outline], [p[1] for p in outline]
        assert min(xs) < point[0] < max(xs) and min(ys) < point[1] < max(ys), loop.id
        assert winding(point, outline) != 0, loop.id
        assert loop.name in all_text(badge).replace("\n", " ") or all(
            word in all_text(badge) for word in loop.name.split())
        assert any(p.get("d") for p in badge.iter(f"{SVG}path"))  # the circular arrow


def test_svg_badge_arrow_turns_the_way_the_loop_runs() -> None:
    root = school_svg()
    badges = groups(root, "data-loop")
    variables = groups(root, "data-var")

    def centre(group: ET.Element) -> tuple[float, float]:
        texts = list(group.iter(f"{SVG}text"))
        return (sum(float(t.get("x")) for t in texts) / len(texts),
                sum(float(t.get("y")) for t in texts) / len(texts))

    for loop in school().loops:
        ring = [centre(variables[v]) for v in loop.variables]
        arc = next(p for p in badges[loop.id].iter(f"{SVG}path"))
        turn = signed_area(numbers(arc.get("d")))
        assert (signed_area(ring) > 0) == (turn > 0), loop.id


def test_svg_variables_links_and_badges_have_hooks() -> None:
    root = school_svg()
    variables = groups(root, "data-var")
    assert set(variables) == {v.id for v in school().variables}
    assert all("variable" in g.get("class", "") for g in variables.values())
    analysis = analyse_loops(school())
    for link in school().links:
        g = groups(root, "data-link")[f"{link.source}->{link.target}"]
        expected = [lp.id for lp in analysis.loops if link in lp.links]
        assert g.get("data-loops").split() == expected
    assert len({g.get("id") for g in root.iter() if g.get("id")}) == len(
        [g for g in root.iter() if g.get("id")])


def test_svg_is_accessible_and_self_contained() -> None:
    root = school_svg()
    assert root.get("role") == "img"
    assert root.get("viewBox")
    first, second = list(root)[:2]
    assert first.tag == f"{SVG}title" and first.text == "School fines cycle"
    assert second.tag == f"{SVG}desc" and "R1 (Fines spiral) is reinforcing" in second.text
    # a short name (the title) and the description referenced, never read twice
    assert root.get("aria-labelledby") == first.get("id")
    assert root.get("aria-describedby") == second.get("id")
    assert first.get("id").startswith("school-fines-")  # unique per picture, deterministic
    text = ET.tostring(root, encoding="unicode")
    assert "href" not in text and "url(" not in text and "<!--" not in text
    titles = [t.text for g in root.iter(f"{SVG}g") if g.get("data-link")
              for t in g.findall("s:title", NS)]
    assert "School non-attendance \u2192 Fines issued to parents (+ positive, delayed)" in titles


def test_svg_title_and_legend_are_drawn() -> None:
    root = school_svg()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "School fines cycle" in texts
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    words = all_text(legend)
    for entry in ("same direction", "opposite direction", "delayed", "reinforcing loop",
                  "balancing loop", "school", "intervention"):
        assert entry in words


def test_svg_is_deterministic() -> None:
    assert render_svg(school()) == render_svg(school())
    assert render(school(), "png") == render(school(), "png")


def test_svg_highlight_fades_everything_else() -> None:
    root = school_svg("R1")
    for link_id, group in groups(root, "data-link").items():
        stroke = next(group.iter(f"{SVG}path")).get("stroke")
        inside = "R1" in group.get("data-loops").split()
        assert (stroke == "#111111") == inside, link_id
        assert (stroke == FADED_EDGE) == (not inside), link_id
    assert "loop R1" in root.find("s:title", NS).text


def test_svg_escaping_holds() -> None:
    diagram = Diagram(
        (Variable("a", HOSTILE, group="<b>grp</b>", description='x" onload="y'),
         Variable("b", "plain & simple"), Variable("c", "C")),
        (Link("a", "b", Polarity.POSITIVE, delay=True), Link("b", "c", Polarity.NEGATIVE),
         Link("c", "a", Polarity.UNKNOWN)),
        (DeclaredLoop("U1", ("a", "b", "c"), name="</svg><script>x</script>"),),
        title=HOSTILE, description="& <i>desc</i>")
    text = render_svg(diagram)
    root = ET.fromstring(text)  # valid XML despite the control character
    assert not [e for e in root.iter() if e.tag.endswith(("script", "i", "b"))
                and e.tag != f"{SVG}g"]
    clean = HOSTILE.replace("\x07", "")
    label = all_text(groups(root, "data-var")["a"])
    assert " ".join(label.split()) == " ".join(clean.split())
    assert root.find("s:title", NS).text == " ".join(clean.split())
    assert "& <i>desc</i>" in root.find("s:desc", NS).text
    assert "plain & simple" in all_text(root)
    badge = groups(root, "data-loop")["U1"]
    assert "<script>x</script>" in all_text(badge).replace("\n", "")
    assert "?" in [t.text for t in groups(root, "data-link")["c->a"].iter(f"{SVG}text")]


def test_svg_id_prefix_applies_to_every_id() -> None:
    root = ET.fromstring(render_svg(school(), id_prefix="r1-"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("r1-") for i in ids)
    assert root.get("aria-labelledby") == "r1-diagram-title"
    assert root.get("aria-describedby") == "r1-diagram-desc"
    with pytest.raises(ValueError):
        render_svg(school(), id_prefix='x" onload="y')


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_renders_with_badges_for_its_declared_loops(path: Path) -> None:
    diagram = load_diagram(path)
    root = ET.fromstring(render_svg(diagram))
    assert set(groups(root, "data-loop")) == {lp.id for lp in diagram.loops}
    assert len(groups(root, "data-link")) == len(diagram.links)


def test_foresight_map_renders_with_bent_straight_links_and_every_sign() -> None:
    diagram = foresight_diagram()  # skips when ../shared/data is absent
    drawing = draw(diagram, time_budget=120)  # the whole search, even on a loaded machine
    assert drawing.splines == "line"  # 296 links: curved is not even tried
    assert any("bent round the variables" in note for note in drawing.notes)
    root = ET.fromstring(svg_of(drawing))
    links = groups(root, "data-link")
    assert len(links) == len(diagram.links)
    assert all(len(list(g.iter(f"{SVG}text"))) == 1 for g in links.values())


@pytest.mark.parametrize("engine", ["dot", "circo", "fdp"])
def test_other_engines_draw_the_same_elements(engine: str) -> None:
    root = ET.fromstring(render_svg(school(), engine=engine))
    assert len(groups(root, "data-link")) == len(school().links)
    assert set(groups(root, "data-loop")) == {lp.id for lp in school().loops}


# --- styles and formats ---------------------------------------------------------------


def test_mono_style_uses_no_colour_and_dashes_negative_links() -> None:
    root = ET.fromstring(render_svg(school(), style=["mono"]))
    for group in groups(root, "data-link").values():
        sign = next(group.iter(f"{SVG}text"))
        assert sign.get("fill") in (None, "#222222")
        line = next(group.iter(f"{SVG}path"))
        assert bool(line.get("stroke-dasharray")) == (group.get("data-polarity") == "-")


def test_style_names_are_checked() -> None:
    assert Style.parse(["dashed,boxes"]) == Style(dashed_negative=True, boxes=True)
    with pytest.raises(ValueError, match="unknown style 'fancy'"):
        Style.parse(["fancy"])


def test_formats() -> None:
    assert render(school(), "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert b"digraph" in render(school(), "dot")
    with pytest.raises(RenderError, match="cannot write pdf"):
        render(school(), "pdf", renderer="pure")
    with pytest.raises(ValueError, match="format"):
        render(school(), "gif")


def test_highlight_of_unknown_loop_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="B1"):
        render_svg(school(), highlight="R99")


def test_pinned_layout_hints_are_kept() -> None:
    variables = (Variable("a", "A", pos=(0.0, 0.0)), Variable("b", "B", pos=(4.0, 0.0)),
                 Variable("c", "C", pos=(2.0, 3.0)))
    diagram = Diagram(variables, (Link("a", "b", Polarity.POSITIVE),
                                  Link("b", "c", Polarity.POSITIVE),
                                  Link("c", "a", Polarity.POSITIVE)))
    drawing = draw(diagram)
    pins = re.findall(r'"v(\d)" \[.*pos="([\d.]+),([\d.]+)!"', drawing.dot)
    at = {int(i): (float(x), float(y)) for i, x, y in pins}
    assert at[1][0] - at[0][0] == pytest.approx(288, abs=2)  # 4 inches apart
    assert at[2][1] - at[0][1] == pytest.approx(216, abs=2)


def test_layout_is_matched_by_id_not_by_order() -> None:
    # Graphviz versions list edges in different orders; ids decide.
    doc = {"bb": "0,0,100,100",
           "objects": [{"id": "v1", "pos": "50,50", "width": "1", "height": "0.5"},
                       {"id": "v0", "pos": "10,10", "width": "1", "height": "0.5"}],
           "edges": [{"id": "l1", "pos": "e,10,10 50,50 40,40 30,30 20,20"},
                     {"id": "l0", "pos": "e,50,50 10,10 20,20 30,30 40,40"}]}
    layout = parse_layout(json.dumps(doc), 2, 2)
    assert (layout.nodes[0].x, layout.nodes[1].x) == (10, 50)
    assert layout.edges[0].tip == (50, 50) and layout.edges[1].tip == (10, 10)
    with pytest.raises(ValueError, match="missing"):
        parse_layout(json.dumps(doc), 3, 2)


def test_system_renderer_is_chosen_by_flag_or_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "dot"
    fake.symlink_to(choose_renderer("pure").executable)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert choose_renderer("system").executable.endswith("dot")
    monkeypatch.setenv("LOOPKIT_RENDERER", "system")
    assert choose_renderer().kind == "system"
    root = ET.fromstring(render_svg(school()))
    assert set(groups(root, "data-loop")) == {lp.id for lp in school().loops}
    monkeypatch.setenv("LOOPKIT_RENDERER", "cairo")
    with pytest.raises(RenderError, match="unknown renderer 'cairo'"):
        choose_renderer()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_readme_previews_are_current(path: Path) -> None:
    preview = EXAMPLES.parent / "docs" / "images" / f"{path.stem}.png"
    assert preview.read_bytes() == render(load_diagram(path), "png"), (
        f"{preview} is out of date: run loopkit render {path.relative_to(EXAMPLES.parent)} "
        f"-o docs/images/{path.stem}.png")


def test_badge_of_a_tiny_loop_goes_beside_it_not_on_the_names() -> None:
    diagram = Diagram(
        (Variable("a", "Alpha"), Variable("b", "Beta")),
        (Link("a", "a", Polarity.NEGATIVE), Link("a", "b", Polarity.POSITIVE),
         Link("b", "a", Polarity.POSITIVE)),
        (DeclaredLoop("B1", ("a",), name="self"), DeclaredLoop("R1", ("a", "b"))))
    root = ET.fromstring(render_svg(diagram))
    names = [(float(t.get("x")), float(t.get("y")))
             for g in groups(root, "data-var").values() for t in g.iter(f"{SVG}text")]
    lines = [numbers(next(g.iter(f"{SVG}path")).get("d"))
             for g in groups(root, "data-link").values()]
    for badge in groups(root, "data-loop").values():
        text = next(badge.iter(f"{SVG}text"))
        x, y = float(text.get("x")), float(text.get("y"))
        assert all(abs(x - nx) > 30 or abs(y - ny) > 12 for nx, ny in names)
        for line in lines:  # not on top of a link
            xs, ys = [p[0] for p in line], [p[1] for p in line]
            assert not (min(xs) < x < max(xs) and min(ys) < y < max(ys))


def test_styles_change_colours_never_the_layout() -> None:
    def places(root: ET.Element) -> dict[str, tuple[float, float]]:
        """Variables' places relative to the first one (a legend of another height, e.g.
        without group swatches, moves the whole picture within the page)."""
        found = {k: (float(t.get("x")), float(t.get("y")))
                 for k, g in groups(root, "data-var").items()
                 for t in [next(g.iter(f"{SVG}text"))]}
        x0, y0 = next(iter(found.values()))
        return {k: (round(x - x0, 2), round(y - y0, 2)) for k, (x, y) in found.items()}

    plain = ET.fromstring(render_svg(school(), style=["mono", "plain", "boxes"]))
    assert places(plain) == places(school_svg())
    assert places(school_svg("R2")) == places(school_svg())


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=3, max_size=12),
       st.floats(0, 100), st.lists(st.floats(-10, 110), min_size=1, max_size=20))
def test_row_scan_agrees_with_the_winding_number(
        polygon: list[tuple[float, float]], y: float, xs: list[float]) -> None:
    def on_boundary(x: float) -> bool:
        for (ax, ay), (bx, by) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
            if min(ay, by) <= y <= max(ay, by) and min(ax, bx) - 1e-9 <= x <= max(ax, bx) + 1e-9:
                if abs((bx - ax) * (y - ay) - (x - ax) * (by - ay)) < 1e-6:
                    return True
        return False

    xs = sorted(x for x in xs if not on_boundary(x))  # on the line, either answer is fine
    assert _inside_on_row(polygon, y, xs) == [x for x in xs if winding((x, y), polygon) != 0]


def test_svg_description_names_groups_and_links_on_no_loop() -> None:
    desc = school_svg().find("s:desc", NS).text
    assert ("Groups, each drawn with its own outline: school (2 variables); family "
            "(3 variables); child (1 variable)") in desc
    assert ("Links on no loop: Schools trained to spot exploitation \u2192 Fines issued to "
            "parents (negative)") in desc


def test_highlighted_svg_describes_its_loop_not_the_whole_diagram() -> None:
    whole = school_svg().find("s:desc", NS).text
    loop = school_svg("R1").find("s:desc", NS).text
    assert loop.startswith("The diagram with loop R1 (Fines spiral), a reinforcing loop, "
                           "highlighted and the rest faded.")
    assert "B1" not in loop and "Groups" not in loop and len(loop) < len(whole) / 3


def test_standalone_svg_ids_differ_per_picture_and_repeat_per_input() -> None:
    ids = [school_svg(h).find("s:title", NS).get("id") for h in (None, "R1", "B1")]
    assert len(set(ids)) == 3 and all(i.startswith("school-fines-") for i in ids)
    assert ET.fromstring(render_svg(school())).find("s:title", NS).get("id") == ids[0]


def test_groups_differ_without_colour() -> None:
    """Every group's boxes get an outline pattern of their own, shown in the legend too."""
    root = school_svg()
    looks: dict[str, set[tuple[str | None, str | None]]] = {}
    for group in groups(root, "data-var").values():
        box = next(group.iter(f"{SVG}path"))
        name = group.get("data-group")
        if name:
            looks.setdefault(name, set()).add((box.get("stroke-dasharray"),
                                               box.get("stroke-width")))
    assert all(len(look) == 1 for look in looks.values())  # one look per group
    assert len({next(iter(look)) for look in looks.values()}) == len(looks) == 5


def test_default_id_prefix_is_safe_for_any_file_name() -> None:
    from dataclasses import replace

    for path in ('../"><script>.yaml', "9 lives.yaml", "---.yaml", "Ünïcode map.yaml"):
        root = ET.fromstring(render_svg(replace(school(), path=path)))
        prefix = root.find("s:title", NS).get("id").removesuffix("diagram-title")
        assert re.fullmatch(r"[a-z][a-z0-9-]*-[0-9a-f]{8}-", prefix), (path, prefix)


def test_every_text_is_fitted_to_the_width_loopkit_placed_it_by() -> None:
    """A reader's fallback font (DejaVu Sans where no Helvetica-compatible font is
    installed) is wider than Helvetica: ``textLength`` keeps each text at the width
    boxes, badges and the legend were sized for; names also carry their bold width."""
    from loopkit.render.dotsource import text_width

    root = ET.fromstring(render_svg(load_diagram(EXAMPLES / "school-fines.yaml")))
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t for t in root.iter(f"{ns}text") if len((t.text or "").strip()) > 1]
    assert len(texts) > 40
    for text in texts:
        size = float(text.get("font-size", "14"))
        bold = text.get("font-weight") == "bold"
        assert float(text.get("textLength", "0")) == pytest.approx(
            text_width(text.text or "", size, bold=bold), abs=0.01), text.text
        assert text.get("lengthAdjust") == "spacingAndGlyphs"
    names = [t for g in root.iter(f"{ns}g") if g.get("data-var") for t in g.iter(f"{ns}text")]
    assert names and all(
        float(t.get("data-bold-length", "0")) > float(t.get("textLength", "0")) for t in names)
    # signs keep their own shape
    signs = [t for t in root.iter(f"{ns}text") if (t.text or "").strip() in ("+", "\u2212")]
    assert signs and not any(t.get("textLength") for t in signs)


@pytest.mark.parametrize(("text", "ems"), [
    ("\u5b66\u6821", 2.0),  # CJK: a full em each
    ("e\u0301", 0.556),  # a combining accent adds nothing
    ("caf\u00e9", 0.5 + 0.556 + 0.278 + 0.556),
])
def test_text_width_of_wide_and_combining_characters(text: str, ems: float) -> None:
    from loopkit.render.dotsource import text_width

    assert text_width(text, 10.0) == pytest.approx(ems * 10.0)
