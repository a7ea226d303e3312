"""Issue 11 holes in outputs: user text and file names can never act in what loopkit writes.

Each test names the hole it guards. Hostile text is put in every field a format
shows (title, labels, groups, ids, loop names) or in a real file name.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

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


# --- GitHub workflow commands and terminal controls through file names ---------------------

#: Real file names a pull request can commit (no '/' or NUL: those cannot be in a name).
HOSTILE_NAMES = [
    "::error file=x::pwned.yaml",
    " ::warning::lead space.yaml",
    "\t::notice::tab.yaml",
    "a ##[error]legacy.yaml",
    "##[group]g.yaml",
    "::stop-commands::tok.yaml",
    "esc \x1b[2J \x1b]8;;http:evil\x07link\x1b]8;;\x07 bel \x07.yaml",
    "osc \x1b]0;title\x1b\\ c1 \x9b31m.yaml",
    "nl\n::error::second.yaml",
    "cr\r::error::x.yaml",
]
_OURS = re.compile(r"^::(error|warning|notice) file=[^:,\n]*,(line=\d+,col=\d+,)?"
                   r"title=[^:]*::")
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
VALID = ("variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n"
         "loops: {B1: {name: '##[error]x', variables: [a, b]}}\n")
INVALID = "variables: {a: A}\nlinks: [a -> zz (+)]\n"


def _assert_log_safe(text: str) -> None:
    """As the GitHub runner reads a log: no line runs a command loopkit did not write."""
    for line in text.split("\n"):
        assert "##[" not in line, line
        assert not _TERMINAL.search(line.replace("\t", "")), repr(line)
        if line.lstrip().startswith("::"):
            assert _OURS.match(line), line


def _hostile_files(folder: Path) -> list[str]:
    names = []
    for n, name in enumerate(HOSTILE_NAMES):
        path = folder / name
        path.write_text(VALID if n % 2 == 0 else INVALID, encoding="utf-8")
        names.append(name)
    return names


@pytest.mark.parametrize("args", [
    ["check", "--format", "github"], ["loops", "--format", "github"],
    ["check", "--format", "text"], ["loops", "--format", "text"],
    ["check", "--strict", "--format", "github"], ["lint"], ["-v", "loops"],
    ["check", "--format", "markdown"],
])
def test_hostile_file_names_never_become_workflow_commands_or_escapes(
        args: list[str], tmp_path: Path) -> None:
    """Issue 11: ``::``/``##[``/ESC in file names, through a real process (stdout + stderr)."""
    import subprocess
    import sys

    names = _hostile_files(tmp_path)
    done = subprocess.run([sys.executable, "-m", "loopkit", *args, "--", *names],
                          cwd=tmp_path, capture_output=True, timeout=120,
                          env={**os.environ, "GITHUB_ACTIONS": "", "COLUMNS": "200"})
    assert done.returncode in (0, 1), done.stderr
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8")
        assert "Traceback" not in text
        _assert_log_safe(text)
    if "github" in args:
        assert b"\nloopkit: " in b"\n" + done.stdout  # the plain summary lines


@pytest.mark.parametrize("args", [
    ["render", "{f}", "-o", "{f}.svg"], ["render", "--check", "{f}", "-o", "{f}.svg"],
    ["export", "{f}", "--to", "mermaid", "-o", "{f}.mmd"],
    ["report", "{f}", "-o", "{f}.md"], ["trace", "{f}", "a"], ["archetypes", "{f}"],
])
def test_hostile_file_names_in_every_command_message(args: list[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: notes, 'wrote ...' and stale-picture lines quote the name inertly."""
    from typer.testing import CliRunner

    from loopkit.cli import app

    monkeypatch.chdir(tmp_path)
    for name in [*HOSTILE_NAMES[::2], "bell\x07.yaml"]:
        (tmp_path / name).write_text(VALID, encoding="utf-8")
        result = CliRunner().invoke(app, ["-v", *[a.replace("{f}", name) for a in args]])
        assert result.exit_code in (0, 1), result.output
        _assert_log_safe(result.stderr)
        if args[0] in ("trace", "archetypes"):
            _assert_log_safe(result.stdout)


# --- Markdown: inert on GitHub ---------------------------------------------------------------

MARKDOWN_HOSTILE = [
    "https://2130706433/x", "https://evil\u3002example/p", "http://evil.example",
    "www.evil.example", "mail me@evil.example now", "hi @octocat and @org/team", "fixes #12",
    "<img src=x onerror=alert(1)>", "![i](https://evil/x.png)", "[a](javascript:alert(1))",
    "**bold** _it_ ~~s~~ `code`", "*a*b*", "a|b|c", "# heading", "1. item", "- item", "> quote",
    "&lt;b&gt; &amp;", "<https://evil.example>", "$x^2$ math", "line\nbreak", "x\\", "``",
    "[x]: https://evil.example", "<!-- c -->", "\\*not\\*", "ftp://h/x", "xmpp:u@h.example",
]


def _gfm() -> object:
    """CommonMark + tables, strikethrough and linkify (GitHub-style autolinks)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"linkify": True}).enable(
        ["table", "strikethrough", "linkify"])


@pytest.mark.parametrize("text", MARKDOWN_HOSTILE)
def test_markdown_text_is_literal_text_in_a_real_parser(text: str) -> None:
    """Issue 11: no autolink, mention, HTML, image or emphasis from user text."""
    import html as html_module

    from loopkit.text import markdown_text

    pytest.importorskip("linkify_it")
    md = _gfm()
    cell = markdown_text(text)
    for document in (f"{cell}\n", f"| h |\n|---|\n| {cell} |\n", f"### {cell}\n"):
        out = md.render(document)  # type: ignore[attr-defined]
        tags = set(re.findall(r"</?([a-z0-9]+)", out))
        assert tags <= {"p", "table", "thead", "tbody", "tr", "th", "td", "h3"}, (text, out)
        shown = html_module.unescape(re.sub(r"<[^>]+>", "", out)).replace("\u200b", "")
        assert " ".join(text.split()) in " ".join(shown.split()), (text, out)


@pytest.mark.parametrize("text", MARKDOWN_HOSTILE)
def test_markdown_text_hides_mentions_and_autolink_triggers_from_github(text: str) -> None:
    """GitHub finds mentions in rendered text and autolinks on ':' / 'www.' (cmark-gfm)."""
    from loopkit.text import markdown_text

    out = markdown_text(text)
    assert "www." not in out and not re.search(r"(?<!\\)[:.]", out), out
    assert not re.search(r"@(?!&#8203;)", out) and not re.search(r"#(?!&#8203;|8203;)", out)


def test_every_markdown_output_uses_the_inert_text(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """loops/check --format markdown, report .md and diff markdown with a hostile map."""
    from typer.testing import CliRunner

    from loopkit.cli import app

    label = "see https://2130706433/x @octocat www.evil.example"
    text = (f"title: '{label}'\nvariables: {{a: '{label}', b: B}}\n"
            "links: [a -> b (+), b -> a (-)]\n"
            f"loops: {{B1: {{name: '{label}', variables: [a, b]}}}}\n")
    (tmp_path / "map.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "old.yaml").write_text("variables: {a: A, b: B}\nlinks: [a -> b (+)]\n",
                                       encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outputs = []
    for args in (["loops", "-f", "markdown", "map.yaml"], ["check", "-f", "markdown", "map.yaml"],
                 ["diff", "-f", "markdown", "old.yaml", "map.yaml"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code in (0, 1), result.output
        outputs.append(result.stdout)
    assert CliRunner().invoke(app, ["report", "map.yaml", "-o", "r.md"]).exit_code == 0
    outputs.append((tmp_path / "r.md").read_text(encoding="utf-8"))
    for out in outputs:
        assert "@octocat" not in out and "https://" not in out and "www.evil" not in out, out
        if pytest.importorskip("linkify_it"):
            html = _gfm().render(out)  # type: ignore[attr-defined]
            assert "<a " not in html and "<em>" not in html, html


# --- JSON exports: one escaping helper ---------------------------------------------------------

_RAW_CONTROLS = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["kumu", "sdjson", "graphml"])
def test_json_exports_escape_bidi_and_c1_controls_and_keep_the_data(fmt: str) -> None:
    """Issue 11 (left open): Kumu, SD-JSON (and GraphML's JSON fields) used plain json.dumps."""
    from loopkit.interop import get_format

    text = "RTL \u202egnp.exe\u202c c1 \x85\x9b isolate \u2066x\u2069 sep \u2028 end"
    diagram = Diagram.build(
        [Variable("a", text, group=text, description=text), Variable("b", "B")],
        [Link("a", "b", Polarity.POSITIVE, description=text, evidence=(text,)),
         Link("b", "a", Polarity.NEGATIVE)],
        title=text, description=text,
        loops=(DeclaredLoop("B1", ("a", "b"), name=text, type=LoopType.BALANCING),))
    out = export_text(diagram, fmt)
    assert not _RAW_CONTROLS.search(out), _RAW_CONTROLS.search(out)
    if fmt != "graphml":
        assert text in json.dumps(json.loads(out), ensure_ascii=False)  # data unchanged
        back = get_format(fmt, reading=True).read(out, f"x.{fmt}").diagram
        assert back.by_id["a"].label == text and back.loops[0].name == text


def test_schema_command_output_goes_through_the_json_helper(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import loopkit.read.schema
    from loopkit.cli import app

    real = loopkit.read.schema.json_schema
    monkeypatch.setattr(loopkit.read.schema, "json_schema",
                        lambda: {**real(), "description": "x \u202e \x85 \u2028"})
    out = CliRunner().invoke(app, ["schema"]).stdout
    assert not _RAW_CONTROLS.search(out)
    assert json.loads(out)["description"] == "x \u202e \x85 \u2028"
