"""Contrast of every colour loopkit can emit, computed with WCAG 2.2's relative luminance.

Text needs 4.5:1 against what is behind it (1.4.3), lines, outlines and
highlights 3:1 (1.4.11). The SVG side reads the colours from final SVGs of
every example, whole and with a loop highlighted, in every style; the HTML side
from the report's palette, checking that the stylesheet uses no other colour.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from loopkit.output.report.html import CONTRAST_PAIRS, PALETTE, STYLE
from loopkit.read.load import load_diagram
from loopkit.render import render_svg
from loopkit.render.dotsource import (
    EDGE,
    FADED_EDGE,
    FADED_TEXT,
    GROUP_BORDERS,
    GROUP_FILL_FADED,
    GROUP_FILLS,
    GROUP_PATTERNS,
    SIGN_COLOURS,
    TEXT,
)
from tests.helpers import ROOT

SVG = "{http://www.w3.org/2000/svg}"
WHITE = "#ffffff"
NAMED = {"white": "#ffffff", "black": "#000000"}
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    colour = NAMED.get(colour.lower(), colour).lstrip("#")
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#ffffff", "#e67e22") == pytest.approx(2.85, abs=0.01)  # the old button


def test_renderer_palette() -> None:
    for fill in (*GROUP_FILLS, WHITE):
        assert contrast(TEXT, fill) >= 4.5, fill
    for fill, border in zip(GROUP_FILLS, GROUP_BORDERS, strict=True):
        assert contrast(border, WHITE) >= 3.0, border  # the group box is seen on the page
        assert contrast(border, fill) >= 3.0, (border, fill)  # and its outline on the fill
    assert len(set(GROUP_PATTERNS)) == len(GROUP_PATTERNS) == len(GROUP_FILLS)
    for colour in SIGN_COLOURS.values():
        assert contrast(colour, WHITE) >= 4.5, colour
    assert contrast(FADED_TEXT, GROUP_FILL_FADED) >= 4.5
    assert contrast(FADED_TEXT, WHITE) >= 4.5
    assert luminance(FADED_TEXT) <= luminance("#767676")  # faded, never fainter than #767676
    assert contrast(FADED_EDGE, WHITE) >= 3.0 and contrast(EDGE, WHITE) >= 4.5


def _colours(root: ET.Element) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(text colour, background, text) for each text; (line colour, where) for each line."""
    texts: list[tuple[str, str, str]] = []
    lines: list[tuple[str, str]] = []

    def visit(element: ET.Element, background: str, where: str) -> None:
        own = element.get("id", where)
        if element.tag == f"{SVG}g" and "variable" in element.get("class", ""):
            box = next((e for e in element if e.tag in (f"{SVG}path", f"{SVG}polygon")), None)
            fill = box.get("fill", "none") if box is not None else "none"
            if fill not in ("none", "transparent"):
                background = fill
        for child in element:
            tag = child.tag.removeprefix(SVG)
            if tag == "text":
                texts.append((child.get("fill", "#000000"), background, child.text or ""))
            elif tag in ("path", "polygon", "ellipse", "polyline"):
                stroke = child.get("stroke", "none")
                if stroke not in ("none", "transparent") and own != "graph0":
                    lines.append((stroke, own))
            visit(child, background, own)

    visit(root, WHITE, "svg")
    return texts, lines


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("style", [(), ("mono",), ("boxes", "dashed")], ids=str)
def test_every_colour_in_the_final_svg(path: Path, style: tuple[str, ...]) -> None:
    diagram = load_diagram(path)
    highlights = [None, *(loop.id for loop in diagram.loops[:1])]
    for highlight in highlights:
        root = ET.fromstring(render_svg(diagram, highlight=highlight, style=style))
        texts, lines = _colours(root)
        assert texts and lines
        for colour, background, text in texts:
            assert contrast(colour, background) >= 4.5, (highlight, text, colour, background)
        for colour, where in lines:
            assert contrast(colour, WHITE) >= 3.0, (highlight, where, colour)


def test_report_palette_pairs() -> None:
    for foreground, background, least, what in CONTRAST_PAIRS:
        ratio = contrast(PALETTE[foreground], PALETTE[background])
        assert ratio >= least, f"{what}: {PALETTE[foreground]} on {PALETTE[background]} " \
                               f"is {ratio:.2f}:1, needs {least}:1"
    used = {name for pair in CONTRAST_PAIRS for name in pair[:2]}
    assert set(PALETTE) - used == {"line"}  # only the decorative table rules are unchecked


def test_stylesheet_uses_only_the_palette() -> None:
    declared = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", STYLE))
    assert declared == PALETTE
    literals = re.findall(r"#[0-9a-fA-F]{3,6}\b", STYLE)
    assert set(literals) <= set(PALETTE.values())
    body = STYLE.split("}", 1)[1]  # after :root, colours come only from the variables
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", body)


def test_explorer_stylesheet_uses_only_the_report_palette() -> None:
    """``loopkit explore`` shares the report's checked palette and pairs, nothing else."""
    from loopkit.output.report.explore import STYLE as EXPLORE

    declared = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", EXPLORE))
    assert declared == PALETTE
    body = EXPLORE.split("}", 1)[1]
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", body)
    assert not re.findall(r"\b(?:rgb|hsl)a?\(", body)
    used = set(re.findall(r"var\(--([a-z-]+)\)", body))
    checked = {name for pair in CONTRAST_PAIRS for name in pair[:2]} | {"line"}
    assert used <= checked
