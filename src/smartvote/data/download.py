"""Download of catalogue files with verification, cache and mirror.

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
from pathlib import Path

from smartvote.data.catalogue import Dataset, DatasetFile
from smartvote.errors import DownloadError
from smartvote.progress import Progress


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
                    progress("download", done, total)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise DownloadError(f"{source}: download failed ({exc}); nothing was kept") from exc
    if total is not None and done != total:
        raise DownloadError(f"{source}: download interrupted at {done} of {total} bytes; nothing was kept")
