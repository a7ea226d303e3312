"""Diagrams in docs sites: a real MkDocs build and a real Sphinx build of a tiny site.

Each site has a diagram by path, one with a highlighted loop, and one written
inline; a broken diagram must fail the build with its ``file:line:col``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loopkit.integrate.embed import EmbedError, block_svg
from tests.helpers import EXAMPLES

INLINE = """\
title: Tiny loop
variables:
  a: Alpha
  b: Beta
links:
  - a -> b (+)
  - b -> a (-)
"""
BROKEN = INLINE.replace("b -> a (-)", "b -> c (-)")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1"}


def _mkdocs_site(root: Path, page: str) -> Path:
    (root / "docs" / "diagrams").mkdir(parents=True)
    shutil.copy(EXAMPLES / "school-fines.yaml", root / "docs" / "diagrams")
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: Tiny\nplugins:\n  - loopkit\n", "utf-8")
    return root


def _mkdocs(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=root, capture_output=True, text=True, timeout=300, env=_env())


def test_mkdocs_build_inlines_each_diagram(tmp_path: Path) -> None:
    page = ("# Maps\n\n```loopkit\ndiagrams/school-fines.yaml\n```\n\nText between.\n\n"
            "```loopkit\ndiagrams/school-fines.yaml\nloop: R1\n```\n\n"
            f"```loopkit\n{INLINE}```\n\n````markdown\n```loopkit\nnot/drawn.yaml\n```\n````\n")
    root = _mkdocs_site(tmp_path, page)
    done = _mkdocs(root)
    assert done.returncode == 0, done.stderr
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert html.count('<div class="loopkit-diagram">') == 3
    assert html.count("<svg") == 3
    assert "with loop R1 (Fines spiral), a reinforcing loop, highlighted" in html
    assert "Tiny loop" in html and "Text between." in html
    assert "not/drawn.yaml" in html  # the nested example stays a code block
    ids = [m for m in __import__("re").findall(r' id="([^"]+)"', html) if m.startswith("lk")]
    assert len(ids) == len(set(ids))  # three SVGs on one page, no id shared


@pytest.mark.parametrize(("block", "where", "message"), [
    (f"```loopkit\n{BROKEN}```\n", "index.md:10:5:", "'c' is not a declared variable"),
    ("```loopkit\ndiagrams/missing.yaml\n```\n", "index.md:4:1:", "no such file"),
    ("```loopkit\ndiagrams/school-fines.yaml\nloop: R9\n```\n", "index.md:4:1:",
     "the diagram has no loop 'R9'"),
    ("```loopkit\ndiagrams/school-fines.yaml\nlop: R1\n```\n", "index.md:5:1:",
     "unknown loopkit option 'lop' (did you mean 'loop'?)"),
])
def test_mkdocs_build_fails_on_a_diagram_error(tmp_path: Path, block: str, where: str,
                                                message: str) -> None:
    root = _mkdocs_site(tmp_path, f"# Maps\n\n{block}")
    done = _mkdocs(root)
    assert done.returncode != 0
    assert where in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_diagram_file_is_reported_at_its_own_line(tmp_path: Path) -> None:
    root = _mkdocs_site(tmp_path, "```loopkit\ndiagrams/broken.yaml\n```\n")
    (root / "docs" / "diagrams" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    done = _mkdocs(root)
    assert done.returncode != 0
    assert "diagrams/broken.yaml:7:" in done.stderr and "'c' is not a declared" in done.stderr


def _sphinx_site(root: Path, page: str) -> Path:
    (root / "diagrams").mkdir(parents=True)
    shutil.copy(EXAMPLES / "school-fines.yaml", root / "diagrams")
    (root / "conf.py").write_text("extensions = ['loopkit.integrate.sphinx']\n", encoding="utf-8")
    (root / "index.rst").write_text(page, encoding="utf-8")
    return root


def _sphinx(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", ".",
                           "_build"], cwd=root, capture_output=True, text=True, timeout=300,
                          env=_env())


def test_sphinx_build_inlines_each_diagram(tmp_path: Path) -> None:
    inline = "\n".join(f"   {row}" for row in INLINE.splitlines())
    page = ("Maps\n====\n\n.. loopkit:: diagrams/school-fines.yaml\n\n"
            ".. loopkit:: diagrams/school-fines.yaml\n   :loop: R2\n\n"
            f".. loopkit::\n\n{inline}\n")
    root = _sphinx_site(tmp_path, page)
    done = _sphinx(root)
    assert done.returncode == 0, done.stderr
    html = (root / "_build" / "index.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "with loop R2" in html and "Tiny loop" in html


def test_sphinx_build_fails_on_a_diagram_error(tmp_path: Path) -> None:
    broken = "\n".join(f"   {row}" for row in BROKEN.splitlines())
    root = _sphinx_site(tmp_path, f"Maps\n====\n\n.. loopkit::\n\n{broken}\n")
    done = _sphinx(root)
    assert done.returncode != 0
    assert "index.rst:12:" in done.stderr and "'c' is not a declared variable" in done.stderr


def test_block_reading_is_one_located_line(tmp_path: Path) -> None:
    with pytest.raises(EmbedError, match=r"^page\.md:3:1: the loopkit block is empty"):
        block_svg("   \n", "page.md", 3, id_prefix="x", base=tmp_path)
    with pytest.raises(EmbedError, match=r"^page\.md:3:1: the first line of a loopkit block"):
        block_svg("loop: R1\n", "page.md", 3, id_prefix="x", base=tmp_path)
