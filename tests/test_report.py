"""`loopkit report`: loops in plain words, the Markdown by content, the HTML's safety.

The HTML's interactivity is tested in a real browser in tests/browser/.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.loops import Loop, analyse_loops
from loopkit.cli import app
from loopkit.model import Diagram, Link, LoopType, Polarity
from loopkit.output.records import FileResult
from loopkit.output.report import (
    DiagramReport,
    build_reports,
    html_report,
    markdown_pictures,
    markdown_report,
    variable_rows,
)
from loopkit.output.report.html import SCRIPT
from loopkit.output.report.words import is_plural, loop_sentence, phrase
from loopkit.read.load import load_diagram
from tests.helpers import ROOT

FINES = ROOT / "examples" / "school-fines.yaml"
HOSTILE = ROOT / "tests" / "data" / "formats" / "hostile.yaml"
runner = CliRunner()


def _fines() -> tuple[Diagram, dict[str, Loop], dict[str, str]]:
    diagram = load_diagram(FINES)
    loops = {lp.id: lp for lp in analyse_loops(diagram).loops}
    return diagram, loops, {v.id: v.label for v in diagram.variables}


# --- loops in words -------------------------------------------------------------


def test_reinforcing_loop_in_words() -> None:
    _, loops, labels = _fines()
    assert loop_sentence(loops["R1"], labels) == (
        "When school non-attendance rises, fines issued to parents rise after a delay, "
        "which raises family financial strain, which raises difficulties at home, which, "
        "after a delay, raises child criminal exploitation, which raises school "
        "non-attendance further: a reinforcing loop.")


def test_negative_links_turn_rises_into_falls() -> None:
    _, loops, labels = _fines()
    # R2 has two negative links: support falls, then exploitation rises again.
    assert loop_sentence(loops["R2"], labels) == (
        "When school non-attendance rises, fines issued to parents rise after a delay, "
        "which raises family disengagement from services, which lowers support reaching "
        "the family, which raises child criminal exploitation, which raises school "
        "non-attendance further: a reinforcing loop.")
    assert loop_sentence(loops["B1"], labels) == (
        "When school non-attendance rises, fines issued to parents rise after a delay, "
        "which raises parental pressure to attend, which pushes school non-attendance "
        "back down: a balancing loop.")


def _loop(signs: list[str], delays: list[bool] | None = None) -> Loop:
    names = [f"v{i}" for i in range(len(signs))]
    links = tuple(Link(names[i], names[(i + 1) % len(names)], Polarity(sign),
                       delay=bool(delays and delays[i]))
                  for i, sign in enumerate(signs))
    negatives = signs.count("-")
    unknowns = signs.count("?")
    return Loop("X1", tuple(names), LoopType.from_signs(negatives, unknowns), links)


def test_first_link_negative_and_short_loops() -> None:
    assert loop_sentence(_loop(["-", "-"]), {"v0": "Trust", "v1": "Rumours"}) == (
        "When trust rises, rumours fall, which raises trust further: a reinforcing loop.")
    assert loop_sentence(_loop(["+"]), {"v0": "Hype"}) == (
        "When hype rises, that raises hype further: a reinforcing loop.")
    assert loop_sentence(_loop(["-"]), {"v0": "Stock"}) == (
        "When stock rises, that pushes stock back down: a balancing loop.")
    assert loop_sentence(_loop(["+", "?", "+"])).endswith(
        "in a direction that cannot be told: an undetermined loop (a link's polarity is "
        "unknown).")


@given(st.lists(st.sampled_from("+-"), min_size=1, max_size=9),
       st.lists(st.booleans(), min_size=9, max_size=9))
def test_sentence_agrees_with_the_loop_type(signs: list[str], delays: list[bool]) -> None:
    loop = _loop(signs, delays)
    sentence = loop_sentence(loop)
    if loop.type is LoopType.REINFORCING:
        assert sentence.endswith("further: a reinforcing loop.")
    else:
        assert sentence.endswith("back down: a balancing loop.")
    # Follow the words: every clause's direction is the previous one times the link sign.
    direction = 1
    verbs = re.findall(r"\b(rises?|falls?|raises|lowers|pushes)\b", sentence)[1:]
    for sign, verb in zip(signs, verbs, strict=True):
        direction = direction if sign == "+" else -direction
        assert (verb in ("rise", "rises", "raises")) == (direction == 1), (sentence, verb)
    assert sentence.count("after a delay") == sum(delays[: len(signs)])


def test_grammar_helpers() -> None:
    assert is_plural("Fines issued to parents")
    assert is_plural("Difficulties at home")
    assert is_plural("Safeguarding concerns raised")
    assert is_plural("Children securing immigration status")
    assert is_plural("Destitution and exclusion from services")
    assert not is_plural("Family financial strain")
    assert not is_plural("Staff stress")
    assert not is_plural("Support reaching the family")
    assert phrase("School non-attendance") == "school non-attendance"
    assert phrase("CAMHS waiting time") == "CAMHS waiting time"
    assert phrase("  Two\n words ") == "two words"


# --- report records and Markdown ---------------------------------------------------


def _stub_svg(diagram: Diagram, analysis: object, highlight: str | None, prefix: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}svg" data-hl="{highlight}"/>'


def _reports(*paths: Path, max_pictures: int = 30, svg: object = _stub_svg) -> list:
    results = []
    for path in paths:
        diagram = load_diagram(path)
        results.append(FileResult(str(path.relative_to(ROOT)), diagram, analyse_loops(diagram)))
    return build_reports(results, svg=svg, max_pictures=max_pictures)  # type: ignore[arg-type]


def test_variable_table_lists_the_loops_of_each_variable() -> None:
    diagram, loops, _ = _fines()
    rows = {r.id: r for r in variable_rows(diagram, list(loops.values()))}
    assert rows["absence"].loops == ("B1", "R1", "R2", "R3")
    assert rows["exploitation"].loops == ("R1", "R2", "R3", "B2")
    assert rows["strain"].loops == ("R1",)
    assert rows["school_training"].loops == ()
    ordered = [r.id for r in variable_rows(diagram, list(loops.values()))]
    assert ordered[:3] == ["absence", "fines", "exploitation"]  # most loops first


def test_markdown_report_content() -> None:
    [report] = _reports(FINES)
    text = markdown_report([report])
    assert text.startswith("# School fines cycle\n")
    assert "5 loops: 3 reinforcing, 2 balancing." in text
    for heading in ("## Loops", "## Links", "## Groups", "## Variables",
                    "### R1: Fines spiral (reinforcing)",
                    "### B2: Safeguarding response (balancing)"):
        assert f"\n{heading}\n" in text
    assert "which raises school non-attendance further: a reinforcing loop." in text
    assert "| School non-attendance | absence | school | B1, R1, R2, R3 | 4 |  |" in text
    assert "| Parents aware of right to challenge fines | fine\\_rights | intervention | none "\
        "| 0 | Intervention - help parents" in text  # variable descriptions are in the text
    # links on no loop and groups are in the text, not only in the picture
    assert "16 links, 2 of them on no loop" in text
    assert ("| Schools trained to spot exploitation | Fines issued to parents | − negative | "
            "no | none |") in text
    assert "- **school** (drawn with a thin solid outline, rounded corners): " in text
    images = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", text)
    assert [name for _, name in images] == [
        "report-school-fines.svg", *(f"report-school-fines-{i}.svg"
                                     for i in ("B1", "R1", "R2", "R3", "B2"))]
    assert "described in the text below" in images[0][0]  # alt text points to the words
    assert all("described in the words above" in alt for alt, _ in images[1:])
    assert "base64" not in text and "data:" not in text
    pictures = markdown_pictures([report], "report")
    assert list(pictures) == [name for _, name in images]
    highlights = [re.search(r'data-hl="(\w+)"', svg).group(1) for svg in pictures.values()]
    assert highlights == ["None", "B1", "R1", "R2", "R3", "B2"]
    assert "![" not in markdown_report([report], images=False)
    # loopkit's own words are not escaped: far fewer backslashes than one per sentence
    assert text.count("\\") < 40


def test_markdown_escapes_hostile_labels_and_bounds_pictures() -> None:
    [report] = _reports(HOSTILE, max_pictures=1)
    text = markdown_report([report])
    assert "<script>" not in text and "<b>" not in text and "](http" not in text
    assert "Cost \\| price &lt;b&gt;" in text
    assert "2 loops are described in words only" in text
    assert len(report.loop_svgs) == 1


def test_markdown_and_html_of_several_files() -> None:
    reports = _reports(FINES, ROOT / "examples" / "legal-aid.yaml")
    text = markdown_report(reports)
    assert text.startswith("# Causal loop diagrams\n")
    assert "\n## School fines cycle\n" in text
    assert "\n## Legal aid for separated migrant children\n" in text
    page = html_report(reports)
    assert page.count('<table class="loops"') == 2
    assert 'data-figure="d0-figure"' in page and 'data-figure="d1-figure"' in page
    assert 'id="d1-l0-svg"' in page  # element ids stay unique across SVGs


# --- HTML ----------------------------------------------------------------------------


def test_html_is_self_contained_and_allows_only_its_own_script() -> None:
    [report] = _reports(FINES)
    page = html_report([report])
    assert page.startswith("<!DOCTYPE html>")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp.group(1)
    assert "default-src 'none'" in csp.group(1)
    assert page.count("<script") == 1 and f"<script>{SCRIPT}</script>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    for loop_id in ("B1", "R1", "R2", "R3", "B2"):
        assert f'<tr class="loop-row" data-loop="{loop_id}"' in page
        assert f'data-loop-section="{loop_id}"' in page
    assert ('data-vars="[&quot;absence&quot;, &quot;fines&quot;, &quot;pressure&quot;]"'
            in page)


def test_html_escapes_every_user_string() -> None:
    [report] = _reports(HOSTILE)
    page = html_report([report])
    assert "<script>alert" not in page and "<b>" not in page
    assert "Pipes | &lt;script&gt;alert(1)&lt;/script&gt; &amp; 100% **bold**" in page
    assert "<title>Pipes | &lt;script&gt;" in page


def test_report_is_deterministic() -> None:
    first = html_report(_reports(FINES))
    assert first == html_report(_reports(FINES))


# --- CLI -----------------------------------------------------------------------------


def test_cli_writes_html_and_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    html_out, md_out = tmp_path / "report.html", tmp_path / "report.md"
    result = runner.invoke(app, ["report", "examples/school-fines.yaml", "-o", str(html_out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    page = html_out.read_text(encoding="utf-8")
    assert page.count("<svg") == 6 and 'data-loops="' in page and 'data-var="' in page
    result = runner.invoke(app, ["report", "examples/school-fines.yaml", "-o", str(md_out)])
    assert result.exit_code == 0, result.output
    assert md_out.read_text(encoding="utf-8").count("](report-school-fines") == 6
    pictures = sorted(p.name for p in tmp_path.glob("report-*.svg"))
    assert len(pictures) == 6 and "report-school-fines-R1.svg" in pictures
    assert ET.fromstring((tmp_path / "report-school-fines.svg").read_text(encoding="utf-8"))
    quiet = runner.invoke(app, ["-q", "report", "examples/school-fines.yaml", "-o",
                                str(md_out), "--no-images"])
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert "data:image" not in md_out.read_text(encoding="utf-8")


def test_cli_refuses_unknown_suffix_and_its_own_input(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["report", str(FINES), "-o", str(tmp_path / "r.txt")])
    assert unknown.exit_code == 2 and "--format" in unknown.stderr
    copy = tmp_path / "d.md"
    copy.write_bytes(FINES.read_bytes())
    clobber = runner.invoke(app, ["report", str(copy), "-o", str(copy)])
    assert clobber.exit_code == 2 and "refusing to write over the input" in clobber.stderr
    assert copy.read_bytes() == FINES.read_bytes()


def test_cli_unreadable_file_gives_no_report(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    bad = ROOT / "tests" / "errors" / "many-errors.yaml"
    result = runner.invoke(app, ["report", str(FINES), str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "many-errors.yaml:5:5:" in result.stderr and "no report written" in result.stderr
    assert not out.exists()


def test_cli_declared_loop_problems_are_in_the_report_and_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    wrong = ROOT / "tests" / "errors" / "loop-wrong-type.yaml"
    result = runner.invoke(app, ["report", str(wrong), "-o", str(out), "--no-images"])
    assert result.exit_code == 1
    assert "is balancing, not reinforcing" in out.read_text(encoding="utf-8")


def test_real_process_writes_markdown_to_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "report", "examples/legal-aid.yaml", "-o", "-",
         "--format", "markdown", "--no-images"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Legal aid for separated migrant children\n")
    assert "pushes legal aid for migrant children back down: a balancing loop." in done.stdout


def test_report_for_diagram_report_dataclass_without_pictures() -> None:
    diagram, _, _ = _fines()
    report = DiagramReport("x.yaml", diagram, analyse_loops(diagram))
    assert report.undrawn == 0
    assert "<svg" not in html_report([report])


def test_cli_report_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    outputs = []
    for n in range(2):
        out = tmp_path / f"r{n}.html"
        result = runner.invoke(app, ["-q", "report", str(FINES), "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_html_has_links_groups_and_descriptions_in_text() -> None:
    [report] = _reports(FINES)
    page = html_report([report])
    assert "<caption id=\"d0-links-caption\">Links of School fines cycle</caption>" in page
    assert ("<tr><td>Schools trained to spot exploitation</td><td>Fines issued to parents</td>"
            "<td class=\"sign\">\u2212 negative</td><td>no</td><td>none</td><td></td></tr>") in page
    assert "16 links, 2 of them on no loop" in page
    assert ("<li><strong>services</strong> (drawn with a thick solid outline, rounded corners):"
            " Family disengagement from services, Support reaching the family") in page
    assert "Intervention - educate schools" in page  # variable descriptions, not only tooltips
    assert "Tab to it, then Enter or Space" in page  # the help names the keyboard
    assert page.count('role="region" tabindex="0"') == 3  # each table scrolls on its own


def test_html_pictures_are_named_briefly_and_never_repeat_the_description() -> None:
    from loopkit.output.report import default_svg

    [report] = _reports(FINES, svg=default_svg)
    page = html_report([report])
    descs = re.findall(r"<desc id=\"[^\"]+\">([^<]*)</desc>", page)
    assert len(descs) == 6
    assert sum(len(d) for d in descs) < 1200  # was 8,022 characters, each read twice
    assert all(report.diagram.description not in d for d in descs)
    names = re.findall(r"<title id=\"[^\"]+\">([^<]*)</title>", page)
    assert names[0] == "School fines cycle" and all(len(n) < 80 for n in names)
    assert 'aria-labelledby="d0-diagram-title" aria-describedby="d0-diagram-desc"' in page


def test_report_to_stdout_defaults_to_markdown_text_only() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "report", "examples/legal-aid.yaml", "-o", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Legal aid for separated migrant children\n")
    assert "![" not in done.stdout and "<svg" not in done.stdout and done.stderr == ""
    html = subprocess.run(
        [sys.executable, "-m", "loopkit", "report", "examples/legal-aid.yaml", "-o", "-",
         "--format", "html"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert html.returncode == 0 and html.stdout.lstrip().lower().startswith("<!doctype html")
