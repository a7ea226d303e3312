"""XMILE models (the OASIS standard; Stella/iThink ``.stmx``/``.itmx`` files).

Variables are the model's ``<stock>``, ``<flow>`` and ``<aux>`` elements (one
model, or each module's model). Links are the views' ``<connector>``s
(``<from>``/``<to>`` name a variable or an ``<alias>``), with
``polarity="+"|"-"`` and ``delay_mark="true"``; plus each stock's
``<inflow>`` (+) and ``<outflow>`` (-). A model with no drawn connectors falls
back to its equations' dependencies, marked '?'.

XMILE names match ignoring case, with spaces, underscores and ``\\n`` line
breaks equivalent, so ``expected\\nprofit`` is referred to as
``expected_profit``.
"""

from __future__ import annotations

import re
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    IdMaker,
    Notes,
    XmlNode,
    delayed_arguments,
    fail,
    link_notes,
    mark_delays,
    merge_links,
    parse_xml,
    too_many,
)
from loopkit.model import Diagram, Link, Polarity, Variable

_KINDS = ("stock", "flow", "aux")
#: XMILE builtins whose first argument reaches the result with a delay.
DELAY_FUNCTIONS = ("smth1", "smth3", "smthn", "delay", "delay1", "delay3", "delayn", "delayc")
_TOKEN = re.compile(r"\"[^\"]+\"|[^\W\d][\w.$]*")
_NOTES = {
    **link_notes("connector"),
    "flows": "{n} stock-flow link{s} taken from <inflow>/<outflow> (+ inflow, - outflow)",
    "delay": "{n} connector{s} carried a delay mark",
    "equation-only": "{n} dependenc{ies} taken from equations (no connectors drawn): marked ?{e}",
    "unknown-end": "{n} connector{s} to something that is not a stock, flow or aux dropped{e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    return head.startswith("<") and "<xmile" in head


def canonical(name: str) -> str:
    name = name.strip().strip('"').replace("\\n", " ")
    return re.sub(r"[\s_]+", "_", name).lower()


def _label(name: str) -> str:
    return " ".join(name.replace("\\n", " ").split())


def _end(node: XmlNode | None, aliases: dict[str, str]) -> str | None:
    if node is None:
        return None
    alias = node.find("alias")
    if alias is not None:
        return aliases.get(alias.attrs.get("uid", ""))
    return canonical(node.text) if node.text.strip() else None


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    root = parse_xml(text.lstrip("\ufeff"), filename, "XMILE")
    if root.tag != "xmile":
        fail(filename, root.line, root.column,
             f"not an XMILE model: the root element is <{root.tag}>, not <xmile>",
             "import-structure")
    models = list(root.iter("model"))
    if not models:
        fail(filename, root.line, root.column, "the XMILE file has no <model>",
             "import-structure")
    notes = Notes()
    if len(models) > 1:
        notes.say(f"{len(models)} models (modules) read as one diagram")
    ids = IdMaker()
    keys: dict[str, str] = {}
    variables: list[Variable] = []
    stocks: list[tuple[str, XmlNode]] = []
    equations: list[tuple[str, str]] = []
    for model in models:
        block = model.find("variables")
        for node in block.children if block is not None else []:
            if node.tag not in _KINDS:
                continue
            name = node.attrs.get("name", "")
            if not name.strip():
                fail(filename, node.line, node.column, f"<{node.tag}> has no name attribute",
                     "import-structure")
            key = canonical(name)
            if key in keys:
                continue
            if message := too_many(len(keys) + 1, "variables", "stocks, flows and auxes"):
                fail(filename, node.line, node.column, message, "too-many")
            keys[key] = ids.make(_label(name))
            doc = node.child_text("doc")
            variables.append(Variable(keys[key], _label(name), None,
                                      " ".join(doc.split()) if doc and doc.strip() else None))
            if node.tag == "stock":
                stocks.append((key, node))
            equations.append((key, node.child_text("eqn") or ""))
    if not variables:
        fail(filename, models[0].line, models[0].column,
             "the XMILE model has no stocks, flows or auxes", "import-empty")

    links: list[Link] = []
    connectors = 0
    for view in root.iter("view"):
        aliases = {a.attrs.get("uid", ""): canonical(a.child_text("of") or "")
                   for a in view.children if a.tag == "alias"}
        for connector in view.findall("connector"):
            connectors += 1
            if message := too_many(connectors, "links", "connectors"):
                fail(filename, connector.line, connector.column, message, "too-many")
            ends = [_end(connector.find(tag), aliases) for tag in ("from", "to")]
            if not all(end in keys for end in ends):
                notes.add("unknown-end", f"line {connector.line}")
                continue
            source, target = keys[ends[0]], keys[ends[1]]  # type: ignore[index]
            sign = connector.attrs.get("polarity", "").strip()
            polarity = {"+": Polarity.POSITIVE, "-": Polarity.NEGATIVE}.get(
                sign, Polarity.UNKNOWN)
            if polarity is Polarity.UNKNOWN:
                notes.add("unsigned", f"{source} -> {target}")
            delay = connector.attrs.get("delay_mark", "").strip().lower() == "true"
            if delay:
                notes.add("delay")
            links.append(Link(source, target, polarity, delay))

    for key, stock in stocks:
        for tag, polarity in (("inflow", Polarity.POSITIVE), ("outflow", Polarity.NEGATIVE)):
            for flow in stock.findall(tag):
                flow_key = canonical(flow.text)
                if flow_key in keys:
                    links.append(Link(keys[flow_key], keys[key], polarity))
                    notes.add("flows")

    delayed = {(keys[canonical(token)], keys[key]) for key, eqn in equations
               for argument in delayed_arguments(eqn, DELAY_FUNCTIONS)
               for token in _TOKEN.findall(argument) if canonical(token) in keys}
    if connectors == 0:
        for key, eqn in equations:
            seen = set()
            for token in _TOKEN.findall(eqn):
                dep = canonical(token)
                if dep in keys and dep != key and dep not in seen:
                    seen.add(dep)
                    notes.add("equation-only", f"{keys[dep]} -> {keys[key]}")
                    links.append(Link(keys[dep], keys[key], Polarity.UNKNOWN))

    name = root.find("header")
    title = name.child_text("name") if name is not None else None
    links = mark_delays(links, delayed, notes)
    diagram = Diagram(tuple(variables), merge_links(links, notes), (),
                      title.strip() if title and title.strip() else None, None, filename)
    return ImportResult(diagram, notes.lines(_NOTES), "xmile")
