"""Render the site's files: per election a lookup page, the district cards and the forensic
report in every language, the station map as a script, one style sheet, one script and a
service worker, all with relative URLs so that any copy of the folder works.

No page makes a request to anything but the site's own files: a Content-Security-Policy in
every page allows only ``'self'`` (which Chromium also grants to pages opened from ``file://``),
and the station map is loaded by ``<script src>`` (unlike ``fetch``, it works from a local
folder). The service worker (where the origin allows one: http/https) caches every file on the
first visit, so the site opens offline afterwards and the server never learns which election,
let alone which station, a visitor looks at.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from markupsafe import Markup

from smartvote.pages.common import asset, render
from smartvote.pages.messages import LANGUAGES, Messages, messages
from smartvote.pages.messages.numbers import decimal, integer, percent, votes
from smartvote.pages.report.analysis import choice_label
from smartvote.pages.site.content import (
    ElectionSite,
    district_name,
    election_title,
    method,
    pick_entry,
    station_lists,
    station_runs,
)
from smartvote.pages.site.signing import MANIFEST, PUBLIC_KEY, SIGNATURE, PublicKey

DEFAULT_LANGUAGE = "ru"
PAGES = ("index", "districts", "report")
STATIC = ("style.css", "site.js")


def page_name(page: str, lang: str, ext: str = "html") -> str:
    """``districts.html`` in the default language, ``districts.en.html`` in another (and so
    ``comet.png``, ``comet.en.png`` for a figure)."""
    return f"{page}.{ext}" if lang == DEFAULT_LANGUAGE else f"{page}.{lang}.{ext}"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _common(
    t: Messages, page: str, root: str, public: PublicKey | None, inline: dict[str, object] | None = None
) -> dict[str, Any]:
    return {
        "t": t,
        "lang": t.lang,
        "root": root,
        "languages": [(lang, messages(lang)("lang.name"), page_name(page, lang)) for lang in LANGUAGES],
        "key": public,
        "manifest": MANIFEST,
        "signature": SIGNATURE,
        "public_key_file": PUBLIC_KEY,
        "inline": inline,
    }


def _index(sites: list[ElectionSite], t: Messages, public: PublicKey | None) -> str:
    rows = [
        {
            "site": s,
            "title": election_title(s, t),
            "stations": integer(len(s.run.forecast.stations), t),
            "districts": integer(len(s.run.recommendation.districts), t),
        }
        for s in sites
    ]
    return render(
        "site/index.html.j2", **_common(t, "index", "", public), rows=rows, page=page_name, lang_=t.lang
    )


def _lookup(
    site: ElectionSite,
    t: Messages,
    public: PublicKey | None,
    regions: list[str],
    inline: dict[str, object] | None = None,
) -> str:
    entries = [pick_entry(site, d, t) for d in range(len(site.run.recommendation.districts))]
    text = {
        key.removeprefix("answer."): t(key)
        for key in (
            "answer.unknown", "answer.district", "answer.pick", "answer.probability",
            "answer.runner_up", "answer.endorsed", "answer.card",
        )
    }  # fmt: skip
    data = {
        "q": percent(site.run.recommendation.q, t),
        "cards": None if inline else page_name("districts", t.lang),  # one file: no cards beside it
        "text": text,
        "districts": [
            {
                k: e[k]
                for k in (
                    "district",
                    "pick",
                    "probability",
                    "runner_up",
                    "runner_up_probability",
                    "flags",
                    "endorsed",
                )
            }
            for e in entries
        ],  # fmt: skip
    }
    return render(
        "site/lookup.html.j2",
        **_common(t, "index", "../", public, inline),
        site=site,
        title=election_title(site, t),
        regions=regions,
        data=data,
        party_level=site.run.forecast.level == "party",
        page=page_name,
    )


def _districts(
    site: ElectionSite, t: Messages, public: PublicKey | None, inline: dict[str, object] | None = None
) -> str:
    lists = station_lists(site)
    cards = [
        pick_entry(site, d, t) | {"stations": lists.get(p.district, []), "anchor": f"d{d}"}
        for d, p in enumerate(site.run.recommendation.districts)
    ]
    return render(
        "site/districts.html.j2",
        **_common(t, "districts", "../", public, inline),
        site=site,
        title=election_title(site, t),
        cards=cards,
        q=percent(site.run.recommendation.q, t),
        method=method(site, t),
        page=page_name,
    )


def _report(site: ElectionSite, t: Messages, public: PublicKey | None) -> str:
    doc = site.report
    assert doc is not None
    share = lambda value: t("number.na") if value is None else decimal(value, 2, t)  # noqa: E731
    return render(
        "site/report.html.j2",
        **_common(t, "report", "../", public),
        site=site,
        title=election_title(site, t),
        doc=doc,
        leader=choice_label(doc["election"]["leader"], limit=60),
        choices=sorted(doc["shpilkin"]["choices"], key=lambda c: -c["votes"]),
        share=share,
        integer=lambda n: integer(n, t),
        decimal=lambda x, digits, sign=False: decimal(x, digits, t, sign),
        votes=lambda n: votes(n, t),
        p_value=lambda log10: (
            t("number.na") if log10 is None else (f"{10**log10:.2g}" if log10 > -300 else f"10^{log10:.1f}")
        ),
        page=page_name,
    )


def _stations_script(runs: dict[str, list[int]]) -> str:
    return (
        "// The whole station map of the election: region -> [first, last, district, ...].\n"
        f"window.SMARTVOTE_STATIONS = {_json(runs)};\n"
    )


def _inline(script: str | None) -> dict[str, object]:
    """What a page needs to stand alone: the style inline, and its script (if any) inline and
    allowed by its SHA-256 alone, so that nothing else can run."""
    inline: dict[str, object] = {"style": Markup(asset("site/style.css")), "script": None, "hash": None}
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        inline |= {"script": Markup(script), "hash": f"sha256-{digest}"}
    return inline


def single_page(site: ElectionSite, page: str = "index", lang: str = DEFAULT_LANGUAGE) -> str:
    """One page of the site as one self-contained file, the same page as the site's:
    ``index`` the lookup (``recommend --voter-page``: the station map and the site's script
    inlined, and every station by district in a table for readers without scripts),
    ``districts`` the cards with the method and the coordination curve (``recommend --html``,
    no script at all)."""
    t = messages(lang)
    if page == "districts":
        return _districts(site, t, None, _inline(None))
    labels = [d.district for d in site.run.recommendation.districts]
    runs = station_runs(site.run.forecast.stations, labels)
    lists = station_lists(site)
    entries = [pick_entry(site, d, t) for d in range(len(labels))]
    table = [
        {"district": e["district"], "pick": e["pick"], "stations": lists.get(label, [])}
        for e, label in zip(entries, labels, strict=True)
    ]
    inline = _inline(_stations_script(runs) + asset("site/site.js")) | {"table": table}
    return _lookup(site, t, None, list(runs), inline)


def _service_worker(files: dict[str, bytes]) -> bytes:
    """The worker caching every file on install; its cache is named by the files' digest, so a
    new publication replaces the old cache."""
    names = sorted(n for n in files if n not in (MANIFEST, SIGNATURE))
    digest = hashlib.sha256(b"".join(hashlib.sha256(files[n]).digest() for n in names)).hexdigest()[:16]
    script = asset("site/sw.js").replace("__CACHE__", f"smartvote-{digest}")
    return script.replace("__FILES__", _json(["./", *names, "sw.js"])).encode("utf-8")


def build_site(sites: list[ElectionSite], public: PublicKey | None) -> dict[str, bytes]:
    """Every file of the site (relative path -> bytes) but the manifest and its signature."""
    files: dict[str, bytes] = {name: asset(f"site/{name}").encode("utf-8") for name in STATIC}
    if public is not None:
        files[PUBLIC_KEY] = public.text().encode("ascii")
    for site in sites:
        stations = site.run.forecast.stations
        labels = [d.district for d in site.run.recommendation.districts]
        runs = station_runs(stations, labels)
        files[f"{site.election}/stations.js"] = _stations_script(runs).encode("utf-8")
        for lang, drawn in site.figures.items():
            for fig, data in drawn.items():
                files[f"{site.election}/{page_name(fig, lang, 'png')}"] = data
        if site.report is not None:
            files[f"{site.election}/report.json"] = _json(site.report).encode("utf-8")
        for lang in LANGUAGES:
            t = messages(lang)
            files[f"{site.election}/{page_name('index', lang)}"] = _lookup(
                site, t, public, list(runs)
            ).encode()
            files[f"{site.election}/{page_name('districts', lang)}"] = _districts(site, t, public).encode()
            if site.report is not None:
                files[f"{site.election}/{page_name('report', lang)}"] = _report(site, t, public).encode()
    for lang in LANGUAGES:
        files[page_name("index", lang)] = _index(sites, messages(lang), public).encode("utf-8")
    files["sw.js"] = _service_worker(files)
    return files


__all__ = ["DEFAULT_LANGUAGE", "PAGES", "build_site", "district_name", "page_name", "single_page"]
