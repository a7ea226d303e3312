"""`loopkit schema` accepts every diagram `loopkit check` accepts, read as editors read YAML.

Editors (yaml-language-server) and check-jsonschema read YAML themselves, with
YAML 1.2 rules (``no`` is text), then validate against the schema. PyYAML alone
is YAML 1.1 (``no`` is false), so the oracle reader here is ``yamlcore``'s 1.2
core-schema loader for PyYAML, independent of loopkit's own reader.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
import yamlcore
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loopkit.problems import DiagramError
from loopkit.read.load import parse_diagram
from loopkit.read.schema import _OTHER_CASES, json_schema
from tests.helpers import EXAMPLES, ROOT

SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def read_as_editors_do(text: str) -> Any:
    return yaml.load(text, Loader=yamlcore.CoreLoader)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


#: Plain scalars whose type differs between YAML 1.1, 1.2 and loopkit's reader.
#: Plain scalars whose type differs between YAML 1.1, 1.2 and loopkit's reader: text in 1.2
#: (first list), numbers, booleans or null in 1.2 (second).
TRICKY_TEXT = ["no", "yes", "on", "off", "y", "n", "False ", "1_000", "0b1", "-0x1", "-0o7",
               "2001-01-01", "1:20", "=", "<<", "a b", "Negative", ".Nan", "+.INF "]
TRICKY_OTHER = ["true", "FALSE", "null", "~", "0o7", "07", "0x1F", "1e3", ".5", ".inf",
                "-.Inf", ".nan", "12"]
POLARITIES = ["+", "-", "?", "s", "S", "same", "SAME", "Same", "positive", "Positive", "o",
              "O", "opposite", "Opposite", "negative", "Negative", "NEGATIVE", "unknown",
              "Unknown", "UN\u212aNOWN", "\u2212", " + ", "\u3000-"]
BAD_POLARITIES = ["pos", "neg", "plus", "x", "+-", ""]
DELAYS = ["true", "false", "True", "FALSE", "yes", "no", "on", "off", "1", "0", "'true'",
          "'yes'", "'1'", "0.0", "1.0", "'t'", "'F'", "Y", "N"]
BAD_DELAYS = ["2", "'1.0'", "null", "' true '", "maybe"]
CONFIDENCES = ["low", "medium", "high", "null"]
BAD_CONFIDENCES = ["High", "' low'", "1"]


def mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """19 in 20 draws from ``good``: most generated files should be accepted."""
    return st.sampled_from([*good * (19 * max(len(bad), 1))] + bad * len(good))

VERSIONS = ["1", "null"]
BAD_VERSIONS = ["1.0", "true", "2", "'1'"]
NUMBERS = ["1", "-2.5", "0", "1e3", ".5", "'1'", "'1.5'", ".inf", ".nan", "true", "null",
           "1_000", "0o7", "0x1F"]

ids = st.sampled_from(["a", "b", "c", "d", "e b", "no", "1_000", "0o7", "yes"])
plain_or_quoted = st.one_of(
    mostly(TRICKY_TEXT, TRICKY_OTHER),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
    .map(_quoted))


@st.composite
def diagrams(draw: st.DrawFn) -> str:
    """YAML text of a diagram-like file: mostly valid, often off by one spelling."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(f"version: {draw(mostly(VERSIONS, BAD_VERSIONS))}")
    if draw(st.booleans()):
        lines.append(f"title: {draw(plain_or_quoted)}")
    names = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    lines.append("variables:")
    for name in names:
        form = draw(st.sampled_from(["label", "empty", "mapping"]))
        if form == "label":
            lines.append(f"  {name}: {draw(plain_or_quoted)}")
        elif form == "empty":
            lines.append(f"  {name}:")
        else:
            lines.append(f"  {name}:")
            lines.append(f"    label: {draw(plain_or_quoted)}")
            if draw(st.booleans()):
                lines.append(f"    group: {draw(plain_or_quoted)}")
            if draw(st.booleans()):
                lines.append(f"    pos: [{draw(st.sampled_from(NUMBERS))}, "
                             f"{draw(st.sampled_from(NUMBERS))}]")
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)),
                          max_size=4, unique=True))
    lines.append("links:" if pairs else "links: []")
    for source, target in pairs:
        polarity = draw(mostly(POLARITIES, BAD_POLARITIES))
        if draw(st.booleans()):
            delay = draw(st.sampled_from(["", ", delay", ", DELAY", ", Delayed", ", later"]))
            lines.append(f"  - {_quoted(f'{source} -> {target} ({polarity}{delay})')}")
            continue
        lines.append(f"  - from: {_quoted(source)}")
        lines.append(f"    to: {_quoted(target)}")
        lines.append(f"    polarity: {_quoted(polarity)}")
        if draw(st.booleans()):
            lines.append(f"    delay: {draw(mostly(DELAYS, BAD_DELAYS))}")
        evidence = draw(mostly(["", "text", "list", "null"], ["number"]))
        if evidence == "text":
            lines.append(f"    evidence: {draw(plain_or_quoted)}")
        elif evidence == "list":
            lines.append(f"    evidence: [{draw(plain_or_quoted)}, {draw(plain_or_quoted)}]")
        elif evidence:
            lines.append(f"    evidence: {'3' if evidence == 'number' else 'null'}")
        if draw(st.booleans()):
            lines.append(f"    confidence: {draw(mostly(CONFIDENCES, BAD_CONFIDENCES))}")
    if draw(st.booleans()):
        lines.append("loops:")
        loop_id = draw(st.sampled_from(["R1", "B1", "L1"]))
        lines.append(f"  {loop_id}:")
        lines.append(f"    variables: [{', '.join(map(_quoted, names))}]")
        if draw(st.booleans()):
            lines.append(f"    type: {draw(st.sampled_from(['reinforcing', 'balancing', 'R']))}")
    if draw(st.booleans()):
        lines.append(f"x-notes: {draw(plain_or_quoted)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagrams())
@example("variables: {a: A, b: B}\nlinks:\n  - from: a\n    to: b\n    polarity: Negative\n"
         "    evidence: one source\n  - b -> a (+, DELAY)\n")
def test_every_diagram_check_accepts_validates_against_the_schema(text: str) -> None:
    try:
        parse_diagram(text, "g.yaml")
    except DiagramError:
        return  # loopkit refuses it; the schema may accept shapes only check can refuse
    errors = [error.message for error in VALIDATOR.iter_errors(read_as_editors_do(text))]
    assert errors == [], text


EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_validates_as_editors_read_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parse_diagram(text, path.name)
    VALIDATOR.validate(read_as_editors_do(text))


def test_the_schema_names_itself_and_its_dialect() -> None:
    assert SCHEMA["$id"] == "urn:loopkit:schema:diagram:1"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_any_case_table_is_complete() -> None:
    """Every non-ASCII character that str.lower() turns into an ASCII letter is listed."""
    found = {chr(c).lower(): chr(c) for c in range(0x80, 0x110000)
             if len(chr(c).lower()) == 1 and chr(c).lower().isascii()
             and chr(c).lower().isalpha()}
    assert found == _OTHER_CASES


def test_schema_patterns_compile_as_editors_compile_them() -> None:
    """Editors' validators (ajv in yaml-language-server) use ECMA-262 regexes in 'u' mode."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    patterns = sorted(set(re.findall(r'"pattern":\s*("(?:[^"\\]|\\.)*")', json.dumps(SCHEMA))))
    assert len(patterns) >= 2
    script = ("const ps = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "for (const p of ps) new RegExp(p, 'u'); console.log(ps.length);")
    done = subprocess.run([node, "-e", script], input="[" + ",".join(patterns) + "]",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(patterns))


def test_check_jsonschema_accepts_the_shipped_examples(tmp_path: Path) -> None:
    """The tool the docs recommend, as a user runs it, on every shipped example."""
    schema = tmp_path / "loopkit.schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                           str(schema), *map(str, EXAMPLE_FILES)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
