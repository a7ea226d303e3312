"""Hostile inputs too big to keep in git: each is built from a few lines of code.

``CASES[name]()`` returns the bytes of ``name.yaml``; its expected stderr lines
live beside the static cases in ``name.expected`` (empty: the file must work).
``fuzz/hostile_costs.py`` writes them out to measure time and memory.
"""

from __future__ import annotations

from collections.abc import Callable

_BASE = "variables:\n  a: A\n  b: B\nlinks:\n  - a -> b (+)\n  - b -> a (-)\n"


def deep_flow() -> bytes:
    """100,000 nested flow sequences: overflowed the C stack of PyYAML's composer."""
    return ("x-deep: " + "[" * 100_000 + "]" * 100_000 + "\n" + _BASE).encode()


def deep_block() -> bytes:
    """Block sequences nested on one line: ``- - - - ... x``."""
    return ("x-deep:\n  " + "- " * 50_000 + "x\n" + _BASE).encode()


def deep_mapping() -> bytes:
    """Flow mappings nested 100,000 deep."""
    return ("x-deep: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n" + _BASE).encode()


def huge_file() -> bytes:
    """6 MB of comments after a valid diagram: over the 5 MiB default."""
    return (_BASE + ("# padding " + "." * 90 + "\n") * 60_000).encode()


def huge_label() -> bytes:
    """A 100,000-character label."""
    return _BASE.replace("a: A", "a: " + "A" * 100_000).encode()


def long_line() -> bytes:
    """A legitimate 1 MB single-line description: long text is fine outside labels."""
    return ("description: " + "word " * 200_000 + "\n" + _BASE).encode()


def long_line_error() -> bytes:
    """A syntax error at column 1,000,001 of one line."""
    return ("description: " + "x" * 1_000_000 + ": oops\n" + _BASE).encode()


def many_variables() -> bytes:
    """20,000 variables: over the 10,000 default."""
    lines = ["variables:"] + [f"  v{i}: Variable {i}" for i in range(20_000)]
    return ("\n".join(lines) + "\nlinks: []\n").encode()


def many_links() -> bytes:
    """60,000 compact links in one flow list: over the 50,000 default."""
    links = ", ".join(f"v{i % 100} -> v{(i * 7 + 1) % 100} (+)" for i in range(60_000))
    variables = ", ".join(f"v{i}: V{i}" for i in range(100))
    return f"variables: {{{variables}}}\nlinks: [{links}]\n".encode()


def thousands_legit() -> bytes:
    """3,000 variables and 6,000 links with a handful of loops: must simply work."""
    lines = ["variables:"] + [f"  v{i}: Variable number {i}" for i in range(3000)]
    lines.append("links:")
    lines += [f"  - v{i} -> v{i + 1} (+)" for i in range(2999)]
    lines += [f"  - v{i} -> v{i + 2} (-)" for i in range(2998)]
    lines += [f"  - v{i} -> v{i - 500} (+)" for i in range(600, 3000, 800)]
    return ("\n".join(lines) + "\n").encode()


def many_unknown_names() -> bytes:
    """5,000 links to undeclared variables among 2,000: did-you-mean must stay cheap."""
    lines = ["variables:"] + [f"  variable{i}: V{i}" for i in range(2000)]
    lines.append("links:")
    lines += [f"  - variabel{i} -> variable{i % 2000} (+)" for i in range(5000)]
    return ("\n".join(lines) + "\n").encode()


def long_loop() -> bytes:
    """A declared loop listing 100,000 variables (repeat checks must not be quadratic)."""
    names = ", ".join(["a", "b"] * 50_000)
    return (_BASE + f"loops:\n  R1: {{variables: [{names}]}}\n").encode()


def many_values() -> bytes:
    """100,000 small values under an x- key: under every limit, so it must work."""
    return ("x-data: [" + ",".join("1" for _ in range(100_000)) + "]\n" + _BASE).encode()


def too_many_values() -> bytes:
    """600,000 values without any alias: over the 500,000 default."""
    return ("x-data: [" + ",".join("1" for _ in range(600_000)) + "]\n" + _BASE).encode()


def aliased_long_text() -> bytes:
    """One 100,000-character string aliased into 5,000 description and evidence fields
    (a 0.2 MB file, 500 MB of text once expanded: far under the value limit, but an
    export writing every copy needed gigabytes)."""
    lines = [f"x-text: &t {'lorem ipsum ' * 8_333}", "variables:"]
    lines += [f"  v{i}: {{label: V{i}, description: *t}}" for i in range(1_000)]
    lines.append("links:")
    lines += [f"  - {{from: v{i % 1_000}, to: v{(i + 1 + i // 1_000) % 1_000}, polarity: '+', "
              "description: *t, evidence: *t}" for i in range(2_000)]
    return ("\n".join(lines) + "\n").encode()


CASES: dict[str, Callable[[], bytes]] = {
    name.replace("_", "-"): function
    for name, function in list(globals().items())
    if callable(function) and not name.startswith("_") and function.__module__ == __name__
}


# -- other tools' files for `loopkit import` -------------------------------------------
# ``IMPORTS[name] = (suffix, build)``; the expected stderr of ``loopkit import -q FILE``
# lives in ``imports/NAME.expected`` (empty: the file must import).

_XMILE = ('<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><model><variables>'
          '<aux name="a"><eqn>1</eqn></aux></variables></model>{}</xmile>\n')
_GRAPHML = ('<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
            '<key id="l" for="node" attr.name="label" attr.type="string"/>\n'
            '<key id="d" for="node" attr.name="description" attr.type="string"/>\n'
            '<graph edgedefault="directed">\n{}</graph></graphml>\n')


def kumu_same_labels() -> bytes:
    """20,000 elements all labelled 'same': ids same, same_2 ... took minutes to make."""
    elements = ",\n".join('{"label": "same"}' for _ in range(20_000))
    return f'{{"elements": [\n{elements}\n], "connections": []}}\n'.encode()


def graphml_same_labels() -> bytes:
    """20,000 GraphML nodes all labelled 'same'."""
    return _GRAPHML.format("".join(f'<node id="n{i}"><data key="l">same</data></node>\n'
                                   for i in range(20_000))).encode()


def vensim_many_equations() -> bytes:
    """80,000 equations: read whole (48 s) and only then refused."""
    equations = "".join(f"variable {i} = variable {(i + 1) % 80_000} * 2\n\t~\t~\t|\n\n"
                        for i in range(80_000))
    return ("{UTF-8}\n" + equations + "\\\\\\---/// Sketch information\n").encode()


def graphml_many_entities() -> bytes:
    """A description of 300,000 '&amp;': expat reports each one separately."""
    return _GRAPHML.format('<node id="a"><data key="l">A</data><data key="d">'
                           + "&amp;" * 300_000 + '</data></node>\n').encode()


def xmile_deep() -> bytes:
    """Elements nested 1,000 deep: a recursive walk raised RecursionError (exit 3)."""
    return _XMILE.format("<x>" * 1_000 + "</x>" * 1_000).encode()


def loopy_list_ids() -> bytes:
    """LOOPY node ids given as JSON lists (unhashable: exit 3)."""
    return b'[[[[1],10,10,0,"a",0],[2,20,20,0,"b",1]],[[[1],2,0,1]],[],3]\n'


def kumu_long_integer() -> bytes:
    """A 5,000-digit integer: Python's int() refuses more than 4,300 digits (exit 3)."""
    return ('{"elements": [{"label": "a", "size": ' + "7" * 5_000 + '}],\n'
            ' "connections": []}\n').encode()


def sdjson_long_integer() -> bytes:
    """A 5,000-digit polarity in SD-JSON."""
    return ('{"variables": [{"name": "a"}],\n "relationships": [{"from": "a", "to": "a", '
            '"polarity": ' + "7" * 5_000 + "}]}\n").encode()


def kumu_huge_position() -> bytes:
    """A 400-digit pinned position: float() overflowed (exit 3); it is now ignored."""
    return ('{"elements": [{"label": "a", "loopkit": {"pos": [' + "9" * 400 + ', 1]}}],\n'
            ' "connections": []}\n').encode()


IMPORTS: dict[str, tuple[str, Callable[[], bytes]]] = {
    name.replace("_", "-"): (suffix, globals()[name]) for name, suffix in (
        ("kumu_same_labels", ".json"), ("graphml_same_labels", ".graphml"),
        ("vensim_many_equations", ".mdl"), ("graphml_many_entities", ".graphml"),
        ("xmile_deep", ".xmile"), ("loopy_list_ids", ".loopy"),
        ("kumu_long_integer", ".json"), ("sdjson_long_integer", ".sd.json"),
        ("kumu_huge_position", ".json"))
}
