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
