"""The one reader of environment variables: every setting a user can give without a flag.

- ``SMARTVOTE_HOME``: the data directory (the results store, the download cache); default the
  user's data directory (e.g. ``~/.local/share/smartvote``).
- ``SMARTVOTE_MIRROR``: a base URL or folder holding the catalogue's files, instead of their
  pinned public sources (``fetch --mirror`` overrides it).
- ``SMARTVOTE_LOCK_TIMEOUT``: seconds a writer waits for the store (default 30).
- ``ARROW_DEFAULT_MEMORY_POOL``: pyarrow's allocator; when it is unset, the importers use the
  system allocator on Linux (:func:`smartvote.data.importers.tabular.prefer_system_allocator`).
- ``SMARTVOTE_OBSERVE_DB``: the observer service's database URL (default: SQLite under home);
  ``SMARTVOTE_OBSERVE_PHOTOS`` its photo folder (default: beside the database).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def home() -> Path:
    """The data directory: ``SMARTVOTE_HOME`` or the user's data directory."""
    return Path(os.environ.get("SMARTVOTE_HOME") or platformdirs.user_data_dir("smartvote"))


def cache() -> Path:
    """Where verified downloads are kept."""
    return home() / "cache"


def mirror() -> str | None:
    """``SMARTVOTE_MIRROR``, if set."""
    return os.environ.get("SMARTVOTE_MIRROR") or None


def arrow_memory_pool() -> str | None:
    """``ARROW_DEFAULT_MEMORY_POOL``, pyarrow's own choice of allocator, if the user set it
    (then the importers leave pyarrow's allocator as chosen)."""
    return os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or None


def lock_timeout() -> str | None:
    """``SMARTVOTE_LOCK_TIMEOUT``: how long (seconds) a writer waits for a store another
    command holds (the store parses it; default 30)."""
    return os.environ.get("SMARTVOTE_LOCK_TIMEOUT")


def observe_db() -> str | None:
    """``SMARTVOTE_OBSERVE_DB``, if set."""
    return os.environ.get("SMARTVOTE_OBSERVE_DB") or None


def observe_photos() -> str | None:
    """``SMARTVOTE_OBSERVE_PHOTOS``: the observer service's photo folder, if set."""
    return os.environ.get("SMARTVOTE_OBSERVE_PHOTOS") or None
