"""escape.py: each function, for any text, yields output that cannot carry structure."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt  # imported once: a first import inside a test hits the deadline

from loopkit.text import csv_cell, dot_string, markdown_text, one_line, strip_control, xml_text

TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from([
    "<script>alert(1)</script>", 'a"b', "end\\", "\\N\\G\\L", "&lt;", "\x07\x1b[2J",
    "\u202egnp.exe", "=1+1", "@SUM(A1)", "a\r\nb", "\ud800", "]]>", "`|*_[x](y)",
])


@given(TEXT)
def test_strip_control_leaves_only_xml_characters_and_no_bidi_overrides(text: str) -> None:
    out = strip_control(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                         "\ud800-\udfff\ufffe\uffff]", out)
    out.encode("utf-8")


@given(TEXT)
def test_one_line_is_one_printable_line(text: str) -> None:
    out = one_line(text)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out
    assert "\u2028" not in out and "\u202e" not in out
    out.encode("utf-8")


@given(TEXT)
def test_xml_text_round_trips_through_an_xml_parser(text: str) -> None:
    element = ET.fromstring(f'<t a="{xml_text(text)}">{xml_text(text)}</t>')
    clean = strip_control(text).replace("\r\n", "\n").replace("\r", "\n")
    assert (element.text or "") == clean  # XML itself turns CR LF and CR into LF
    assert element.get("a") == re.sub("[\t\n]", " ", clean)  # and attribute whitespace
    assert list(element) == []


def _dot_unquote(quoted: str) -> str:
    """How Graphviz's lexer and label expansion read one of our quoted strings."""
    assert quoted[0] == quoted[-1] == '"'
    body = quoted[1:-1]
    # the lexer: \" is a quote, \\ stays \\ (a literal backslash in labels)
    tokens = re.findall(r'\\"|\\\\|\\n|\\.|[^\\"]|\\$', body)
    assert "".join(tokens) == body, "an unescaped quote would end the string early"
    return "".join({'\\"': '"', "\\\\": "\\", "\\n": "\n"}.get(t, t) for t in tokens)


@given(TEXT)
def test_dot_string_is_one_quoted_string_that_reads_back_literally(text: str) -> None:
    quoted = dot_string(text)
    assert "\n" not in quoted and "\r" not in quoted
    expected = strip_control(text).replace("\r\n", "\n").replace("\r", "\n")
    assert _dot_unquote(quoted).replace("&amp;", "&") == expected


@settings(deadline=None)  # the first example pays for importing markdown_it
@given(TEXT)
def test_markdown_text_renders_as_plain_text(text: str) -> None:
    html = MarkdownIt("commonmark").enable("table").render(f"| {markdown_text(text)} |\n|-|\n")
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"table", "thead", "tr", "th", "tbody", "td", "p"}, html
    assert html.count("<th>") == 1


@settings(deadline=None)
@given(TEXT)
def test_markdown_text_is_inert_at_the_start_of_a_line_or_list_item(text: str) -> None:
    """Block markers are escaped only where they start a block (far fewer backslashes)."""
    from markdown_it import MarkdownIt

    text = strip_control(text).lstrip()  # leading blanks make a code block; callers add a marker
    for line in (markdown_text(text), f"- {markdown_text(text)}", f"1. {markdown_text(text)}"):
        html = MarkdownIt("commonmark").render(line + "\n")
        tags = set(re.findall(r"</?([a-z0-9]+)", html))
        assert tags <= {"p", "ul", "ol", "li"}, (line, html)


def test_markdown_text_escapes_block_markers_only_at_the_start() -> None:
    # '#' stays escaped everywhere, with a zero-width space: '#3' must not link issue 3
    assert markdown_text("Multi-agency + police #3") == "Multi-agency + police \\#&#8203;3"
    assert markdown_text("- item") == "\\- item" and markdown_text("1) x") == "1\\) x"
    assert markdown_text("# not a heading") == "\\#&#8203; not a heading"
    assert markdown_text("www.example.org") == "www\\.example\\.org"  # no autolink


@given(TEXT)
def test_csv_cell_never_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "next"])
    [row] = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert row[1] == "next"
    assert not row[0][:1] or row[0][0] not in "=+-@\t\r\n"
    assert not row[0].lstrip()[:1] or row[0].lstrip()[0] not in "=+-@\uff1d\uff0b\uff0d\uff20"
