"""docs/output.md names every problem code loopkit can report, and the catalogue agrees.

Codes are found in the source the way a reviewer would: every string literal
passed as the ``code`` of a ``Problem`` or of a helper that takes a ``code``
parameter (found by signature, so a new helper is covered without editing
this test).
"""

from __future__ import annotations

import ast
import re

from loopkit.analysis.lint import RULES
from loopkit.output.words import CODES, code_help
from tests.helpers import ROOT

SRC = ROOT / "src" / "loopkit"
DOC = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


def _code_positions(trees: list[ast.Module]) -> dict[str, set[int]]:
    """Callable name -> positions of its ``code`` argument (methods: without ``self``)."""
    where: dict[str, set[int]] = {"Problem": {4}}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names = [a.arg for a in item.args.args]
                        if "code" in names:
                            where.setdefault(node.name, set()).add(names.index("code") - 1)
            elif isinstance(node, ast.FunctionDef) and node.name != "__init__":
                names = [a.arg for a in node.args.args]
                if "code" in names:
                    method = names[0] in ("self", "cls")
                    where.setdefault(node.name, set()).add(names.index("code") - method)
    return where


def codes_in_source() -> dict[str, str]:
    """Every literal problem code in src/, with where it was first seen."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in SRC.rglob("*.py")}
    where = _code_positions(list(trees.values()))
    found: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in where:
                continue
            args = [k.value for k in node.keywords if k.arg == "code"]
            args += [node.args[i] for i in where[name] if i < len(node.args)]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                        and _CODE.match(arg.value):
                    found.setdefault(arg.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_scan_finds_codes_from_every_kind_of_call() -> None:
    found = codes_in_source()
    # Problem(...), a nested helper, a method, an exception class, an interop helper
    for code in ("loop-type", "too-long", "duplicate-key", "yaml-multi-doc", "import-syntax"):
        assert code in found, code


def test_every_code_used_in_src_is_in_the_catalogue_and_the_doc() -> None:
    for code, where in codes_in_source().items():
        assert code in CODES, f"{code} ({where}) is missing from output/words.py CODES"
        assert f"`{code}`" in DOC, f"{code} ({where}) is not documented in docs/output.md"


def test_every_catalogued_code_and_lint_rule_is_documented() -> None:
    for code in [*CODES, "error"]:
        assert f"| `{code}` | {CODES[code]} |" in DOC, code
    for rule in RULES.values():
        assert f"`{rule.name}`" in DOC, rule.name
        assert rule.summary in code_help(rule.name)


def test_the_doc_names_every_format_and_the_json_version() -> None:
    from loopkit.output import FORMATS
    from loopkit.output.json import VERSION

    for name in FORMATS:
        assert f"`{name}`" in DOC
    assert f"now `{VERSION}`" in DOC
