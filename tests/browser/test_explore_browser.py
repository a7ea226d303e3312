"""`loopkit explore` pages in headless Chromium: search, click, filter, step, pan and zoom,
keyboard only, axe-core (WCAG 2.2 AA), print, and hostile labels.

What is highlighted is read from the live DOM (the classes the script sets on
the drawing's ``data-var``/``data-link`` groups) and compared with what
loopkit's own analysis says in Python: the neighbours of a variable, the
links of a loop in order, the loops a filter keeps.

``LOOPKIT_EXPLORE_SCREENSHOT=path.png`` also saves the README's screenshot.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.output.report.words import loop_sentence
from loopkit.read.load import load_diagram
from tests.browser.conftest import print_to_pdf
from tests.browser.test_accessibility import assert_clean
from tests.helpers import ROOT

FINES = "examples/school-fines.yaml"
EVIL = "</script><img src=x onerror=alert(1)>"


def _explore(out: Path, *args: str) -> Path:
    with contextlib.chdir(ROOT):  # paths in the page as a user would type them
        result = CliRunner().invoke(app, ["explore", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explore")
    _explore(out / "fines.html", FINES)
    hostile = {
        "title": EVIL,
        "variables": {"a": {"label": EVIL, "group": "<b>g</b>"}, "b": "B & <!-- c",
                      "c": "C \u202eevil\u202c \"q' `t`"},
        "links": ["a -> b (+)", "b -> c (-)", "c -> a (+, delay)", "b -> a (-)"],
    }
    (out / "evil.yaml").write_text(json.dumps(hostile), encoding="utf-8")
    _explore(out / "evil.html", str(out / "evil.yaml"))
    return out


def _open(driver: Any, path: Path, width: int = 1280) -> None:
    driver.set_window_size(width, 1000)
    driver.get(path.as_uri())


def _state(driver: Any) -> dict[str, Any]:
    """What the page shows as highlighted, selected and listed, from the live DOM."""
    return driver.execute_script("""
        const fig = document.getElementById('map-figure');
        const key = e => e.getAttribute('data-var') || e.getAttribute('data-link')
                         || e.getAttribute('data-loop');
        const ids = sel => Array.from(fig.querySelectorAll(sel)).map(key).sort();
        return {selected: fig.dataset.selected, loop: fig.dataset.loop,
          story: fig.dataset.story, step: fig.dataset.step, zoom: fig.dataset.zoom,
          sel: ids('[data-var].lk-sel'), vars: ids('[data-var].lk-hl'),
          links: ids('[data-link].lk-hl'), now: ids('[data-link].lk-now'),
          badges: ids('[data-loop].lk-hl'), dimmed: fig.querySelectorAll('.lk-dim').length,
          rows: Array.from(document.querySelectorAll('tr.loop-row')).filter(r => !r.hidden)
                  .map(r => r.querySelector('strong').textContent),
          pressed: Array.from(document.querySelectorAll('[aria-pressed=true]'))
                  .map(b => b.textContent),
          panel: document.getElementById('focus-body').innerText,
          viewBox: fig.querySelector('svg').getAttribute('viewBox')};""")


def _fines() -> tuple[Any, dict[str, Any]]:
    diagram = load_diagram(ROOT / FINES)
    return diagram, {lp.id: lp for lp in analyse_loops(diagram).loops}


def _by(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def _keys(driver: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def _neighbourhood(diagram: Any, var: str) -> tuple[list[str], list[str]]:
    links = [lk for lk in diagram.links if var in (lk.source, lk.target)]
    near = {lk.source for lk in links} | {lk.target for lk in links}
    return sorted(near - {var}), sorted(f"{lk.source}->{lk.target}" for lk in links)


def test_page_loads_offline_without_errors(driver: Any, folder: Path) -> None:
    _open(driver, folder / "fines.html")
    state = _state(driver)
    assert state["selected"] == "" and state["dimmed"] == 0 and state["zoom"] == "100"
    assert state["rows"] == ["B1", "R1", "R2", "R3", "B2"]
    assert driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") == []
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_search_then_enter_highlights_the_neighbourhood(driver: Any, folder: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    diagram, loops = _fines()
    _open(driver, folder / "fines.html")
    box = _by(driver, "#q")
    box.send_keys("fines")
    results = driver.execute_script(
        "return Array.from(document.querySelectorAll('#q-results button'))"
        ".map(b => b.textContent)")
    assert results == ["Variable: Fines issued to parents",
                       "Variable: Parents aware of right to challenge fines",
                       "Loop R1 Fines spiral (reinforcing, 5 links)"]
    assert _by(driver, "#q-status").text == "3 matches."
    box.send_keys(Keys.ENTER)
    state = _state(driver)
    near, links = _neighbourhood(diagram, "fines")
    assert state["selected"] == "fines" and state["sel"] == ["fines"]
    assert state["vars"] == near and state["links"] == links
    assert state["dimmed"] > 0
    through = [lp.id for lp in loops.values() if "fines" in lp.variables]
    assert f"Loops through it ({len(through)})" in state["panel"]
    for loop_id in through:
        assert loop_id in state["panel"]
    box.clear()
    box.send_keys("r1")  # a loop id matches exactly, first
    first = _by(driver, "#q-results button")
    assert first.text.startswith("Loop R1 Fines spiral (reinforcing, 5 links)")
    first.click()
    state = _state(driver)
    assert state["loop"] == "R1" and state["badges"] == ["R1"]
    assert state["links"] == sorted(f"{lk.source}->{lk.target}" for lk in loops["R1"].links)
    assert loop_sentence(loops["R1"], {v.id: v.label for v in diagram.variables}) \
        in state["panel"]


def test_clicking_a_variable_in_the_map(driver: Any, folder: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    diagram, _ = _fines()
    _open(driver, folder / "fines.html")
    shape = _by(driver, '#map-figure [data-var="strain"] text')
    ActionChains(driver).move_to_element(shape).click().perform()
    state = _state(driver)
    near, links = _neighbourhood(diagram, "strain")
    assert state["selected"] == "strain" and state["vars"] == near and state["links"] == links
    assert "Causes (1)" in state["panel"] and "Effects (1)" in state["panel"]
    # names set in bold (the selection and its neighbours) are fitted to their bold width
    widths = """
        return Array.from(document.querySelectorAll('#map-figure [data-var] text'))
          .filter(t => t.hasAttribute('data-bold-length'))
          .map(t => [t.closest('[data-var]').getAttribute('data-var'),
                     getComputedStyle(t).fontWeight >= 700,
                     t.getAttribute('textLength') === t.getAttribute('data-bold-length')]);"""
    fitted = driver.execute_script(widths)
    assert {v for v, heavy, _ in fitted if heavy} >= {"strain"}
    assert all(heavy == at_bold for _, heavy, at_bold in fitted)
    ActionChains(driver).move_to_element(shape).click().perform()  # again: cleared
    state = _state(driver)
    assert state["selected"] == "" and state["dimmed"] == 0
    assert not any(at_bold for _, _, at_bold in driver.execute_script(widths))


def test_filters_keep_the_loops_the_analysis_says(driver: Any, folder: Path) -> None:
    from selenium.webdriver.support.ui import Select

    _, loops = _fines()
    _open(driver, folder / "fines.html")
    _by(driver, "#f-R").click()
    assert _state(driver)["rows"] == [i for i, lp in loops.items() if lp.type.letter != "R"]
    _by(driver, "#f-R").click()
    driver.execute_script("""const e = document.getElementById('f-min'); e.value = '5';
                             e.dispatchEvent(new Event('input'));""")
    assert _state(driver)["rows"] == [i for i, lp in loops.items() if lp.length >= 5]
    long = sum(1 for lp in loops.values() if lp.length >= 5)
    assert _by(driver, "#loops-status").text == f"Showing {long} of 5 loops listed."
    _by(driver, "#f-clear").click()
    Select(_by(driver, "#f-var")).select_by_visible_text("Safeguarding concerns raised")
    assert _state(driver)["rows"] == [i for i, lp in loops.items()
                                      if "safeguarding" in lp.variables] == ["B2"]
    _by(driver, "#f-clear").click()
    assert _state(driver)["rows"] == list(loops)


def test_story_reveals_a_loop_link_by_link(driver: Any, folder: Path) -> None:
    diagram, loops = _fines()
    labels = {v.id: v.label for v in diagram.variables}
    loop = loops["R3"]
    _open(driver, folder / "fines.html")
    story = _by(driver, 'tr[data-k="3"] button[data-act="story"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", story)
    story.click()
    assert driver.execute_script("return document.activeElement.id") == "story-next"
    state = _state(driver)
    assert state["story"] == "R3" and state["step"] == "0"
    assert state["sel"] == [loop.variables[0]] and state["links"] == []
    assert _by(driver, "#story-sentence").text == "When school non-attendance rises \u2026"
    for k in range(1, loop.length + 1):
        _by(driver, "#story-next").click()
        state = _state(driver)
        shown = loop.links[:k]
        assert state["step"] == str(k)
        assert state["links"] == sorted(f"{lk.source}->{lk.target}" for lk in shown)
        assert state["now"] == [f"{shown[-1].source}->{shown[-1].target}"]
        assert state["sel"] == [loop.variables[k % loop.length]]
        progress = _by(driver, "#story-progress").text
        assert progress.startswith(f"Link {k} of {loop.length}: "
                                   f"{labels[shown[-1].source]} \u2192 "
                                   f"{labels[shown[-1].target]}")
    assert _by(driver, "#story-sentence").text == loop_sentence(loop, labels)
    assert _by(driver, "#story-next").get_attribute("aria-disabled") == "true"
    _by(driver, "#story-next").click()  # past the end: nothing changes
    assert _state(driver)["step"] == str(loop.length)
    _by(driver, "#story-prev").click()
    assert _state(driver)["step"] == str(loop.length - 1)
    _by(driver, "#story-close").click()
    assert _state(driver)["story"] == "" and _state(driver)["dimmed"] == 0
    assert driver.execute_script("return document.activeElement.textContent") == "Story of R3"


def test_pan_and_zoom_by_buttons_keys_wheel_and_drag(driver: Any, folder: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys

    _open(driver, folder / "fines.html")
    whole = _state(driver)["viewBox"]
    _by(driver, '[data-zoom-act="in"]').click()
    assert _state(driver)["zoom"] == "140"
    x = float(_state(driver)["viewBox"].split()[0])
    _by(driver, '[data-zoom-act="right"]').click()
    assert float(_state(driver)["viewBox"].split()[0]) > x
    _by(driver, '[data-zoom-act="fit"]').click()
    assert _state(driver)["viewBox"] == whole
    viewport = _by(driver, "#viewport")
    driver.execute_script("arguments[0].focus()", viewport)
    _keys(driver, "+")
    _keys(driver, "+")
    assert _state(driver)["zoom"] == "196"
    y = float(_state(driver)["viewBox"].split()[1])
    _keys(driver, Keys.ARROW_DOWN)
    assert float(_state(driver)["viewBox"].split()[1]) > y
    _keys(driver, "0")
    assert _state(driver)["viewBox"] == whole
    scrolled = driver.execute_script("return window.scrollY")
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(viewport), 0, -300) \
        .perform()
    assert int(_state(driver)["zoom"]) > 100  # the wheel zooms the map ...
    assert driver.execute_script("return window.scrollY") == scrolled  # ... not the page
    before = _state(driver)["viewBox"]
    ActionChains(driver).move_to_element_with_offset(viewport, 5, 5).click_and_hold() \
        .move_by_offset(60, 40).release().perform()
    state = _state(driver)
    assert state["viewBox"] != before and state["selected"] == ""  # a drag is not a click


def test_keyboard_only_walkthrough(driver: Any, folder: Path) -> None:
    """Tab order is the reading order, focus is always visible, the map is no trap, and a
    variable, a loop and a story can all be reached and used with keys alone."""
    from selenium.webdriver.common.keys import Keys

    diagram, loops = _fines()
    _open(driver, folder / "fines.html")
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    order: list[str] = []
    for _ in range(30):  # bounded: the first loop button comes early
        _keys(driver, Keys.TAB)
        focused = driver.execute_script("""
            const e = document.activeElement, s = getComputedStyle(e);
            return {name: e.id || e.getAttribute('data-zoom-act') || e.getAttribute('data-act')
                          || e.className || e.tagName,
                    visible: e.matches(':focus-visible') && s.outlineStyle !== 'none'
                             && parseFloat(s.outlineWidth) >= 2};""")
        assert focused["visible"], focused
        order.append(focused["name"])
        if focused["name"] == "show":
            break
    assert order[:13] == ["skip", "q", "in", "out", "fit", "left", "up", "down", "right",
                          "viewport", "map-v0", "f-R", "f-B"]  # one variable: a roving stop
    assert order[-2:] == ["table-wrap", "show"]
    # the map takes arrows and +/- but gives Tab back
    viewport = _by(driver, "#viewport")
    driver.execute_script("arguments[0].focus()", viewport)
    _keys(driver, Keys.ARROW_LEFT, "+", Keys.TAB)
    active = "return document.activeElement.id || document.activeElement.tagName"
    assert driver.execute_script(active) == "map-v0"
    # in the drawing, arrows move between variables and Enter selects one
    first = diagram.variables[0].id
    seen = {first}
    for key in (Keys.ARROW_UP, Keys.ARROW_LEFT, Keys.ARROW_DOWN, Keys.ARROW_RIGHT):
        _keys(driver, key)
        seen.add(driver.execute_script(
            "return document.activeElement.getAttribute('data-var')"))
    assert len(seen) >= 3 and None not in seen  # moved, and stayed on variables
    here = driver.execute_script("return document.activeElement.getAttribute('data-var')")
    _keys(driver, Keys.ENTER)
    near, links = _neighbourhood(diagram, here)
    assert _state(driver)["selected"] == here and _state(driver)["vars"] == near
    assert _state(driver)["links"] == links
    assert driver.execute_script("""const s = getComputedStyle(document.activeElement);
        return s.outlineStyle + ' ' + s.outlineWidth""") == "solid 3px"
    _keys(driver, Keys.TAB)  # out of the drawing (no trap), on to what was selected
    assert driver.execute_script(
        "return document.activeElement.closest('#focus-body') !== null")
    # search, Enter: a variable is selected; its loop buttons are reachable by Tab
    _by(driver, "#q").send_keys("safeguarding concerns", Keys.ENTER)
    assert _state(driver)["selected"] == "safeguarding"
    near, _ = _neighbourhood(diagram, "safeguarding")
    assert _state(driver)["vars"] == near
    # a loop row: Enter on Show, then Space on Story, then Enter steps to the end
    show = _by(driver, 'tr[data-k="4"] button[data-act="show"]')
    driver.execute_script("arguments[0].focus()", show)
    _keys(driver, Keys.ENTER)
    assert _state(driver)["loop"] == "B2" and _state(driver)["pressed"] == ["Show B2"]
    _keys(driver, Keys.TAB, Keys.SPACE)
    assert driver.execute_script("return document.activeElement.id") == "story-next"
    for _ in range(loops["B2"].length):
        _keys(driver, Keys.ENTER)
    assert _state(driver)["step"] == str(loops["B2"].length)
    labels = {v.id: v.label for v in diagram.variables}
    assert _by(driver, "#story-sentence").text == loop_sentence(loops["B2"], labels)
    # Escape in the map clears everything
    driver.execute_script("arguments[0].focus()", viewport)
    _keys(driver, Keys.ESCAPE)
    assert _state(driver)["dimmed"] == 0 and _state(driver)["story"] == ""


def test_axe_finds_no_violations_in_any_state(driver: Any, folder: Path) -> None:
    _open(driver, folder / "fines.html")
    assert_clean(driver, "explore as loaded")
    _by(driver, "#q").send_keys("a")
    _by(driver, "#q-results button").click()
    assert _state(driver)["selected"]
    assert_clean(driver, "explore with a variable selected")
    story = _by(driver, 'tr[data-k="1"] button[data-act="story"]')
    driver.execute_script("arguments[0].click()", story)
    _by(driver, "#story-next").click()
    assert _state(driver)["step"] == "1"
    assert_clean(driver, "explore in a story")
    _by(driver, "#f-B").click()
    assert_clean(driver, "explore filtered")
    _open(driver, folder / "fines.html", width=320)
    sizes = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    assert sizes[1] <= sizes[0], sizes  # reflows: no sideways page scroll at 320 CSS px
    assert_clean(driver, "explore at 320 px")
    _open(driver, folder / "evil.html")
    assert_clean(driver, "explore of hostile labels")


def test_hostile_labels_stay_text(driver: Any, folder: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    _open(driver, folder / "evil.html")
    _by(driver, "#q").send_keys("onerror")
    assert _by(driver, "#q-results button").text == f"Variable: {EVIL}"
    _by(driver, "#q-results button").click()
    assert _by(driver, "#focus-name").text == EVIL
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert driver.execute_script("return document.title") == f"{EVIL} \u2014 explorer"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_print_view_shows_the_whole_map_and_every_loop(driver: Any, folder: Path) -> None:
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    _open(driver, folder / "fines.html")
    _by(driver, '[data-zoom-act="in"]').click()
    _by(driver, "#f-R").click()  # filtered on screen; printed in full
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        looks = driver.execute_script("""
            const d = s => getComputedStyle(document.querySelector(s)).display;
            return [d('.tools'), d('.find'), d('.filters'), d('.panel'), d('.actions'),
                    Array.from(document.querySelectorAll('tr.loop-row'))
                      .filter(r => getComputedStyle(r).display !== 'none').length];""")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert looks == ["none", "none", "none", "none", "none", 5]
    data = print_to_pdf(driver, PrintOptions())
    pages = [unicodedata.normalize("NFKC", p.extract_text())
             for p in PdfReader(io.BytesIO(data)).pages]
    first = " ".join(pages[0].split())
    assert "School fines cycle" in first and "Child criminal exploitation" in first
    everything = " ".join(" ".join(pages).split())
    assert "Zoom in" not in everything and "Find a variable" not in everything
    assert "Loops of School fines cycle" in everything
    assert "R1 Fines spiral reinforcing 5" in everything  # filtered away on screen only
    assert len(pages) <= 5, len(pages)
    assert _state(driver)["zoom"] == "140"  # the screen's view is back after printing


def test_a_big_map_page_works_and_says_what_bounds_stopped(driver: Any, folder: Path) -> None:
    from loopkit.interop.yaml_writer import write_yaml
    from tests.helpers import foresight_diagram

    (folder / "foresight.yaml").write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    page = _explore(folder / "foresight.html", str(folder / "foresight.yaml"), "--limit", "300")
    _open(driver, page)
    assert "The loop list is incomplete." in _by(driver, "main").text
    assert len(_state(driver)["rows"]) == 300
    _by(driver, "#q").send_keys("stress")
    _by(driver, "#q-results button").click()
    state = _state(driver)
    assert state["selected"] and state["sel"] == [state["selected"]]
    assert int(state["zoom"]) > 100  # zoomed to the neighbourhood, legible
    if shot := os.environ.get("LOOPKIT_EXPLORE_SCREENSHOT"):
        driver.execute_script("document.getElementById('map-title').scrollIntoView()")
        driver.save_screenshot(shot)
    assert_clean(driver, "Foresight explorer with a variable selected")


def test_a_focus_view_page_works_and_says_what_it_leaves_out(driver: Any,
                                                             folder: Path) -> None:
    """`explore --focus`: the page shows only that part, its search finds only what is
    shown, the focus variable is drawn emphasised, and axe finds nothing."""
    page = _explore(folder / "focus.html", FINES, "--focus", "fines", "--depth", "1")
    _open(driver, page)
    view = _by(driver, "p.view").text
    assert "more variables" in view and "Loop ids are those of the whole map" in view
    shown = driver.execute_script(
        "return JSON.parse(document.getElementById('lk-data').textContent).vars"
        ".map(v => v[0])")
    assert "fines" in shown and len(shown) < len(load_diagram(ROOT / FINES).variables)
    bold = driver.execute_script(
        "return Array.from(document.querySelectorAll('#map-figure [data-var]'))"
        ".filter(g => getComputedStyle(g.querySelector('text')).fontWeight >= 700)"
        ".map(g => g.getAttribute('data-var'))")
    assert bold == ["fines"]  # the variable the view is centred on, emphasised
    _by(driver, "#q").send_keys("fines")
    _by(driver, "#q-results button").click()
    assert _state(driver)["selected"]
    assert_clean(driver, "explore of a focus view")
