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

from smartvote.pages.report.formatting import millions, pct

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


def open_reports(browser: Any, reports: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Open every forensic report's page in one tab and check that its headline figures are
    visible and its three figures load; return the console errors seen and the URLs requested."""
    page, requests = recorded_tab(browser)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for election_id, files in reports.items():
        page.goto(files.html.as_uri())
        doc = files.document
        expected = {
            "#official-turnout": pct(doc["official"]["turnout_pct"]),  # type: ignore[index]
            "#clean-turnout": pct(doc["shpilkin"]["clean_turnout_pct"]),  # type: ignore[index]
            "#official-leader": pct(doc["official"]["leader_pct"]),  # type: ignore[index]
            "#clean-leader": pct(doc["shpilkin"]["clean_leader_pct"]),  # type: ignore[index]
            "#anomalous-votes": millions(doc["shpilkin"]["anomalous_votes"]),  # type: ignore[index]
            "#integer-excess": f"{doc['integer']['excess']:+.1f}",  # type: ignore[index]
        }
        for selector, text in expected.items():
            element = page.locator(selector)
            assert element.is_visible(), (election_id, selector)
            assert text in element.inner_text(), (election_id, selector, text)
        images = page.locator("img")
        assert images.count() == len(doc["figures"])  # type: ignore[arg-type]  # every figure it lists
        loaded = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        assert loaded, election_id
    page.close()
    return errors, requests
