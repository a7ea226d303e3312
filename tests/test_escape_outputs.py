"""Hostile labels through every output loopkit can write: nothing executable or structural leaks.

One diagram whose ids, labels, groups, descriptions, loop name and title are
all hostile is written in every format available at test time (renderer,
exporters, reports, loops/check formats), and so is the *same* diagram with
plain labels. Each output is parsed with a real parser for its language and
its structure (elements, attributes, rows, cells, lines) must be exactly the
plain version's: user text may change what is shown, never what is built.
Formats not present yet are skipped with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from loopkit.cli import app

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)> \' onmouseover=\'y',
    "back\\slash \\N \\G \\L \\n end\\",
    "&lt;b&gt; &amp; &#x3C;i&#x3E; &nbsp;",
    "bell \x07 esc \x1b[2J\x1b]8;;http://evil\x07 c1 \x9b31m del \x7f",
    "RTL \u202egnp.exe\u202c isolate \u2066x\u2069 sep \u2028 para \u2029",
    "=HYPERLINK(\"http://evil\",\"x\")",
    "Mermaid ] | ` \" ; %% click a href \"javascript:alert(1)\" end[",
    "-2+3 [link](javascript:alert(1)) **b** <b>x</b> | _u_ ~~s~~ # h",
    "::error file=x::injected %0A %0D ::set-output name=x::y",
    "line one\nline two\r\nline three\rend",
    '"; digraph { evil -> pwned }; "',
    "]]> <!-- x --> <![CDATA[y]]> <?php ?>",
    "{curly} -> arrow (+) [label=x] ;",
    "x" * 450,
]
#: Ids are user text too (DOT node names, Mermaid ids, CSV id columns, HTML anchors).
IDS = ["node", "=1+1", "c]d|e", "@SUM(A1)", 'q"uote', "-->", "<b>", "a b", "graph",
       "+x", "back\\", "id'--", "edge", "%%", "subgraph"]
GROUPS = ["<i>g</i>", "=cmd|' /C calc'!A0"]


def _diagram(labels: list[str], ids: list[str], text: Callable[[int], str]) -> str:
    """YAML (as JSON, which is YAML) for a ring of variables plus chords: three loops."""
    n = len(ids)
    data: dict[str, Any] = {
        "title": text(100),
        "description": text(101),
        "variables": {
            ids[i]: {"label": labels[i], "group": GROUPS[i % 2] if text(0) != "plain" else
                     f"group {i % 2}", "description": text(i + 200)}
            for i in range(n)
        },
        "links": [
            {"from": ids[i], "to": ids[(i + 1) % n], "polarity": "-" if i % 4 == 0 else "+",
             "delay": i % 3 == 0, "description": text(i + 300), "evidence": [text(i + 400)]}
            for i in range(n)
        ] + [{"from": ids[0], "to": ids[5], "polarity": "+"},
             {"from": ids[5], "to": ids[0], "polarity": "-"}],
        "loops": {"B1": {"name": text(500), "variables": [ids[0], ids[5]],
                         "description": text(501)}},
    }
    return json.dumps(data, indent=1)


def _hostile_text(i: int) -> str:
    return "hostile" if i == 0 else HOSTILE[i % len(HOSTILE)]


def _plain_text(i: int) -> str:
    return "plain" if i == 0 else f"Plain text {i}"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for kind, labels, ids, text in (
        ("hostile", HOSTILE, IDS, _hostile_text),
        ("plain", [f"Variable {i}" for i in range(15)], [f"v{i}" for i in range(15)],
         _plain_text),
    ):
        folder = tmp_path_factory.mktemp(kind)
        (folder / "map.yaml").write_text(_diagram(labels, ids, text), encoding="utf-8")
        old = json.loads(_diagram(labels, ids, text))  # for `diff`: the map before a change
        del old["links"][-2:]
        old["loops"] = {}
        (folder / "old.yaml").write_text(json.dumps(old), encoding="utf-8")
        out[kind] = folder
    return out


def _commands() -> set[str]:
    return {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}


def _run(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.exit_code in (0, 1), result.output
    return result


def _both(folders: dict[str, Path], args: list[str], out: str | None,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Run the command on both diagrams; return the two outputs (file text or stdout)."""
    outputs = []
    for kind in ("hostile", "plain"):
        result = _run(folders[kind], args, monkeypatch)
        outputs.append((folders[kind] / out).read_bytes().decode("utf-8") if out
                       else result.stdout)
    return outputs[0], outputs[1]


# -- structure extractors ---------------------------------------------------------------

_EVENT = re.compile(r"^on", re.IGNORECASE)


#: Elements whose number follows the text (a long label wraps onto more lines).
_TEXT_LINES = re.compile(r"^(\{[^}]*\})?(text|tspan|br)(@|$)")


def _normalised(shape: Counter[str]) -> Counter[str]:
    return Counter({k: 1 if _TEXT_LINES.match(k) else n for k, n in shape.items()})


def _xml_shape(text: str) -> Counter[str]:
    """Element tags and attribute names of an XML document (SVG, GraphML), counted."""
    root = ElementTree.fromstring(text.encode("utf-8"))
    shape: Counter[str] = Counter()
    for element in root.iter():
        shape[element.tag] += 1
        for name, value in element.attrib.items():
            assert not _EVENT.match(name.rsplit("}", 1)[-1]), name
            assert not value.strip().lower().startswith(("javascript:", "data:")), value
            shape[f"{element.tag}@{name}"] += 1
    return _normalised(shape)


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: Counter[str] = Counter()
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.shape[tag] += 1
        for name, value in attrs:
            assert not _EVENT.match(name), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), value
            self.shape[f"{tag}@{name}"] += 1

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def _html_shape(text: str) -> tuple[Counter[str], str]:
    parser = _Shape()
    parser.feed(text)
    parser.close()
    return _normalised(parser.shape), "".join(parser.data)


def _markdown_shape(text: str) -> Counter[str]:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    shape, _ = _html_shape(html)
    return shape


_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                       "\u2028\u2029]")


def _no_terminal_controls(text: str) -> None:
    found = _CONTROLS.search(text)
    assert not found, f"{found.group()!r} reached the output: ...{text[found.start() - 40:][:80]!r}"


# -- the outputs ----------------------------------------------------------------------------


def test_the_hostile_diagram_is_valid(folders: dict[str, Path],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise every other test here would only be testing error messages."""
    for kind in folders:
        result = _run(folders[kind], ["loops", "map.yaml"], monkeypatch)
        assert "3 loops" in result.stdout, result.output


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
@pytest.mark.parametrize("command", ["loops", "check"])
def test_loops_and_check_outputs(command: str, fmt: str, folders: dict[str, Path],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    hostile, plain = _both(folders, [command, "--format", fmt, "map.yaml"], None, monkeypatch)
    if fmt == "json":
        assert "\x1b" not in hostile
        assert _json_shape(json.loads(hostile)) == _json_shape(json.loads(plain))
        return
    _no_terminal_controls(hostile)
    if fmt == "json":
        pass
    elif fmt == "markdown":
        assert _markdown_shape(hostile) == _markdown_shape(plain)
    elif fmt == "github":
        def commands(text: str) -> list[str]:  # workflow commands: '::name props::'
            return [line.split("::", 2)[1].split(" ")[0] for line in text.split("\n")
                    if line.startswith("::")]

        assert len(hostile.split("\n")) == len(plain.split("\n"))
        assert commands(hostile) == commands(plain)
    else:
        assert len(hostile.splitlines()) >= 1


@pytest.mark.parametrize("command", ["loops", "check"])
def test_json_output_escapes_c1_and_bidi_controls(command: str, folders: dict[str, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    hostile, _ = _both(folders, [command, "--format", "json", "map.yaml"], None, monkeypatch)
    _no_terminal_controls(hostile)


def _json_shape(value: Any, path: str = "") -> Counter[str]:
    shape: Counter[str] = Counter()
    if isinstance(value, dict):
        for key, item in value.items():
            shape += _json_shape(item, f"{path}.{key if key in _FIXED_KEYS else '*'}")
    elif isinstance(value, list):
        for item in value:
            shape += _json_shape(item, f"{path}[]")
    else:
        shape[f"{path}:{type(value).__name__}"] += 1
    return shape


#: JSON keys chosen by loopkit (anything else is user data used as a key).
_FIXED_KEYS = {"files", "file", "title", "loops", "summary", "problems", "id", "type", "name",
               "variables", "links", "length", "delays", "declared", "line", "column",
               "message", "code", "severity", "total", "reinforcing", "balancing",
               "undetermined", "truncated", "reason", "ok", "labels", "chain", "from", "to",
               "polarity", "delay", "elements", "connections", "label", "description",
               "loopkit", "nodes", "edges", "source", "target", "sign"}


def _render_formats() -> list[str]:
    try:
        from loopkit.render import render  # noqa: F401
    except ImportError:
        return []
    return ["svg", "dot"]


@pytest.mark.parametrize("fmt", _render_formats() or [
    pytest.param("svg", marks=pytest.mark.skip("loopkit.render is not present yet"))])
def test_render(fmt: str, folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    if "render" not in _commands():
        pytest.skip("no render command yet")
    out = f"map.{fmt}"
    hostile, plain = _both(folders, ["render", "map.yaml", "-o", out], out, monkeypatch)
    _no_terminal_controls(hostile)
    if fmt == "svg":
        shape = _xml_shape(hostile)
        assert shape == _xml_shape(plain)
        assert not {"script", "foreignObject", "iframe"} & {k.rsplit("}", 1)[-1] for k in shape}
        assert "&lt;script&gt;" in hostile
    else:
        assert _dot_structure(hostile) == _dot_structure(plain)


def _dot_structure(text: str) -> tuple[Any, ...]:
    """The graph as Graphviz itself parses the DOT (-Tjson): isomorphism class + attributes.

    Names are compared up to isomorphism: loopkit may rename an id to keep the
    DOT safe, but may not add, merge or drop a node or an edge.
    """
    import warnings

    import networkx as nx

    try:
        from loopkit.render.graphviz import choose_renderer

        program = choose_renderer().executable
    except ImportError:
        pytest.skip("no Graphviz renderer to parse DOT with")
    done = subprocess.run([program, "-Tjson"], input=text.encode("utf-8"),
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    graph = json.loads(done.stdout)
    objects, edges = graph.get("objects", []), graph.get("edges", [])
    digraph = nx.DiGraph()
    digraph.add_nodes_from(o["_gvid"] for o in objects)
    digraph.add_edges_from((e["tail"], e["head"]) for e in edges)
    attributes = frozenset(k for o in objects for k in o)
    edge_attributes = frozenset(k for e in edges for k in e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # networkx 3.5 notes its hashes changed
        shape = nx.weisfeiler_lehman_graph_hash(digraph)
    return len(objects), len(edges), shape, attributes, edge_attributes


def _export_formats() -> list[str]:
    try:
        from loopkit.interop import format_names
    except ImportError:
        return []
    return format_names(writes=True)


@pytest.mark.parametrize("fmt", _export_formats() or [
    pytest.param("mermaid", marks=pytest.mark.skip("loopkit.interop is not present yet"))])
def test_export(fmt: str, folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    if fmt == "csv":
        _both(folders, ["export", "map.yaml", "--to", "csv", "-o", "out.csv"], None,
              monkeypatch)
        for table in ("elements", "connections"):
            hostile, plain = (
                list(csv.reader(io.StringIO((folders[k] / f"out-{table}.csv").read_text(
                    encoding="utf-8")))) for k in ("hostile", "plain"))
            assert [len(row) for row in hostile] == [len(row) for row in plain]
            for row in hostile:
                for cell in row:
                    assert cell in ("+", "-", "\u2212") or cell[:1] not in ("=", "+", "-", "@",
                                                                           "\t", "\r"), cell
        return
    if fmt == "xlsx":
        import openpyxl

        _both(folders, ["export", "map.yaml", "--to", "xlsx", "-o", "out.xlsx"], None,
              monkeypatch)
        books = [openpyxl.load_workbook(folders[k] / "out.xlsx") for k in ("hostile", "plain")]
        assert books[0].sheetnames == books[1].sheetnames
        for name in books[0].sheetnames:
            cells = [[c for c in row] for row in books[0][name].iter_rows()]
            assert [len(r) for r in cells] == [len(r) for r in books[1][name].iter_rows()]
            assert all(c.data_type != "f" for row in cells for c in row)  # no formulas
        return
    hostile, plain = _both(folders, ["export", "map.yaml", "--to", fmt, "-o", f"out.{fmt}"],
                           f"out.{fmt}", monkeypatch)
    if fmt == "mermaid":
        assert _mermaid_skeleton(hostile) == _mermaid_skeleton(plain)
    elif fmt == "dot":
        assert _dot_structure(hostile) == _dot_structure(plain)
    elif fmt == "graphml":
        assert _xml_shape(hostile) == _xml_shape(plain)
    elif hostile.lstrip().startswith(("{", "[")):
        assert _json_shape(json.loads(hostile)) == _json_shape(json.loads(plain))
    else:  # a link (LOOPY): one line, no raw quotes or angle brackets
        assert len(hostile.splitlines()) == 1
        assert not re.search(r"[\s<>\"]", hostile.strip()), hostile[:200]


def _mermaid_skeleton(text: str) -> list[str]:
    """Each line with quoted label text blanked: ids and arrows must line up with plain."""
    skeleton = []
    assert "\u2028" not in text and "\u2029" not in text  # line breaks to a JavaScript reader
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("%%"):
            skeleton.append("%%")
            continue
        assert '"' not in re.sub(r'"[^"\n]*"', "", line), line
        line = re.sub(r'"[^"]*"', '""', line)
        line = re.sub(r"\b(v\d+|[A-Za-z_][\w]*)\b", "ID", line)
        skeleton.append(line)
    return skeleton


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report(fmt: str, folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    if "report" not in _commands():
        pytest.skip("no report command yet")
    out = f"report.{fmt}"
    hostile, plain = _both(folders, ["report", "map.yaml", "-o", out], out, monkeypatch)
    _no_terminal_controls(hostile)
    if fmt == "html":
        hostile_shape, text = _html_shape(hostile)
        assert hostile_shape == _html_shape(plain)[0]
        assert "<script>alert('x')</script>" in text  # shown as text, not run
    else:
        assert _markdown_shape(hostile) == _markdown_shape(plain)


def test_explore(folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    if "explore" not in _commands():
        pytest.skip("no explore command yet")
    hostile, plain = _both(folders, ["explore", "map.yaml", "-o", "map.html"], "map.html",
                           monkeypatch)
    _no_terminal_controls(hostile)
    hostile_shape, text = _html_shape(hostile)
    assert hostile_shape == _html_shape(plain)[0]
    assert "<script>alert('x')</script>" in text  # shown as text, not run
    assert hostile.count("</script>") == plain.count("</script>") == 2


#: Analysis commands: arguments after the file, per diagram (ids differ), and formats.
_ANALYSIS = {
    "lint": (lambda ids: [], ("text", "json")),
    "archetypes": (lambda ids: [], ("text", "json")),
    "trace": (lambda ids: [ids[0]], ("text", "json")),
    "effect": (lambda ids: [ids[0], ids[1]], ("text", "json")),
    "whatif": (lambda ids: [f"{ids[0]}=up"], ("text", "json")),
    "diff": (lambda ids: [], ("text", "json", "markdown")),
}


@pytest.mark.parametrize(("command", "fmt"), [
    (command, fmt) for command, (_, formats) in _ANALYSIS.items() for fmt in formats])
def test_analysis_commands(command: str, fmt: str, folders: dict[str, Path],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    if command not in _commands():
        pytest.skip(f"no '{command}' command yet")
    extra, _ = _ANALYSIS[command]
    outputs = []
    for kind, ids in (("hostile", IDS), ("plain", [f"v{i}" for i in range(15)])):
        files = ["old.yaml", "map.yaml"] if command == "diff" else ["map.yaml"]
        result = _run(folders[kind], [command, "--format", fmt, *files, *extra(ids)],
                      monkeypatch)
        outputs.append(result.stdout)
        assert "\x1b" not in result.output
    hostile, plain = outputs
    if fmt == "json":  # findings may differ with the text (long labels): compare fields
        assert set(_json_shape(json.loads(hostile))) == set(_json_shape(json.loads(plain)))
        return
    _no_terminal_controls(hostile)
    if fmt == "markdown":
        assert set(_markdown_shape(hostile)) == set(_markdown_shape(plain))
    if command == "lint":  # one problem per line: no user text may start a line
        assert all(line.startswith("map.yaml:") for line in hostile.splitlines() if line)


def test_merge(folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Merged maps keep hostile text as text, and hostile file names end up as sources."""
    from loopkit.read.load import load_diagram

    name = "evil \x1b[2J\n::error ::x <b>.yaml"
    shapes = []
    for kind in ("hostile", "plain"):
        folder = folders[kind]
        (folder / name).write_bytes((folder / "old.yaml").read_bytes())
        result = _run(folder, ["merge", "map.yaml", name, "-o", "merged.yaml"], monkeypatch)
        _no_terminal_controls(result.stderr)
        assert all(line.startswith(("loopkit:", "  note:")) for line in
                   result.stderr.splitlines()), result.stderr
        merged = load_diagram(folder / "merged.yaml")
        assert {s for lk in merged.links for s in lk.sources} == {"map.yaml", name}
        shapes.append((len(merged.variables), len(merged.links), len(merged.loops)))
        evidence = _run(folder, ["loops", "--evidence", "merged.yaml"], monkeypatch)
        _no_terminal_controls(evidence.stdout)
    assert shapes[0] == shapes[1]


def test_every_output_command_was_exercised() -> None:
    """A new command that prints or writes user text must be added to this suite."""
    known = {"loops", "check", "schema", "render", "export", "report", "explore", "import", "init",
             "merge", *_ANALYSIS}
    unknown = _commands() - known
    assert not unknown, f"add hostile-label checks for: {sorted(unknown)}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
