"""The global ``--max-...`` options (and ``LOOPKIT_MAX_...`` variables) for input limits.

They live on the root command so every subcommand that reads diagrams obeys
them without declaring anything: ``loopkit --max-variables 50000 render x.yaml``.
"""

from __future__ import annotations

from typing import Any

import typer

from loopkit.limits import DEFAULT_LIMITS, ENV_VARS, FLAGS

#: Limits given in bytes, which accept ``20M`` or ``512k``.
SIZES = ("file_size", "yaml_text")

_HELP = {
    "file_size": "Largest diagram file read, e.g. 20M",
    "yaml_values": "Most YAML values after alias expansion",
    "yaml_text": "Most bytes of text after alias expansion, e.g. 50M",
    "depth": "Deepest YAML nesting",
    "variables": "Most variables per diagram",
    "links": "Most links per diagram",
    "label_length": "Longest id, label, group, loop name or title, in characters",
    "problems": "Problems listed per file before the rest are summed up",
    "files": "Most diagram files read from the folders named",
}


def option(name: str) -> Any:
    """The typer option for limit ``name`` (a field of ``loopkit.limits.Limits``)."""
    default = getattr(DEFAULT_LIMITS, name)
    shown = f"{default // 1024**2}M" if name in SIZES else f"{default:,}"
    return typer.Option(
        None, FLAGS[name], envvar=ENV_VARS[name], metavar="N", show_default=False,
        help=f"{_HELP[name]} (default {shown}).", rich_help_panel="Input limits",
    )


def apply(ctx: typer.Context, **values: str | None) -> None:
    """Parse the given limits and apply them for the rest of this invocation."""
    from loopkit.cli.common import fail_usage
    from loopkit.limits import active_limits, parse_count, using_limits

    changes: dict[str, int | None] = {}
    for key, text in values.items():
        name = key.removeprefix("max_")
        if text is None:
            continue
        try:
            changes[name] = parse_count(text, sizes=name in SIZES)
        except ValueError as error:
            raise fail_usage(f"{FLAGS[name]}: {error}") from None
    if changes:
        try:
            limits = active_limits().with_(**changes)
        except ValueError as error:  # over a ceiling (--max-depth)
            raise fail_usage(f"{FLAGS['depth']}: {error}") from None
        ctx.with_resource(using_limits(limits))
