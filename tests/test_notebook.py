"""A Diagram displays itself in Jupyter: a real notebook executed by nbclient on a kernel."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, ROOT


def test_a_notebook_shows_a_diagram_and_a_loop_view(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import sys\n"
            f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
            "import loopkit\n"
            f"diagram = loopkit.load({str(EXAMPLES / 'school-fines.yaml')!r})\n"
            "diagram"),
        nbformat.v4.new_code_cell('diagram.highlight("R1")'),
    ]
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.outputs[0] for cell in notebook.cells]
    svgs = [out["data"]["image/svg+xml"] for out in outputs]
    assert all(svg.lstrip().startswith("<svg") for svg in svgs)
    assert "School fines cycle" in svgs[0]
    assert "with loop R1 (Fines spiral), a reinforcing loop, highlighted" in svgs[1]
    ids = [set(re.findall(r' id="([^"]+)"', svg)) for svg in svgs]
    assert not ids[0] & ids[1]  # both on one page: no id shared


def test_an_unknown_loop_is_a_clear_error() -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    with pytest.raises(ValueError, match=r"no loop 'R9'"):
        diagram.highlight("R9")._repr_svg_()
