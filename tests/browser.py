"""Headless Chromium for the page tests: Debian's browser, started and closed by one helper.

Playwright's sync API must not outlive the test that starts it, or the next browser test of
the session cannot start its own; every page test therefore opens the browser here, in a
``with`` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (a test fails, never skips, when it is not installed)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def recorded_tab(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A new tab and the list that every URL it requests is appended to."""
    tab = browser.new_page(**options)
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    return tab, requests


def only_local(requests: list[str]) -> bool:
    """Whether a page fetched nothing but itself and its embedded data."""
    return all(url.startswith(("file:", "data:")) for url in requests)
