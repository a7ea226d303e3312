"""Sphinx extension: ``.. loopkit:: path`` (or inline YAML as its content) as inline SVG.

Add ``"loopkit.integrate.sphinx"`` to ``extensions`` in ``conf.py``::

    .. loopkit:: diagrams/school-fines.yaml
       :loop: R1

    .. loopkit::

       variables: ...

The path is relative to the document. A diagram error stops the build with
one ``file:line:col`` line (``LoopkitError``), as the MkDocs plugin does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.errors import SphinxError

from loopkit.integrate.embed import EmbedError, block_svg, html_figure


class LoopkitError(SphinxError):
    category = "loopkit diagram error"


class LoopkitDirective(Directive):
    """The ``loopkit`` directive: one diagram, drawn at build time."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "loop": directives.unchanged, "engine": directives.unchanged,
        "style": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        source, line = self.state_machine.get_source_and_line(self.lineno)
        page = Path(source or env.doc2path(env.docname))
        options = [f"{key}: {value}" for key, value in self.options.items()]
        if self.arguments:
            body = "\n".join([self.arguments[0], *options])
            first = line or self.lineno
        else:
            body = "\n".join([*options, "---", *self.content]) if options \
                else "\n".join(self.content)
            first = self.content_offset + 1 - (len(options) + 1 if options else 0)
        count = env.temp_data.get("loopkit_count", 0) + 1
        env.temp_data["loopkit_count"] = count
        try:
            svg = block_svg(body, _relative(page, env), first, base=page.parent,
                            id_prefix=f"lk{count}-")
        except EmbedError as error:
            raise LoopkitError(str(error)) from None
        return [nodes.raw("", html_figure(svg), format="html")]


def _relative(page: Path, env: Any) -> str:
    try:
        return str(page.relative_to(Path(env.srcdir)))
    except ValueError:
        return str(page)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("loopkit", LoopkitDirective)
    from loopkit import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
