"""WCAG 2.2 AA in a real browser: axe-core, a keyboard walkthrough, reflow and printing.

axe-core (``vendor/axe-core/axe.min.js``, see its README for why it is
vendored) is loaded from that local file into headless Chromium through
selenium, into pages as loopkit writes them: the report as loaded, with each
loop pressed and at 320 CSS px, a two-diagram report, and two standalone SVGs
inline on one page. Any violation of the WCAG A/AA tags fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from tests.browser.conftest import print_to_pdf
from tests.helpers import ROOT

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FINES = "examples/school-fines.yaml"
LOOPS = ["B1", "R1", "R2", "R3", "B2"]


def _cli(*args: str) -> None:
    with contextlib.chdir(ROOT):  # paths in the page as a user would type them
        result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("a11y")
    _cli("report", FINES, "-o", str(folder / "report.html"))
    return folder


def _open(driver: Any, path: Path, width: int = 1280) -> None:
    driver.set_window_size(width, 1000)
    driver.get(path.as_uri())


def axe(driver: Any) -> dict[str, Any]:
    """Run axe-core on the loaded page; its violations of ``TAGS``, and counts."""
    source = AXE.read_text(encoding="utf-8")
    driver.execute_script(source + "\n;window.__axe = axe;")
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        window.__axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},
                                    resultTypes: ['violations']})
          .then(r => done({version: window.__axe.version, passes: r.passes.length,
                           violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                             nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': '
                               + n.failureSummary)}))}))
          .catch(e => done({error: String(e)}));
    """, TAGS)


def assert_clean(driver: Any, where: str) -> None:
    result = axe(driver)
    assert "error" not in result, result
    assert result["version"] == AXE_VERSION
    assert result["passes"] > 10  # the rules ran
    assert result["violations"] == [], f"{where}: {result['violations']}"


def test_vendored_axe_is_the_published_file() -> None:
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256
    assert data.startswith(f"/*! axe v{AXE_VERSION}".encode())  # licence header kept
    assert b"Mozilla Public" in data[:600]


def test_report_as_loaded_has_no_violations(driver: Any, out: Path) -> None:
    _open(driver, out / "report.html")
    assert_clean(driver, "report as loaded")


def test_report_with_each_loop_pressed_has_no_violations(driver: Any, out: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, out / "report.html")
    for loop_id in LOOPS:
        button = driver.find_element(By.CSS_SELECTOR, f'tr[data-loop="{loop_id}"] button')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert driver.execute_script(
            "return document.getElementById('d0-figure').getAttribute('data-highlight')"
        ) == loop_id
        # the pressed cue is not colour alone: a check mark and a thicker dark border
        cue = driver.execute_script(
            "const s = getComputedStyle(arguments[0], '::before'); return s.content;", button)
        assert "\u2713" in cue
        assert_clean(driver, f"report with {loop_id} pressed")


def test_report_reflows_at_320_css_px(driver: Any, out: Path) -> None:
    _open(driver, out / "report.html", width=320)
    sizes = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    assert sizes[0] <= 330 and sizes[1] <= sizes[0], sizes  # no sideways page scroll
    wide = driver.execute_script("""
        return Array.from(document.querySelectorAll('.table-wrap')).map(w =>
          [w.scrollWidth > w.clientWidth, getComputedStyle(w).overflowX]);""")
    assert any(scrolls for scrolls, _ in wide)  # a wide table scrolls in its own box
    assert all(overflow == "auto" for _, overflow in wide)
    assert_clean(driver, "report at 320 px")


def test_two_diagram_report_has_no_violations(driver: Any, out: Path) -> None:
    page = out / "two.html"
    _cli("report", FINES, "examples/bail-conditions.yaml", "-o", str(page))
    _open(driver, page)
    assert_clean(driver, "two-diagram report")


def test_two_standalone_svgs_inline_on_one_page(driver: Any, out: Path) -> None:
    """Standalone SVGs carry their own id prefixes: the second is never named by the first."""
    one, two, three = out / "fines.svg", out / "bail.svg", out / "fines-r1.svg"
    _cli("render", FINES, "-o", str(one))
    _cli("render", "examples/bail-conditions.yaml", "-o", str(two))
    _cli("render", FINES, "--loop", "R1", "-o", str(three))
    page = out / "inline.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Two diagrams'
        "</title></head><body><main><h1>Two diagrams</h1>"
        + "".join(f"<figure>{p.read_text(encoding='utf-8')}</figure>" for p in (one, two, three))
        + "</main></body></html>", encoding="utf-8")
    _open(driver, page)
    names = driver.execute_script("""
        return Array.from(document.querySelectorAll('svg[role=img]')).map(svg => {
          const title = document.getElementById(svg.getAttribute('aria-labelledby'));
          const desc = document.getElementById(svg.getAttribute('aria-describedby'));
          return [title.closest('svg') === svg, desc.closest('svg') === svg,
                  title.textContent, desc.textContent.length];
        });""")
    assert [n[:3] for n in names] == [
        [True, True, "School fines cycle"], [True, True, "Bail conditions and gang violence"],
        [True, True, "School fines cycle \u2014 loop R1 (Fines spiral)"]]
    ids = driver.execute_script(
        "return Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids))
    assert names[2][3] < names[0][3] / 3  # a loop picture does not repeat the whole diagram
    assert_clean(driver, "two standalone SVGs inline")


def test_keyboard_walkthrough(driver: Any, out: Path) -> None:
    """Tab from the top reaches every loop button in order, visibly; Enter and Space toggle."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(driver, out / "report.html")
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    reached: list[str] = []
    for _ in range(40):  # bounded: the buttons come early in the page
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.execute_script("""
            const e = document.activeElement, s = getComputedStyle(e);
            return {loop: e.closest('tr[data-loop]')?.getAttribute('data-loop') || null,
                    tag: e.tagName, visible: e.matches(':focus-visible'),
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                    pressed: e.getAttribute('aria-pressed')};""")
        if focused["loop"] is None:
            if reached:
                break
            continue
        loop_id = focused["loop"]
        reached.append(loop_id)
        assert focused["tag"] == "BUTTON" and focused["pressed"] == "false"
        assert focused["visible"] and focused["outline"] != "none" and focused["width"] >= 2
        highlight = "return document.getElementById('d0-figure').getAttribute('data-highlight')"
        pressed = "return document.activeElement.getAttribute('aria-pressed')"
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        assert driver.execute_script(pressed) == "true"
        assert driver.execute_script(highlight) == loop_id
        ActionChains(driver).send_keys(Keys.SPACE).perform()
        assert driver.execute_script(pressed) == "false"
        ActionChains(driver).send_keys(Keys.SPACE).perform()
        assert driver.execute_script(pressed) == "true"
    assert reached == LOOPS
    # the last one pressed stays pressed after focus leaves
    assert driver.execute_script(
        "return Array.from(document.querySelectorAll('[aria-pressed=true]'))"
        ".map(b => b.textContent)") == ["B2"]


@pytest.mark.parametrize("paper", [(21.0, 29.7), (21.59, 27.94)], ids=["A4", "Letter"])
def test_printed_report_starts_with_the_diagram(driver: Any, out: Path,
                                                paper: tuple[float, float]) -> None:
    """Chromium's print to PDF: the diagram on page 1, no help text, rows kept whole.

    Before the print stylesheet, Letter paper gave a first page without the
    diagram and 9 pages in all; now 8 (A4: 7), the diagram and the loop table on page 1.
    """
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    _open(driver, out / "report.html")
    options = PrintOptions()
    options.page_width, options.page_height = paper  # in cm
    data = print_to_pdf(driver, options)
    if keep := os.environ.get("LOOPKIT_PRINT_PDF"):  # to look at the pages
        Path(keep).write_bytes(data)
    pdf = PdfReader(io.BytesIO(data))
    pages = [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]
    first = " ".join(pages[0].split())
    assert "School fines cycle" in first
    assert "same direction" in first  # the diagram's legend: the picture is on page 1
    assert "Loops of School fines cycle" in first  # and the whole loop table after it
    assert "B2 balancing Safeguarding response 3 1" in first
    everything = " ".join(" ".join(pages).split())
    assert "Tab to it" not in everything and "hover" not in everything  # no screen help
    assert len(pages) <= 8, len(pages)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        rules = driver.execute_script("""
            const style = s => getComputedStyle(document.querySelector(s));
            return [style('tbody tr').breakInside, style('.loop').breakInside,
                    style('.help').display, style('thead').display];""")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert rules == ["avoid", "avoid", "none", "table-header-group"]


def test_forced_colours_and_reduced_motion(driver: Any, out: Path) -> None:
    """Windows high contrast: the pressed button still differs; no fades for reduced motion."""
    from selenium.webdriver.common.by import By

    _open(driver, out / "report.html")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "forced-colors", "value": "active"},
        {"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        assert driver.execute_script("return matchMedia('(forced-colors: active)').matches")
        driver.find_element(By.CSS_SELECTOR, 'tr[data-loop="R1"] button').click()
        looks = driver.execute_script("""
            const look = b => { const s = getComputedStyle(b);
              return [s.borderTopStyle, s.borderTopWidth,
                      getComputedStyle(b, '::before').content]; };
            return [look(document.querySelector('tr[data-loop="R1"] button')),
                    look(document.querySelector('tr[data-loop="B1"] button')),
                    getComputedStyle(document.querySelector('#d0-figure .lk-dim text'))
                      .transitionDuration];""")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    pressed, plain, duration = looks
    assert pressed != plain and pressed[0] == "double" and "\u2713" in pressed[2]
    assert set(duration.split(", ")) == {"0s"}
