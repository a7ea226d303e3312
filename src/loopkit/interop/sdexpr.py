"""Equations of system-dynamics models: a parser (lark) and link polarity by monotonicity.

Vensim and XMILE equations are parsed into a small tuple tree, then each
dependency of a variable gets the sign of the partial derivative of the
equation with respect to it, where that sign is knowable: ``+`` (the effect
rises with the cause, all else equal), ``-`` (falls) or ``?``. The rules and
their assumptions are written in docs/interop.md ("Signs from equations").

lark is imported here only, and this module only when an SD model is imported,
so ``loopkit loops`` never pays for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

#: Signs: +1 rises, -1 falls, 0 not known.
POS, NEG, UNK = 1, -1, 0

_PT = r"\(\s*[-+\d.eE][-+\d.eE\s]*,\s*[-+\d.eE][-+\d.eE\s]*\)"  # a lookup point (x,y)
_W0, _W = r"[A-Za-z_\u00c0-\uffff$]", r"[\w$'&%\u00c0-\uffff]"  # Vensim name characters

# Terminals and rules shared by both dialects; each dialect adds its names and ops.
_CORE = r"""
?start: expr
?expr: or_expr
?or_expr: and_expr (_OR and_expr)*  -> logic_or
?and_expr: not_expr (_AND not_expr)*  -> logic_and
?not_expr: _NOT not_expr  -> not_
         | comparison
?comparison: sum (CMP sum)*  -> compare
?sum: product (ADD product)*  -> arith
?product: unary (MUL unary)*  -> arith
?unary: "-" unary  -> neg
      | "+" unary
      | power
?power: atom ("^" unary)?  -> power
?atom: NUMBER  -> number
     | name subscript? "(" [args] ")"  -> call
     | name subscript?  -> var
     | "(" expr ")"
     | STRING  -> string
     | table
     | extra
args: arg ("," arg)*
?arg: expr
subscript: "[" sub ("," sub)* "]"
sub: /[^\[\],]+/
table: TABLE
TABLE.3: /\(\s*\[[^\]]*\](\s*,\s*""" + _PT + r""")*\s*\)/
       | /\(\s*""" + _PT + r"""(\s*,\s*""" + _PT + r""")*\s*\)/
CMP: "<=" | ">=" | "<>" | "<" | ">" | "="
ADD: "+" | "-"
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
STRING: /'[^']*'/
%ignore /\s+/
%ignore /\{[^}]*\}/
"""

_VENSIM = _CORE + r"""
?extra: ":NA:"  -> na
name: NAME | QNAME
NAME: /""" + _W0 + _W + r"""*(\s+[A-Za-z_0-9$\u00c0-\uffff]""" + _W + r"""*)*/
QNAME: /"(\\.|[^"\\])*"/
MUL: "*" | "/"
_OR.2: ":OR:"i
_AND.2: ":AND:"i
_NOT.2: ":NOT:"i
"""

_XMILE = _CORE + r"""
?extra: _IF expr _THEN expr _ELSE expr  -> ifte
name: NAME | QNAME
NAME: /[A-Za-z_\u00c0-\uffff$][\w$.\u00c0-\uffff]*/
QNAME: /"[^"]*"/
MUL: "//" | "*" | "/" | MOD
MOD.2: /mod\b/i
_IF.2: /if\b/i
_THEN.2: /then\b/i
_ELSE.2: /else\b/i
_OR.2: /or\b/i | "||"
_AND.2: /and\b/i | "&&"
_NOT.2: /not\b/i | "!"
"""


class ExpressionError(ValueError):
    """An equation the parser cannot read (the importer falls back to drawn signs)."""


@lru_cache(maxsize=2)
def _parser(dialect: str) -> Any:
    from lark import Lark

    return Lark(_VENSIM if dialect == "vensim" else _XMILE, parser="lalr",
                maybe_placeholders=False)


def _tree(node: Any) -> Any:
    """lark's tree as plain tuples: ('num', v), ('var', name), ('call', name, args) ..."""
    from lark import Token

    if isinstance(node, Token):
        return ("tok", str(node))
    kind, kids = node.data, node.children
    joiner = {"logic_or": "or", "logic_and": "and"}.get(kind)
    if joiner:
        kind = "logic"
    if kind in ("arith", "compare", "logic", "power") and len(kids) == 1:
        return _tree(kids[0])
    if kind == "number":
        return ("num", float(kids[0]))
    if kind == "string":
        return ("str",)
    if kind == "na":
        return ("num", -1e38)
    if kind == "name":
        return ("name", str(kids[0]))
    if kind == "var":
        return ("var", str(kids[0].children[0]))
    if kind == "call":
        arglists = [k for k in kids[1:] if getattr(k, "data", "") == "args"]
        args = arglists[0].children if arglists else []
        return ("call", str(kids[0].children[0]), [_tree(a) for a in args])
    if kind == "table":
        return ("table", table_points(str(kids[0])))
    if kind in ("arith", "compare", "logic"):
        out = [_tree(kids[0])]
        i = 1
        while i < len(kids):
            if kind == "logic":
                out += [joiner, _tree(kids[i])]
                i += 1
            else:
                op = str(kids[i]).lower()
                out += ["/" if op == "//" else op, _tree(kids[i + 1])]  # Stella's safe //
                i += 2
        return (kind, *out)
    if kind == "neg":
        return ("neg", _tree(kids[0]))
    if kind == "not_":
        return ("logic", _tree(kids[0]), "not", ("num", 0.0))
    if kind == "power":
        return ("pow", _tree(kids[0]), _tree(kids[1]))
    if kind == "ifte":
        return ("call", "if then else", [_tree(k) for k in kids])
    return ("call", "?" + kind, [_tree(k) for k in kids])


_POINT = re.compile(r"\(\s*([-+\d.eE][-+\d.eE\s]*),\s*([-+\d.eE][-+\d.eE\s]*)\)")


def table_points(text: str) -> list[tuple[float, float]]:
    """The ``(x,y)`` points of a Vensim lookup body, after its optional ``[range]``."""
    text = re.sub(r"\[[^\]]*\]", " ", text)
    out = []
    for x, y in _POINT.findall(text):
        try:
            out.append((float(re.sub(r"\s", "", x)), float(re.sub(r"\s", "", y))))
        except ValueError:
            continue
    return out


def parse(expr: str, dialect: str) -> Any:
    """The tuple tree of one equation; ``ExpressionError`` when it cannot be read."""
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if len(expr) > 200_000:
        raise ExpressionError("equation longer than 200,000 characters")
    try:
        tree = _tree(_parser(dialect).parse(expr))
    except UnexpectedToken as error:
        what = "end of equation" if error.token.type == "$END" else repr(str(error.token)[:20])
        raise ExpressionError(f"unexpected {what} at column {error.column}") from None
    except UnexpectedCharacters as error:
        raise ExpressionError(f"unexpected {error.char!r} at column {error.column}") from None
    except UnexpectedEOF:
        raise ExpressionError("unexpected end of equation") from None
    except LarkError as error:  # pragma: no cover - lark's other errors are grammar bugs
        raise ExpressionError(str(error).splitlines()[0]) from None
    except RecursionError:
        raise ExpressionError("equation nested too deeply") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"equation nested more than {MAX_DEPTH} deep")
    return tree


#: Deeper equations are not analysed (the analysis recurses once per level).
MAX_DEPTH = 150


def _depth(tree: Any) -> int:
    """Nesting depth of a tuple tree, without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in node[1:] if isinstance(node, tuple) else ():
            if isinstance(child, tuple):
                stack.append((child, depth + 1))
            elif isinstance(child, list):
                stack.extend((c, depth + 1) for c in child if isinstance(c, tuple))
    return deepest


def table_direction(points: Iterable[tuple[float, float]]) -> int:
    """+1 if y never falls as x rises (and moves), -1 if it never rises, else 0."""
    ys = [y for _, y in sorted(points)]
    steps = [b - a for a, b in pairwise(ys)]
    if not steps or all(s == 0 for s in steps):
        return UNK
    if all(s >= 0 for s in steps):
        return POS
    if all(s <= 0 for s in steps):
        return NEG
    return UNK


def table_value_sign(points: Sequence[tuple[float, float]]) -> int:
    """Sign every output of the table shares (+1 all >= 0, -1 all <= 0), else 0."""
    ys = [y for _, y in points]
    if ys and all(y >= 0 for y in ys):
        return POS
    if ys and all(y <= 0 for y in ys):
        return NEG
    return UNK


@dataclass
class Effect:
    """How one cause reaches the equation's value."""

    sign: int = POS
    delayed: bool = False
    initial: bool = False  # only through an initial value
    #: How a non-monotone lookup on the way was signed: ("range" | "initial", why), or None
    #: when every step's sign holds everywhere.
    local: tuple[str, str] | None = None


def _combine(a: Effect, b: Effect) -> Effect:
    if a.initial and not b.initial:
        return b
    if b.initial and not a.initial:
        return a
    sign = a.sign if a.sign == b.sign else UNK
    return Effect(sign, a.delayed and b.delayed, a.initial and b.initial,
                  (a.local or b.local) if sign != UNK else None)


def _merge(*maps: Mapping[str, Effect]) -> dict[str, Effect]:
    out: dict[str, Effect] = {}
    for m in maps:
        for k, e in m.items():
            out[k] = _combine(out[k], e) if k in out else e
    return out


def _scale(m: Mapping[str, Effect], sign: int, *, delayed: bool = False,
           initial: bool = False, local: tuple[str, str] | None = None) -> dict[str, Effect]:
    return {k: Effect(e.sign * sign, e.delayed or delayed, e.initial or initial,
                      (e.local or local) if e.sign * sign != UNK else None)
            for k, e in m.items()}


@dataclass
class Context:
    """What the analysis knows about the model's names.

    ``key`` maps a name as written to the model's canonical key;
    ``value_sign(key)`` is the sign the variable's value always has (0: unknown);
    ``table(key)`` the points of a lookup table, None for other variables.
    """

    key: Callable[[str], str]
    value_sign: Callable[[str], int]
    table: Callable[[str], list[tuple[float, float]] | None]
    unknown_functions: set[str] = field(default_factory=set)
    #: Per-argument roles of the model's own functions (Vensim macros), as in ``_ROLES``.
    roles: dict[str, str] = field(default_factory=dict)
    #: The range ``(low, high)`` a variable's value stays in, when its equation bounds it.
    bounds: Callable[[str], tuple[float, float] | None] = lambda key: None
    #: Lookup tables the analysed equations called (a table is a shape, not a cause).
    tables_used: set[str] = field(default_factory=set)
    #: How to sign a lookup that is not monotone: "strict" (never), "range" (where the
    #: input's provable range keeps to a monotone part), "initial" (also by the slope where
    #: the model starts). See docs/interop.md, "Lookups that are not monotone".
    lookups: str = "strict"
    #: The value a variable has at the initial time (None: not computable).
    initial_value: Callable[[str], float | None] = lambda key: None
    #: The model's initial time (``Time`` at the start), if known.
    start_time: float | None = None
    #: True while values are those of the model's initialisation (a stock's initial value,
    #: a smooth's or delay's starting value, INITIAL), where ACTIVE INITIAL gives its
    #: initial value; False for values at the start of the run (its active equation).
    initialising: bool = False
    #: Non-monotone lookups left ?, with why (for the import's notes).
    lookups_unsigned: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    effects: dict[str, Effect]
    value: int  # sign of the expression's value


_UNKNOWN_ARG = "?"
#: Per-argument roles of builtins: '+' rises with it, '-' falls, '?' unknown, 'd' delayed +,
#: 't' a delay or smoothing time (-), 'i' initial value only; the last role repeats.
_ROLES: dict[str, str] = {
    # Vensim
    "integ": "+i", "initial": "i", "active initial": "+i", "reinitial": "i",
    "smooth": "dt", "smoothi": "dti", "smooth3": "dt", "smooth3i": "dti",
    "smooth n": "dti?", "delay1": "dti", "delay1i": "dti", "delay3": "dti",
    "delay3i": "dti", "delay n": "dti?", "delay fixed": "dti", "delay information": "dti",
    "delay material": "dti?", "sample if true": "??i",
    "min": "+", "max": "+", "vmin": "+", "vmax": "+", "sum": "+", "exp": "+", "ln": "+",
    "log": "+?", "sqrt": "+", "integer": "+", "int": "+", "quantum": "+?", "game": "+",
    "step": "+?", "a function of": "?",
    # XMILE
    "smth1": "dti", "smth3": "dti", "smthn": "dt?i", "delay": "dti", "delayn": "dt?i",
    "init": "i", "previous": "di", "mean": "+", "stddev": "?", "size": "?",
    "round": "+", "log10": "+", "ceil": "+", "floor": "+", "arctan": "+", "tanh": "+",
}
_FLOWS_AS_INTEG = {"integ"}


def analyse(tree: Any, ctx: Context, expect: int = UNK) -> Result:
    """Each cause's effect on the value of ``tree`` (the causes are canonical keys).

    ``expect`` is the sign the value is known (or assumed) to have; a product
    with one factor of unknown sign takes that factor's sign from it.
    """
    kind = tree[0]
    if kind == "num":
        v = tree[1]
        return Result({}, POS if v >= 0 else NEG)
    if kind == "str":
        return Result({}, UNK)
    if kind == "var":
        key = ctx.key(tree[1])
        if not key:
            return Result({}, UNK)
        return Result({key: Effect(POS)}, ctx.value_sign(key))
    if kind == "table":
        return Result({}, UNK)
    if kind == "neg":
        inner = analyse(tree[1], ctx, -expect)
        return Result(_scale(inner.effects, NEG), -inner.value)
    if kind == "arith" and tree[2] not in ("+", "-", "mod"):
        return _product(tree, ctx, expect)
    if kind == "arith":
        return _arith(tree, ctx)
    if kind in ("compare", "logic"):
        parts = [analyse(t, ctx) for t in tree[1::2]]
        return Result(_scale(_merge(*(p.effects for p in parts)), UNK), POS)
    if kind == "pow":
        return _power(tree, ctx)
    if kind == "call":
        return _call(tree[1], tree[2], ctx, expect)
    return Result({}, UNK)  # pragma: no cover - every tree kind is handled above


def _product(tree: Any, ctx: Context, expect: int) -> Result:
    """``a * b / c``: each factor's effect has the sign of the other factors' product.

    A divisor's effect is the opposite of the rest's sign, the rest taken as
    positive when not known (as Simlin does); a quotient's divisors are taken
    as positive when not known. With ``expect`` known, a single factor of
    unknown sign gets the sign that makes the product's sign right.
    """
    ops = tree[2::2]
    parts = [analyse(t, ctx) for t in tree[1::2]]
    values = [p.value for p in parts]
    unknown = [i for i, v in enumerate(values) if v == UNK]
    if expect != UNK and len(unknown) == 1:
        at = unknown[0]
        values[at] = expect * math.prod(v for i, v in enumerate(values) if i != at)
        parts[at] = analyse(tree[1::2][at], ctx, values[at])  # e.g. a nested product
    divisor = [False, *(op == "/" for op in ops)]
    effects: dict[str, Effect] = {}
    for i, part in enumerate(parts):
        others = [(v, divisor[j]) for j, v in enumerate(values) if j != i]
        if divisor[i]:
            sign = -math.prod(v or POS for v, _ in others)
        else:
            sign = math.prod((v or POS) if below else v for v, below in others)
        effects = _merge(effects, _scale(part.effects, sign))
    return Result(effects, math.prod(values))


Bounds = tuple[float, float]


def bounds(tree: Any, ctx: Context, depth: int = 0) -> Bounds | None:
    """The range an expression's value stays in, where numbers and tables settle it.

    Only what is exact: numbers, table outputs, sums, differences and
    products of bounded terms, MIN/MAX and IF THEN ELSE of bounded branches.
    """
    if depth > MAX_DEPTH:
        return None
    kind = tree[0]
    if kind == "num":
        return (tree[1], tree[1])
    if kind == "var":
        key = ctx.key(tree[1])
        return ctx.bounds(key) if key else None
    if kind == "neg":
        inner = bounds(tree[1], ctx, depth + 1)
        return (-inner[1], -inner[0]) if inner else None
    if kind == "arith" and tree[2] in ("+", "-", "*"):
        acc = bounds(tree[1], ctx, depth + 1)
        for op, operand in zip(tree[2::2], tree[3::2], strict=True):
            right = bounds(operand, ctx, depth + 1)
            if acc is None or right is None or op not in ("+", "-", "*"):
                return None
            if op == "+":
                acc = (acc[0] + right[0], acc[1] + right[1])
            elif op == "-":
                acc = (acc[0] - right[1], acc[1] - right[0])
            else:
                ends = [a * b for a in acc for b in right]
                acc = (min(ends), max(ends))
        return acc
    if kind == "call":
        fname = " ".join(tree[1].strip('"').replace("_", " ").lower().split())
        args = tree[2]
        table = ctx.table(ctx.key(tree[1])) if ctx.key(tree[1]) else None
        if table is None and fname == "with lookup" and len(args) == 2 and \
                args[1][0] == "table":
            table = args[1][1]
        if table:
            ys = [y for _, y in table]
            return (min(ys), max(ys))
        parts = [bounds(a, ctx, depth + 1)
                 for a in (args[1:] if fname == "if then else" else args)]
        if fname in ("if then else", "min", "max") and parts and all(parts):
            known = [p for p in parts if p is not None]
            if fname == "min":
                return (min(p[0] for p in known), min(p[1] for p in known))
            if fname == "max":
                return (max(p[0] for p in known), max(p[1] for p in known))
            return (min(p[0] for p in known), max(p[1] for p in known))
    return None


def _settled(value: int, tree: Any, ctx: Context) -> int:
    """``value``, or the sign the expression's range settles when ``value`` is unknown."""
    if value != UNK:
        return value
    found = bounds(tree, ctx)
    if found is not None and found[0] >= 0:
        return POS
    if found is not None and found[1] <= 0:
        return NEG
    return UNK


def _arith(tree: Any, ctx: Context) -> Result:
    acc = analyse(tree[1], ctx)
    for op, operand in zip(tree[2::2], tree[3::2], strict=True):
        right = analyse(operand, ctx)
        if op in ("+", "-"):
            sign = POS if op == "+" else NEG
            effects = _merge(acc.effects, _scale(right.effects, sign))
            value = acc.value if acc.value == sign * right.value else UNK
            if not acc.effects and acc.value == 0:
                value = sign * right.value
            acc = Result(effects, value)
        elif op == "*":
            acc = Result(_merge(_scale(acc.effects, right.value), _scale(right.effects, acc.value)),
                         acc.value * right.value)
        elif op == "/":
            # A ratio's terms are taken as positive unless known negative (as Simlin does):
            # SD models divide amounts by amounts, times and capacities.
            top, bottom = acc.value or POS, right.value or POS
            acc = Result(_merge(_scale(acc.effects, bottom), _scale(right.effects, -top)),
                         acc.value * right.value)
        else:  # MOD
            acc = Result(_scale(_merge(acc.effects, right.effects), UNK), UNK)
    return Result(acc.effects, _settled(acc.value, tree, ctx))


def _power(tree: Any, ctx: Context) -> Result:
    base, exponent = analyse(tree[1], ctx), analyse(tree[2], ctx)
    effects: dict[str, Effect] = {}
    if tree[2][0] == "num" and base.value == POS:
        n = tree[2][1]
        effects = _scale(base.effects, POS if n > 0 else NEG if n < 0 else UNK)
    elif tree[2][0] == "neg" and tree[2][1][0] == "num" and base.value == POS:
        effects = _scale(base.effects, NEG if tree[2][1][1] > 0 else UNK)
    else:
        effects = _scale(base.effects, UNK)
    if tree[1][0] == "num" and exponent.effects:
        b = tree[1][1]
        sign = POS if b > 1 else NEG if 0 < b < 1 else UNK
        effects = _merge(effects, _scale(exponent.effects, sign))
    else:
        effects = _merge(effects, _scale(exponent.effects, UNK))
    return Result(effects, POS if base.value == POS else UNK)


def _lookup(points: list[tuple[float, float]] | None, inner: Result,
            arg: Any = None, ctx: Context | None = None, name: str = "") -> Result:
    """A lookup applied to ``arg``: the table's direction, or, for a table that is not
    monotone, the direction the ``ctx.lookups`` policy can justify (``lookup_sign``)."""
    if points is None:
        return Result(_scale(inner.effects, UNK), UNK)
    direction, local = table_direction(points), None
    if direction == UNK and ctx is not None and arg is not None and inner.effects:
        direction, local = lookup_sign(points, arg, ctx, name)
    return Result(_scale(inner.effects, direction, local=local), table_value_sign(points))


def _show(value: float) -> str:
    return f"{value:.4g}"


def lookup_sign(points: Sequence[tuple[float, float]], arg: Any, ctx: Context,
                name: str) -> tuple[int, tuple[str, str] | None]:
    """The sign of a non-monotone lookup's effect that the policy can justify, and why.

    ``range``: the input expression's provable range (numbers and tables bound it)
    lies in a part of the table where it only rises (or only falls): exact.
    ``initial``: otherwise, the table's slope around the input's value at the
    initial time (the model's starting state), over the run of points around it
    where the table keeps that direction: a local sign, which can flip when a run
    carries the input past the turning point. Anything else stays ? with a reason.
    """
    shown = name or "a lookup"
    if not points:
        ctx.lookups_unsigned.setdefault(shown, "its points are not in the file (read from "
                                        "data, e.g. GET XLS LOOKUPS)")
        return UNK, None
    if len({y for _, y in points}) <= 1:
        ctx.lookups_unsigned.setdefault(shown, "flat: its output never changes, no effect")
        return UNK, None
    if ctx.lookups == "strict":
        ctx.lookups_unsigned.setdefault(shown, "not monotone (--lookup-signs strict)")
        return UNK, None
    span = bounds(arg, ctx)
    if span is not None:
        direction = table_direction(_restricted(points, span[0], span[1]))
        if direction != UNK:
            return direction, ("range", f"{shown} is not monotone, but its input stays in "
                               f"[{_show(span[0])}, {_show(span[1])}], where it "
                               f"{'rises' if direction == POS else 'falls'}")
    if ctx.lookups != "initial":
        ctx.lookups_unsigned.setdefault(shown, "not monotone over its input's range")
        return UNK, None
    if _follows_time(arg, ctx):
        ctx.lookups_unsigned.setdefault(
            shown, "not monotone, and its input follows Time: a run moves it along the table")
        return UNK, None
    start = evaluate(arg, ctx)
    if start is None:
        ctx.lookups_unsigned.setdefault(
            shown, "not monotone, and its input's initial value could not be computed")
        return UNK, None
    direction, low, high = direction_at(points, start)
    if direction == UNK:
        xs = [x for x, _ in points]
        where = "outside the table's x range (lookups clamp: no slope)" \
            if not min(xs) <= start <= max(xs) else "on a flat part or a turning point"
        ctx.lookups_unsigned.setdefault(
            shown, f"not monotone, and its input starts at {_show(start)}, {where}")
        return UNK, None
    return direction, ("initial", f"{shown} is not monotone; its input starts at "
                       f"{_show(start)}, where the table {'rises' if direction == POS else 'falls'}"
                       f" (over x from {_show(low)} to {_show(high)}): signed for that state")


def _follows_time(tree: Any, ctx: Context) -> bool:
    """Whether the expression's value moves with Time itself (a time series, swept by every
    run); Time in an IF THEN ELSE condition is a switch, and Time reached through other
    variables is not traced."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, tuple) or not node:
            continue
        if node[0] == "var" and not ctx.key(node[1]) and " ".join(
                node[1].strip('"').replace("_", " ").lower().split()) == "time":
            return True
        if node[0] == "call" and " ".join(str(node[1]).replace("_", " ").lower().split()) \
                == "if then else" and len(node[2]) == 3:
            stack.extend(node[2][1:])
            continue
        for part in node[1:]:
            if isinstance(part, tuple):
                stack.append(part)
            elif isinstance(part, list):
                stack.extend(p for p in part if isinstance(p, tuple))
    return False


def _restricted(points: Sequence[tuple[float, float]], low: float,
                high: float) -> list[tuple[float, float]]:
    """The table's points seen by inputs in ``[low, high]`` (clamped at its ends)."""
    inside = [(x, y) for x, y in sorted(points) if low < x < high]
    return [(low, interpolate(points, low)), *inside, (high, interpolate(points, high))]


def direction_at(points: Sequence[tuple[float, float]], x: float) -> tuple[int, float, float]:
    """The table's direction at input ``x`` and the x-run around it keeping that direction.

    Strictly inside a sloped segment: its slope's sign; on a point between two
    segments: their common sign; flat, a turning point, or outside the table
    (where lookups clamp, so nothing moves): 0. The run widens over segments
    of the same direction or flat ones.
    """
    pts = sorted(points)
    if len(pts) < 2 or not pts[0][0] <= x <= pts[-1][0]:
        return UNK, 1.0, 0.0
    slopes = [(b[1] > a[1]) - (b[1] < a[1]) for a, b in pairwise(pts)]
    touching = [i for i, (a, b) in enumerate(pairwise(pts)) if a[0] <= x <= b[0]]
    inside = [i for i in touching if pts[i][0] < x < pts[i + 1][0]]
    found = {slopes[i] for i in (inside or touching)}
    if len(found) != 1 or UNK in found:
        return UNK, 1.0, 0.0
    sign = found.pop()
    first, last = min(inside or touching), max(inside or touching)
    while first > 0 and slopes[first - 1] in (sign, UNK):
        first -= 1
    while last < len(slopes) - 1 and slopes[last + 1] in (sign, UNK):
        last += 1
    return sign, pts[first][0], pts[last + 1][0]


def interpolate(points: Sequence[tuple[float, float]], x: float) -> float:
    """A lookup's output at ``x``: linear between points, clamped beyond the ends
    (Vensim's and XMILE's default)."""
    pts = sorted(points)
    if x <= pts[0][0]:
        return pts[0][1]
    if x >= pts[-1][0]:
        return pts[-1][1]
    for (x0, y0), (x1, y1) in pairwise(pts):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return pts[-1][1]  # pragma: no cover - x lies between the ends


#: The argument that gives a builtin's value at the initial time: its initial-value
#: argument when written, else the first (a smoothed or delayed value starts at its input).
_START_ARG = {
    "integ": 1, "initial": 0, "init": 0, "reinitial": 0,
    "smooth": 2, "smooth3": 2, "delay1": 2, "delay3": 2, "smoothi": 2, "smooth3i": 2,
    "delay1i": 2, "delay3i": 2, "delay fixed": 2, "delay information": 2,
    "delay material": 2, "smooth n": 2, "delay n": 2, "sample if true": 2, "trend": 2,
    "previous": 1, "smth1": 2, "smth3": 2, "delay": 2, "smthn": 3, "delayn": 3,
}
_MATH: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "ln": math.log, "sqrt": math.sqrt, "abs": abs, "integer": math.floor,
    "int": math.floor, "log10": math.log10, "ceil": math.ceil, "floor": math.floor,
    "arctan": math.atan, "tanh": math.tanh, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "round": round,
}
_TIME_NAMES = ("time", "initial time", "starttime", "start time")


def evaluate(tree: Any, ctx: Context, depth: int = 0) -> float | None:
    """The value of an expression at the model's initial time, or None when loopkit
    cannot compute it exactly (an unknown function, a subscript, a division by zero)."""
    try:
        value = _evaluate(tree, ctx, depth)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return None
    return value if value is not None and math.isfinite(value) else None


def _evaluate(tree: Any, ctx: Context, depth: int) -> float | None:
    if depth > MAX_DEPTH:
        return None
    kind = tree[0]
    sub = depth + 1
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        key = ctx.key(tree[1])
        if key:
            return ctx.initial_value(key)
        plain = " ".join(tree[1].strip('"').replace("_", " ").lower().split())
        return ctx.start_time if plain in _TIME_NAMES else None
    if kind == "neg":
        inner = _evaluate(tree[1], ctx, sub)
        return None if inner is None else -inner
    if kind == "logic" and tree[2] == "not" and tree[1][0] == "compare":
        # ':NOT: a > b' is read as NOT (a > b); Vensim and Simlin may bind NOT first,
        # (NOT a) > b: the value is not certain, so it is not computed.
        return None
    if kind in ("arith", "compare", "logic"):
        acc = _evaluate(tree[1], ctx, sub)
        for op, operand in zip(tree[2::2], tree[3::2], strict=True):
            right = _evaluate(operand, ctx, sub)
            if acc is None or right is None:
                return None
            acc = _apply(op, acc, right)
        return acc
    if kind == "pow":
        base, exponent = _evaluate(tree[1], ctx, sub), _evaluate(tree[2], ctx, sub)
        if base is None or exponent is None:
            return None
        result = base ** exponent
        return result if isinstance(result, float | int) else None
    if kind != "call":
        return None
    fname = " ".join(tree[1].strip('"').replace("_", " ").lower().split())
    args = tree[2]
    key = ctx.key(tree[1])
    table = ctx.table(key) if key else None
    if table is not None and args:
        x = _evaluate(args[0], ctx, sub)
        return None if x is None or not table else interpolate(table, x)
    if fname == "with lookup" and len(args) == 2 and args[1][0] == "table":
        x = _evaluate(args[0], ctx, sub)
        return None if x is None or not args[1][1] else interpolate(args[1][1], x)
    if fname in ("lookup", "graph") and len(args) == 2 and args[0][0] == "var":
        points = ctx.table(ctx.key(args[0][1])) if ctx.key(args[0][1]) else None
        x = _evaluate(args[1], ctx, sub)
        return None if x is None or not points else interpolate(points, x)
    if fname == "if then else" and len(args) == 3:
        cond = _evaluate(args[0], ctx, sub)
        return None if cond is None else _evaluate(args[1] if cond else args[2], ctx, sub)
    if fname == "active initial" and len(args) == 2:
        return _evaluate(args[1] if ctx.initialising else args[0], ctx, sub)
    start = _START_ARG.get(fname)
    if start is not None and args:
        saved, ctx.initialising = ctx.initialising, True
        try:
            return _evaluate(args[start] if len(args) > start else args[0], ctx, sub)
        finally:
            ctx.initialising = saved
    values = [_evaluate(a, ctx, sub) for a in args]
    if any(v is None for v in values) or not values:
        return None
    nums = [v for v in values if v is not None]
    if fname in ("min", "vmin") and nums:
        return min(nums)
    if fname in ("max", "vmax") and nums:
        return max(nums)
    if fname in _MATH and len(nums) == 1:
        return float(_MATH[fname](nums[0]))
    if fname == "log" and len(nums) == 2:
        return math.log(nums[0], nums[1])
    if fname in ("xidz", "safediv") and len(nums) >= 2:
        return nums[2] if nums[1] == 0 and len(nums) > 2 else nums[0] / nums[1]
    if fname == "zidz" and len(nums) == 2:
        return 0.0 if nums[1] == 0 else nums[0] / nums[1]
    if ctx.start_time is None:
        return None
    now = ctx.start_time
    if fname == "step" and len(nums) == 2:
        return nums[0] if now >= nums[1] else 0.0
    if fname == "ramp" and len(nums) in (2, 3):
        return 0.0 if now <= nums[1] else None
    if fname == "pulse" and len(nums) == 2:
        return 1.0 if nums[0] <= now < nums[0] + nums[1] else 0.0
    return None


def _apply(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "mod":
        return a % b
    if op == "and":
        return float(bool(a) and bool(b))
    if op == "or":
        return float(bool(a) or bool(b))
    if op == "not":
        return float(not a)
    compare = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b,
               "<>": a != b}
    if op in compare:
        return float(compare[op])
    raise ValueError(op)


def _call(name: str, args: list[Any], ctx: Context, expect: int = UNK) -> Result:
    fname = " ".join(name.strip('"').replace("_", " ").lower().split())
    table = ctx.table(ctx.key(name)) if ctx.key(name) else None
    if table is not None:  # a Vensim lookup call: table(x)
        ctx.tables_used.add(ctx.key(name))
        inner = analyse(args[0], ctx) if args else Result({}, UNK)
        return _lookup(table, inner, args[0] if args else None, ctx, name.strip().strip('"'))
    if fname == "with lookup" and len(args) >= 2:
        points = args[1][1] if args[1][0] == "table" else None
        return _lookup(points, analyse(args[0], ctx), args[0], ctx, "WITH LOOKUP's table")
    if fname in ("lookup", "graph") and len(args) >= 2 and args[0][0] == "var":
        key = ctx.key(args[0][1])
        if key:
            ctx.tables_used.add(key)
        inner = analyse(args[1], ctx)
        found = _lookup(ctx.table(key) if key else None, inner, args[1], ctx, args[0][1])
        return found
    if fname == "if then else" and len(args) == 3:
        cond = analyse(args[0], ctx)
        yes, no = analyse(args[1], ctx, expect), analyse(args[2], ctx, expect)
        value = yes.value if yes.value == no.value else UNK
        return Result(_merge(_scale(cond.effects, UNK), yes.effects, no.effects), value)
    if fname in ("xidz", "zidz", "safediv") and len(args) >= 2:
        quotient = _arith(("arith", args[0], "/", args[1]), ctx)
        rest = [analyse(a, ctx) for a in args[2:]]
        return Result(_merge(quotient.effects, *(_scale(r.effects, UNK) for r in rest)), UNK)
    if fname == "abs" and len(args) == 1:
        inner = analyse(args[0], ctx)
        return Result(_scale(inner.effects, inner.value), POS)
    roles = ctx.roles.get(fname) or _ROLES.get(fname)
    # The value of MIN(a, b) >= 0 means both are; INITIAL/ACTIVE INITIAL pass it on.
    passes = expect if fname in ("initial", "init", "active initial") or (
        fname in ("min", "vmin") and expect == POS) or (fname in ("max", "vmax")
                                                         and expect == NEG) else UNK
    parts = [analyse(a, ctx, passes if i == 0 or fname in ("min", "max") else UNK)
             for i, a in enumerate(args)]
    if roles is None:
        ctx.unknown_functions.add(fname)
        return Result(_scale(_merge(*(p.effects for p in parts)), UNK), UNK)
    maps = []
    value = POS
    for i, part in enumerate(parts):
        role = roles[min(i, len(roles) - 1)]
        if role == "+":
            maps.append(part.effects)
            value = value if part.value == POS else UNK
        elif role == "d":
            maps.append(_scale(part.effects, POS, delayed=True))
            value = value if part.value == POS else UNK
        elif role == "-":
            maps.append(_scale(part.effects, NEG))
            value = UNK
        elif role == "t":  # a delay or smoothing time: Simlin's convention, see docs
            maps.append(_scale(part.effects, NEG))
        elif role == "i":
            maps.append(_scale(part.effects, POS, initial=True))
        else:
            maps.append(_scale(part.effects, UNK))
    if fname in ("initial", "init"):
        value = parts[0].value if parts else UNK
    if fname in ("integ",):
        value = UNK  # the stock's own sign is decided by the caller
    return Result(_merge(*maps), value if parts else UNK)


def number(tree: Any) -> float | None:
    """The value of an equation that is a plain (possibly negated) number."""
    if tree[0] == "num":
        return float(tree[1])
    if tree[0] == "neg" and tree[1][0] == "num":
        return -float(tree[1][1])
    return None


def finite(value: float) -> bool:
    return math.isfinite(value)


_NAME_CHARS = re.compile(r"[\s_]+")


__all__ = ["NEG", "POS", "UNK", "Context", "Effect", "ExpressionError", "Result", "analyse",
           "direction_at", "evaluate", "interpolate", "lookup_sign", "number", "parse",
           "table_direction", "table_value_sign"]
