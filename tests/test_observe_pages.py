"""The observers' and moderators' pages in headless Chromium against a real ``observe serve``.

Online, unreachable (the server stopped: Playwright's offline switch does not cover the
service worker), reloaded while unreachable, killed while sending; the token from the URL
fragment gone from the address at once; "forget me"; no request to another origin; the page's
evaluator against the server's on every spb-2021 protocol and mutated copies; two moderators.
Screenshots go to the test's tmp folder (``SCREENSHOTS`` printed).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import segno

from browser import chromium
from observe_photos import CLEAN_MARKERS, markers, phone_photo
from observe_server import Server, request
from observe_support import CONTEST, protocol
from smartvote.observe.storage import Storage
from smartvote.protocols import form

pytest_plugins = ["observe_fixtures"]
PAGES = Path(__file__).resolve().parents[1] / "src" / "smartvote" / "pages" / "templates" / "observe"


@pytest.fixture(scope="module")
def spb(data_dir: Path) -> dict[str, pd.DataFrame]:
    protocols = pd.read_csv(data_dir / "spb-2021" / "protocols.csv", dtype={"uik": str})
    votes = pd.read_csv(data_dir / "spb-2021" / "votes.csv", dtype={"uik": str, "choice_id": str})
    choices = pd.read_csv(data_dir / "spb-2021" / "choices.csv", dtype={"choice_id": str})
    return {"protocols": protocols, "votes": votes, "choices": choices}


def _lines(row: Mapping[str, Any], form_name: str) -> dict[str, int | None]:
    """A protocol row's lines by number, through the form's canonical columns (the CSV's box
    columns are named ``ballots_*_box``)."""
    renamed = {"ballots_portable": "ballots_portable_box", "ballots_stationary": "ballots_stationary_box"}
    out: dict[str, int | None] = {}
    for line in form(form_name).lines:
        value = row[renamed.get(line.column, line.column)]
        out[line.id] = None if pd.isna(value) else int(value)
    return out


@pytest.fixture
def site(backend: str, tmp_path: Path, spb: dict[str, pd.DataFrame]) -> Iterator[dict[str, Any]]:
    rows = spb["protocols"][spb["protocols"]["contest"] == CONTEST]
    stations = pd.DataFrame(
        {
            "contest": CONTEST,
            "station": rows["uik"],
            "region": "Санкт-Петербург",
            "tik": rows["tik"].astype(str),
            "number": rows["uik"].astype(int),
            "registered": rows["registered"],
        }
    )
    names = spb["choices"][spb["choices"]["contest"] == CONTEST]
    choices = pd.DataFrame({"contest": CONTEST, "choice": names["choice_id"], "name": names["name"]})
    contests = pd.DataFrame({"contest": [CONTEST], "form": ["ru-duma-list"]})
    store = Storage(backend, tmp_path / "photos")
    organiser = store.create_election("spb-2021", "St Petersburg 2021", contests, stations, choices)
    _, observers = store.issue_tokens("spb-2021", "observer", 2)
    _, moderators = store.issue_tokens("spb-2021", "moderator", 2)
    server = Server(store.url, store.photo_dir, tmp_path / "server.log", workers=1)
    server.start()
    try:
        yield {
            "store": store,
            "server": server,
            "base": f"http://127.0.0.1:{server.port}",
            "organiser": organiser,
            "observers": observers,
            "moderators": moderators,
            "rows": rows.set_index("uik"),
            "votes": spb["votes"][spb["votes"]["contest"] == CONTEST],
        }
    finally:
        server.stop()
        store.close()


def _fill(page: Any, site: dict[str, Any], uik: str, **changes: int) -> dict[str, Any]:
    """Type station ``uik``'s real protocol into the form (``L10=...`` changes a figure)."""
    lines = _lines(site["rows"].loc[uik], "ru-duma-list")
    votes = site["votes"][site["votes"]["uik"] == uik].set_index("choice_id")["votes"]
    page.fill("#station", uik)
    for key, value in lines.items():
        page.fill(f"#L-{key}", str(changes.get(f"L{key}", value)))
    for choice, value in votes.items():
        page.fill(f"#C-{choice}", str(int(value)))
    return {"lines": lines, "votes": votes}


def _outbox(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("() => Device.items()")  # type: ignore[no-any-return]


def _stored(site: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = request(site["server"].port, "GET", "/api/v1/submissions", site["organiser"])
    assert status == 200
    return body  # type: ignore[no-any-return]


def test_observer_online_offline_reload_forget(site: dict[str, Any], tmp_path: Path) -> None:
    base, server = site["base"], site["server"]
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        answer = page.goto(f"{base}/#t={site['observers'][0]}")
        assert answer is not None
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        page.wait_for_selector("#protocol:not([hidden])")
        assert page.evaluate("() => location.href") == f"{base}/", "the token is left in the address"
        assert page.locator("h1").inner_text() == "Протокол участка"
        assert "Число избирателей" in page.locator("label[for=L-1]").inner_text()
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

        # Online: a real station's protocol with a phone photo carrying EXIF GPS.
        _fill(page, site, "1")
        assert page.locator("#checks .check").count() == 0  # the real protocol breaks nothing
        page.set_input_files(
            "#gallery", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
        )
        page.wait_for_function("() => document.getElementById('photo-count').textContent.endsWith('1')")
        page.screenshot(path=str(tmp_path / "observer-360.png"), full_page=True)
        page.click("#send")
        page.wait_for_selector("li[data-state=acknowledged]", timeout=20_000)
        stored = _stored(site)
        assert len(stored) == 1 and stored[0]["station"] == "1" and len(stored[0]["photos"]) == 1
        receipt = page.locator("li[data-state=acknowledged] .receipt").inner_text()
        assert receipt == stored[0]["receipt"]
        status, photo = request(
            server.port, "GET", f"/api/v1/submissions/{stored[0]['id']}/photos/1", site["organiser"]
        )
        assert status == 200 and markers(photo) <= CLEAN_MARKERS
        (local,) = _outbox(page)
        assert local["state"] == "acknowledged" and "body" not in local and "photos" not in local

        # Unreachable: kept, "waiting for network", nothing says acknowledged; a reload keeps it.
        server.stop()
        _fill(page, site, "2")
        page.click("#send")
        page.wait_for_selector("li[data-state=waiting]", timeout=10_000)
        waiting = page.locator("li[data-state=waiting]")
        assert "ждёт сети" in waiting.inner_text() and "принято" not in waiting.inner_text()
        page.reload()
        page.wait_for_selector("li[data-state=waiting], li[data-state=sending]", timeout=10_000)
        pending = [i for i in _outbox(page) if i["state"] != "acknowledged"]
        assert len(pending) == 1 and pending[0]["body"]["station"] == "2"
        server.start()
        page.wait_for_selector("li[data-state=acknowledged] >> nth=1", timeout=20_000)
        assert all("body" not in i and "photos" not in i for i in _outbox(page))
        stored = _stored(site)
        assert sorted(s["station"] for s in stored) == ["1", "2"]

        # The language switch, then the desktop layout.
        page.click("#lang")
        page.wait_for_function("() => document.querySelector('h1').textContent === 'Station protocol'")
        assert "Voters on the list" in page.locator("label[for=L-1]").inner_text()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(tmp_path / "observer-desktop.png"), full_page=True)

        # "Forget me": no token, no outbox, no receipts, no caches left.
        page.click("#forget")
        page.wait_for_selector("#signin:not([hidden])")
        assert page.evaluate("() => Device.get('token')") is None
        assert _outbox(page) == []
        # The page, loaded anew, caches its shell again: public files only, no API answer.
        cached = page.evaluate(
            "async () => (await Promise.all((await caches.keys()).map(async n =>"
            " (await (await caches.open(n)).keys()).map(r => new URL(r.url).pathname)))).flat()"
        )
        assert all(p in ("/", "/moderate") or p.startswith("/static/") for p in cached)
        assert [u for u in requested if not u.startswith((base + "/", "blob:", "data:"))] == []
        context.close()
    print("SCREENSHOTS", tmp_path)


def test_hard_failure_and_kill_while_sending(site: dict[str, Any]) -> None:
    server = site["server"]
    with chromium() as browser:
        # A browser without service workers (as Tor Browser has been): the page says so.
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="en-GB", service_workers="block"
        )
        context.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'serviceWorker', {get: () => undefined})"
        )
        page = context.new_page()
        page.goto(f"{site['base']}/#t={site['observers'][1]}")
        page.wait_for_selector("#protocol:not([hidden])")
        real = _fill(page, site, "5")
        wrong = real["lines"]["10"] + 27
        page.fill("#L-10", str(wrong))
        page.fill("#L-9", str(real["lines"]["9"] - 27))  # relation (3) still holds, only (4) breaks
        text = page.locator("#checks").inner_text()
        assert f"line 10 = {wrong:,} but the choices add up to {real['lines']['10']:,}" in text
        page.click("#send")
        assert "Confirm that this is what the commission signed" in page.locator("#form-error").inner_text()
        assert _outbox(page) == []
        page.check("#confirm")

        def kill_then_pass(route: Any) -> None:
            server.kill()
            route.continue_()

        page.route("**/api/v1/submissions", kill_then_pass)
        page.click("#send")
        page.wait_for_selector("li[data-state=waiting]", timeout=10_000)
        page.unroute("**/api/v1/submissions")
        server.start()
        page.wait_for_selector("li[data-state=acknowledged]", timeout=20_000)
        (stored,) = _stored(site)
        assert stored["hard_failed"] and any("the choices add up to" in m for m in stored["failed"])
        assert "service worker" in page.locator("#notices").inner_text()
        context.close()


def test_page_and_server_evaluators_agree(spb: dict[str, pd.DataFrame]) -> None:
    protocols, votes = spb["protocols"], spb["votes"]
    by_protocol = {
        key: dict(zip(g["choice_id"], g["votes"], strict=True))
        for key, g in votes.groupby(["contest", "uik"])
    }
    rng = np.random.default_rng(18)
    cases = []
    for row in protocols.itertuples(index=False):
        name = "ru-duma-smd" if "smd" in row.contest else "ru-duma-list"
        lines = _lines(row._asdict(), name)
        choices = {c: int(v) for c, v in by_protocol.get((row.contest, row.uik), {}).items()}
        cases.append((name, lines, choices))
        mutated = dict(lines)
        line = str(rng.integers(1, 13))
        if mutated[line] is not None:
            mutated[line] = max(0, int(mutated[line]) + int(rng.integers(-30, 31)))
        cases.append((name, mutated, choices))
    expected = [[c.to_json() for c in form(name).check(lines, choices)] for name, lines, choices in cases]
    assert not any(c["status"] == "failed" and c["severity"] == "hard" for e in expected[::2] for c in e)
    assert sum(c["status"] == "failed" for e in expected[1::2] for c in e) > 1000  # mutations do break
    rules = {
        name: [{"rule": r.relation.text, "severity": r.severity} for r in form(name).rules]
        for name in ("ru-duma-list", "ru-duma-smd")
    }
    with chromium() as browser:
        page = browser.new_page()
        page.add_script_tag(content=(PAGES / "checks.js").read_text(encoding="utf-8"))
        # As JSON text: Playwright's own serialiser takes a minute for 16,000 protocols.
        got = page.evaluate(
            "(text) => { const [rules, cases] = JSON.parse(text);"
            " return JSON.stringify(cases.map(([n, l, c]) => Checks.check(rules[n], l, c, 'en'))); }",
            json.dumps([rules, cases]),
        )
    assert json.loads(got) == expected


def _api_protocol(site: dict[str, Any], uik: str, **changes: int) -> dict[str, Any]:
    """Station ``uik``'s real protocol as the API takes it (``L1=...`` changes a line)."""
    body = protocol(uik)
    body["lines"] = {
        **_lines(site["rows"].loc[uik], "ru-duma-list"),
        **{k[1:]: v for k, v in changes.items()},
    }
    votes = site["votes"][site["votes"]["uik"] == uik]
    body["choices"] = {c: int(v) for c, v in zip(votes["choice_id"], votes["votes"], strict=True)}
    return body


def test_two_moderators_confirm_a_disputed_figure(site: dict[str, Any], tmp_path: Path) -> None:
    port, uik = site["server"].port, "7"
    real = _api_protocol(site, uik)
    for token, body in zip(
        site["observers"], (real, _api_protocol(site, uik, L1=real["lines"]["1"] + 5)), strict=True
    ):
        assert request(port, "POST", "/api/v1/submissions", token, body)[0] == 201
    value = real["lines"]["1"]
    with chromium() as browser:
        pages = []
        for i, token in enumerate(site["moderators"]):
            context = browser.new_context(
                viewport={"width": 1280, "height": 900} if i else {"width": 360, "height": 740},
                locale="en-GB",
            )
            page = context.new_page()
            page.goto(f"{site['base']}/moderate#t={token}")
            page.wait_for_selector("#work:not([hidden])")
            assert page.evaluate("() => location.hash") == ""
            page.click(f"#queue button[data-station='{uik}']")
            page.wait_for_selector("#figures tr[data-figure=L1]")
            assert page.locator("#figures tr[data-figure=L1] td.differs").count() == 2
            assert page.locator("#figures tr[data-figure=L2] td.differs").count() == 0
            pages.append(page)
        first, second = pages
        first.fill("#reason", "the photo shows line 1 clearly")
        first.fill("#figures tr[data-figure=L1] input", str(value))
        first.click("#figures tr[data-figure=L1] button")
        first.wait_for_selector("#pending .pending")
        assert first.locator("#figures tr[data-figure=L1]").get_attribute("data-status") != "confirmed"
        assert "waits for a second moderator (1/2)" in first.locator("#pending").inner_text()
        first.screenshot(path=str(tmp_path / "moderator-360.png"), full_page=True)
        second.click(f"#queue button[data-station='{uik}']")
        second.wait_for_selector("#pending .pending")
        second.fill("#reason", "agree: line 1 on the photo")
        second.fill("#figures tr[data-figure=L1] input", str(value))
        second.click("#figures tr[data-figure=L1] button")
        second.wait_for_selector("#figures tr[data-figure=L1][data-status=confirmed]")
        assert second.locator("#pending .pending").count() == 0
        trail = second.locator("#audit").inner_text()
        assert trail.count(f"confirm L1={value}") == 2
        second.screenshot(path=str(tmp_path / "moderator-desktop.png"), full_page=True)
        # A quarantine takes one moderator; its release waits for a second one.
        second.fill("#reason", "the second photo is of another station")
        second.locator("#figures thead button").nth(1).click()
        second.wait_for_selector("#figures thead th:has-text('⚠')")
        second.locator("#figures thead button").nth(1).click()  # now "Release": one of two
        second.wait_for_selector("#audit li:has-text('release')")
        assert second.locator("#figures thead th:has-text('⚠')").count() == 1
        assert site["observers"][0] not in second.content() and site["observers"][1] not in second.content()
    status, (protocol,) = request(
        port, "GET", f"/api/v1/consensus?contest={CONTEST}&station={uik}", site["moderators"][0]
    )
    l1 = next(f for f in protocol["figures"] if f["figure"] == "L1")
    assert status == 200 and l1["status"] == "confirmed" and l1["value"] == value
    print("SCREENSHOTS", tmp_path)


def test_printable_cards_open_the_page_signed_in(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from observe_support import frame
    from smartvote.cli import main

    url = f"sqlite:///{tmp_path / 'cards.sqlite'}"
    with Storage(url, tmp_path / "photos") as store:
        from smartvote.observe.storage import migrate

        migrate(store.engine)
        store.create_election("demo", "Demo", *frame())
    cards = tmp_path / "cards.html"
    args = ["--url", "https://observe.example.org/", "--cards", str(cards), "--db", url]
    issued = CliRunner().invoke(main, ["observe", "issue-tokens", "--role", "observer", "--n", "4", *args])
    assert issued.exit_code == 0, issued.output
    tokens = issued.stdout.split()
    page = cards.read_text(encoding="utf-8")
    assert page.count('src="data:image/svg+xml') == 4 and all(t in page for t in tokens)
    opens = segno.make(f"https://observe.example.org/#t={tokens[0]}", error="m").svg_data_uri(border=2)
    assert opens in html.unescape(page)  # the card's QR code is the signed-in address
    with chromium() as browser:
        tab = browser.new_page()
        tab.goto(cards.as_uri())
        assert tab.locator(".card img").count() == 4
        assert tab.evaluate("() => [...document.images].every(i => i.naturalWidth > 0)")
        tab.pdf(path=str(tmp_path / "cards.pdf"))
