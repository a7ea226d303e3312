"""The HTML report in a real headless Chromium: clicking/hovering a loop highlights it.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them)
and the ``selenium`` package from the ``test`` extra. Skips cleanly where they
are missing, unless ``LOOPKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes
that a failure so CI can never pass without running it.

``LOOPKIT_SCREENSHOT=path.png`` also saves a screenshot (the README's).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def page(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with contextlib.chdir(ROOT):  # so the page shows the path as a user would type it
        result = CliRunner().invoke(app, ["report", "examples/school-fines.yaml",
                                          "-o", str(out)])
    assert result.exit_code == 0, result.output
    driver.get(out.as_uri())
    return driver


def _state(driver: Any) -> dict[str, Any]:
    """What is highlighted in the overview diagram, read from the live DOM."""
    return driver.execute_script("""
        const fig = document.getElementById('d0-figure');
        const ids = (sel, attr) => Array.from(fig.querySelectorAll(sel))
            .map(e => e.getAttribute(attr)).sort();
        const opacity = (sel) => getComputedStyle(fig.querySelector(sel)).opacity;
        return {
          highlight: fig.getAttribute('data-highlight') || '',
          links: ids('[data-link].lk-hl', 'data-link'),
          vars: ids('[data-var].lk-hl', 'data-var'),
          badges: ids('[data-loop].lk-hl', 'data-loop'),
          dimmed: fig.querySelectorAll('.lk-dim').length,
          pressed: Array.from(document.querySelectorAll('button[aria-pressed="true"]'))
              .map(b => b.textContent),
          hlOpacity: fig.querySelector('.lk-hl') ? opacity('.lk-hl') : null,
          dimOpacity: fig.querySelector('.lk-dim') ? opacity('.lk-dim') : null,
        };
    """)


def _wait(driver: Any, condition: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5, poll_frequency=0.05).until(lambda _: condition())


def _row(driver: Any, loop_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'tr[data-loop="{loop_id}"]')


R1_LINKS = ["absence->fines", "exploitation->absence", "fines->strain", "home->exploitation",
            "strain->home"]
R1_VARS = ["absence", "exploitation", "fines", "home", "strain"]


def test_page_loads_offline_without_errors(page: Any) -> None:
    state = _state(page)
    assert state["highlight"] == "" and state["links"] == [] and state["dimmed"] == 0
    fetched = page.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched == []  # nothing loaded from anywhere: self-contained
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # no CSP violation: the script ran under the page's own policy


def test_clicking_a_loop_row_highlights_it_in_the_diagram(page: Any) -> None:
    page.execute_script("window.scrollTo(0, 0)")
    _row(page, "R1").click()
    state = _state(page)
    assert state["highlight"] == "R1"
    assert state["links"] == R1_LINKS
    assert state["vars"] == R1_VARS
    assert state["badges"] == ["R1"]
    assert state["pressed"] == ["R1"]
    assert state["dimmed"] > 0
    assert float(state["hlOpacity"]) == 1.0
    # faded context is recoloured, not made transparent: it stays legible (#6b6b6b, 5.3:1)
    _wait(page, lambda: page.execute_script("""
        const t = document.querySelector('#d0-figure .variable.lk-dim text');
        return getComputedStyle(t).fill;""") == "rgb(107, 107, 107)")
    assert float(state["dimOpacity"]) == 1.0
    edge = page.execute_script("""
        const p = document.querySelector('#d0-figure [data-link="fines->strain"] > path');
        return getComputedStyle(p).strokeWidth;""")
    assert float(edge.removesuffix("px")) > 2  # drawn thicker
    if shot := os.environ.get("LOOPKIT_SCREENSHOT"):
        page.save_screenshot(shot)


def test_hover_previews_and_leaving_returns_to_the_pinned_loop(page: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    state = _state(page)
    if state["highlight"] != "R1":
        _row(page, "R1").click()
    ActionChains(page).move_to_element(_row(page, "B1")).perform()
    hovered = _state(page)
    assert hovered["highlight"] == "B1"
    assert hovered["links"] == ["absence->fines", "fines->pressure", "pressure->absence"]
    ActionChains(page).move_to_element(page.find_element(By.TAG_NAME, "h1")).perform()
    assert _state(page)["highlight"] == "R1"
    _row(page, "R1").click()  # a second click unpins
    state = _state(page)
    assert state["highlight"] == "" and state["dimmed"] == 0 and state["pressed"] == []


def test_keyboard_focus_and_enter_pin_a_loop(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    button = _row(page, "B2").find_element(By.TAG_NAME, "button")
    page.execute_script("arguments[0].focus()", button)
    assert _state(page)["highlight"] == "B2"
    button.send_keys(Keys.ENTER)
    page.execute_script("document.activeElement.blur()")
    state = _state(page)
    assert state["highlight"] == "B2" and state["pressed"] == ["B2"]
    assert state["vars"] == ["disruption", "exploitation", "safeguarding"]


@pytest.mark.parametrize("font", ["", "monospace"])
def test_highlighted_names_set_in_bold_stay_inside_their_boxes(page: Any, font: str) -> None:
    """Issue 13: a highlighted variable's bold name ran past its box's sides; on a
    machine without a Helvetica-compatible font (DejaVu Sans only) every bold name
    did. ``monospace`` stands for a font much wider than the one boxes are sized for:
    the SVG's ``textLength`` keeps names inside whatever the reader's font."""
    page.execute_script("window.scrollTo(0, 0)")
    if font:
        page.execute_script(
            "const s = document.createElement('style'); s.id = 'wide-font';"
            f"s.textContent = 'svg text {{ font-family: {font} !important; }}';"
            "document.head.appendChild(s);")
    for loop_id in ("R3", "B2", "R1"):  # (a click on the pinned loop would unpin it)
        _row(page, loop_id).click()
        _wait(page, lambda loop_id=loop_id: _state(page)["highlight"] == loop_id)
        spill = page.execute_script("""
            const out = [];
            for (const g of document.querySelectorAll('#d0-figure [data-var].lk-hl')) {
              const box = g.querySelector('path, polygon').getBBox();
              for (const t of g.querySelectorAll('text')) {
                if (getComputedStyle(t).fontWeight < 700) out.push('not bold');
                const b = t.getBBox();
                if (b.x < box.x + 1 || b.x + b.width > box.x + box.width - 1)
                  out.push(g.getAttribute('data-var') + ': ' + t.textContent);
              }
            }
            return out;""")
        assert spill == [], loop_id
    _row(page, "R1").click()  # unpinned: names are back at their regular width
    _wait(page, lambda: _state(page)["highlight"] == "")
    lengths = page.execute_script("""
        return Array.from(document.querySelectorAll('#d0-figure [data-var] text'))
          .filter(t => t.hasAttribute('data-length'))
          .map(t => [t.getAttribute('textLength'), t.getAttribute('data-length')]);""")
    assert lengths and all(now == plain for now, plain in lengths)
    page.execute_script("const s = document.getElementById('wide-font'); if (s) s.remove();")
