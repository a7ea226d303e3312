"""Node-link JSON import (``loopkit.interop.nodelink``): the Foresight map's own data
file, networkx's ``node_link_data`` and D3's shapes, and errors at file:line:col."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import networkx as nx
import pytest

from loopkit.interop import detect_format, import_text
from loopkit.model import Polarity
from loopkit.problems import DiagramError
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, ROOT, foresight_diagram, shared_file


def test_the_foresight_data_file_imports_with_every_label_group_and_sign() -> None:
    path = shared_file("foresight-obesity-map.json")
    text = path.read_text(encoding="utf-8")
    assert detect_format(text, path.name).name == "nodelink"
    result = import_text(text, path.name)
    expected = foresight_diagram()  # read field by field from the same JSON
    got = result.diagram
    assert [(v.id, v.label, v.group) for v in got.variables] == [
        (v.id.removeprefix("v"), v.label, v.group) for v in expected.variables]
    assert [(lk.source, lk.target, lk.polarity) for lk in got.links] == [
        (lk.source.removeprefix("v"), lk.target.removeprefix("v"), lk.polarity)
        for lk in expected.links]
    assert got.description == "Obesity System Explorer \u2014 full Foresight map data"
    assert result.notes == ()


def test_networkx_node_link_data_round_trips_labels_groups_signs_and_delays() -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    graph = diagram.to_networkx()
    with warnings.catch_warnings():  # networkx 3.4-3.5 warn that the key changes to "edges"
        warnings.simplefilter("ignore", FutureWarning)
        data = nx.node_link_data(graph)
    back = import_text(json.dumps(data), "fines.json").diagram
    assert [(v.id, v.label, v.group) for v in back.variables] == [
        (v.id, v.label, v.group) for v in diagram.variables]
    # networkx lists edges by source node, not in the file's order
    assert sorted((lk.source, lk.target, lk.polarity.value, lk.delay) for lk in back.links) \
        == sorted((lk.source, lk.target, lk.polarity.value, lk.delay) for lk in diagram.links)


def test_d3_shapes_ends_as_objects_edges_key_and_unknown_signs() -> None:
    text = json.dumps({"nodes": [{"id": 1, "name": "Stress"}, {"id": 2}],
                       "edges": [{"source": {"id": 1}, "target": {"id": 2}, "sign": -1},
                                 {"from": 2, "to": 1}]})
    result = import_text(text, "d3.json")
    assert [(v.id, v.label) for v in result.diagram.variables] == [("1", "Stress"), ("2", "2")]
    assert [(lk.source, lk.target, lk.polarity) for lk in result.diagram.links] == [
        ("1", "2", Polarity.NEGATIVE), ("2", "1", Polarity.UNKNOWN)]
    assert any("without a label" in note for note in result.notes)
    assert any("no polarity" in note for note in result.notes)


@pytest.mark.parametrize(("data", "token", "message"), [
    ({"nodes": [{"id": "a"}], "links": [{"source": "a", "target": "b"}]}, '"b"',
     "links[0]: target 'b' is not the id of any node"),
    ({"nodes": [{"id": "a"}, {"id": "a"}], "links": []}, '"a"}],',
     "nodes[1]: id 'a' is given to two nodes"),
    ({"nodes": [{"label": "x"}], "links": []}, '{"label"', "nodes[0]: a node needs an 'id'"),
    ({"nodes": [{"id": "a"}], "links": [{"source": "a", "target": "a", "sign": "big"}]},
     '"big"', "links[0].sign: unknown sign 'big'"),
])
def test_bad_files_give_one_line_pointing_at_the_culprit(data: dict[str, object], token: str,
                                                        message: str) -> None:
    text = json.dumps(data).replace('"nodes"', '\n"nodes"', 1).replace('"links"',
                                                                       '\n"links"', 1)
    with pytest.raises(DiagramError) as caught:
        import_text(text, "map.json")
    line = str(caught.value)
    assert line.startswith("map.json:") and message in line and "\n" not in line, line
    row, column = (int(n) for n in line.split(":")[1:3])
    assert text.splitlines()[row - 1][column - 1:].startswith(token), line


def test_cli_imports_the_foresight_file_and_renders_it(tmp_path: Path) -> None:
    source = shared_file("foresight-obesity-map.json")
    out = tmp_path / "foresight.yaml"
    done = subprocess.run([sys.executable, "-m", "loopkit", "import", str(source), "-o",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "imported 108 variables and 296 links" in done.stderr and "(nodelink)" in done.stderr
    diagram = load_diagram(out)
    assert len(diagram.variables) == 108 and len(diagram.links) == 296


def test_hostile_ids_and_labels_import_to_a_diagram_that_reads_back(tmp_path: Path) -> None:
    """Ids with line breaks or controls fall back to ids made from labels; markup and
    bidi controls in labels stay text through the YAML written and read back."""
    from loopkit.interop.yaml_writer import write_yaml

    evil = "</script><img src=x onerror=alert(1)>"
    text = json.dumps({"nodes": [{"id": "a\nb", "label": evil},
                                 {"id": "\u0000", "label": "C \u202eevil\u202c"},
                                 {"id": "<<", "name": "merge"}],
                       "links": [{"source": "a\nb", "target": "\u0000", "sign": 1},
                                 {"source": "<<", "target": "a\nb", "polarity": "-"}]})
    diagram = import_text(text, "evil.json").diagram
    assert all("\n" not in v.id and "\x00" not in v.id and v.id != "<<"
               for v in diagram.variables)
    path = tmp_path / "evil.yaml"
    path.write_text(write_yaml(diagram), encoding="utf-8")
    back = load_diagram(path)
    assert [v.label for v in back.variables] == [evil, "C \u202eevil\u202c", "merge"]
    assert [(lk.source, lk.target, lk.polarity.value) for lk in back.links] == [
        (lk.source, lk.target, lk.polarity.value) for lk in diagram.links]
