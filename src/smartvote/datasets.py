"""Catalogue of public datasets, and their download with checksum, cache and mirror.

The Russian federal elections come from the public GitHub repository dkobak/elections
(folder data/), pinned to one commit because the files on master have changed over time.
A download is verified against its SHA-256 before it enters the cache; a mismatch or an
interrupted transfer leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smartvote.errors import DownloadError, UnknownElectionError
from smartvote.importers.federal import FederalSpec

COMMIT = "8003707eb94e3a1e69f8b1b965cdf93f80153808"
BASE_URL = f"https://github.com/dkobak/elections/raw/{COMMIT}/data"

_DUMA = "ЕДИНАЯ РОССИЯ"
_MOSCOW_REMOTE_2021 = {"город Москва": range(5001, 5016)}


@dataclass(frozen=True)
class Dataset:
    """One election of the public dataset: what to download and how to import it."""

    year: int
    spec: FederalSpec
    sha256: str | None  # None: not verified yet, so `fetch` refuses it (import a local file)

    @property
    def election_id(self) -> str:
        return self.spec.election_id

    @property
    def file_name(self) -> str:
        return f"{self.year}.csv.zip"

    @property
    def url(self) -> str:
        return f"{BASE_URL}/{self.file_name}"


def _entry(year: int, kind: str, title: str, ruling: str, sha256: str | None, **spec: object) -> Dataset:
    contest = {"duma": "federal-list", "president": "president", "referendum": "referendum"}[kind]
    election_id = f"russia-{kind}-{year}"
    return Dataset(
        year,
        FederalSpec(election_id, title, ruling, contest, **spec),  # type: ignore[arg-type]
        sha256,
    )


CATALOGUE: dict[str, Dataset] = {
    d.election_id: d
    for d in (
        _entry(2000, "president", "Russia, presidential election 2000", "Путин", None),
        _entry(2003, "duma", "Russia, State Duma 2003 (party lists)", _DUMA, None),
        _entry(
            2004,
            "president",
            "Russia, presidential election 2004",
            "Путин",
            "dc28d05966d4e8845d8db5f470d8a2a123a5373d3668111265b5c282352f5298",
        ),
        _entry(
            2007,
            "duma",
            "Russia, State Duma 2007 (party lists)",
            _DUMA,
            "11fe1fc48857a274959843aeb731b7f0e622c6120530e9488f7326c2c1258e2b",
        ),
        _entry(
            2008,
            "president",
            "Russia, presidential election 2008",
            "Медведев",
            "3177252f9c3391d739fa6f495c7669570475f848433a2bcea1b7a51c86e078ea",
        ),
        _entry(
            2011,
            "duma",
            "Russia, State Duma 2011 (party lists)",
            _DUMA,
            "fd8aeceeebe92664872cf6fcaa43a11c2bf3f4914d9667bbd9bf2df6972cbd8f",
        ),
        _entry(
            2012,
            "president",
            "Russia, presidential election 2012",
            "Путин",
            "01e1a3296ecbaef2aafcbfda72dfdd7dcde86442a5a8715b1f7b978a99331590",
        ),
        _entry(
            2016,
            "duma",
            "Russia, State Duma 2016 (party lists)",
            _DUMA,
            "f07c07126f3c5bfc8958a1efad9532df44d1a94e13013ca2c2574827e28e13b2",
            districts_from_oik=True,
        ),
        _entry(
            2018,
            "president",
            "Russia, presidential election 2018",
            "Путин",
            "0ecfa337c877a2db52c99460307ea153b9e3a33810811685a1e92e8154287176",
        ),
        _entry(
            2020,
            "referendum",
            "Russia, constitutional vote 2020",
            "ДА",
            "1ec41f7065133142792bd96589991c90aa465b7d5b89c9496c05b8b97131011e",
        ),
        _entry(
            2021,
            "duma",
            "Russia, State Duma 2021 (party lists)",
            _DUMA,
            "b65fac633d642d496f52dc046fc4c1063b70b331cece7edcdfa8d76e63305a5d",
            districts_from_oik=True,
            remote_numbers=_MOSCOW_REMOTE_2021,
        ),
        _entry(
            2024,
            "president",
            "Russia, presidential election 2024",
            "Путин",
            "d4a18472d021efac9c269819a5b0e801daca1e486a7f48fc3981b4b241907313",
        ),
    )
}
BY_FILE_NAME = {d.file_name: d for d in CATALOGUE.values()}


def dataset(election_id: str) -> Dataset:
    if election_id not in CATALOGUE:
        known = ", ".join(CATALOGUE)
        raise UnknownElectionError(f"unknown election {election_id!r}; the catalogue has: {known}")
    return CATALOGUE[election_id]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


def fetch_file(
    entry: Dataset, cache: Path, mirror: str | None = None, progress: Progress | None = None
) -> Path:
    """The verified dataset file: from the cache, else downloaded from ``mirror`` or the source.

    ``mirror`` is a base URL or a local folder holding ``YEAR.csv.zip``. The file is written
    under a temporary name and moved into the cache only once its SHA-256 matches.
    """
    if entry.sha256 is None:
        raise DownloadError(
            f"{entry.election_id}: no checksum in the catalogue yet, so it is not downloaded; "
            f"import a local copy with `smartvote import {entry.file_name}`"
        )
    cached = cache / entry.file_name
    if cached.is_file() and sha256_of(cached) == entry.sha256:
        return cached
    source = f"{mirror.rstrip('/')}/{entry.file_name}" if mirror else entry.url
    cache.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(cache)
    with tempfile.NamedTemporaryFile(dir=cache, prefix=".part-", delete=False) as tmp:
        part = Path(tmp.name)
    try:
        _copy(source, part, progress)
        got = sha256_of(part)
        if got != entry.sha256:
            raise DownloadError(
                f"{source}: checksum mismatch (got {got}, expected {entry.sha256}); nothing was kept"
            )
        os.replace(part, cached)
    finally:
        part.unlink(missing_ok=True)
    return cached


#: A part file untouched this long belongs to a download that died (a live one writes every
#: block, and gives up after a 60 s timeout).
STALE_PART_SECONDS = 600


def remove_stale_parts(cache: Path) -> list[Path]:
    """Remove the ``.part-*`` files that killed downloads left in ``cache``; returns them."""
    now = time.time()
    stale = [p for p in cache.glob(".part-*") if p.is_file() and now - p.stat().st_mtime > STALE_PART_SECONDS]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _copy(source: str, target: Path, progress: Progress | None) -> None:
    """Copy a URL or a local file to ``target``, reporting progress; raise on any shortfall."""
    local = Path(source.removeprefix("file://"))
    if "://" not in source or source.startswith("file://"):
        if not local.is_file():
            raise DownloadError(f"{source}: no such file in the mirror")
        shutil.copyfile(local, target)
        return
    try:
        with urllib.request.urlopen(source, timeout=60) as response, target.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while block := response.read(1 << 16):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise DownloadError(f"{source}: download failed ({exc}); nothing was kept") from exc
    if total is not None and done != total:
        raise DownloadError(f"{source}: download interrupted at {done} of {total} bytes; nothing was kept")
