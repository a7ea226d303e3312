"""One headless Chromium per test module, driven by selenium (see test_report_browser.py).

Skips cleanly where chromium, chromedriver or selenium are missing, unless
``LOOPKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure so
CI can never pass without running the browser tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000")


def missing(reason: str) -> None:
    if os.environ.get("LOOPKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed (pip install '.[test]')")
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    chromedriver = shutil.which("chromedriver")
    if browser is None or chromedriver is None:
        missing("chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="loopkit-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(chromedriver), options=options)
    chrome.set_page_load_timeout(30)
    chrome.set_script_timeout(60)
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


def print_to_pdf(driver: Any, options: Any) -> bytes:
    """Chromium's print to PDF, tried up to three times.

    Chromium now and then answers "Printing failed" (an inspector error, before
    any page is laid out) on a loaded machine; that says nothing about the page,
    so it is retried. Any other error, and a third failure, still fail the test.
    """
    import base64

    from selenium.common.exceptions import WebDriverException

    for attempt in range(3):
        try:
            return base64.b64decode(driver.print_page(options))
        except WebDriverException as error:
            if "Printing failed" not in str(error) or attempt == 2:
                raise
    raise AssertionError("unreachable")
