"""Nothing half-written: every output file or set of files appears whole, or not at all.

Each output is written under a temporary name in the folder it goes to (same file system,
so :func:`os.replace` is an atomic rename, POSIX ``rename(2)``) and renamed into place only
once it is complete; a failure or Ctrl-C leaves the previous output untouched and removes
the temporary one. Targets are checked before any work is renamed: a folder where a file
goes, or a file where a folder goes, is one :class:`OutputError` naming the path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smartvote.errors import SmartvoteError


class OutputError(SmartvoteError):
    """An output path that cannot be written as asked."""


def output_folder(folder: Path) -> Path:
    """``folder``, created if missing; refused when a file is in the way."""
    for part in (folder, *folder.parents):
        if part.exists():
            if not part.is_dir():
                raise OutputError(f"{part}: is a file, not a folder; choose another output path")
            break
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: permission denied; choose a folder you can write to")
    return folder


def check_file_target(target: Path) -> None:
    """Refuse ``target`` before any work: a folder in its place, or a parent one cannot write."""
    if target.is_dir():
        raise OutputError(
            f"{target}: is a folder where a file is needed; move it aside or choose another path"
        )
    output_folder(target.parent)


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; when the block ends without error, it replaces
    ``target`` in one rename."""
    check_file_target(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_file(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target


@contextmanager
def atomic_files(folder: Path) -> Iterator[Path]:
    """Yield an empty staging folder inside ``folder``; when the block ends without error every
    file written there replaces its namesake in ``folder``, all checked before the first rename."""
    output_folder(folder)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-"))
    try:
        yield staging
        files = sorted(p for p in staging.iterdir())
        for path in files:
            check_file_target(folder / path.name)
        for path in files:
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_folder_target(target: Path, replaceable: str) -> None:
    """Refuse ``target`` before any work: a file in its place, or a folder that is neither empty
    nor an earlier output (one holding the file ``replaceable``)."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: is a file, not a folder; choose another output path")
    if target.is_dir() and any(target.iterdir()) and not (target / replaceable).is_file():
        raise OutputError(f"{target}: exists and is not an earlier output; choose a new or empty folder")


def write_folder(target: Path, files: dict[str, bytes], replaceable: str) -> Path:
    """Write ``files`` (relative ``/`` paths -> bytes) as the whole content of folder ``target``:
    they are written into a staging folder beside it and swapped in by two renames, so that a
    reader sees the old folder or the new one, never a mixture. An existing ``target`` is
    replaced only if it holds the file ``replaceable`` (an earlier output of the same command),
    so that a mistyped path never deletes someone's folder."""
    check_folder_target(target, replaceable)
    parent = output_folder(target.resolve().parent)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.staging-"))
    old = parent / f".{target.name}.old-{staging.name.rsplit('-', 1)[-1]}"
    try:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        staging.chmod(0o755)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return target
