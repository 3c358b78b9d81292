"""Everything the package reads at run time is shipped: an installed (non-editable) smartvote
finds its templates, scripts and data files."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT / "src" / "smartvote"


def test_every_data_file_is_in_package_data() -> None:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["smartvote"]
    data = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert data, "no data files found: wrong folder?"
    missing = [f for f in data if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert not missing, f"not shipped by [tool.setuptools.package-data]: {missing}"
