"""User text: escaping for every output language, "did you mean", in one place.

Labels come from files in pull requests and end up in web pages and
spreadsheets, so no user string may carry markup, DOT syntax, control
characters or spreadsheet formulas into an output.
"""

from __future__ import annotations

import difflib
import html
import re

#: C0/C1 controls and DEL (invalid XML, terminal escape sequences), lone surrogates
#: (unencodable), non-characters, and the bidi embedding/override/isolate controls
#: that can make a label display as something else ("Trojan Source").
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_VISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + _CONTROL.pattern[1:])


def strip_control(text: str) -> str:
    """Remove control characters that make XML invalid or text lie (tabs/newlines are kept).

    Unicode line and paragraph separators become plain newlines, so each
    output's own newline handling applies (JavaScript-based readers such as
    Mermaid would otherwise break a line where the writer saw none).
    """
    return _CONTROL.sub("", text).replace("\u2028", "\n").replace("\u2029", "\n")


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_safe(document: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with C1 controls, bidi
    overrides and line separators written as ``\\uXXXX`` escapes.

    The data is unchanged for any JSON reader, but a terminal or log showing the
    JSON can no longer be steered by a label. (These characters can only occur
    inside JSON strings, where the escape is valid.)
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def json_document(data: object) -> str:
    """``data`` as the indented JSON loopkit prints (no trailing newline), ``json_safe``."""
    import json

    return json_safe(json.dumps(data, indent=2, ensure_ascii=False))


def script_json(data: object) -> str:
    """``data`` as compact JSON to embed in an HTML ``<script type="application/json">``.

    ``json_safe``, and ``<``, ``>`` and ``&`` written as ``\\u003c`` and the like, so
    no label can close the element (``</script>``), open a comment (``<!--``) or
    be read as an entity; JSON.parse gives the text back unchanged. (They can
    only occur inside JSON strings, where the escape is valid.)
    """
    import json

    text = json_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def one_line(text: str) -> str:
    """User text for a one-line message or terminal: every control shown as an escape.

    A newline in an id must not split a ``file:line:col: message`` line (or start
    a ``::`` workflow command in a CI log), and an escape character must not
    reach the terminal, so both are written as ``\\n``, ``\\x1b`` and the like.
    GitHub's runner also obeys the legacy ``##[error]...`` form *anywhere* in a
    line, so ``##[`` is written ``#\\x23[``.
    """
    return no_legacy_command(_VISIBLE.sub(_escape_char, text))


def no_legacy_command(text: str) -> str:
    """``text`` with GitHub's legacy ``##[command]`` form broken (written ``#\\x23[``).

    The runner looks for it anywhere in a log line, so every line loopkit
    prints in a terminal or CI log passes through here.
    """
    return text.replace("##[", "#\\x23[")


def terminal_text(text: str) -> str:
    """User text inside a terminal table or line: no controls, no ``##[`` (newlines kept)."""
    return no_legacy_command(strip_control(text))


def log_line(text: str) -> str:
    """A whole line for a terminal or CI log: ``one_line``, and never a workflow command.

    The GitHub runner trims leading white space and then runs any line starting
    with ``::`` as a command, so a line that would (a file named
    ``::error::x.yaml`` at the start of a problem line) is written ``./::error...``,
    the same file for a person or a shell.
    """
    out = one_line(text)
    return "./" + out if out.lstrip().startswith("::") else out


def first_control(text: str) -> str | None:
    """The first control, bidi or line-separator character in ``text`` (tab/newline too), if any.

    Outputs strip such characters, so two ids differing only by one would
    become the same node: ids must not contain them at all.
    """
    found = _VISIBLE.search(text)
    return found.group() if found else None


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dot_string(text: str) -> str:
    """A quoted DOT string that Graphviz shows literally.

    Backslashes are doubled (``\\N``, ``\\n`` are escapes in DOT), quotes are
    escaped, newlines become ``\\n`` line breaks, and ``&`` is written as
    ``&amp;`` because Graphviz interprets entities in labels.
    """
    text = strip_control(text).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("&", "&amp;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def xml_text(text: str) -> str:
    """Text for SVG/HTML element content or attributes."""
    return html.escape(strip_control(text), quote=True)


#: Punctuation that can start Markdown syntax anywhere in a line (``<`` ``>`` ``&`` become
#: entities first, so no tag or entity of the user's survives), autolinks
#: (``:`` ``.`` ``@``), GitHub math (``$``), footnotes (``^``) or issue references (``#``);
#: CommonMark escapes each to itself. "-", "+" and "=" only start blocks, so they are
#: escaped at the start of the text only, and "{}" never: far fewer backslashes in reports.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]()#.!|~:@$^])")
_MD_START = re.compile(r"^(\s*)([-+=])")


def markdown_text(text: str) -> str:
    """Inline Markdown that renders as the literal text on GitHub (also inside table cells).

    Punctuation that Markdown reads is backslash-escaped, so no emphasis,
    link, image, HTML, entity, table cell or heading can start; with ``:``
    and ``.`` escaped, GitHub's autolinker never sees ``https://``,
    ``www.`` or an e-mail address (``https://2130706433/x`` included).
    ``@user`` mentions and ``#12`` references are found by GitHub in the
    rendered text, after escapes, so a zero-width space (``&#8203;``) follows
    each ``@`` and ``#``: nobody is notified and nothing is linked.
    """
    # Leading blanks would make a code block where the text starts a line; inline text
    # has no use for them.
    text = strip_control(text).replace("\r", " ").replace("\n", " ").lstrip()
    text = html.escape(text, quote=False)  # < > & as entities: no raw tag in the text
    text = _MD_START.sub(r"\1\\\2", _MD_PUNCTUATION.sub(r"\\\1", text))
    return text.replace("\\@", "\\@&#8203;").replace("\\#", "\\#&#8203;")


def markdown_inline_part(text: str) -> str:
    """``markdown_text`` for text that does not start the cell: the same escapes, without
    the ones only the start of a text needs (leading blanks, a block marker).

    ``markdown_text(a + b) == markdown_text(a) + markdown_inline_part(b)`` whenever
    ``markdown_text(a)`` is not empty, so a loop's chain can be put together from
    its labels, each escaped once (what a 70,000-row table costs otherwise).
    """
    text = strip_control(text).replace("\r", " ").replace("\n", " ")
    text = _MD_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))
    return text.replace("\\@", "\\@&#8203;").replace("\\#", "\\#&#8203;")


#: Characters that start a formula in Excel, LibreOffice or Google Sheets (full-width
#: forms too, which some of them read as the ASCII ones), after any leading white space.
_FORMULA_START = "=+-@\uff1d\uff0b\uff0d\uff20"


def csv_cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or tab/CR/LF) gets a quote.

    White space before the sign does not help (``" =1+1"``), nor do the
    full-width signs: both get the quote too. A cell that already starts with
    a quote gets one more, so reading can always strip exactly one guard quote
    and get the text back.
    """
    text = strip_control(text) if text else text
    if text and (text[0] in "\t\r\n'" or text.lstrip()[:1] in tuple(_FORMULA_START)):
        return "'" + text
    return text


def github_data(text: str) -> str:
    """The message part of a GitHub workflow command (``::error ...::message``).

    Same escaping as GitHub's own toolkit (``escapeData``): ``%``, CR and LF,
    so a label cannot end the command early or start a new one.
    """
    return strip_control(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``): also ``:`` and ``,``."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def suggest(word: str, candidates: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        close = [lowered[m] for m in difflib.get_close_matches(word.lower(), lowered, 1, 0.6)]
    return f" (did you mean '{close[0]}'?)" if close else ""
