"""MkDocs plugin: ``plugins: [loopkit]`` turns ```` ```loopkit ```` blocks into inline SVG.

Registered under the ``mkdocs.plugins`` entry point as ``loopkit``. A block
holds a diagram path relative to the page, or inline YAML (see
``loopkit.integrate.embed``). A diagram error fails the build with one
``file:line:col`` line. Fences inside other fences (a page documenting the
plugin, say, with ```` ````markdown ```` around the example) are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from loopkit.integrate.embed import EmbedError, block_svg, html_figure

_FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


class LoopkitPlugin(BasePlugin):  # type: ignore[type-arg]
    """Replaces each ``loopkit`` fenced block of a page with the diagram's SVG."""

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        source = Path(page.file.abs_src_path) if page.file.abs_src_path else None
        shown = page.file.src_path
        try:
            return render_blocks(markdown, shown, source.parent if source else Path("."))
        except EmbedError as error:
            raise PluginError(str(error)) from None


def render_blocks(markdown: str, page: str, base: Path) -> str:
    """The page with every top-level ``loopkit`` block replaced by its picture."""
    lines = markdown.split("\n")
    out: list[str] = []
    i, count = 0, 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence = match.group("fence")
        end = i + 1
        while end < len(lines):
            closing = lines[end].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            end += 1
        if match.group("info").strip().split(" ")[0] == "loopkit":
            body = "\n".join(lines[i + 1:end])
            count += 1
            svg = block_svg(body, page, i + 2, id_prefix=f"lk{count}-", base=base)
            out += ["", html_figure(svg), ""]
        else:
            out += lines[i:end + 1]
        i = end + 1
    return "\n".join(out)
