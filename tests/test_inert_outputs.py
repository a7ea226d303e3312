"""Issue 11 holes in outputs: user text and file names can never act in what loopkit writes.

Each test names the hole it guards. Hostile text is put in every field a format
shows (title, labels, groups, ids, loop names) or in a real file name.
"""

from __future__ import annotations

import re

import pytest

from loopkit.interop import export_text
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity, Variable

# --- Mermaid: %%{init}%% directives --------------------------------------------------------

#: Mermaid's own directive pattern (mermaid/src/utils.ts ``directiveRegex``): it is run on
#: the whole text, comments and front matter included.
_MERMAID_DIRECTIVE = re.compile(
    r"%{2}{\s*(?:(\w+)\s*:|(\w+))\s*(?:(\w+)|((?:(?!}%{2}).|\r?\n)*))?\s*(?:}%{2})?",
    re.IGNORECASE)
DIRECTIVES = [
    "%%{init: {'theme': 'dark', 'themeCSS': 'body{background:url(https://evil/x.png)}'}}%%",
    "x %%{ init : { \"fontFamily\": \"</style><img src=x>\" } }%% y",
    "%%{wrap}%%",
    "50%% %{init:{}}% {{curly}}",
    "a\n%%{init: {}}%%\nb",
    "a\u2028%%{init: {}}%%\u2029b",
]


def _mermaid_diagram(text: str) -> Diagram:
    ids = ["a", "b", "end"]
    variables = [Variable(i, f"{text} {i}", group=f"{text} g") for i in ids]
    links = [Link("a", "b", Polarity.POSITIVE), Link("b", "end", Polarity.NEGATIVE, True),
             Link("end", "a", Polarity.POSITIVE)]
    loops = (DeclaredLoop("B1", ("a", "b", "end"), name=text, type=LoopType.BALANCING),)
    return Diagram.build(variables, links, title=text, loops=loops)


@pytest.mark.parametrize("text", DIRECTIVES)
def test_mermaid_output_has_no_directive_anywhere(text: str) -> None:
    """Issue 11: a loop name (or title, label, group) cannot form a %%{init}%% directive."""
    out = export_text(_mermaid_diagram(text), "mermaid")
    assert not _MERMAID_DIRECTIVE.search(out), out
    assert "{" not in out and "}" not in out, out
    for line in out.split("\n"):
        if "%%" in line:  # only loopkit's own comment lines, and no % in what follows
            assert line.startswith("  %% B1: ") and "%" not in line[len("  %% "):], line
    assert "\u2028" not in out and "\u2029" not in out


def test_mermaid_keeps_the_text_readable() -> None:
    out = export_text(_mermaid_diagram("50% {x}"), "mermaid")
    assert 'title: "50\uff05 \uff5bx\uff5d"' in out
    assert 'a["50#37; #123;x#125; a"]' in out
    assert "  %% B1: 50\uff05 \uff5bx\uff5d (a -> b -> end)" in out
