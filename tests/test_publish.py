"""The published site (issue 13): the lookup from a local folder and over http in headless
Chromium, Russian by default with a switch, no request but the site's own files, size, the
signed manifest checked by the real ``minisign`` binary and by ``smartvote verify``, and every
user-visible string of the pages in the translation catalogue."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import smartvote.cli.publish as publish_cli
from browser import chromium, recorded_tab
from conftest import SharedStore
from smartvote.cli import main
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_polls
from smartvote.data.store import Store
from smartvote.model import district_of
from smartvote.pages.messages import LANGUAGES, messages
from smartvote.pages.site.content import candidate_label
from smartvote.pipelines.engine import run_engine, training_cache
from smartvote.pipelines.tactics import attach_endorsements

MINISIGN = shutil.which("minisign") or "/usr/bin/minisign"
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "smartvote" / "pages" / "templates" / "site"
ELECTIONS = ("russia-duma-2021", "spb-2021-duma", "spb-2021-city")
PASSPHRASE = "a long passphrase for the test key"


def run(*args: object) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def site(
    real_store: Store, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    """The site of the three 2021 elections (2021 endorsements attached), signed with a new key."""
    root = tmp_path_factory.mktemp("publish")
    attach_endorsements(real_store, "russia-duma-2021", data_dir / "sv-2021" / "endorsements.csv")
    (root / "pass").write_text(PASSPHRASE + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("SMARTVOTE_HOME", str(root / "home"))
        m.setattr(publish_cli, "Store", SharedStore(real_store))
        run("keygen", root / "campaign", "--passphrase-file", root / "pass")
        run(
            "publish", root / "out", *ELECTIONS, "--polls", data_dir / "sv-2021" / "polls-2021.csv",
            "--draws", 1000, "--key", root / "campaign.key", "--passphrase-file", root / "pass",
        )  # fmt: skip
    yield {"out": root / "out", "pub": root / "campaign.pub", "key": root / "campaign.key", "root": root}


def raw_stations(data_dir: Path, election: str) -> pd.DataFrame:
    """(region, number, district number) of the stations with a number, from the raw files."""
    if election == "russia-duma-2021":
        raw = pd.read_csv(
            data_dir / "russia-federal" / "2021.csv.zip", dtype=str, usecols=["region", "uik", "oik"]
        )
        raw = raw[raw["uik"].str.fullmatch(r"(УИК №)?\d+", na=False)]
        number = raw["uik"].str.extract(r"(\d+)")[0]
        return pd.DataFrame(
            {
                "region": raw["region"],
                "number": number,
                "district": raw["oik"].str.extract(r"(\d+)")[0].astype(int),
            }
        )
    raw = pd.read_csv(data_dir / "spb-2021" / "protocols.csv", dtype=str)
    prefix = "federal-smd-" if election == "spb-2021-duma" else "city-smd-"
    raw = raw[raw["contest"].str.startswith(prefix)].drop_duplicates("uik")
    district = raw["contest"].str.extract(r"(\d+)$")[0].astype(int)
    return pd.DataFrame({"region": "", "number": raw["uik"], "district": district})


@pytest.fixture(scope="module")
def expected_picks(real_store: Store, site: dict[str, Path], data_dir: Path) -> dict[tuple[str, int], str]:
    """(election, district number) -> the pick in Russian, from a run of the engine made here."""
    polls = read_polls(read_table_file(data_dir / "sv-2021" / "polls-2021.csv"), "polls")
    out = {}
    with pytest.MonkeyPatch.context() as m:
        m.setenv("SMARTVOTE_HOME", str(site["root"] / "home"))
        cache = training_cache()  # the publication's fitted scales
    for election in ELECTIONS:
        run_ = run_engine(real_store, election, polls, (), n_draws=1000, cache=cache)
        for d in run_.recommendation.districts:
            label = candidate_label(d.name, d.party, run_.forecast.level, messages("ru"))
            out[election, district_of(d.district) or int(d.district)] = label
    return out


def test_minisign_and_verify_accept_the_site_and_reject_any_change(site: dict[str, Path]) -> None:
    out, pub = site["out"], site["pub"]
    assert (out / "key.pub").read_text() == pub.read_text()
    assert not any("PRIVATE" in p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())

    def checks(folder: Path) -> tuple[int, int]:
        tool = subprocess.run([MINISIGN, "-Vm", folder / "SHA256SUMS", "-p", pub], capture_output=True)
        ours = CliRunner().invoke(main, ["verify", str(folder), "--pubkey", str(pub)])
        listed = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True)
        return tool.returncode + listed.returncode, ours.exit_code

    assert checks(out) == (0, 0)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS.minisig")
    for i, target in enumerate([files[0], files[len(files) // 2], out / "SHA256SUMS"]):
        copy = site["root"] / f"changed-{i}"
        shutil.copytree(out, copy)
        changed = copy / target.relative_to(out)
        data = bytearray(changed.read_bytes())
        data[len(data) // 2] ^= 1  # one byte
        changed.write_bytes(bytes(data))
        tool, ours = checks(copy)
        assert tool != 0 and ours == 1, target
    added = site["root"] / "added"
    shutil.copytree(out, added)
    (added / "russia-duma-2021" / "extra.js").write_text("alert(1)")
    assert checks(added)[1] == 1
    removed = site["root"] / "removed"
    shutil.copytree(out, removed)
    (removed / "spb-2021-city" / "stations.js").unlink()
    assert checks(removed)[1] == 1
    other = site["root"] / "other"
    run("keygen", other, "--passphrase-file", site["root"] / "pass")
    assert CliRunner().invoke(main, ["verify", str(out), "--pubkey", f"{other}.pub"]).exit_code == 1


def test_key_rotation_is_announced_under_the_old_key(site: dict[str, Path]) -> None:
    root = site["root"]
    run("keygen", root / "next", "--passphrase-file", root / "pass", "--announce-with", site["key"],
        "--old-passphrase-file", root / "pass")  # fmt: skip
    tool = subprocess.run([MINISIGN, "-Vm", root / "next.pub", "-p", site["pub"]], capture_output=True)
    assert tool.returncode == 0, tool.stderr
    assert "PRIVATE" in (root / "next.key").read_text() and "ENCRYPTED" in (root / "next.key").read_text()
    wrong = root / "wrong"
    wrong.write_text("not the passphrase\n")
    result = CliRunner().invoke(main, ["publish", str(root / "o"), "x", "--key", str(site["key"]),
                                       "--passphrase-file", str(wrong)])  # fmt: skip
    assert result.exit_code == 1 and "wrong passphrase" in result.output


def test_the_2021_duma_site_is_under_5_mb(site: dict[str, Path]) -> None:
    size = int(subprocess.run(["du", "-sb", site["out"] / "russia-duma-2021"], capture_output=True, text=True)
               .stdout.split()[0])  # fmt: skip
    shared = sum(p.stat().st_size for p in site["out"].iterdir() if p.is_file())
    assert size + shared < 5_000_000, (size, shared)
    stations = (site["out"] / "russia-duma-2021" / "stations.js").stat().st_size
    assert stations < 150_000, stations


def test_every_visible_string_of_the_templates_is_in_the_catalogue() -> None:
    """No literal text in the site's templates: only ``t("key")`` and data. Lists offenders."""
    outside = []
    for template in TEMPLATES.glob("*.j2"):
        text = re.sub(
            r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template.read_text(encoding="utf-8"), flags=re.S
        )
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<pre><code>.*?</code></pre>", " ", text, flags=re.S)  # commands, not prose
        text = re.sub(r"<[^>]*>", " ", text)
        outside += [f"{template.name}: {w}" for w in re.findall(r"[A-Za-zА-Яа-яЁё]{2,}", text)]
    assert not outside, outside
    used = set()
    pages = TEMPLATES.parents[1]
    sources = [*TEMPLATES.glob("*.j2"), *Path(pages, "site").glob("*.py"), pages / "report" / "figures.py"]
    for source in sources:
        used |= set(
            re.findall(r"""(?<![\w.])t\(\s*["']([\w. ]+)["']\s*[,)]""", source.read_text(encoding="utf-8"))
        )
    tables = [messages(lang).table for lang in LANGUAGES]
    assert all(set(tables[0]) == set(t) for t in tables)
    assert used - set(tables[0]) == set()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_lookup_language_switch_and_no_request_in_chromium(
    site: dict[str, Path],
    data_dir: Path,
    expected_picks: dict[tuple[str, int], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    out = site["out"]
    shots = Path(tmp_path_factory.getbasetemp()) / "screenshots"
    shots.mkdir(exist_ok=True)
    cases = []
    for election in ELECTIONS:
        stations = raw_stations(data_dir, election).drop_duplicates()
        cases += [tuple(row) for row in stations.sample(7, random_state=13).assign(e=election)[
            ["e", "region", "number", "district"]].itertuples(index=False)]  # fmt: skip
    names = pd.read_csv(data_dir / "sv-2021" / "endorsements.csv").set_index("district")["district_name"]
    with chromium() as browser, serve(out) as base:
        for origin in (out.as_uri() + "/", base):
            tab, requests = recorded_tab(browser)
            errors: list[str] = []
            tab.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            tab.goto(origin + "index.html")
            assert tab.locator("html").get_attribute("lang") == "ru"
            assert "Выборы" in tab.inner_text("main")
            tab.click("#lang-en")
            assert tab.locator("html").get_attribute("lang") == "en" and "Elections" in tab.inner_text("main")
            typed = []
            for election, region, number, district in cases[: 20 if origin == base else len(cases)]:
                tab.goto(f"{origin}{election}/index.html")
                if region:
                    tab.select_option("#region", region)
                tab.fill("#number", str(number))
                typed.append(str(number))
                answer = tab.inner_text("#answer")
                where = names[district] if election == "russia-duma-2021" else f"округ № {district}"
                assert where in answer, (election, region, number, answer)
                pick = expected_picks[election, district]
                assert f"Голосуйте за: {pick}" in answer, (election, region, number, pick, answer)
                assert not re.search(r"\b(city|federal)-smd-\d+", answer)
            tab.fill("#number", "987654")
            assert "987654" in tab.inner_text("#answer") and "нет в списке" in tab.inner_text("#answer")
            tab.click("#lang-en")
            tab.fill("#number", "987654")
            assert "no station 987654" in tab.inner_text("#answer")
            for page in ("districts.html", "report.html", "districts.en.html", "report.en.html"):
                tab.goto(f"{origin}russia-duma-2021/{page}")
            assert not errors, errors
            own = origin.rstrip("/")
            foreign = [u for u in requests if not u.startswith(own) and not u.startswith("data:")]
            assert not foreign, foreign
            assert not [u for u in requests if any(n in u for n in typed if len(n) > 2)]
            tab.close()
        for width, height in ((1280, 900), (360, 740)):
            tab = browser.new_page(viewport={"width": width, "height": height})
            for lang, suffix in (("ru", ""), ("en", ".en")):
                tab.goto(f"{base}russia-duma-2021/index{suffix}.html")
                tab.select_option("#region", "город Москва")
                tab.fill("#number", "1")
                tab.screenshot(path=shots / f"lookup-{lang}-{width}.png", full_page=True)
                tab.goto(f"{base}russia-duma-2021/districts{suffix}.html")
                tab.screenshot(path=shots / f"districts-{lang}-{width}.png")
                tab.goto(f"{base}russia-duma-2021/report{suffix}.html")
                tab.screenshot(path=shots / f"report-{lang}-{width}.png")
            scroll = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width + 1, (width, scroll)
            tab.close()
        offline = browser.new_page()
        with serve(out) as base:
            offline.goto(base + "index.html")
            assert offline.evaluate(
                "navigator.serviceWorker.ready.then(() => caches.keys()).then(k => k.length)"
            )
        offline.goto(base + "spb-2021-city/index.en.html")  # the server is gone: the worker answers
        offline.fill("#number", str(cases[-1][2]))
        assert "District:" in offline.inner_text("#answer")
        offline.close()
    print(f"screenshots: {shots}")


def test_outputs_that_would_destroy_something_are_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "pass").write_text(PASSPHRASE)
    run("keygen", tmp_path / "k", "--passphrase-file", tmp_path / "pass")
    again = CliRunner().invoke(
        main, ["keygen", str(tmp_path / "k"), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert again.exit_code == 1 and "never overwritten" in again.output
    (tmp_path / "empty").write_text("")
    empty = CliRunner().invoke(
        main, ["keygen", str(tmp_path / "e"), "--passphrase-file", str(tmp_path / "empty")]
    )
    assert empty.exit_code == 1 and "unprotected" in empty.output and not (tmp_path / "e.key").exists()
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me")
    args = ["--key", str(tmp_path / "k.key"), "--passphrase-file", str(tmp_path / "pass")]
    result = CliRunner().invoke(main, ["publish", str(mine), "russia-duma-2021", *args])
    assert result.exit_code == 1 and "not an earlier output" in result.output
    assert (mine / "letter.txt").read_text() == "keep me"
    inside = CliRunner().invoke(main, ["publish", str(tmp_path), "russia-duma-2021", *args])
    assert inside.exit_code == 1 and "never be inside" in inside.output


def test_each_language_page_speaks_only_its_language(site: dict[str, Path]) -> None:
    ru, en = messages("ru").table, messages("en").table
    for lang, other in (("ru", en), ("en", ru)):
        own = messages(lang).table
        foreign = [v for k, v in other.items() if "{" not in v and len(v) > 12 and v != own[k]]
        pages = [p for p in site["out"].rglob("*.html") if (p.name.count(".") == 1) == (lang == "ru")]
        assert len(pages) == 1 + 3 * len(ELECTIONS)
        for page in pages:
            html = page.read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in html
            assert not [v for v in foreign if v in html], page
            assert not re.search(r">[^<]*\b(city|federal)-smd-\d+", html), page  # no bare labels as text


def test_report_figures_are_drawn_in_the_page_language(site: dict[str, Path]) -> None:
    """Each report page shows its own language's figures (the words differ, so the files do)."""
    folder = site["out"] / "russia-duma-2021"
    shown = {}
    for lang, page in (("ru", "report.html"), ("en", "report.en.html")):
        shown[lang] = re.findall(r'<img src="([^"]+)"', (folder / page).read_text(encoding="utf-8"))
    assert shown["ru"] == [f"{n}.png" for n in ("comet", "histograms", "shpilkin", "fingerprint")]
    assert shown["en"] == [name.replace(".png", ".en.png") for name in shown["ru"]]
    for ru, en in zip(shown["ru"], shown["en"], strict=True):
        assert (folder / ru).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (folder / ru).read_bytes() != (
            folder / en
        ).read_bytes()
