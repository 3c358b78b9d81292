"""Evidence packs on disk: one JSON file, one printable page (and its PDF) per station, a summary table.

The PDF is the page printed by headless Chromium (through Playwright, one browser for all the
packs), so that it shows exactly what the page shows. Written whole or not at all
(:func:`smartvote.atomic.atomic_files`), as strict JSON (:func:`smartvote.jsonout.dumps`). A
detached signature (the publication's minisign signing) can later be added beside each
``.json`` file by one function, since the JSON is the pack.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from smartvote.atomic import OutputError, atomic_files
from smartvote.jsonout import dumps
from smartvote.observe.evidence import EvidencePack
from smartvote.observe.photos import file_name
from smartvote.pages.evidence import evidence_page


def pack_name(pack: EvidencePack) -> str:
    """A file name per station that any station label fits in (a digest of the label)."""
    label = f"{pack.station.contest}/{pack.station.station}"
    return f"{pack.station.contest[:40]}-{hashlib.sha256(label.encode()).hexdigest()[:12]}"


#: The names Chromium goes by on PATH (Debian, other distributions, Google's build).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str:
    """The path of a Chromium on PATH, or one clear error."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(f"PDF export needs Chromium, and none of {', '.join(BROWSERS)} is on PATH")


def print_pdfs(folder: Path, names: Sequence[str], chromium: str) -> None:
    """Print each ``NAME.html`` of ``folder`` to ``NAME.pdf`` (A4, backgrounds) with headless
    Chromium, the way a browser's "Save as PDF" would."""
    from playwright.sync_api import sync_playwright

    # Chromium's sandbox refuses to start as root; the pages are our own, fetching nothing.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page()
            for name in names:
                page.goto((folder / f"{name}.html").as_uri())
                page.pdf(path=str(folder / f"{name}.pdf"), format="A4", print_background=True)
        finally:
            browser.close()


def write_packs(
    out: Path, packs: Sequence[EvidencePack], photo_dir: Path | None = None, pdf: bool = False
) -> int:
    """Write ``packs`` into the folder ``out``: ``NAME.json``, ``NAME.html`` (and, with ``pdf``,
    ``NAME.pdf``), the photos the packs name (from ``photo_dir``, as ``NAME-SUBMISSION-N.jpg``,
    checked against their SHA-256) and ``summary.csv`` / ``summary.parquet`` (a row per pack
    with its file name)."""
    chromium = find_chromium() if pdf else ""
    rows = []
    with atomic_files(out) as tmp:
        for pack in packs:
            name = pack_name(pack)
            data = pack.to_json()
            if photo_dir is not None:
                _copy_photos(data["submissions"], photo_dir, tmp, name)
            (tmp / f"{name}.json").write_text(dumps(data) + "\n", encoding="utf-8")
            (tmp / f"{name}.html").write_text(evidence_page(data), encoding="utf-8")
            rows.append({**pack.summary(), "file": f"{name}.json"})
        if pdf:
            print_pdfs(tmp, [r["file"].removesuffix(".json") for r in rows], chromium)
        table = pd.DataFrame(rows, columns=[*EMPTY_COLUMNS, "file"])
        table.to_csv(tmp / "summary.csv", index=False)
        table.to_parquet(tmp / "summary.parquet", index=False)
    return len(rows)


def _copy_photos(submissions: list[dict[str, Any]], photo_dir: Path, folder: Path, name: str) -> None:
    """The photos of a pack's submissions, beside it, each checked against its SHA-256."""
    for s in submissions:
        for photo in s["photos"]:
            stored = (photo_dir / file_name(s["id"], photo["n"], photo["sha256"])).read_bytes()
            if hashlib.sha256(stored).hexdigest() != photo["sha256"]:
                raise OutputError(
                    f"photo {photo['n']} of submission {s['id']}: its file does not match its SHA-256"
                )
            (folder / f"{name}-{s['id']}-{photo['n']}.jpg").write_bytes(stored)


#: The summary's columns (also of an empty export).
EMPTY_COLUMNS = (
    "contest", "station", "region", "tik", "official", "verified_figures", "differences",
    "proofs", "submissions", "photos", "failed_checks",
)  # fmt: skip
