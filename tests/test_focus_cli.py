"""Focus views from the command line: `loopkit render`/`report` with --focus, --between,
--loops, --group and --collapse groups.

Usage errors are golden lines (``tests/focus/usage.golden``: each ``$ loopkit ...``
command, its exit code and its exact standard error). Regenerate a block only
after reading the new message.
"""

from __future__ import annotations

import math
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli.app import app
from loopkit.model import Diagram, Link, Polarity, Variable
from tests.helpers import ROOT, foresight_diagram

GOLDEN = ROOT / "tests" / "focus" / "usage.golden"
SVG = "{http://www.w3.org/2000/svg}"
FINES = "examples/school-fines.yaml"


def _cases() -> list[tuple[str, int, list[str]]]:
    cases = []
    for block in GOLDEN.read_text(encoding="utf-8").strip().split("\n\n"):
        command, code, *lines = block.splitlines()
        cases.append((command.removeprefix("$ "), int(code.removeprefix("# exit ")), lines))
    return cases


@pytest.mark.parametrize(("command", "code", "expected"), _cases(), ids=lambda c: str(c)[:60])
def test_usage_errors_match_golden(command: str, code: int, expected: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == code
    assert result.stderr.splitlines() == expected
    assert result.stdout == ""


def test_a_real_process_gives_one_line_and_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "render", FINES, "--focus",
                           "finez", "-o", "never.svg"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (f"loopkit: error: {FINES}: --focus 'finez' is not a variable of "
                           "this diagram (did you mean 'fines'?)\n")
    assert not (ROOT / "never.svg").exists()


def _render(args: list[str], tmp_path: Path, name: str = "out.svg") -> ET.Element:
    out = tmp_path / name
    result = CliRunner().invoke(app, ["render", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return ET.fromstring(out.read_text(encoding="utf-8"))


def _texts(root: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_focus_picture_says_what_it_leaves_out_in_text_title_and_desc(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    root = _render([FINES, "--focus", "fines"], tmp_path)
    caption = ("Causes and effects within 1 link of 'Fines issued to parents': 5 more "
               "variables and 9 links not shown.")
    drawn = " ".join(_texts(root).split())
    assert "5 more variables and 9 links not shown." in drawn
    assert root.findtext(f"{SVG}title") == f"School fines cycle \u2014 {caption}"
    desc = root.findtext(f"{SVG}desc") or ""
    assert desc.startswith(f"Part of a causal loop diagram of 12 variables and 16 links: "
                           f"{caption}")
    shown = {g.get("data-var") for g in root.iter(f"{SVG}g") if g.get("data-var")}
    assert shown == {"fines", "absence", "pressure", "strain", "disengagement",
                     "school_training", "fine_rights"}
    # the badge is the whole map's B1
    assert [g.get("data-loop") for g in root.iter(f"{SVG}g") if g.get("data-loop")] == ["B1"]


@pytest.mark.parametrize(("args", "centres"), [
    (["--focus", "fines"], {"fines"}),
    (["--between", "fines", "absence", "--max-length", "4"], {"fines", "absence"}),
])
def test_the_variables_a_view_centres_on_stand_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
        centres: set[str]) -> None:
    """Bold name and a heavier outline on the focus (between's two ends), the rest plain."""
    monkeypatch.chdir(ROOT)
    root = _render([FINES, *args], tmp_path)
    weights: dict[str, set[str | None]] = {}
    pens: dict[str, float] = {}
    for g in root.iter(f"{SVG}g"):
        var = g.get("data-var")
        if var:
            weights[var] = {t.get("font-weight") for t in g.iter(f"{SVG}text")}
            pens[var] = float(g.find(f"{SVG}path").get("stroke-width", "1"))  # type: ignore[union-attr]
    assert len(weights) > len(centres)
    assert {v for v, w in weights.items() if w == {"bold"}} == centres
    assert all(None in w and "bold" not in w for v, w in weights.items() if v not in centres)
    assert min(pens[v] for v in centres) > max(p for v, p in pens.items() if v not in centres)


def test_alt_text_of_a_focus_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _render([FINES, "--group", "family", "--alt"], tmp_path)
    alt = (tmp_path / "out.alt.txt").read_text(encoding="utf-8")
    assert alt.startswith("School fines cycle (Group 'family': 9 more variables and 15 links "
                          "not shown): causal loop diagram of 3 variables and 1 link")
    desc = (tmp_path / "out.desc.md").read_text(encoding="utf-8")
    assert ("Part of the map, which has 12 variables and 16 links\\: group 'family'; 9 more "
            "variables and 15 links not shown\\." in desc)
    # the group is described as the whole map draws it (its own colour, not the first's)
    assert "thin solid outline" not in desc


def test_loops_view_keeps_the_full_listings_ids(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    listing = CliRunner().invoke(app, ["loops", FINES, "--format", "json"])
    import json

    full = {lp["id"]: lp["variables"] for lp in json.loads(listing.stdout)["files"][0]["loops"]}
    root = _render([FINES, "--loops", "R3,B2"], tmp_path)
    badges = [g.get("data-loop") for g in root.iter(f"{SVG}g") if g.get("data-loop")]
    assert badges == ["R3", "B2"]
    shown = {g.get("data-var") for g in root.iter(f"{SVG}g") if g.get("data-var")}
    assert shown == set(full["R3"]) | set(full["B2"])
    # a link names the loops it is on by their full ids
    on = {g.get("data-link"): g.get("data-loops") for g in root.iter(f"{SVG}g")
          if g.get("data-link")}
    assert all(set((ids or "").split()) <= set(full) for ids in on.values())


def test_foresight_loops_and_focus_keep_ids(tmp_path: Path) -> None:
    from loopkit.interop.yaml_writer import write_yaml

    source = tmp_path / "foresight.yaml"
    source.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    listing = CliRunner().invoke(app, ["loops", str(source), "--format", "json"])
    import json

    full = {lp["id"]: lp["variables"] for lp in json.loads(listing.stdout)["files"][0]["loops"]}
    root = _render([str(source), "--loops", "R7,B2"], tmp_path)
    drawn = {g.get("data-loop") for g in root.iter(f"{SVG}g") if g.get("data-loop")}
    assert drawn == {"R7", "B2"}
    shown = {g.get("data-var") for g in root.iter(f"{SVG}g") if g.get("data-var")}
    assert shown == set(full["R7"]) | set(full["B2"])
    root = _render([str(source), "--focus", "TV Watching", "--depth", "1"], tmp_path, "tv.svg")
    title = root.findtext(f"{SVG}title") or ""
    assert re.search(r"within 1 link of 'TV Watching': \d+ more variables and \d+ links not "
                     r"shown\.$", title)


def test_collapse_groups_draws_counts_and_combined_signs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    root = _render([FINES, "--collapse", "groups"], tmp_path)
    signs = sorted("".join(t.itertext()) for g in root.iter(f"{SVG}g")
                   if g.get("data-link") for t in g.iter(f"{SVG}text"))
    assert signs == sorted(["2 \u2212", "1 +", "2 +", "1 \u2212", "1 +", "1 +", "1 \u2212",
                            "1 +", "2 \u2212", "1 +"]) or all(
        re.fullmatch(r"\d+ [+\u2212\u00b1?]", s) for s in signs)
    titles = [g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g") if g.get("data-link")]
    assert "intervention (2 variables) \u2192 school (2 variables): 2 links (2 negative): " \
           "Schools trained to spot exploitation \u2192 Fines issued to parents (\u2212); " \
           "Parents aware of right to challenge fines \u2192 Fines issued to parents " \
           "(\u2212)" in titles
    assert "4 links inside groups not shown" in " ".join(_texts(root).split())


def test_collapse_foresight_marks_mixed_links_and_says_so_in_the_legend(tmp_path: Path) -> None:
    from loopkit.interop.yaml_writer import write_yaml

    source = tmp_path / "foresight.yaml"
    source.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    root = _render([str(source), "--collapse", "groups"], tmp_path)
    texts = _texts(root)
    assert "mixed signs" in texts and "unknown polarity" not in texts
    assert re.search(r"\d+ \u00b1", texts)
    boxes = [g.get("data-var") for g in root.iter(f"{SVG}g") if g.get("data-var")]
    assert len(boxes) == 10 and all(b.startswith("group:") for b in boxes)


def test_collapse_foresight_text_alternative_says_mixed_not_unknown(tmp_path: Path) -> None:
    """The overview's alt text counts groups, and a link of mixed signs is 'mixed signs
    (±)' in words, as the picture draws it, never 'direction not known'."""
    from loopkit.interop.yaml_writer import write_yaml

    source = tmp_path / "foresight.yaml"
    source.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    _render([str(source), "--collapse", "groups", "--alt"], tmp_path)
    alt = (tmp_path / "out.alt.txt").read_text(encoding="utf-8")
    assert "an overview of a causal loop diagram, 10 groups and 52 links between them" in alt
    desc = (tmp_path / "out.desc.md").read_text(encoding="utf-8")
    rows = [line for line in desc.splitlines() if line.startswith("- ") and " \u2192 " in line]
    assert len(rows) == 52
    assert "direction not known" not in desc and "10 variables" not in desc
    mixed = [row for row in rows if "mixed signs (\u00b1)" in row]
    assert mixed and all(re.search(r"\d+ links \\\(\d+ positive, \d+ negative", row)
                         for row in mixed)


def test_focus_pictures_are_deterministic_and_checkable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "near.svg"
    args = ["render", FINES, "--between", "absence", "exploitation", "-o", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    first = out.read_bytes()
    assert CliRunner().invoke(app, [*args, "--check"]).exit_code == 0
    out.write_bytes(b"stale")
    stale = CliRunner().invoke(app, [*args, "--check"])
    assert stale.exit_code == 1
    assert "--between absence exploitation" in stale.stderr
    assert CliRunner().invoke(app, args).exit_code == 0
    assert out.read_bytes() == first


def test_png_of_a_focus_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "f.png"
    result = CliRunner().invoke(app, ["render", FINES, "--focus", "home", "--depth", "2",
                                      "--direction", "up", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


HOSTILE = '<script>alert("x")</script> & \\N \\l \u202e]]>'


def _hostile(tmp_path: Path) -> Path:
    from loopkit.interop.yaml_writer import write_yaml

    diagram = Diagram(
        (Variable("a", HOSTILE, f"grp {HOSTILE}"), Variable("b", "plain", f"grp {HOSTILE}"),
         Variable("c", "other", "g2"), Variable("d", "far", None)),
        (Link("a", "b", Polarity.POSITIVE), Link("b", "c", Polarity.NEGATIVE),
         Link("c", "a", Polarity.POSITIVE), Link("c", "d", Polarity.POSITIVE),
         Link("a", "c", Polarity.NEGATIVE)),
        title="Hostile")
    path = tmp_path / "hostile.yaml"
    path.write_text(write_yaml(diagram), encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [["--focus", "a"], ["--collapse", "groups"],
                                  ["--group", f"grp {HOSTILE}"], ["--between", "a", "c"]])
def test_hostile_names_are_escaped_in_the_caption(tmp_path: Path, args: list[str]) -> None:
    source = _hostile(tmp_path)
    out = tmp_path / "h.svg"
    result = CliRunner().invoke(app, ["render", str(source), *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # well-formed: every name escaped
    assert "<script" not in text and "]]>" not in text.replace("]]&gt;", "")
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    title = root.findtext(f"{SVG}title") or ""
    assert "\n" not in title


def test_hostile_name_in_a_usage_error_stays_one_line(tmp_path: Path) -> None:
    source = _hostile(tmp_path)
    result = CliRunner().invoke(app, ["render", str(source), "--focus", "x\n\x1b[2Jy"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "\x1b" not in result.stderr


def test_report_of_a_focus_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", FINES, "--focus", "fines", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    note = re.search(r'<p class="view-note">(.*?)</p>', page)
    assert note is not None
    assert note[1].startswith("Part of the map, which has 12 variables and 16 links: causes "
                              "and effects within 1 link of ")
    assert note[1].endswith("; 5 more variables and 9 links not shown. Loop ids are those of "
                            "the whole map.")
    assert "B1" in page and 'data-loop="R1"' not in page
    md = CliRunner().invoke(app, ["report", FINES, "--loops", "R2", "-o", "-"])
    assert md.exit_code == 0
    assert ("Part of the map, which has 12 variables and 16 links\\: loop R2; 7 more "
            "variables and 11 links not shown\\. Loop ids are those of the whole map\\."
            in md.stdout.splitlines())


def test_hostile_names_are_escaped_in_the_report(tmp_path: Path) -> None:
    source = _hostile(tmp_path)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(source), "--group", f"grp {HOSTILE}",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    note = re.search(r'<p class="view-note">(.*?)</p>', page)
    assert note is not None
    assert "<" not in note[1] and "&lt;script&gt;" in note[1]


def test_focus_on_a_map_with_countless_loops_is_bounded(tmp_path: Path) -> None:
    """Every pair of 14 variables linked both ways: over 10^10 loops. The view's loops
    come from the bounded search of the whole map, which says where it stopped."""
    from loopkit.interop.yaml_writer import write_yaml

    names = [f"x{i}" for i in range(14)]
    diagram = Diagram.build(names, [(a, b, "+") for a in names for b in names if a != b])
    source = tmp_path / "dense.yaml"
    source.write_text(write_yaml(diagram), encoding="utf-8")
    out = tmp_path / "x.svg"
    result = CliRunner().invoke(app, ["render", str(source), "--focus", "x3", "--depth", "0",
                                      "--time-budget", "8", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "loop search stopped" in result.stderr
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert "13 more variables and 182 links not shown" in (root.findtext(f"{SVG}title") or "")


def _foresight_overview(tmp_path: Path) -> str:
    from loopkit.interop.yaml_writer import write_yaml

    source = tmp_path / "foresight.yaml"
    source.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    out = tmp_path / "overview.svg"
    result = CliRunner().invoke(app, ["render", str(source), "--collapse", "groups",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_collapse_foresight_overview_reads_cleanly(tmp_path: Path) -> None:
    """52 group links on 10 boxes: one line per pair of groups, no count covering
    another, no link through a count (they were 4 and 94 with a count per arrow)."""
    from loopkit.render.metrics import measure_svg

    svg = _foresight_overview(tmp_path)
    metrics = measure_svg(svg)
    assert metrics.links == 37  # 52 links, 15 pairs linked both ways drawn as one line
    assert metrics.overlapping_texts == 0, metrics.problems
    assert metrics.links_through_labels == 0, metrics.problems
    assert metrics.links_through_variables == 0, metrics.problems
    assert metrics.crossing_count <= 60  # 115 with a line per link
    assert _foresight_overview(tmp_path) == svg  # same input, same bytes


def test_collapse_foresight_counts_sit_on_their_own_line(tmp_path: Path) -> None:
    """Every count is drawn on its line, on the half of its own arrowhead, and every
    line's title counts each direction it stands for in words."""
    from loopkit.render.layout import dense
    from loopkit.render.metrics import read_svg

    root = ET.fromstring(_foresight_overview(tmp_path))
    geometry = read_svg(ET.tostring(root))
    lines = {link.owner.removeprefix("link:"): dense(link.line, 1.0, most=5000)
             for link in geometry.links}
    counts = 0
    for group in root.iter(f"{SVG}g"):
        if not group.get("data-link"):
            continue
        line = lines[group.get("id", "")]
        texts = list(group.iter(f"{SVG}text"))
        title = group.findtext(f"{SVG}title") or ""
        assert len(texts) == (2 if group.get("data-back") else 1)
        assert title.count("\u2192") >= len(texts) * 2  # group -> group, member -> member
        for n, text in enumerate(texts):
            counts += 1
            words = "".join(text.itertext())
            number = words.split()[0]
            assert f"{number} link" in title
            x = float(text.get("x", "0"))
            y = float(text.get("y", "0")) - 0.3 * float(text.get("font-size", "14"))
            nearest = min(range(len(line)), key=lambda k: math.dist(line[k], (x, y)))
            assert math.dist(line[nearest], (x, y)) < 6, (words, title)
            if group.get("data-back"):
                # the first count belongs to the arrowhead at the line's end, the
                # second to the one at its start
                assert (nearest >= len(line) / 2) == (n == 0), (words, title)
    assert counts == 52


def test_collapse_with_dot_moves_boxes_apart_until_counts_find_room(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``dot`` ranks the overview's boxes tightly: counts ended up on other lines (8 on
    Foresight). Boxes are moved apart while that helps, and a count still on another
    line is said in a note, by number."""
    from loopkit.interop.yaml_writer import write_yaml
    from loopkit.render import overview
    from loopkit.render.metrics import measure_svg

    source = tmp_path / "foresight.yaml"
    source.write_text(write_yaml(foresight_diagram()), encoding="utf-8")

    def through(tries: int) -> tuple[int, str]:
        monkeypatch.setattr(overview, "WIDEN_TRIES", tries)
        out = tmp_path / f"dot{tries}.svg"
        result = CliRunner().invoke(app, ["render", str(source), "--collapse", "groups",
                                          "--engine", "dot", "-o", str(out)])
        assert result.exit_code == 0, result.output
        metrics = measure_svg(out.read_bytes())
        assert metrics.overlapping_texts == 0 and metrics.links_through_variables == 0
        return metrics.links_through_labels, result.stderr

    tries = overview.WIDEN_TRIES
    before, _ = through(0)
    after, said = through(tries)
    assert after < before
    if after:
        assert re.search(rf"note: {after} link counts? drawn over other lines", said), said
    else:
        assert "drawn over other lines" not in said
