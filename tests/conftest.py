"""Shared fixtures: the real data in ../shared/data and stores with elections imported."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartvote.data.loader import read_path
from smartvote.data.store import Store

PROJECT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """``SMARTVOTE_SHARED_DATA`` or ``../shared/data``; a test that needs it fails without it."""
    path = Path(os.environ.get("SMARTVOTE_SHARED_DATA") or PROJECT.parent / "shared" / "data")
    if not (path / "russia-federal").is_dir():
        pytest.fail(f"the real election data is missing: {path} (set SMARTVOTE_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return shared_data()


@pytest.fixture(scope="session")
def federal_zip(data_dir: Path) -> object:
    """``federal_zip(2021)`` -> the path of that year's file."""
    return lambda year: data_dir / "russia-federal" / f"{year}.csv.zip"


@pytest.fixture(scope="session")
def real_store(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store with the four federal elections and both St Petersburg elections imported."""
    store = Store(tmp_path_factory.mktemp("store") / "real.duckdb")
    for year in (2011, 2016, 2018, 2021):
        for tables in read_path(data_dir / "russia-federal" / f"{year}.csv.zip"):
            store.add_election(tables)
    for tables in read_path(data_dir / "spb-2021"):
        store.add_election(tables)
    yield store
    store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SMARTVOTE_HOME for CLI tests."""
    monkeypatch.setenv("SMARTVOTE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SMARTVOTE_MIRROR", raising=False)
    return tmp_path / "home"


class SharedStore:
    """Stands in for the ``Store`` class of a CLI module: every open, for writing or reading
    (``Store.reading()``), gives the session's store, kept open across commands."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self) -> contextlib.AbstractContextManager[Store]:
        return contextlib.nullcontext(self.store)

    def reading(self) -> contextlib.AbstractContextManager[Store]:
        return contextlib.nullcontext(self.store)
