"""docs/api.md's examples run as written (doctest), so the API page cannot go stale."""

from __future__ import annotations

import doctest
import re

import pytest

from tests.helpers import ROOT

PAGE = ROOT / "docs" / "api.md"


def test_every_example_in_docs_api_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the examples name files as a reader in the repository would
    # Code fences become blank lines: a closing ``` would otherwise read as expected output.
    text = re.sub(r"^```.*$", "", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    test = doctest.DocTestParser().get_doctest(text, {}, "api.md", str(PAGE), 0)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted >= 30
    assert results.failed == 0, "docs/api.md: see the doctest report above"
