"""Systo models (the web-based SD tool; PySD's test models hold one, SIR_Systo.json).

``{"meta": {"language": "system_dynamics", ...}, "nodes": {id: {"type":
"stock"|"valve"|"variable"|"cloud", "label", "extras": {"equation": {"value"}}}},
"arcs": {id: {"type": "flow"|"influence", "start_node_id", "end_node_id",
"node_id"}}}``. A flow arc carries its valve (``node_id``) from the stock it
drains to the stock it fills (either end may be a cloud); a stock's equation is
its initial value. Influence arcs are the drawn arrows (unsigned); signs come
from the equations (``_sdsigns``), read in the XMILE dialect (Systo writes
JavaScript-like arithmetic on names with underscores).
"""

from __future__ import annotations

import re
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    IdMaker,
    Notes,
    json_fail,
    link_notes,
    load_json,
    too_many,
)
from loopkit.interop._sdsigns import NOTES as SIGN_NOTES
from loopkit.interop._sdsigns import (
    Drawn,
    SdVariable,
    finish_model,
    signed_links,
)
from loopkit.interop.sdexpr import ExpressionError, parse
from loopkit.model import Polarity, Variable

_KINDS = {"stock": "stock", "valve": "flow", "variable": "aux"}
_NOTES = {
    **link_notes("influence"),
    **SIGN_NOTES,
    "unsigned": "{n} influence{s} drawn without a sign (Systo has none): signed from the "
                "equations where they settle it, else ?{e}",
    "flows": "{n} stock-flow link{s} taken from flow arcs (+ into a stock, - out of it)",
    "skipped": "{n} node{s} of a kind loopkit does not read (not a stock, valve, variable "
               "or cloud) skipped{e}",
    "unknown-end": "{n} arc{s} to a node that is not a stock, valve or variable dropped{e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip()[:3000]
    return head.startswith("{") and '"system_dynamics"' in head and '"nodes"' in text \
        and '"arcs"' in text


def canonical(name: str) -> str:
    return "_".join(name.replace("_", " ").split()).lower()


def read(text: str, filename: str = "<string>", *, polarity: str = "equations",
         keep_initial: bool = False, drop_constants: bool = False,
         lookup_signs: str = "initial", **options: Any) -> ImportResult:
    data = load_json(text, filename, "Systo")
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
        json_fail(text, filename, (), "a Systo model needs an object with a 'nodes' object")
    arcs = data.get("arcs") if isinstance(data.get("arcs"), dict) else {}
    notes = Notes()
    ids = IdMaker()
    variables: list[Variable] = []
    model: dict[str, SdVariable] = {}
    by_node: dict[str, str] = {}  # node id -> canonical name
    for node_id, node in data["nodes"].items():
        kind = _KINDS.get(str(node.get("type", ""))) if isinstance(node, dict) else None
        label = " ".join(str(node.get("label", "")).replace("_", " ").split()) \
            if isinstance(node, dict) else ""
        if kind is None or not label:
            if not (isinstance(node, dict) and node.get("type") == "cloud"):
                notes.add("skipped", str(node_id)[:40])
            continue
        if message := too_many(len(model) + 1, "variables", "nodes"):
            json_fail(text, filename, ("nodes", node_id), message)
        key = canonical(label)
        by_node[str(node_id)] = key
        if key in model:
            continue
        vid = ids.make(label)
        extras = node.get("extras") if isinstance(node.get("extras"), dict) else {}
        doc = (extras.get("documentation") or {}).get("value") \
            if isinstance(extras.get("documentation"), dict) else None
        variables.append(Variable(vid, label, None, " ".join(str(doc).split()) or None
                                  if doc else None))
        var = SdVariable(key, vid, kind)
        source = (extras.get("equation") or {}).get("value") \
            if isinstance(extras.get("equation"), dict) else None
        var.source = str(source or "")
        if var.source.strip():
            try:
                var.trees.append(parse(var.source.strip(), "xmile"))
            except ExpressionError as error:
                var.error = str(error)
                var.fallback = [canonical(n) for n in _names(var.source)]
        model[key] = var

    def resolve(name: str) -> str:
        key = canonical(name.strip().strip('"'))
        return key if key in model else ""

    inflows: dict[str, list[str]] = {}
    outflows: dict[str, list[str]] = {}
    drawn: list[Drawn] = []
    for arc_id, arc in arcs.items():
        if not isinstance(arc, dict):
            continue
        start, end = by_node.get(str(arc.get("start_node_id"))), \
            by_node.get(str(arc.get("end_node_id")))
        if arc.get("type") == "flow":
            valve = by_node.get(str(arc.get("node_id")))
            if valve is None:
                notes.add("unknown-end", str(arc_id)[:40])
                continue
            if start is not None and model[start].kind == "stock":
                outflows.setdefault(start, []).append(valve)
            if end is not None and model[end].kind == "stock":
                inflows.setdefault(end, []).append(valve)
            continue
        if start is None or end is None:
            notes.add("unknown-end", str(arc_id)[:40])
            continue
        notes.add("unsigned", f"{model[start].vid} -> {model[end].vid}")
        drawn.append(Drawn(model[start].vid, model[end].vid, Polarity.UNKNOWN, False, 1))

    for key, var in model.items():  # a stock is INTEG(inflows - outflows, its equation)
        if var.kind != "stock":
            continue
        rates: Any = ("num", 0.0)
        for flows, op in ((inflows.get(key, []), "+"), (outflows.get(key, []), "-")):
            for flow in flows:
                rates = ("arith", rates, op, ("var", flow))
                notes.add("flows")
        initial = var.trees[0] if var.trees else ("num", 0.0)
        var.trees = [("call", "INTEG", [rates, initial])]
        var.error = None

    settings = ((data.get("scenarios") or {}).get("default") or {}).get(
        "simulation_settings") if isinstance(data.get("scenarios"), dict) else None
    start_time = settings.get("start_time") if isinstance(settings, dict) else None
    links, warnings = signed_links(
        model, drawn, resolve, notes, filename, polarity=polarity, keep_initial=keep_initial,
        lookups=lookup_signs,
        start_time=float(start_time) if isinstance(start_time, int | float) else None)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    title = str(meta.get("title") or "").strip()
    return finish_model(model, variables, links, warnings, notes, _NOTES, filename=filename,
                        fmt="systo", title=title if title and title != "no title" else None,
                        drop_constants=drop_constants)


def _names(source: str) -> list[str]:
    return re.findall(r"[A-Za-z_]\w*", source)
