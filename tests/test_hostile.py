"""Hostile inputs: each file in tests/hostile/ gives exactly its expected lines, fast.

Static cases are ``NAME.yaml``; big ones are built by ``tests/hostile/generated.py``.
``NAME.expected`` holds the stderr lines of ``loopkit check NAME.yaml`` (empty:
the file is legitimate and must pass). Regenerate one only after reading it:
``cd tests/hostile && loopkit check NAME.yaml 2> NAME.expected``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.limits import DEPTH_CEILING, Limits
from loopkit.problems import DiagramError
from loopkit.read.load import parse_diagram
from tests.helpers import ROOT
from tests.hostile.generated import CASES as GENERATED
from tests.hostile.generated import IMPORTS

HOSTILE = ROOT / "tests" / "hostile"
NAMES = sorted(p.stem for p in HOSTILE.glob("*.expected"))


def _materialise(name: str, tmp_path: Path) -> Path:
    """The case's folder: tests/hostile for static files, tmp_path for generated ones."""
    if (HOSTILE / f"{name}.yaml").is_file():
        return HOSTILE
    (tmp_path / f"{name}.yaml").write_bytes(GENERATED[name]())
    return tmp_path


def test_every_case_has_an_input_and_every_input_an_expectation() -> None:
    static = {p.stem for p in HOSTILE.glob("*.yaml")}
    assert set(NAMES) == static | set(GENERATED)
    assert not static & set(GENERATED)


@pytest.mark.parametrize("name", NAMES)
def test_hostile_input_gives_its_expected_lines(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_materialise(name, tmp_path))
    expected = (HOSTILE / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    result = CliRunner().invoke(app, ["check", f"{name}.yaml"])
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == expected
    assert result.exit_code == (1 if expected else 0)
    for line in expected:  # every problem is located in this file
        file, line_no, column, message = line.split(":", 3)
        assert (file, int(line_no) >= 1, int(column) >= 1) == (f"{name}.yaml", True, True)
        assert "\x1b" not in message and message.strip()


def test_deep_nesting_is_an_error_in_a_real_process_not_a_crash(tmp_path: Path) -> None:
    """100,000 '[' used to overflow the C stack of PyYAML's composer (exit -11)."""
    (tmp_path / "deep.yaml").write_bytes(GENERATED["deep-flow"]())
    done = subprocess.run([sys.executable, "-m", "loopkit", "check", "deep.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "deep.yaml:1:72: nesting deeper than 64 levels is not allowed " \
        "(the limit is set by --max-depth)\n"


def test_raising_the_depth_limit_reads_up_to_the_ceiling_and_stops_there() -> None:
    """The reader is iterative: at the ceiling (500) a 26,000-level nest reads up to level 500
    and stops with loopkit's own message, whichever PyYAML is installed (libyaml in 6.0.4
    stops at 1,000 levels of its own, and its scanner runs 1,024 characters ahead)."""
    text = "x-deep: " + "[" * 26_000 + "]" * 26_000 + "\nvariables: {a: A}\nlinks: []\n"
    with pytest.raises(DiagramError) as info:
        parse_diagram(text, "deep.yaml", limits=Limits(depth=DEPTH_CEILING))
    assert str(info.value.problems[0]) == f"deep.yaml:1:{9 + DEPTH_CEILING - 1}: nesting " \
        f"deeper than {DEPTH_CEILING} levels is not allowed (the limit is set by --max-depth)"
    fits = DEPTH_CEILING - 1  # the root mapping is one level
    text = "x-deep: " + "[" * fits + "]" * fits + "\nvariables: {a: A}\nlinks: []\n"
    diagram = parse_diagram(text, "deep.yaml", limits=Limits(depth=DEPTH_CEILING))
    depth, node = 0, diagram.extensions["x-deep"]
    while node:
        depth, node = depth + 1, node[0]
    assert depth == fits - 1


def test_a_depth_limit_above_the_ceiling_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 500 levels"):
        Limits(depth=DEPTH_CEILING + 1)
    result = CliRunner().invoke(app, ["--max-depth", "501", "check", "x.yaml"])
    assert result.exit_code == 2
    assert "--max-depth: nesting depth 501 is more than 500 levels" in result.stderr


@pytest.mark.parametrize("nest", ["[", "{a: ", "- "])
def test_loopkits_depth_limit_fires_before_the_yaml_librarys(nest: str) -> None:
    """Nesting past libyaml's own 1,000 levels (block or flow) still gets loopkit's message,
    at the same place as with a PyYAML that has no limit of its own."""
    body = nest * 3_000 if nest == "- " else nest * 3_000 + "1" + "]}"[nest != "["] * 3_000
    text = "variables: {a: A}\nlinks: []\nx-deep:\n  " + body + "\n"
    with pytest.raises(DiagramError) as info:
        parse_diagram(text, "deep.yaml")
    (problem,) = info.value.problems
    assert (problem.code, problem.line) == ("yaml-too-deep", 4)
    assert problem.column == 3 + len(nest) * 63  # the 64th collection under the root
    import yaml

    pure = parse_events_only(text, yaml.SafeLoader)
    assert pure == (problem.line, problem.column)


def parse_events_only(text: str, loader: type) -> tuple[int, int]:
    """Where the 65th open collection starts, by PyYAML's pure-Python parser (no limit)."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth == 65:
                return event.start_mark.line + 1, event.start_mark.column + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    raise AssertionError("not that deep")


@pytest.mark.parametrize("name", ["billion-laughs", "alias-bomb-in-links"])
def test_alias_bombs_stay_small_in_memory(name: str) -> None:
    text = (HOSTILE / f"{name}.yaml").read_text(encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(DiagramError) as info:
            parse_diagram(text, f"{name}.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.problems[0].code == "yaml-too-big"
    assert peak < 64 * 1024 * 1024


def test_limits_are_overridable_by_flag_and_environment(tmp_path: Path) -> None:
    (tmp_path / "label.yaml").write_bytes(GENERATED["huge-label"]())
    (tmp_path / "deep.yaml").write_bytes(GENERATED["deep-mapping"]())
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert runner.invoke(app, ["check", "label.yaml"]).exit_code == 1
        flagged = runner.invoke(app, ["--max-label-length", "100000", "check", "label.yaml"])
        assert flagged.exit_code == 0, flagged.output
        env = runner.invoke(app, ["check", "label.yaml"],
                            env={"LOOPKIT_MAX_LABEL_LENGTH": "100_000"})
        assert env.exit_code == 0, env.output
        # the override lasts one invocation only
        assert runner.invoke(app, ["check", "label.yaml"]).exit_code == 1
        small = runner.invoke(app, ["--max-file-size", "1k", "check", "label.yaml"])
        assert small.exit_code == 1 and "larger than 1,024 bytes" in small.stderr
        shallow = runner.invoke(app, ["--max-depth", "3", "check", "deep.yaml"])
        assert "nesting deeper than 3 levels" in shallow.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--max-file-size", "lots"], "--max-file-size: 'lots' is not a number such as 20M"),
    (["--max-variables", "0"], "--max-variables: '0' must be at least 1"),
    (["--max-links", "5k"], "--max-links: '5k' is not a whole number"),
    (["--max-variables", "7" * 5_000], "--max-variables: 777777777777... is too large"),
])
def test_bad_limit_values_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [*args, "check", "x.yaml"])
    assert result.exit_code == 2
    assert message in result.stderr


def test_library_limits_do_not_leak_between_calls() -> None:
    text = "variables: {a: A, b: B}\nlinks: [a -> b (+)]\n"
    with pytest.raises(DiagramError, match="2 variables; the limit is 1"):
        parse_diagram(text, "d.yaml", limits=Limits(variables=1))
    assert len(parse_diagram(text, "d.yaml").variables) == 2


def test_unpaired_surrogate_in_library_text_is_located() -> None:
    with pytest.raises(DiagramError) as info:
        parse_diagram("variables:\n  a: x\ud800y\nlinks: []\n", "s.yaml")
    assert str(info.value) == ("s.yaml:2:7: text contains an unpaired surrogate character "
                               "(U+D800); it is not valid Unicode")


def test_ids_differing_only_by_a_control_character_are_refused() -> None:
    """Outputs strip controls, so 'id' and '\\u202eid' would be drawn as one node."""
    text = ('variables:\n  id: A\n  "\\u202eid": B\n  "x\\ay": C\nlinks:\n'
            '  - {from: id, to: "\\u202eid", polarity: "+"}\n'
            'loops:\n  "R\\t1": {variables: [id]}\n')
    with pytest.raises(DiagramError) as info:
        parse_diagram(text, "c.yaml")
    assert [(p.line, p.code) for p in info.value.problems] == [
        (3, "control-in-id"), (4, "control-in-id"), (8, "control-in-id")]
    assert "variable id '\\u202eid' contains the control character U+202E" in str(info.value)


def test_a_newline_in_any_message_cannot_start_a_ci_workflow_command(tmp_path: Path) -> None:
    """A loop name is shown inside a problem line; under GitHub Actions a line
    starting with '::error' is a command, so every problem stays on one line."""
    (tmp_path / "n.yaml").write_text(
        'variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (+)]\n'
        'loops:\n  B1:\n    name: "x\\n::error file=a.yaml::pwned\\u202e"\n    variables: [a, b]\n')
    done = subprocess.run([sys.executable, "-m", "loopkit", "check", "n.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert [line[:9] for line in done.stderr.splitlines()] == ["n.yaml:4:"]
    assert "x\\n::error file=a.yaml::pwned\\u202e" in done.stderr


def test_load_yaml_data_reads_other_yaml_files_within_the_limits(tmp_path: Path) -> None:
    from loopkit.read.load import load_yaml_data

    good = tmp_path / "settings.yaml"
    good.write_text("lint: {disable: [long-label]}\nx: &a [1, 2]\ny: *a\n")
    assert load_yaml_data(good) == {"lint": {"disable": ["long-label"]}, "x": [1, 2],
                                    "y": [1, 2]}
    deep = tmp_path / "deep.yaml"
    deep.write_bytes(GENERATED["deep-flow"]())
    with pytest.raises(DiagramError, match=re.escape("deep.yaml:1:72: nesting deeper than 64")):
        load_yaml_data(deep)
    twice = tmp_path / "twice.yaml"
    twice.write_text("lint: 1\nlint: 2\n")
    with pytest.raises(DiagramError, match=re.escape("twice.yaml:2:1: duplicate key 'lint'")):
        load_yaml_data(twice)


def test_a_hostile_settings_file_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_bytes((ROOT / "examples" / "school-fines.yaml").read_bytes())
    (tmp_path / ".loopkit.yaml").write_bytes(GENERATED["deep-flow"]())
    done = subprocess.run([sys.executable, "-m", "loopkit", "lint", "d.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode in (1, 2), done.stderr
    assert ".loopkit.yaml:1:" in done.stderr and "internal error" not in done.stderr


def test_graphml_with_deeply_nested_embedded_json_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.graphml").write_text(
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<key id="ev" for="edge" attr.name="evidence" attr.type="string"/>\n'
        '<graph edgedefault="directed"><node id="a"/><node id="b"/>\n'
        f'<edge source="a" target="b"><data key="ev">{deep}</data></edge></graph></graphml>\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["import", "deep.graphml", "-o", "-"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output


def test_one_long_string_aliased_everywhere_is_bounded_in_bytes(tmp_path: Path) -> None:
    """500 MB of text from a 0.3 MB file: the value count (7,000) was far under its limit,
    and `export --to kumu` wrote 800 MB using 2 GB. Text now counts bytes after aliases."""
    text = GENERATED["aliased-long-text"]().decode()
    tracemalloc.start()
    try:
        with pytest.raises(DiagramError) as info:
            parse_diagram(text, "t.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    [problem] = info.value.problems
    assert (problem.code, problem.line) == ("yaml-too-big", 211)
    assert "more than 20,971,520 bytes of text" in problem.message
    assert peak < 64 * 1024 * 1024
    # Raised by flag (sizes such as 1G) or environment, the same file reads.
    (tmp_path / "t.yaml").write_text(text)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert runner.invoke(app, ["--max-yaml-text", "1G", "check", "t.yaml"]).exit_code == 0
        assert runner.invoke(app, ["check", "t.yaml"],
                             env={"LOOPKIT_MAX_YAML_TEXT": "600M"}).exit_code == 0
        assert runner.invoke(app, ["export", "t.yaml", "--to", "kumu"]).exit_code == 1


def test_text_limit_counts_utf8_bytes_of_keys_and_values_without_aliases_too() -> None:
    body = "variables: {a: A, b: B}\nlinks: [a -> b (+)]\n"
    assert parse_diagram(body, "d.yaml", limits=Limits(yaml_text=len(body))).variables
    with pytest.raises(DiagramError, match=r"d.yaml:2:\d+: the document holds more than 20 "
                                           "bytes of text"):
        parse_diagram(body, "d.yaml", limits=Limits(yaml_text=20))
    # 28 bytes above, then 11 + 20: ten 'é' are ten characters but twenty bytes
    wide = "description: " + "\u00e9" * 10 + "\n" + body
    with pytest.raises(DiagramError, match="holds more than 58 bytes"):
        parse_diagram(wide, "d.yaml", limits=Limits(yaml_text=58))
    assert parse_diagram(wide, "d.yaml", limits=Limits(yaml_text=59)).description


def test_every_import_case_has_an_expectation() -> None:
    assert {p.stem for p in (HOSTILE / "imports").glob("*.expected")} == set(IMPORTS)


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_hostile_import_gives_its_expected_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other tools' files: limits checked while reading, never an internal error (exit 3)."""
    suffix, build = IMPORTS[name]
    (tmp_path / f"{name}{suffix}").write_bytes(build())
    monkeypatch.chdir(tmp_path)
    expected = (HOSTILE / "imports" / f"{name}.expected").read_text().splitlines()
    result = CliRunner().invoke(app, ["import", "-q", f"{name}{suffix}", "-o", "out.yaml"])
    assert result.stderr.splitlines() == expected
    assert result.exit_code == (1 if expected else 0), result.output
    assert (tmp_path / "out.yaml").exists() == (not expected)


def test_import_count_limits_follow_the_flags(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    suffix, build = IMPORTS["graphml-same-labels"]
    (tmp_path / f"g{suffix}").write_bytes(build())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--max-variables", "30000", "import", "-q", f"g{suffix}",
                                      "-o", "g.yaml"])
    assert result.exit_code == 0, result.output
    assert "same_20000: same" in (tmp_path / "g.yaml").read_text()
    small = CliRunner().invoke(app, ["--max-links", "1", "import", "-q", "-", "-o", "-"],
                               input='{"elements": [{"label": "a"}], "connections": '
                                     '[{"from": "a", "to": "a"}, {"from": "a", "to": "a"}]}')
    assert small.exit_code == 1
    assert small.stderr.startswith("<stdin>:1:47: more than 1 connections; the limit is 1 links")


def test_ids_for_repeated_labels_are_made_in_linear_time() -> None:
    """20,000 identical labels probed _2, _3 ... from the start each time: 200 million
    set lookups. Counted, not timed: each new id may cost only a few lookups."""
    from loopkit.interop._common import IdMaker

    class Counting(set[str]):
        probes = 0

        def __contains__(self, item: object) -> bool:
            Counting.probes += 1
            return super().__contains__(item)

    ids = IdMaker()
    ids.used = Counting()
    made = [ids.make("same") for _ in range(5_000)]
    made += [ids.make("x", preferred) for preferred in ("same_9", "same_5001", "other")]
    made += [ids.make("same") for _ in range(2)]
    assert made[:3] == ["same", "same_2", "same_3"] and made[4_999] == "same_5000"
    assert made[5_000:] == ["same_9_2", "same_5001_2", "other", "same_5001", "same_5002"] \
        or made[5_000:] == ["same_9_2", "same_5001", "other", "same_5002", "same_5003"]
    assert len(set(made)) == len(made)
    assert Counting.probes < 3 * len(made)


def test_xmile_nesting_is_read_up_to_the_depth_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,000 levels was a RecursionError (exit 3); now --max-depth bounds XML as it does
    YAML, and the tree is walked with a loop, not recursion."""
    (tmp_path / "x.xmile").write_text(
        '<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><model><variables>'
        '<aux name="a"><eqn>1</eqn></aux></variables></model>'
        + "<x>" * 450 + "</x>" * 450 + "</xmile>\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--max-depth", "500", "import", "-q", "x.xmile",
                                      "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "a: a" in result.stdout
    refused = CliRunner().invoke(app, ["--max-depth", "400", "import", "-q", "x.xmile"])
    assert refused.exit_code == 1
    assert "XML nested deeper than 400 levels" in refused.stderr


def test_a_huge_integer_in_pyproject_settings_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_bytes((ROOT / "examples" / "school-fines.yaml").read_bytes())
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.loopkit.lint]\nmax-label-length = "
        + "9" * 5_000 + "\n")
    done = subprocess.run([sys.executable, "-m", "loopkit", "lint", "d.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.endswith("pyproject.toml:5: a number with more than 4,300 digits; "
                                "no loopkit setting needs one\n")
    assert len(done.stderr.splitlines()) == 1


_LONG = "n" * 300


@pytest.mark.parametrize("args", [
    ["render", "d.yaml", "-o", f"{_LONG}.svg"],
    ["render", "--check", "d.yaml", "-o", f"{_LONG}.svg"],
    ["render", "--each-loop", _LONG, "d.yaml"],
    ["render", "--each-loop", ".", f"{'e' * 250}.yaml"],
    ["export", "d.yaml", "--to", "mermaid", "-o", f"{_LONG}.mmd"],
    ["export", "d.yaml", "--to", "csv", "-o", f"{'c' * 250}.csv"],
    ["report", "d.yaml", "-o", f"{_LONG}.html"],
    ["import", "-q", "k.json", "-o", f"{_LONG}.yaml"],
    ["init", f"{_LONG}.yaml"],
    ["init", f"{_LONG}/d.yaml"],
    ["diff", f"HEAD:{_LONG}", "d.yaml"],
])
def test_an_output_name_over_255_bytes_is_a_one_line_usage_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fines = (ROOT / "examples" / "school-fines.yaml").read_bytes()
    for name in ("d.yaml", f"{'e' * 250}.yaml"):
        (tmp_path / name).write_bytes(fines)
    (tmp_path / "k.json").write_text('{"elements": [{"label": "a"}], "connections": []}')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("loopkit: error: ") and len(line) < 400


def test_a_long_output_name_that_fits_still_writes(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The temp file beside it (.NAME.random.tmp) must fit in 255 bytes too."""
    (tmp_path / "d.yaml").write_bytes((ROOT / "examples" / "school-fines.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    name = "\u00e9" * 123 + ".mmd"  # 250 bytes
    result = CliRunner().invoke(app, ["export", "d.yaml", "--to", "mermaid", "-o", name])
    assert result.exit_code == 0, result.output
    assert "flowchart LR" in (tmp_path / name).read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["d.yaml", name])


def test_xml_element_count_is_bounded_by_the_variable_and_link_limits() -> None:
    """12 million empty elements (48 MB, under the 50 MiB import size) took over 300 s
    and 2 GB; the parse now stops at 10 elements per allowed variable or link."""
    text = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>'
            '<node id="a"/>' + "<x/>" * 40 + "</graph></graphml>")
    with pytest.raises(DiagramError) as info:
        _import_with(text, Limits(variables=2, links=1))
    [problem] = info.value.problems
    assert (problem.code, problem.line) == ("too-many", 1)
    assert problem.message.startswith("more than 30 XML elements; a GraphML file of at most "
                                      "2 variables and 1 links needs far fewer")
    assert _import_with(text, Limits(variables=5, links=1)).diagram.variables


def _import_with(text: str, limits: Limits):  # type: ignore[no-untyped-def]
    from loopkit.interop import import_text
    from loopkit.limits import using_limits

    with using_limits(limits):
        return import_text(text, "m.graphml")
