"""CI runs every test: with ``LOOPKIT_NO_SKIPS=1`` (set by ``.ci/run``) a skip is a failure.

Why: a test that skips because ``../shared/data``, Chromium or git is missing
passes silently, so CI could go green without ever running it. Elsewhere (a
contributor's laptop, another CI) the skips stay skips, with their reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and not hasattr(report, "wasxfail")
            and os.environ.get("LOOPKIT_NO_SKIPS") == "1"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but LOOPKIT_NO_SKIPS=1 requires every test to run: {reason}"
