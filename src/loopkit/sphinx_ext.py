"""The Sphinx extension under the name 0.2.0 published (``extensions = ["loopkit.sphinx_ext"]``).

Kept so existing ``conf.py`` files go on working; the extension itself is
``loopkit.integrate.sphinx``.
"""

from loopkit.integrate.sphinx import setup

__all__ = ["setup"]
