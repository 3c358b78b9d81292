"""Catalogue of public datasets, and their download with checksum, cache and mirror.

The Russian federal elections come from the public GitHub repository dkobak/elections
(folder data/), pinned to one commit because the files on master have changed over time.
A download is verified against its SHA-256 (or, for files no copy of which was at hand, the
git blob id the repository records) before it enters the cache; a mismatch or an interrupted
transfer leaves nothing behind.
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


@dataclass(frozen=True)
class DatasetFile:
    """One file of the dataset and how a download of it is verified.

    ``sha256`` where it could be computed from a copy; otherwise ``git_blob``, the id the
    repository's tree records at the pinned commit (the SHA-1 of ``"blob <size>\\0" + content``):
    a weaker guarantee (SHA-1), so the SHA-256 of the first verified download is recorded
    beside the cached file and every later use is checked against it.
    """

    name: str
    sha256: str | None = None
    git_blob: str | None = None

    @property
    def url(self) -> str:
        return f"{BASE_URL}/{self.name}"


@dataclass(frozen=True)
class Dataset:
    """One election of the public dataset: its files (the station file first, then any
    supplement such as 2024's remote electronic voting), how to import them, and what the
    dataset lacks (``notes``, stated by ``summary`` and ``report``)."""

    year: int
    spec: FederalSpec
    files: tuple[DatasetFile, ...]
    notes: tuple[str, ...] = ()

    @property
    def election_id(self) -> str:
        return self.spec.election_id

    @property
    def file_name(self) -> str:
        return self.files[0].name

    @property
    def url(self) -> str:
        return self.files[0].url

    @property
    def sha256(self) -> str | None:
        return self.files[0].sha256


def _entry(
    year: int,
    kind: str,
    title: str,
    ruling: str,
    *files: DatasetFile,
    notes: tuple[str, ...] = (),
    districts_from_oik: bool = False,
) -> Dataset:
    contest = {"duma": "federal-list", "president": "president", "referendum": "referendum"}[kind]
    spec = FederalSpec(f"russia-{kind}-{year}", title, ruling, contest, districts_from_oik=districts_from_oik)
    return Dataset(year, spec, files, notes)


def _zip(year: int, sha256: str | None = None, git_blob: str | None = None) -> DatasetFile:
    return DatasetFile(f"{year}.csv.zip", sha256, git_blob)


#: Every file of the dataset at the pinned commit. 2000 and 2003 could not be copied here, so
#: they are verified by the git blob ids of the repository's tree (untested on real files:
#: docs/datasets.md). The notes quote the dataset's own README (data/README.md at the commit).
CATALOGUE: dict[str, Dataset] = {
    d.election_id: d
    for d in (
        _entry(
            2000,
            "president",
            "Russia, presidential election 2000",
            "Путин",
            _zip(2000, git_blob="c35973644674e3f9b9b64205e27fd629ba07f7bb"),
            notes=(
                "the dataset has no station data for 104 constituencies (Chechnya, Yakutia and "
                "some others; 2,930,483 registered voters) nor for stations abroad",
            ),
        ),
        _entry(
            2003,
            "duma",
            "Russia, State Duma 2003 (party lists)",
            _DUMA,
            _zip(2003, git_blob="7a7403ab4e6caf48162f558dd5e3154531f15c79"),
        ),
        _entry(
            2004,
            "president",
            "Russia, presidential election 2004",
            "Путин",
            _zip(2004, "dc28d05966d4e8845d8db5f470d8a2a123a5373d3668111265b5c282352f5298"),
        ),
        _entry(
            2007,
            "duma",
            "Russia, State Duma 2007 (party lists)",
            _DUMA,
            _zip(2007, "11fe1fc48857a274959843aeb731b7f0e622c6120530e9488f7326c2c1258e2b"),
        ),
        _entry(
            2008,
            "president",
            "Russia, presidential election 2008",
            "Медведев",
            _zip(2008, "3177252f9c3391d739fa6f495c7669570475f848433a2bcea1b7a51c86e078ea"),
        ),
        _entry(
            2011,
            "duma",
            "Russia, State Duma 2011 (party lists)",
            _DUMA,
            _zip(2011, "fd8aeceeebe92664872cf6fcaa43a11c2bf3f4914d9667bbd9bf2df6972cbd8f"),
        ),
        _entry(
            2012,
            "president",
            "Russia, presidential election 2012",
            "Путин",
            _zip(2012, "01e1a3296ecbaef2aafcbfda72dfdd7dcde86442a5a8715b1f7b978a99331590"),
        ),
        _entry(
            2016,
            "duma",
            "Russia, State Duma 2016 (party lists)",
            _DUMA,
            _zip(2016, "f07c07126f3c5bfc8958a1efad9532df44d1a94e13013ca2c2574827e28e13b2"),
            districts_from_oik=True,
        ),
        _entry(
            2018,
            "president",
            "Russia, presidential election 2018",
            "Путин",
            _zip(2018, "0ecfa337c877a2db52c99460307ea153b9e3a33810811685a1e92e8154287176"),
        ),
        _entry(
            2020,
            "referendum",
            "Russia, constitutional vote 2020",
            "ДА",
            _zip(2020, "1ec41f7065133142792bd96589991c90aa465b7d5b89c9496c05b8b97131011e"),
            notes=(
                "the file lacks the two remote electronic voting pseudo-stations (Moscow 1,051,155 "
                "and Nizhny Novgorod Oblast 139,571 registered voters: 1,190,726 in all), which the "
                "official totals (109,190,337 registered) include",
            ),
        ),
        _entry(
            2021,
            "duma",
            "Russia, State Duma 2021 (party lists)",
            _DUMA,
            _zip(2021, "b65fac633d642d496f52dc046fc4c1063b70b331cece7edcdfa8d76e63305a5d"),
            districts_from_oik=True,
        ),
        _entry(
            2024,
            "president",
            "Russia, presidential election 2024",
            "Путин",
            _zip(2024, "d4a18472d021efac9c269819a5b0e801daca1e486a7f48fc3981b4b241907313"),
            DatasetFile(
                "2024-electronic-voting.csv",
                "330834edc558df924a0d0421b4f34c448ab9737d4b0ef822a3cd723337501b8c",
            ),
            notes=(
                "the official turnout (77.49%) also counts 2,268 stations in four annexed regions "
                "(Donetsk, Luhansk, Zaporizhzhia, Kherson) whose station data were never released",
            ),
        ),
    )
}
#: Each catalogue file's name -> its election and the file.
BY_FILE_NAME: dict[str, tuple[Dataset, DatasetFile]] = {
    f.name: (d, f) for d in CATALOGUE.values() for f in d.files
}


def notes_for(election_id: str) -> tuple[str, ...]:
    """What the dataset lacks for a catalogue election (nothing for other elections)."""
    entry = CATALOGUE.get(election_id)
    return entry.notes if entry else ()


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


def git_blob_of(path: Path) -> str:
    """The git blob id of a file: SHA-1 of ``"blob <size>\\0"`` + its bytes (as ``git hash-object``)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _recorded_sha256(cached: Path) -> Path:
    return cached.with_name(cached.name + ".sha256")


def _verified(file: DatasetFile, path: Path, cached: Path) -> str | None:
    """``None`` when ``path`` is the published file, else what was found instead."""
    if file.sha256 is not None:
        got = sha256_of(path)
        return None if got == file.sha256 else f"SHA-256 {got}, expected {file.sha256}"
    record = _recorded_sha256(cached)
    if path == cached and record.is_file():
        return None if sha256_of(path) == record.read_text().strip() else "SHA-256 differs from the record"
    got = git_blob_of(path)
    return None if got == file.git_blob else f"git blob {got}, expected {file.git_blob}"


Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


def fetch_file(
    entry: Dataset | DatasetFile, cache: Path, mirror: str | None = None, progress: Progress | None = None
) -> Path:
    """The verified file (a dataset's station file, or one given file): from the cache, else
    downloaded from ``mirror`` or the source.

    ``mirror`` is a base URL or a local folder holding the files under their names. A file
    is written under a temporary name and moved into the cache only once it is verified
    (:class:`DatasetFile`); a file verified by its git blob gets its SHA-256 recorded beside it.
    """
    file = entry.files[0] if isinstance(entry, Dataset) else entry
    cached = cache / file.name
    if cached.is_file() and _verified(file, cached, cached) is None:
        return cached
    source = f"{mirror.rstrip('/')}/{file.name}" if mirror else file.url
    cache.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(cache)
    with tempfile.NamedTemporaryFile(dir=cache, prefix=".part-", delete=False) as tmp:
        part = Path(tmp.name)
    try:
        _copy(source, part, progress)
        wrong = _verified(file, part, part)
        if wrong is not None:
            raise DownloadError(f"{source}: checksum mismatch ({wrong}); nothing was kept")
        if file.sha256 is None:
            _recorded_sha256(cached).write_text(sha256_of(part) + "\n")
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


def fetch_all(
    entry: Dataset, cache: Path, mirror: str | None = None, progress: Progress | None = None
) -> list[Path]:
    """Every file of a catalogue election, verified (see :func:`fetch_file`)."""
    return [fetch_file(file, cache, mirror, progress) for file in entry.files]


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


# --- District-level sources (Moscow City Duma 2014 and 2019), converted by
# smartvote.importers.moscow; each file pinned to a commit and checked by its SHA-256.


@dataclass(frozen=True)
class SourceFile(DatasetFile):
    """One file of another public GitHub repository at a pinned commit (verified like every
    :class:`DatasetFile`; cached under a name that carries the repository, commit and path)."""

    repository: str = ""  # owner/name
    commit: str = ""
    path: str = ""  # inside the repository

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{self.path}"


def _source(pinned: tuple[str, str], path: str, sha256: str) -> SourceFile:
    repository, commit = pinned
    name = f"{repository.replace('/', '+')}+{commit[:12]}+{path.replace('/', '+')}"
    return SourceFile(name, sha256, None, repository, commit, path)


MOSCOW_EVILMUCEDIN = ("evilmucedin/moscowElections2019", "20464155ec1e9bf26cc02cbedfc1a2a45b4c0f84")
MOSCOW_BLUEFLYINGPANDA = ("blueflyingpanda/ElectionsResearch", "7b40c219c12bb229dd59ba0271ea063b674572d4")
MOSCOW_SOURCES: tuple[SourceFile, ...] = (
    _source(
        MOSCOW_EVILMUCEDIN,
        "data/2014.csv",
        "5fb8455dd33b673eff203cb568d0e62be3b358f729c8ad6494eeac540a6446ca",
    ),
    _source(
        MOSCOW_EVILMUCEDIN,
        "data/2019.csv",
        "e9551aad0dac143227c5e818adad9ca6b6183b6b1340dadc32546bffb0821a7c",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/data6.csv",
        "36a104b7838dde92844486caa6eea2d1ce426aa848bef947631eafc4754650ce",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/data7.csv",
        "4db5c0dac2971f85aa7e7c54b5ca3e3530d4e284b1a9a50e50fdf2abd7083e63",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/clean_data7.csv",
        "247c8fca24a49d5c2c9bd590391691b5349b42bce1a63a59cd8fda398cd6517a",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/mandates_to_districts_to_uiks.csv",
        "e013e35e2bf04d042d86f37750661704072cf4546b11fd2ae0e630a9aac8d8f5",
    ),
)
