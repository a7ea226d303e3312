"""XMILE models (the OASIS standard; Stella/iThink ``.stmx``/``.itmx`` files).

Variables are the model's ``<stock>``, ``<flow>`` and ``<aux>`` elements (one
model, or each module's model: a module's names are its own, keyed
``model.name``, and a connected module input resolves to its source). Links
are the views' ``<connector>``s (``<from>``/``<to>`` name a variable or an
``<alias>``), with
``polarity="+"|"-"`` and ``delay_mark="true"``; plus each stock's
``<inflow>`` (+) and ``<outflow>`` (-); plus every equation dependency. Signs
come from the equations and graphical functions where they settle them
(``_sdsigns``), the drawn polarity otherwise.

XMILE names match ignoring case, with spaces, underscores and ``\\n`` line
breaks equivalent, so ``expected\\nprofit`` is referred to as
``expected_profit``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    IdMaker,
    Notes,
    XmlNode,
    fail,
    link_notes,
    parse_xml,
    too_many,
)
from loopkit.interop._sdsigns import NOTES as SIGN_NOTES
from loopkit.interop._sdsigns import (
    Analysis,
    Drawn,
    SdVariable,
    finish_model,
    signed_links,
)
from loopkit.interop.sdexpr import ExpressionError, parse
from loopkit.model import Polarity, Variable

_KINDS = ("stock", "flow", "aux")
_NUMBER_LIST = re.compile(r"[-+\d.eE,;\s]+")
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_DECLARATION = re.compile(r"^(<\?xml[^>]*?encoding\s*=\s*)([\"'])([^\"']*)\2")
_TOKEN = re.compile(r"\"[^\"]+\"|[^\W\d][\w.$]*")
_NOTES = {
    **link_notes("connector"),
    **SIGN_NOTES,
    "unsigned": "{n} connector{s} had no polarity drawn: signed from the equations where "
                "they settle it, else ?{e}",
    "flows": "{n} stock-flow link{s} taken from <inflow>/<outflow> (+ inflow, - outflow)",
    "delay": "{n} connector{s} carried a delay mark",
    "unknown-end": "{n} connector{s} to something that is not a stock, flow or aux dropped{e}",
    "module-end": "{n} connector{s} to or from a module dropped (the links between the "
                  "modules' variables are kept instead){e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    return head.startswith("<") and "<xmile" in head


def canonical(name: str) -> str:
    name = name.strip().strip('"').replace("\\n", " ")
    return re.sub(r"[\s_]+", "_", name).lower()


def _label(name: str) -> str:
    """A name as Stella shows it: ``\\n`` and ``_`` are spaces (XMILE names treat them alike)."""
    return " ".join(name.replace("\\n", " ").replace("_", " ").split())


def _end(node: XmlNode | None, aliases: dict[str, str]) -> str | None:
    if node is None:
        return None
    alias = node.find("alias")
    if alias is not None:
        return aliases.get(alias.attrs.get("uid", ""))
    return canonical(node.text) if node.text.strip() else None


@dataclass
class _Loaded:
    """An XMILE file's models read into the sign analysis's variables."""

    root: XmlNode
    models: list[XmlNode]
    scopes: dict[int, str]
    instances: dict[str, str]
    keys: dict[str, str]
    variables: list[Variable]
    model: dict[str, SdVariable]
    resolve: Callable[[str], str]


def _load(text: str, filename: str, notes: Notes) -> _Loaded:
    """Every model's variables with their parsed equations, modules resolved."""
    text = _tolerate(text.lstrip("\ufeff"), notes)
    root = parse_xml(text, filename, "XMILE")
    if root.tag != "xmile":
        fail(filename, root.line, root.column,
             f"not an XMILE model: the root element is <{root.tag}>, not <xmile>",
             "import-structure")
    # Models are <xmile>'s own <model> children (Stella's <style> also holds a <model>).
    models = [c for c in root.children if c.tag == "model"] or list(root.iter("model"))
    if not models:
        fail(filename, root.line, root.column, "the XMILE file has no <model>",
             "import-structure")
    main = next((m for m in models if not m.attrs.get("name", "").strip()), models[0])
    scopes = {id(m): "" if m is main else canonical(m.attrs.get("name", "")) for m in models}
    if len(models) > 1:
        notes.say(f"{len(models)} models (modules) read as one diagram: each module's "
                  "variables keep their own names, and module inputs stand for the "
                  "variables connected to them")
    # Module instances: <module name="hares"> instantiates the model named hares.
    instances = {canonical(node.attrs.get("name", "")):
                 canonical(node.attrs.get("model") or node.attrs.get("name", ""))
                 for block in models for node in (block.find("variables") or block).children
                 if node.tag == "module"}
    found: list[tuple[str, XmlNode, str]] = []  # (scope, node, key)
    connects: list[tuple[str, str]] = []  # (module input's key, source's key)
    for block in models:
        scope = scopes[id(block)]
        # XMILE 1.0 puts variables in <variables>; Stella 10 files put them in <model>.
        container = block.find("variables") or block
        for node in container.children:
            if node.tag == "module":
                inst = canonical(node.attrs.get("name", ""))
                inner = instances.get(inst, inst)
                for c in node.findall("connect"):
                    target = canonical(c.attrs.get("to", ""))
                    if target.startswith(inst + "."):  # Stella writes to="hares.area"
                        target = target[len(inst) + 1:]
                    connects.append((_scoped(inner, target),
                                     _qualify(scope, c.attrs.get("from", ""), instances)))
            if node.tag not in (*_KINDS, "gf"):
                continue
            name = node.attrs.get("name", "")
            if not name.strip():
                fail(filename, node.line, node.column, f"<{node.tag}> has no name attribute",
                     "import-structure")
            key = _scoped(scope, canonical(name))
            found.append((scope, node, key))
    aliases = {target: source for target, source in connects if target != source}

    def alias(key: str) -> str:
        """A module input's key resolves to the variable connected to it."""
        for _ in range(len(aliases) + 1):
            if key not in aliases:
                break
            key = aliases[key]
        return key

    # A name defined in several models is labelled with its model: "births (hares)".
    homes: dict[str, set[str]] = {}
    for scope, node, key in found:
        if key not in aliases:
            homes.setdefault(canonical(node.attrs["name"]), set()).add(scope)
    ids = IdMaker()
    keys: dict[str, str] = {}
    variables: list[Variable] = []
    model: dict[str, SdVariable] = {}
    stocks: list[tuple[str, str, XmlNode]] = []
    scope_of: dict[str, str] = {}
    for scope, node, key in found:
        if key in aliases or key in keys:
            continue  # a connected module input, or a second definition (the first wins)
        if message := too_many(len(keys) + 1, "variables", "stocks, flows and auxes"):
            fail(filename, node.line, node.column, message, "too-many")
        label = _label(node.attrs["name"])
        if len(homes.get(canonical(node.attrs["name"]), ())) > 1 and scope:
            home = next(m.attrs["name"] for m in models if scopes[id(m)] == scope)
            label = f"{label} ({_label(home)})"
        keys[key] = ids.make(label)
        doc = node.child_text("doc")
        variables.append(Variable(keys[key], label, None,
                                  " ".join(doc.split()) if doc and doc.strip() else None))
        model[key] = _sd_variable(node, key, keys[key])
        scope_of[key] = scope
        if node.tag == "stock":
            stocks.append((scope, key, node))
    if not variables:
        fail(filename, models[0].line, models[0].column,
             "the XMILE model has no stocks, flows or auxes", "import-empty")
    for key, var in model.items():  # names as each model sees them, as keys
        scope = scope_of[key]
        if scope or any("." in k for k in model) or aliases:
            var.trees = [_rename(tree, lambda n, s=scope: alias(_qualify(s, n, instances)),
                                 lambda n, s=scope: (q if (q := alias(_qualify(
                                     s, n, instances))) in model else n))
                         for tree in var.trees]
    connected = len(aliases)
    if connected:
        notes.say(f"{connected} module input{'s' if connected != 1 else ''} read as the "
                  "variable connected to it in the parent model")

    def resolve(name: str) -> str:
        key = alias(canonical(name))
        if key not in model and "." in key:  # module.name of an instance loopkit did not map
            key = alias(key.rsplit(".", 1)[1])
        return key if key in model else ""

    for scope, key, stock in stocks:  # a stock is INTEG(inflows - outflows, its equation)
        var = model[key]
        rates: Any = ("num", 0.0)
        for tag, op in (("inflow", "+"), ("outflow", "-")):
            for flow in stock.findall(tag):
                flow_key = resolve(_qualify(scope, flow.text, instances))
                if flow_key:
                    model[flow_key].kind = "flow" if model[flow_key].kind == "aux" else \
                        model[flow_key].kind
                    rates = ("arith", rates, op, ("var", flow_key))
                    notes.add("flows")
        initial = var.trees[0] if var.trees else ("num", 0.0)
        var.trees = [("call", "INTEG", [rates, initial])]
        if var.error is not None:  # the initial value did not parse: flows still sign
            var.error = None
            var.trees = [("call", "INTEG", [rates, ("num", 0.0)])]

    return _Loaded(root, models, scopes, instances, keys, variables, model, resolve)


def initial_values(text: str) -> dict[str, float | None]:
    """Each variable's value at the model's start time (None where loopkit cannot compute
    it exactly), by canonical name: the values ``--lookup-signs initial`` reads."""
    loaded = _load(text, "<string>", Notes())
    analysis = Analysis(loaded.model, loaded.resolve, lookups="initial",
                        start_time=_start_time(loaded.root))
    return {key: analysis.initial_value(key) for key in loaded.model}


def read(text: str, filename: str = "<string>", *, polarity: str = "equations",
         keep_initial: bool = False, drop_constants: bool = False,
         lookup_signs: str = "initial", **options: Any) -> ImportResult:
    notes = Notes()
    loaded = _load(text, filename, notes)
    root, models, scopes, instances = loaded.root, loaded.models, loaded.scopes, \
        loaded.instances
    keys, variables, model, resolve = loaded.keys, loaded.variables, loaded.model, \
        loaded.resolve
    drawn: list[Drawn] = []
    views = [(scopes[id(block)], view) for block in models
             for view in (*block.iter("view"), *block.iter("display"))]
    for scope, view in views:
        shown = {a.attrs.get("uid", ""): canonical(a.child_text("of") or "")
                 for a in view.children if a.tag == "alias"}
        for connector in view.findall("connector"):
            if message := too_many(len(drawn) + 1, "links", "connectors"):
                fail(filename, connector.line, connector.column, message, "too-many")
            ends = [_end(connector.find(tag), shown) for tag in ("from", "to")]
            ends = [resolve(_qualify(scope, end, instances)) or end if end else end
                    for end in ends]
            if not all(end in keys for end in ends):
                notes.add("module-end" if any(e in instances for e in ends if e) else
                          "unknown-end", f"line {connector.line}")
                continue
            source, target = keys[ends[0]], keys[ends[1]]  # type: ignore[index]
            sign = connector.attrs.get("polarity", "").strip()
            polarity_drawn = {"+": Polarity.POSITIVE, "-": Polarity.NEGATIVE}.get(
                sign, Polarity.UNKNOWN)
            if polarity_drawn is Polarity.UNKNOWN:
                notes.add("unsigned", f"{source} -> {target}")
            delay = connector.attrs.get("delay_mark", "").strip().lower() == "true"
            if delay:
                notes.add("delay")
            drawn.append(Drawn(source, target, polarity_drawn, delay, connector.line,
                               connector.column))

    for var in model.values():
        if var.error is not None:
            var.fallback = [canonical(t) for t in _TOKEN.findall(var.source)
                            if canonical(t) in model]
    links, warnings = signed_links(model, drawn, resolve, notes, filename,
                                   polarity=polarity, keep_initial=keep_initial,
                                   lookups=lookup_signs, start_time=_start_time(root))
    name = root.find("header")
    title = name.child_text("name") if name is not None else None
    return finish_model(model, variables, links, warnings, notes, _NOTES, filename=filename,
                        fmt="xmile", title=title.strip() if title and title.strip() else None,
                        drop_constants=drop_constants)


def _scoped(scope: str, key: str) -> str:
    return f"{scope}.{key}" if scope else key


def _qualify(scope: str, name: str, instances: dict[str, str]) -> str:
    """A name as written in model ``scope``, as a key: ``.x`` is the top model's x,
    ``inst.x`` the x of the model module ``inst`` instantiates, else the scope's own x."""
    key = canonical(name)
    if key.startswith("."):
        return key[1:]
    head, dot, rest = key.partition(".")
    if dot and head in instances:
        return _scoped(instances[head], rest)
    return _scoped(scope, key)


def _rename(tree: Any, variable: Callable[[str], str], call: Callable[[str], str]) -> Any:
    """The tree with each variable's name replaced by ``variable(name)`` and each called
    name (a graphical function, or a builtin left as it is) by ``call(name)``."""
    if not isinstance(tree, tuple) or not tree:
        return tree
    if tree[0] == "var":
        return ("var", variable(tree[1]))
    if tree[0] == "call":
        return ("call", call(tree[1]), [_rename(a, variable, call) for a in tree[2]])
    return tuple(_rename(part, variable, call) if isinstance(part, tuple) else part
                 for part in tree)


def _tolerate(text: str, notes: Notes) -> str:
    """Quirks of real files whose meaning is plain, fixed without moving any line or column.

    ``--`` inside a comment is not XML, but Stella writes it; the text is
    already decoded, so the declared encoding no longer applies to it.
    """
    bad = 0

    def comment(match: re.Match[str]) -> str:
        nonlocal bad
        body = match.group(1)
        if "--" not in body and not body.endswith("-"):
            return match.group(0)
        bad += 1
        return "<!--" + body.replace("-", " ") + "-->"

    text = _COMMENT.sub(comment, text)
    if bad:
        notes.say(f"{bad} XML comment{'s' if bad != 1 else ''} containing '--' read anyway")
    return _DECLARATION.sub(lambda m: f"{m.group(1)}{m.group(2)}utf-8{m.group(2)}", text,
                            count=1)


def _start_time(root: XmlNode) -> float | None:
    """``<sim_specs><start>``, the model's initial time (for values at the start)."""
    for specs in root.iter("sim_specs"):
        found = _numbers(specs.child_text("start"))
        if len(found) == 1:
            return found[0]
    return None


def _numbers(text: str | None) -> list[float]:
    out = []
    for part in re.split(r"[,;\s]+", text or ""):
        try:
            out.append(float(part))
        except ValueError:
            continue
    return out


def _gf(node: XmlNode | None) -> list[tuple[float, float]] | None:
    """The points of a graphical function: ``<ypts>`` with ``<xpts>`` or ``<xscale>``."""
    if node is None:
        return None
    ys = _numbers(node.child_text("ypts"))
    xs = _numbers(node.child_text("xpts"))
    scale = node.find("xscale")
    if not xs and scale is not None and len(ys) > 1:
        low, high = (_numbers(scale.attrs.get(k)) or [0.0] for k in ("min", "max"))
        xs = [low[0] + (high[0] - low[0]) * i / (len(ys) - 1) for i in range(len(ys))]
    if not xs:
        xs = [float(i) for i in range(len(ys))]
    return list(zip(xs, ys, strict=False))


def _sd_variable(node: XmlNode, key: str, vid: str) -> SdVariable:
    """A stock, flow, aux or gf with its equation(s) (arrays: one per element) parsed."""
    kind = {"stock": "stock", "flow": "flow", "gf": "table"}.get(node.tag, "aux")
    var = SdVariable(key, vid, kind, line=node.line,
                     subscripted=node.find("dimensions") is not None)
    gf = node if node.tag == "gf" else node.find("gf")
    var.table = _gf(gf)
    if node.tag == "gf":
        return var
    sources = [e.child_text("eqn") for e in node.findall("element")] or [node.child_text("eqn")]
    var.source = " ".join(s for s in sources if s)
    sources = [re.sub(r"\{[^}]*\}", " ", s) if s else s for s in sources]  # {comments}
    for source in sources:
        if source is None or not source.strip() or source.strip() == "???":
            continue  # Stella's placeholder for an equation not written yet
        if _NUMBER_LIST.fullmatch(source.strip()):  # an array's values: 1, 2, 3
            var.add_constants(_numbers(source))
            continue
        try:
            var.trees.append(parse(source.strip(), "xmile"))
        except ExpressionError as error:
            var.error = str(error)
    return var
