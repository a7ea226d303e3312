"""Importers and exporters on small hand-written files, one feature at a time."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.interop import (
    FORMATS,
    detect_format,
    export_text,
    get_format,
    import_text,
    losses,
    read_source,
)
from loopkit.interop._common import IdMaker, json_position, slugify
from loopkit.interop.yaml_writer import write_yaml
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.problems import DiagramError, UsageError
from loopkit.read.load import parse_diagram

DATA = Path(__file__).parent / "data" / "interop"


def load(name: str, **options: object):
    path = DATA / name
    return import_text(path.read_text(encoding="utf-8"), str(path), **options)


def signs(diagram: Diagram) -> dict[tuple[str, str], str]:
    return {lk.key: lk.polarity.value for lk in diagram.links}


def only_problem(error: pytest.ExceptionInfo[DiagramError]) -> str:
    assert len(error.value.problems) == 1
    return str(error.value.problems[0])


# --- ids --------------------------------------------------------------------


@pytest.mark.parametrize(("label", "slug"), [
    ("Expert-Hours on Task per Week", "expert_hours_on_task_per_week"),
    ("Café crème", "cafe_creme"),
    ("2013 legal aid withdrawal", "v_2013_legal_aid_withdrawal"),
    ("   ", "v"),
    ("肥胖", "肥胖"),
    ("a" * 60, "a" * 40),
])
def test_slugify_makes_readable_ids(label: str, slug: str) -> None:
    assert slugify(label) == slug


def test_ids_are_deduplicated_in_order() -> None:
    ids = IdMaker()
    assert [ids.make(x) for x in ("Fines", "fines", "FINES!", "Fines 2")] == [
        "fines", "fines_2", "fines_3", "fines_2_2"]


# --- detection ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [
    ("ads.loopy", "loopy"), ("cld.mdl", "vensim"), ("backlog.mdl", "vensim"),
    ("stock-flow.xmile", "xmile"),
    ("kumu-blueprint.json", "kumu"), ("kumu-export.json", "kumu"),
    ("drafted.sd.json", "sdjson"), ("yed.graphml", "graphml"),
])
def test_format_is_detected_from_content(name: str, fmt: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert detect_format(text, "no-extension").name == fmt


def test_undetectable_input_is_one_located_problem() -> None:
    with pytest.raises(DiagramError) as error:
        import_text("just some words\n", "notes.txt")
    assert only_problem(error).startswith("notes.txt:1:1: cannot tell which format")


def test_unknown_format_name_is_a_usage_error_with_suggestion() -> None:
    with pytest.raises(UsageError, match="did you mean 'mermaid'"):
        get_format("mermiad", reading=False)
    with pytest.raises(UsageError, match="cannot read format 'mermaid'"):
        get_format("mermaid", reading=True)


# --- Kumu -------------------------------------------------------------------


def test_kumu_blueprint_types_directions_and_loops() -> None:
    result = load("kumu-blueprint.json")
    d = result.diagram
    assert [v.id for v in d.variables] == [
        "workload", "overtime", "burnout", "productivity", "hiring", "morale"]
    assert d.by_id["workload"].group == "Pressure"
    assert d.by_id["workload"].description == "Hours of open work"
    assert signs(d) == {
        ("workload", "overtime"): "+", ("overtime", "burnout"): "+",
        ("burnout", "productivity"): "-", ("productivity", "workload"): "-",
        ("hiring", "workload"): "?",  # 'boosts' is not a known type name
        ("burnout", "morale"): "-", ("morale", "burnout"): "-",  # mutual
    }
    assert d.link_map[("overtime", "burnout")].delay
    assert [(lp.id, lp.variables) for lp in d.loops] == [
        ("R1", ("workload", "overtime", "burnout", "productivity"))]
    assert d.loops[0].description == "Overwork spiral"
    text = "\n".join(result.notes)
    for phrase in ("1 connection had no polarity: marked ?", "1 undirected connection dropped",
                   "1 mutual connection", "1 element had tags", "1 loop not closing"):
        assert phrase in text


def test_kumu_type_map_names_your_own_connection_types() -> None:
    d = load("kumu-blueprint.json", type_map={"boosts": "+", "Adds to": "-"}).diagram
    assert signs(d)[("hiring", "workload")] == "+"
    assert signs(d)[("workload", "overtime")] == "-"


def test_kumu_project_export_shape() -> None:
    d = load("kumu-export.json").diagram
    assert [(v.id, v.group) for v in d.variables] == [
        ("price", "Market"), ("demand", "Market"), ("supply", None)]
    assert signs(d) == {("price", "demand"): "-", ("demand", "price"): "+",
                        ("price", "supply"): "+", ("supply", "price"): "-"}
    assert [(lp.id, lp.name, lp.type.value) for lp in d.loops] == [
        ("B1", "Price and demand", "balancing")]


def test_kumu_unknown_element_names_the_connection_line() -> None:
    with pytest.raises(DiagramError) as error:
        load("bad-connection.json")
    assert only_problem(error).endswith(
        "bad-connection.json:5:25: connections[1]: 'to' names no element ('nowhere')")


def test_broken_json_is_located() -> None:
    with pytest.raises(DiagramError) as error:
        load("broken.json")
    assert "broken.json:6:1: not valid Kumu JSON" in only_problem(error)


def test_json_position_walks_objects_and_arrays() -> None:
    text = '{"a": 1,\n "b": [10,\n  {"c": "x"}]}'
    assert json_position(text, ("b", 1, "c")) == (3, 9)
    assert json_position(text, ("missing",)) == (3, 14)


# --- LOOPY ------------------------------------------------------------------


def test_loopy_file_labels_signs_colours_and_texts() -> None:
    result = load("ads.loopy")
    d = result.diagram
    assert [(v.id, v.label, v.group) for v in d.variables] == [
        ("trust_in_news", "Trust in news", "blue"), ("ad_clicks", 'Ad "clicks"', "red"),
        ("outrage", "Outrage", "orange")]
    assert signs(d) == {("trust_in_news", "ad_clicks"): "-", ("ad_clicks", "outrage"): "+",
                        ("outrage", "trust_in_news"): "-", ("outrage", "ad_clicks"): "+"}
    assert d.description == "Why ads erode trust"


def test_loopy_link_round_trips_through_its_own_encoding() -> None:
    d = Diagram.build([Variable("a", "Café & 100% \"sure\" + more"), Variable("b", "b/c?#")],
                      [("a", "b", "+"), ("b", "a", "-")])
    link = export_text(d, "loopy").strip()
    assert link.startswith("https://ncase.me/loopy/v1.1/?data=[[[")
    assert link.endswith("%5D") and '"' not in link and " " not in link
    back = import_text(link, "<link>").diagram
    assert [v.label for v in back.variables] == [v.label for v in d.variables]
    assert sorted(signs(back).values()) == ["+", "-"]


@pytest.mark.parametrize("data", ["[[[1,2]],[]]", "[[[1,0,0,0,\"a\",0]],[[1,9,0,1]]]",
                                  "NoSuchThing", "[[[1,0,0,0,\"a\",0]],[[1,1,0,\"x\"]]]"])
def test_bad_loopy_data_is_one_located_problem(data: str) -> None:
    with pytest.raises(DiagramError) as error:
        import_text(f"https://ncase.me/loopy/v1.1/?data={data}", "<link>", "loopy")
    assert only_problem(error).startswith("<link>:1:35: ")


# --- Vensim -----------------------------------------------------------------


def test_vensim_cld_arrows_letters_delays_and_equations() -> None:
    result = load("cld.mdl")
    d = result.diagram
    assert [v.id for v in d.variables] == [
        "births", "population", "deaths", "food_per_person", "fertility", "food_supply"]
    assert d.by_id["food_per_person"].label == "Food per person"
    assert signs(d) == {
        ("births", "population"): "+", ("population", "births"): "+",  # S
        ("population", "deaths"): "+", ("deaths", "population"): "-",  # O
        ("population", "food_per_person"): "-", ("food_per_person", "fertility"): "+",
        ("fertility", "births"): "?", ("food_supply", "food_per_person"): "?",
    }
    delayed = {lk.key for lk in d.links if lk.delay}
    assert delayed == {("population", "births"), ("food_per_person", "fertility")}
    text = "\n".join(result.notes)
    assert "1 arrow had no polarity drawn" in text
    assert "1 dependency found only in equations" in text
    assert "1 arrow to or from a cloud, comment or picture dropped" in text


def test_vensim_stock_flow_signs_come_from_integ() -> None:
    text = """{UTF-8}
Stock= INTEG (In - Out, 10)
\t~\t\t|
In= Stock * rate
\t~\t\t|
Out= Stock / 5
\t~\t\t|
rate= 0.1
\t~\t\t|
"""
    d = import_text(text, "m.mdl").diagram
    # Products and quotients of non-negative stocks and constants are signed too.
    assert signs(d) == {("in", "stock"): "+", ("out", "stock"): "-", ("stock", "in"): "+",
                        ("rate", "in"): "+", ("stock", "out"): "+"}


def test_vensim_bad_sketch_line_names_line_and_column() -> None:
    with pytest.raises(DiagramError) as error:
        load("bad-arrow.mdl")
    assert only_problem(error).endswith(
        "bad-arrow.mdl:16:7: sketch arrow end must be a whole number, got 'two'")


# --- XMILE ------------------------------------------------------------------


def test_xmile_connectors_aliases_flows_and_delay_marks() -> None:
    result = load("stock-flow.xmile")
    d = result.diagram
    assert d.title == "Tiny epidemic"
    assert [(v.id, v.label) for v in d.variables] == [
        ("infected", "Infected"), ("infection", "infection"), ("recovery", "recovery"),
        ("contact_rate", "contact rate"), ("duration", "duration")]
    assert d.by_id["contact_rate"].description == "Contacts per day"
    assert signs(d) == {
        ("infected", "infection"): "+", ("contact_rate", "infection"): "+",
        ("infected", "recovery"): "+", ("duration", "recovery"): "-",  # a divisor
        ("infection", "infected"): "+", ("recovery", "infected"): "-"}
    assert [lk.key for lk in d.links if lk.delay] == [("contact_rate", "infection")]


def test_xmile_without_connectors_uses_equations() -> None:
    text = ('<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><model><variables>'
            '<aux name="a b"><eqn>c * 2</eqn></aux><aux name="c"><eqn>a_b + 1</eqn></aux>'
            "</variables></model></xmile>")
    d = import_text(text, "m.xmile").diagram
    assert signs(d) == {("c", "a_b"): "+", ("a_b", "c"): "+"}


def test_xmile_bad_xml_and_entities_are_located() -> None:
    with pytest.raises(DiagramError) as error:
        load("bad.xmile")
    assert "bad.xmile:6:7: not valid XMILE XML: mismatched tag" in only_problem(error)
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            "<xmile><model/></xmile>")
    with pytest.raises(DiagramError, match="refusing to expand"):
        import_text(bomb, "bomb.xmile", "xmile")


# --- SD-JSON ----------------------------------------------------------------


def test_sdjson_response_names_case_and_missing_variables() -> None:
    result = load("drafted.sd.json")
    d = result.diagram
    assert [v.id for v in d.variables] == ["screen_time", "sleep_quality", "fatigue", "caffeine"]
    assert signs(d) == {("screen_time", "sleep_quality"): "-",
                        ("sleep_quality", "fatigue"): "-", ("fatigue", "screen_time"): "+",
                        ("fatigue", "caffeine"): "?"}
    assert d.links[0].description == "Blue light\n\nPolarity: More screens, worse sleep"
    assert "named only in relationships: added (e.g. 'Caffeine')" in "\n".join(result.notes)


def test_sdjson_bad_polarity_is_located() -> None:
    with pytest.raises(DiagramError) as error:
        load("bad-polarity.sd.json")
    assert only_problem(error).endswith(
        "bad-polarity.sd.json:5:42: relationships[1]: unknown polarity 'maybe'; "
        "SD-JSON uses '+', '-' or ''")


# --- GraphML ----------------------------------------------------------------


def test_graphml_from_yed_uses_labels_for_ids_and_sign_keys() -> None:
    d = load("yed.graphml").diagram
    assert [(v.id, v.label) for v in d.variables] == [
        ("rain", "Rain"), ("soil_moisture", "Soil moisture"), ("evaporation", "Evaporation")]
    assert signs(d) == {("rain", "soil_moisture"): "+", ("soil_moisture", "evaporation"): "+",
                        ("evaporation", "soil_moisture"): "-", ("evaporation", "rain"): "?"}


# --- exports ----------------------------------------------------------------

HOSTILE = Diagram.build(
    [Variable("a", 'Say "hi" <b>&amp; #1 |x| `y`', "g [1]"), Variable("end", "=SUM(A1)"),
     Variable("c", "-2 + @cmd")],
    [Link("a", "end", Polarity.POSITIVE, True), Link("end", "c", Polarity.NEGATIVE),
     Link("c", "a", Polarity.UNKNOWN)], title="T <script>")


def test_mermaid_escapes_labels_and_signs_links() -> None:
    text = export_text(HOSTILE, "mermaid")
    assert text.splitlines()[3] == "flowchart LR"
    assert 'a["Say #34;hi#34; #60;b#62;#38;amp#59; #35;1 #124;x#124; #96;y#96;"]' in text
    assert 'subgraph group1["g #91;1#93;"]' in text
    assert "  v2[\"=SUM#40;A1#41;\"]" in text  # 'end' is a Mermaid keyword
    edges = [line.strip() for line in text.splitlines() if "-->" in line]
    assert edges == ['a -->|"+ #124;#124;"| v2', 'v2 -->|"\u2212"| c', 'c -->|"?"| a']


def test_csv_tables_neutralise_formulas() -> None:
    parts = dict(get_format("csv").write_parts(HOSTILE))
    elements = list(csv.reader(io.StringIO(parts["-elements"])))
    connections = list(csv.reader(io.StringIO(parts["-connections"])))
    assert elements[0] == ["ID", "Label", "Type", "Description", "Kind"]
    assert elements[2][1] == "'=SUM(A1)" and elements[3][1] == "'-2 + @cmd"
    assert [row[2] for row in connections[1:]] == ["+", "-", "?"]
    assert connections[1][3] == "yes"


def test_graphml_export_is_valid_xml_with_typed_keys() -> None:
    root = ET.fromstring(export_text(HOSTILE, "graphml"))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    labels = [d.text for d in root.iterfind(".//g:node/g:data[@key='n_label']", ns)]
    assert labels == [v.label for v in HOSTILE.variables]
    assert [e.get("source") for e in root.iterfind(".//g:edge", ns)] == ["a", "end", "c"]


def test_dot_export_has_every_link() -> None:
    text = export_text(HOSTILE, "dot")
    assert text.startswith("digraph")
    edges = set(re.findall(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"', text, re.M))
    assert edges == {lk.key for lk in HOSTILE.links}


def test_exports_are_deterministic_and_losses_reported() -> None:
    for name, fmt in FORMATS.items():
        if fmt.writes and name != "dot":
            assert export_text(HOSTILE, name) == export_text(HOSTILE, name)
    assert losses(HOSTILE, "loopy") == ["variable ids (3)", "delay marks (1)",
                                        "title and description (1)"]
    assert losses(HOSTILE, "kumu") == []


def test_kumu_and_sdjson_exports_are_plain_json() -> None:
    kumu = json.loads(export_text(HOSTILE, "kumu"))
    assert [c["type"] for c in kumu["connections"]] == ["+", "-", "?"]
    assert json.loads(kumu["elements"][0]["loopkit"]) == {"group": "g [1]", "id": "a"}
    sd = json.loads(export_text(HOSTILE, "sdjson"))
    assert [r["polarity"] for r in sd["relationships"]] == ["+", "-", ""]


def test_duplicate_labels_get_unique_sdjson_names_and_round_trip() -> None:
    d = Diagram.build([Variable("a", "Same"), Variable("b", "Same")], [("a", "b", "+")])
    text = export_text(d, "sdjson")
    assert [v["name"] for v in json.loads(text)["variables"]] == ["Same (a)", "Same (b)"]
    back = import_text(text, "x.json").diagram
    assert [(v.id, v.label) for v in back.variables] == [("a", "Same"), ("b", "Same")]


# --- reading files ----------------------------------------------------------


def test_read_source_handles_links_binary_and_windows_text(tmp_path: Path) -> None:
    assert read_source("https://ncase.me/loopy/?data=[]")[1] == "<link>"
    binary = tmp_path / "model.vmf"
    binary.write_bytes(b"abc\n\x00\x01")
    with pytest.raises(DiagramError, match=r"model.vmf:2:1: file contains NUL bytes"):
        read_source(str(binary))
    legacy = tmp_path / "old.mdl"
    legacy.write_bytes("Caf\xe9= 1\n\t~\t\t|\n".encode("cp1252"))
    text, _, notes = read_source(str(legacy))
    assert "Café" in text and "Windows-1252" in notes[0]
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a":\n "\xff"}')
    with pytest.raises(DiagramError, match=r"bad.json:2:3: file is not valid UTF-8"):
        read_source(str(bad))
    with pytest.raises(UsageError, match="no such file"):
        read_source(str(tmp_path / "missing.mdl"))


def test_every_import_writes_yaml_that_loads() -> None:
    for path in sorted(DATA.iterdir()):
        if path.name.startswith(("bad", "broken")):
            continue
        result = import_text(path.read_text(encoding="utf-8"), str(path))
        back = parse_diagram(write_yaml(result.diagram), "x.yaml")
        assert back.variables == result.diagram.variables, path.name
        assert Counter(lk.polarity for lk in back.links) == Counter(
            lk.polarity for lk in result.diagram.links)


def test_delay_functions_mark_links_delayed() -> None:
    mdl = """{UTF-8}
Perceived quality= SMOOTH( Quality, Perception time) * 1
\t~\t\t|
Quality= DELAY FIXED( Effort * 2, 3, 0) + Perceived quality
\t~\t\t|
Effort= 1
\t~\t\t|
Perception time= 5
\t~\t\t|
"""
    result = import_text(mdl, "m.mdl")
    delayed = {lk.key for lk in result.diagram.links if lk.delay}
    assert delayed == {("quality", "perceived_quality"), ("effort", "quality")}
    assert "2 links marked delayed" in "\n".join(result.notes)
    xmile = ('<xmile><model><variables><aux name="a"><eqn>SMTH1(b, 2)</eqn></aux>'
             '<aux name="b"><eqn>a</eqn></aux></variables></model></xmile>')
    d = import_text(xmile, "m.xmile").diagram
    assert {lk.key: lk.delay for lk in d.links} == {("b", "a"): True, ("a", "b"): False}


FIXTURES = sorted(p for p in DATA.iterdir() if not p.name.startswith(("bad", "broken")))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIXTURES), st.integers(0, 10_000), st.integers(0, 60),
       st.text(max_size=8))
def test_damaged_files_give_a_diagram_or_one_problem_never_a_crash(
        path: Path, at: int, cut: int, junk: str) -> None:
    text = path.read_text(encoding="utf-8")
    at %= len(text) + 1
    damaged = text[:at] + junk + text[at + cut:]
    fmt = detect_format(text, path.name).name
    try:
        result = import_text(damaged, path.name, fmt, link=1)
    except DiagramError as error:
        assert error.problems and all(p.line >= 1 and p.column >= 1 for p in error.problems)
        return
    parse_diagram(write_yaml(result.diagram), "x.yaml")


def test_vensim_valves_stand_for_their_flow_and_control_is_left_out() -> None:
    result = load("backlog.mdl")
    d = result.diagram
    assert [v.id for v in d.variables] == ["backlog", "arrivals", "completion",
                                           "time_to_complete"]
    assert signs(d) == {("backlog", "completion"): "+", ("time_to_complete", "completion"): "-",
                        ("arrivals", "backlog"): "+", ("completion", "backlog"): "-"}
    assert [lk.key for lk in d.links if lk.delay] == [("backlog", "completion")]
