"""Signed links of an SD model from its equations, reconciled with the drawn arrows.

Vensim and XMILE importers hand over each variable's parsed equation(s), its
kind (stock, flow, aux, lookup table) and the arrows/connectors drawn; this
module works out each dependency's sign (``sdexpr.analyse``) and decides, link
by link, between the drawn sign and the equation's, warning where they
disagree. Equations that do not parse fall back to the drawn sign, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from loopkit.interop import sdexpr
from loopkit.interop._common import Draft, Notes
from loopkit.model import Link, Polarity, Variable
from loopkit.problems import Problem, Severity

if TYPE_CHECKING:
    from loopkit.interop import ImportResult

POLICIES = ("equations", "drawn")
#: How a lookup that is not monotone is signed (docs/interop.md): never, over its input's
#: provable range, or also by its slope at the model's initial state (the default).
LOOKUP_POLICIES = ("strict", "range", "initial")
#: Initial values are computed through at most this many variables in a chain.
MAX_INITIAL_CHAIN = 150
#: Value signs are inferred through at most this many variables (bounded recursion).
MAX_CHAIN = 40
_SIGN = {sdexpr.POS: Polarity.POSITIVE, sdexpr.NEG: Polarity.NEGATIVE,
         sdexpr.UNK: Polarity.UNKNOWN}

NOTES = {
    "equation-only": "{n} dependenc{ies} found only in equations (no arrow drawn){e}",
    "signed": "{n} link{s} signed from the equations (monotonicity: see docs/interop.md)",
    "eq-unsigned": "{n} equation dependenc{ies} whose sign the equation does not settle: "
                   "marked ?{e}",
    "initial-dropped": "{n} dependenc{ies} only through an initial value (INITIAL, INTEG's "
                       "or SMOOTH's initial argument, ACTIVE INITIAL) dropped: not causal; "
                       "--keep-initial keeps them{e}",
    "initial-kept": "{n} dependenc{ies} only through an initial value kept (--keep-initial)"
                    ": marked ?{e}",
    "unparsed": "{n} equation{s} loopkit could not parse: drawn signs kept, other "
                "dependencies marked ?{e}",
    "disagree": "{n} link{s} drawn with the opposite sign to the equation{e}",
    "drawn-only": "{n} drawn arrow{s} the equation does not use: kept with the drawn sign{e}",
    "table-arrow": "{n} arrow{s} from a lookup table to the variable that uses it: kept "
                   "with the drawn sign (a table shapes the effect of its input){e}",
    "functions": "{n} function{s} loopkit has no sign rule for: their arguments' links "
                 "marked ?{e}",
    "lookup-range": "{n} link{s} signed through a lookup that is not monotone, over the "
                    "range its input provably stays in{e}",
    "lookup-initial": "{n} link{s} signed through a lookup that is not monotone, by its "
                      "slope where the model starts (the initial state; a run that carries "
                      "the input past a turning point flips it; each link's description says "
                      "where; --lookup-signs strict leaves them ?){e}",
    "lookup-drawn": "{n} drawn sign{s} kept on links through a lookup that is not "
                    "monotone (the equation's sign there holds near the initial state "
                    "only){e}",
    "lookup-unsigned": "{n} lookup{s} neither rising nor falling throughout: their "
                       "links left ?{e}",
}


@dataclass
class SdVariable:
    """One model variable as the sign analysis sees it."""

    key: str
    vid: str
    kind: str = "aux"  # stock | flow | aux | table
    trees: list[Any] = field(default_factory=list)
    #: A graphical function of the variable itself (XMILE ``<gf>``, Vensim lookup body).
    table: list[tuple[float, float]] | None = None
    error: str | None = None
    line: int = 1
    #: Names found in the equation text when it could not be parsed.
    fallback: list[str] = field(default_factory=list)
    #: The equation text as written (for the fallback and notes).
    source: str = ""
    #: Value sign the model states (e.g. a stock allowed to go negative): None to infer.
    stated_sign: int | None = None
    #: The numbers given as the variable's value (a constant, or an array's elements).
    values: list[float] = field(default_factory=list)
    #: Defined over subscripts or dimensions (no single initial value).
    subscripted: bool = False

    def add_constants(self, values: list[float]) -> None:
        """An array's or subscripted constant's values: their common sign, if they share
        one, is the variable's (elements that disagree leave it unknown, 0)."""
        sign = 1 if values and min(values) >= 0 else -1 if values and max(values) <= 0 else 0
        self.values += values
        self.trees.append(("num", float(sign)))
        self.stated_sign = sign if self.stated_sign in (None, sign) else 0


@dataclass
class Drawn:
    """An arrow or connector as drawn."""

    source: str
    target: str
    polarity: Polarity
    delay: bool
    line: int
    column: int = 1


class Analysis:
    """Effects of every variable's causes, with value signs inferred on demand."""

    def __init__(self, variables: dict[str, SdVariable], resolve: Callable[[str], str],
                 roles: dict[str, str] | None = None, *, lookups: str = "strict",
                 start_time: float | None = None) -> None:
        self.vars = variables
        self._signs: dict[str, int] = {}
        self._busy: set[str] = set()
        self.ctx = sdexpr.Context(resolve, self.value_sign, self._table, roles=roles or {},
                                  bounds=self.bounds, lookups=lookups,
                                  initial_value=self.initial_value, start_time=start_time)
        self._bounds: dict[str, tuple[float, float] | None] = {}
        self._initial: dict[tuple[str, bool], float | None] = {}
        self._evaluating: list[tuple[str, bool]] = []

    def initial_value(self, key: str) -> float | None:
        """A variable's value at the initial time, computed from its equation (a stock's
        initial value, a delay's or smooth's input or initial argument); None when it
        cannot be computed exactly (subscripts, data, unknown functions, a cycle)."""
        # Values while the model initialises (stocks' initial values, where ACTIVE INITIAL
        # gives its initial value) and at the start (its active equation) are kept apart.
        memo = (key, self.ctx.initialising)
        if memo in self._initial:
            return self._initial[memo]
        var = self.vars.get(key)
        if var is None or var.kind == "table" or var.error is not None or var.subscripted or \
                memo in self._evaluating or len(self._evaluating) >= MAX_INITIAL_CHAIN:
            return None
        value: float | None = None
        if len(var.values) == 1 and len(var.trees) == 1:
            value = var.values[0]
        elif len(var.trees) == 1 and not var.values:
            self._evaluating.append(memo)
            try:
                value = sdexpr.evaluate(var.trees[0], self.ctx)
            finally:
                self._evaluating.pop()
        if value is not None and var.table is not None and var.kind != "table":
            # an XMILE graphical function applies to its variable's own equation
            value = sdexpr.interpolate(var.table, value) if var.table else None
        self._initial[memo] = value
        return value

    def _table(self, key: str) -> list[tuple[float, float]] | None:
        var = self.vars.get(key)
        return var.table if var is not None else None

    def value_sign(self, key: str) -> int:
        """The sign of a variable's value, for products and quotients.

        Inferred from the equation where it settles it (a negative constant, a
        stock whose initial value is negative, a table with negative outputs);
        otherwise non-negative, as SD quantities (stocks, flows, amounts,
        fractions, multipliers) are, and as Simlin assumes.
        """
        if key in self._signs:
            return self._signs[key]
        var = self.vars.get(key)
        if var is None:
            return sdexpr.UNK
        if var.stated_sign is not None:
            return var.stated_sign
        if key in self._busy or var.kind == "table" or len(self._busy) >= MAX_CHAIN:
            return sdexpr.POS  # a cycle, or a chain too long to follow: the assumption
        self._busy.add(key)
        try:
            if var.kind == "stock":
                results = [sdexpr.analyse(tree[2][1], self.ctx) for tree in var.trees
                           if tree[0] == "call" and len(tree[2]) > 1]
            else:
                results = [self.result(var, tree) for tree in var.trees]
        finally:
            self._busy.discard(key)
        definite = {r.value for r in results if r.value}
        # Elements of a subscripted variable with opposite signs: not known; else assumed.
        sign = definite.pop() if len(definite) == 1 else sdexpr.UNK if definite \
            else sdexpr.POS
        self._signs[key] = sign
        return sign

    def bounds(self, key: str) -> tuple[float, float] | None:
        """The range a variable's value stays in (every element's equation bounds it)."""
        if key in self._bounds:
            return self._bounds[key]
        var = self.vars.get(key)
        if var is None or key in self._busy or var.kind in ("stock", "table") or \
                not var.trees or var.stated_sign is not None or len(self._busy) >= MAX_CHAIN:
            return None
        if var.table is not None:  # a graphical function's outputs
            ys = [y for _, y in var.table]
            found: tuple[float, float] | None = (min(ys), max(ys)) if ys else None
        else:
            self._busy.add(key)
            try:
                parts = [sdexpr.bounds(tree, self.ctx) for tree in var.trees]
            finally:
                self._busy.discard(key)
            known = [p for p in parts if p is not None]
            found = (min(p[0] for p in known), max(p[1] for p in known)) \
                if known and len(known) == len(parts) else None
        self._bounds[key] = found
        return found

    def result(self, var: SdVariable, tree: Any, expect: int = sdexpr.UNK) -> sdexpr.Result:
        found = sdexpr.analyse(tree, self.ctx, expect if var.table is None else sdexpr.UNK)
        if var.table is not None and var.kind != "table":  # XMILE gf on its own equation
            return sdexpr._lookup(var.table, found, tree, self.ctx, f"{var.vid}'s graph")
        return found

    def effects(self, var: SdVariable) -> dict[str, sdexpr.Effect]:
        out: dict[str, sdexpr.Effect] = {}
        expect = self.value_sign(var.key) if var.kind in ("aux", "flow") else sdexpr.UNK
        for tree in var.trees:
            out = sdexpr._merge(out, self.result(var, tree, expect).effects)
        if var.kind != "stock":
            out.pop(var.key, None)
        return out


def with_kinds(variables: Iterable[Variable], model: dict[str, SdVariable]) -> tuple[
        Variable, ...]:
    """The diagram's variables with ``kind: stock|flow`` where the model says so."""
    kinds = {v.vid: v.kind for v in model.values() if v.kind in ("stock", "flow")}
    return tuple(replace(v, kind=kinds[v.id]) if v.id in kinds else v for v in variables)


def function_roles(name: str, params: list[str], body: dict[str, Any],
                   roles: dict[str, str] | None = None) -> str:
    """Per-parameter roles of a model's own function (a Vensim macro) from its equations.

    ``body`` maps each of the macro's variables to its parsed equation (or None);
    the macro's value is the variable named like the macro. Effects compose
    along the paths from it to each parameter; ``roles`` are the other macros'.
    """
    variables = {p: SdVariable(p, p) for p in params}
    for key, tree in body.items():
        if key in variables or tree is None:
            continue
        integ = tree[0] == "call" and str(tree[1]).strip().lower() == "integ"
        variables[key] = SdVariable(key, key, "stock" if integ else "aux", [tree])
    analysis = Analysis(variables, lambda n: n if n in variables else "", roles)
    direct = {k: analysis.effects(v) for k, v in variables.items() if v.trees}

    def through(key: str, seen: frozenset[str]) -> dict[str, sdexpr.Effect]:
        out: dict[str, sdexpr.Effect] = {}
        for dep, effect in direct.get(key, {}).items():
            if dep in params:
                out = sdexpr._merge(out, {dep: effect})
            elif dep not in seen:
                out = sdexpr._merge(out, sdexpr._scale(
                    through(dep, seen | {dep}), effect.sign, delayed=effect.delayed,
                    initial=effect.initial))
        return out

    total = through(name, frozenset({name}))
    roles = ""
    for param in params:
        effect = total.get(param)
        if effect is None or effect.sign == sdexpr.UNK:
            roles += "?"
        elif effect.initial:
            roles += "i"
        elif effect.delayed:
            roles += "d" if effect.sign == sdexpr.POS else "?"
        else:
            roles += "+" if effect.sign == sdexpr.POS else "-"
    return roles


def constants(model: dict[str, SdVariable]) -> set[str]:
    """Ids of the inputs that are plain numbers or lookup tables (nothing causes them)."""
    out = set()
    for var in model.values():
        if var.kind == "table" or (var.kind == "aux" and var.error is None and var.trees
                                   and all(t[0] in ("num", "neg") and sdexpr.number(t)
                                           is not None for t in var.trees)):
            out.add(var.vid)
    return out


def signed_links(variables: dict[str, SdVariable], drawn: list[Drawn],
                 resolve: Callable[[str], str], notes: Notes, filename: str, *,
                 polarity: str = "equations", keep_initial: bool = False,
                 roles: dict[str, str] | None = None, lookups: str = "initial",
                 start_time: float | None = None) -> tuple[list[Link], list[Problem]]:
    """The model's links: drawn arrows and equation dependencies, each with its best sign.

    ``lookups`` says how to sign a lookup that is not monotone (``LOOKUP_POLICIES``);
    ``start_time`` is the model's initial time, for ``initial``.
    """
    if polarity not in POLICIES:
        from loopkit.problems import UsageError

        raise UsageError(f"polarity {polarity!r}: choose equations or drawn")
    if lookups not in LOOKUP_POLICIES:
        from loopkit.problems import UsageError

        raise UsageError(f"lookup signs {lookups!r}: choose strict, range or initial")
    analysis = Analysis(variables, resolve, roles, lookups=lookups, start_time=start_time)
    by_vid = {v.vid: v for v in variables.values()}
    effects: dict[str, dict[str, sdexpr.Effect]] = {}
    tables: dict[str, set[str]] = {}  # lookup tables each variable's equation calls
    for var in variables.values():
        if var.error is not None:
            notes.add("unparsed", f"{var.vid} (line {var.line}: {var.error[:60]})")
        elif var.trees:
            analysis.ctx.tables_used = set()
            effects[var.vid] = {variables[k].vid: e for k, e in analysis.effects(var).items()
                                if k in variables}
            tables[var.vid] = {variables[k].vid for k in analysis.ctx.tables_used
                               if k in variables}
    for name in sorted(analysis.ctx.unknown_functions):
        notes.add("functions", name.upper())
    for name, why in sorted(analysis.ctx.lookups_unsigned.items()):
        notes.add("lookup-unsigned", f"{name}: {why}")

    def described(link: Link, effect: sdexpr.Effect | None) -> Link:
        """A link signed through a non-monotone lookup says so, in the summary and on it."""
        if effect is None or effect.local is None or link.polarity is Polarity.UNKNOWN or \
                effect.initial:
            return link
        notes.add(f"lookup-{effect.local[0]}", f"{link.source} -> {link.target}")
        return replace(link, description=f"Sign from the equation: {effect.local[1]}.")

    links: list[Link] = []
    warnings: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for arrow in drawn:
        key = (arrow.source, arrow.target)
        found = effects.get(arrow.target)
        effect = found.get(arrow.source) if found is not None else None
        if found is not None and effect is None and arrow.source != arrow.target and \
                arrow.source not in tables.get(arrow.target, ()):
            notes.add("drawn-only", f"{arrow.source} -> {arrow.target}")
        elif effect is None and arrow.source in tables.get(arrow.target, ()):
            notes.add("table-arrow", f"{arrow.source} -> {arrow.target}")
        if effect is not None and effect.initial:
            if not keep_initial:
                notes.add("initial-dropped", f"{arrow.source} -> {arrow.target}")
                seen.add(key)
                continue
            notes.add("initial-kept", f"{arrow.source} -> {arrow.target}")
        chosen = arrow.polarity
        if effect is not None and effect.local is not None and effect.local[0] == "initial" \
                and arrow.polarity is not Polarity.UNKNOWN and not effect.initial:
            # A sign that holds near the initial state only is weaker than the modeller's.
            notes.add("lookup-drawn", f"{arrow.source} -> {arrow.target}")
            effect = None
        if effect is not None and not effect.initial:
            said = _SIGN[effect.sign]
            if Polarity.UNKNOWN not in (said, arrow.polarity) and said != arrow.polarity:
                notes.add("disagree", f"{arrow.source} -> {arrow.target}")
                use = said if polarity == "equations" else arrow.polarity
                target = by_vid.get(arrow.target)
                warnings.append(Problem(
                    filename, arrow.line, arrow.column,
                    f"{arrow.source} -> {arrow.target} is drawn {arrow.polarity.value} but "
                    f"the equation of {arrow.target}"
                    f"{f' (line {target.line})' if target else ''} says {said.value}; "
                    f"using {use.value} (--polarity {polarity})",
                    "import-polarity", Severity.WARNING))
                chosen = use
            elif said is not Polarity.UNKNOWN and (polarity == "equations"
                                                    or arrow.polarity is Polarity.UNKNOWN):
                if said != arrow.polarity:
                    notes.add("signed")
                chosen = said
        delay = arrow.delay or bool(effect is not None and effect.delayed)
        if delay and not arrow.delay:
            notes.add("delay-function", f"{arrow.source} -> {arrow.target}")
        link = Link(arrow.source, arrow.target, chosen, delay)
        links.append(described(link, effect) if chosen == _SIGN.get(
            effect.sign if effect else 0) else link)
        seen.add(key)

    for target, causes in effects.items():
        for source, effect in causes.items():
            if (source, target) in seen:
                continue
            seen.add((source, target))
            if effect.initial:
                if not keep_initial:
                    notes.add("initial-dropped", f"{source} -> {target}")
                    continue
                notes.add("initial-kept", f"{source} -> {target}")
                links.append(Link(source, target, Polarity.UNKNOWN))
                continue
            sign = _SIGN[effect.sign]
            notes.add("equation-only", f"{source} -> {target}")
            notes.add("signed" if sign is not Polarity.UNKNOWN else "eq-unsigned",
                      None if sign is not Polarity.UNKNOWN else f"{source} -> {target}")
            if effect.delayed:
                notes.add("delay-function", f"{source} -> {target}")
            links.append(described(Link(source, target, sign, effect.delayed), effect))

    for var in variables.values():
        if var.error is None:
            continue
        for name in var.fallback:
            source = variables.get(name)
            if source is None or source.key == var.key or (source.vid, var.vid) in seen:
                continue
            seen.add((source.vid, var.vid))
            links.append(Link(source.vid, var.vid, Polarity.UNKNOWN))
    return links, warnings


__all__ = ["LOOKUP_POLICIES", "NOTES", "POLICIES", "Drawn", "SdVariable", "constants",
           "function_roles", "signed_links", "with_kinds"]


def finish_model(model: dict[str, SdVariable], variables: Iterable[Variable], links: list[Link],
                 warnings: Iterable[Problem], notes: Notes, templates: dict[str, str], *,
                 filename: str, fmt: str, title: str | None,
                 drop_constants: bool) -> ImportResult:
    """What every SD reader (Vensim, XMILE, Systo) returns once its links are signed:
    variables carry their stock/flow kind, and ``--drop-constants`` is applied and said."""
    draft = Draft(filename, fmt, notes=notes, variables=list(with_kinds(variables, model)),
                  links=links, title=title, warnings=list(warnings))
    result = draft.finish(templates)
    if not drop_constants:
        return result
    from loopkit.interop.thinning import drop_constants as drop

    diagram, note = drop(result.diagram, constants(model))
    return replace(result, diagram=diagram, notes=(*result.notes, note))
