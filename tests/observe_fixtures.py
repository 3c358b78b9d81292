"""The observer tests' fixtures (a pytest plugin: ``pytest_plugins = ["observe_fixtures"]``):
template databases of both back-ends, a fresh database of each in turn, a storage on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from observe_support import BACKENDS, Templates
from smartvote.observe.storage import Storage


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("observe-templates"))
    yield made
    made.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, templates: Templates) -> Iterator[str]:
    """A fresh, migrated database URL of each back-end in turn."""
    url = templates.fresh(request.param)
    yield url
    templates.reset(url)


@pytest.fixture
def storage(backend: str, tmp_path: Path) -> Iterator[Storage]:
    store = Storage(backend, tmp_path / "photos")
    yield store
    store.close()
