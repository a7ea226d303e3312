"""Importers on the real maps in ../shared/data, checked against counts this test derives.

Each expected value is computed here from the raw file with a few lines of
regex or ElementTree and ``networkx.simple_cycles``, independently of the
importer's own parsing, so a mistake in either shows up as a mismatch.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import unquote

import networkx as nx

from loopkit.analysis.loops import analyse_loops
from loopkit.interop import import_text
from loopkit.interop.yaml_writer import write_yaml
from loopkit.read.load import parse_diagram
from tests.helpers import shared_file


def polarity_counts(diagram) -> Counter[str]:
    return Counter(lk.polarity.value for lk in diagram.links)


def loop_count(diagram) -> int:
    analysis = analyse_loops(diagram, max_length=None, limit=100_000, time_budget=30)
    assert not analysis.summary["truncated"]
    return int(analysis.summary["total"])


def cycles(edges: set[tuple[str, str]]) -> int:
    return sum(1 for _ in nx.simple_cycles(nx.DiGraph(edges)))


def test_vensim_workforce_model() -> None:
    text = shared_file("workforce.mdl").read_text(encoding="utf-8")
    result = import_text(text, "workforce.mdl")
    assert result.format == "vensim"

    # Independent reading of the sketch: objects by id, valves stand for the flow after them.
    rows = [line.split(",") for line in text.split("\\\\\\---///", 1)[1].splitlines()
            if re.match(r"^(1|10|11|12),", line)]
    kinds = {int(r[1]): (r[0], r[2]) for r in rows if r[0] != "1"}

    def name(uid: int) -> str | None:
        kind, label = kinds[uid]
        if kind == "11":
            kind, label = kinds[uid + 1]
        return label.strip('"').lower() if kind == "10" else None

    expected: Counter[str] = Counter()
    edges = set()
    for r in (r for r in rows if r[0] == "1"):
        source, target = name(int(r[2])), name(int(r[3]))
        if source is None or target is None:
            continue  # a pipe to a cloud
        if int(r[7]) > 20:  # a flow pipe from the valve: shape 4 fills the stock, 100 drains it
            expected["+" if r[4] == "4" else "-"] += 1
        else:
            expected[{"43": "+", "45": "-"}.get(r[6], "?")] += 1
        edges.add((source, target))
    assert (expected["+"], expected["-"], expected["?"]) == (16, 8, 6)
    # The 6 arrows drawn without a sign get theirs from the equations (5 +, 1 -); every
    # drawn sign agrees with its equation, so nothing is overridden and nothing warned.
    assert polarity_counts(result.diagram) == Counter({"+": 21, "-": 9})
    assert result.warnings == ()
    drawn = import_text(text, "workforce.mdl", polarity="drawn")
    assert polarity_counts(drawn.diagram) == Counter({"+": 21, "-": 9})
    assert len(result.diagram.variables) == len({k for k in kinds.values() if k[0] == "10"})
    assert loop_count(result.diagram) == cycles(edges) > 0
    assert "6 arrows had no polarity drawn: signed from the equations" in result.notes[0]


def test_xmile_stella_model() -> None:
    text = shared_file("ai-information.stmx").read_text(encoding="utf-8")
    result = import_text(text, "ai-information.stmx")
    assert result.format == "xmile"

    ns = {"x": "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"}
    root = ET.fromstring(text)

    def key(name: str) -> str:
        return re.sub(r"[\s_]+", "_", name.replace("\\n", " ")).lower()

    names = [key(v.get("name", "")) for kind in ("stock", "flow", "aux")
             for v in root.iterfind(f".//x:variables/x:{kind}", ns)]
    edges, expected = set(), Counter()
    for connector in root.iterfind(".//x:view/x:connector", ns):
        source = key(connector.findtext("x:from", "", ns))
        target = key(connector.findtext("x:to", "", ns))
        edges.add((source, target))
        expected[connector.get("polarity", "?")] += 1
    for stock in root.iterfind(".//x:variables/x:stock", ns):
        for tag, sign in (("inflow", "+"), ("outflow", "-")):
            for flow in stock.iterfind(f"x:{tag}", ns):
                edges.add((key(flow.text or ""), key(stock.get("name", ""))))
                expected[sign] += 1
    assert len(result.diagram.variables) == len(set(names)) == 82
    assert sum(expected.values()) == len(edges) == 109
    assert expected == Counter({"+": 79, "-": 21, "?": 9})
    # Equations decide: the 9 unsigned connectors get signs, 2 drawn signs are overridden
    # (and warned about), and revenue -> expected_profit only sets SMTH1's initial value.
    signs = {lk.key: lk.polarity.value for lk in result.diagram.links}
    assert signs[("potential_customers", "market_saturation_effect")] == "+"  # drawn -
    assert signs[("total_market_size", "market_saturation_effect")] == "-"  # drawn +
    # Drawn - and right, but only because its graphical function falls (0.1, 0.01, 0).
    assert signs[("customer_satisfaction", "effect_of_satisfaction_on_churn")] == "-"
    assert ("revenue", "expected_profit") not in signs
    assert polarity_counts(result.diagram) == Counter({"+": 85, "-": 23})
    warned = [str(w) for w in result.warnings]
    assert len(warned) == 2 and all(":1686:5: " in w or ":1697:5: " in w for w in warned)
    assert "potential_customers -> market_saturation_effect is drawn - but the equation" \
        in warned[0] and "says +" in warned[0]
    drawn = import_text(text, "ai-information.stmx", polarity="drawn")
    kept = {lk.key: lk.polarity.value for lk in drawn.diagram.links}
    assert kept[("potential_customers", "market_saturation_effect")] == "-"
    assert kept[("total_market_size", "market_saturation_effect")] == "+"
    edges.discard(("revenue", "expected_profit"))
    assert loop_count(result.diagram) == cycles(edges) > 0


def test_loopy_examples_page() -> None:
    text = shared_file("loopy-examples.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(http://ncase\.me/loopy/v1\.1/\?data=[^"]+)"', text)
    assert len(links) == 3
    for n, url in enumerate(links, start=1):
        data = json.loads(unquote(url.split("data=", 1)[1]))
        labels = {node[0]: unquote(node[4]) for node in data[0]}
        expected = Counter("+" if e[3] > 0 else "-" for e in data[1])
        edges = {(labels[e[0]], labels[e[1]]) for e in data[1]}
        for source, pick in ((url, None), (text, n)):  # the link; the page with --link N
            result = import_text(source, "loopy-examples.html", link=pick)
            assert result.format == "loopy"
            assert sorted(v.label for v in result.diagram.variables) == sorted(labels.values())
            assert polarity_counts(result.diagram) == expected
            assert loop_count(result.diagram) == cycles(edges)


def test_foresight_map_round_trips_through_every_readable_format() -> None:
    from tests.helpers import foresight_diagram

    diagram = foresight_diagram()
    original = parse_diagram(write_yaml(diagram), "foresight.yaml")
    for fmt in ("kumu", "sdjson", "graphml"):
        from loopkit.interop import export_text

        back = import_text(export_text(original, fmt), f"foresight.{fmt}").diagram
        back = parse_diagram(write_yaml(back), "back.yaml")
        assert back.variables == original.variables, fmt
        assert back.links == original.links, fmt
    from loopkit.interop import export_text

    back = import_text(export_text(original, "loopy"), "<link>").diagram
    labels = {v.id: v.label for v in original.variables}
    new_labels = {v.id: v.label for v in back.variables}
    assert sorted(new_labels.values()) == sorted(labels.values())
    assert {(new_labels[lk.source], new_labels[lk.target], lk.polarity)
            for lk in back.links} == {(labels[lk.source], labels[lk.target], lk.polarity)
                                      for lk in original.links}


def test_foresight_json_is_read_as_node_link_json_not_mistaken_for_kumu() -> None:
    """It once fell through to Kumu by its extension and failed ('elements'); it is the
    node-link shape (tests/test_nodelink.py checks every field)."""
    from loopkit.interop import detect_format

    text = shared_file("foresight-obesity-map.json").read_text(encoding="utf-8")
    assert detect_format(text, "foresight-obesity-map.json").name == "nodelink"
