"""The layering of docs/architecture.md is enforced: `make lint` runs import-linter's contracts,
they hold on the package, and a forbidden import makes them fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package under ``root/src``, with the project's contracts."""
    env = os.environ | {"PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_the_package_keeps_its_contracts() -> None:
    result = lint(PROJECT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "BROKEN" not in result.stdout


def test_a_store_import_in_a_pure_core_breaks_the_lint(tmp_path: Path) -> None:
    shutil.copytree(
        PROJECT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    core = tmp_path / "src" / "smartvote" / "forensics" / "integer.py"
    core.write_text(core.read_text() + "\nfrom smartvote.data.store import Store  # noqa\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "Pure cores: no files, database, web, pages or printing BROKEN" in result.stdout
    assert "smartvote.forensics.integer -> smartvote.data.store" in result.stdout


def test_make_lint_runs_the_contracts() -> None:
    assert "lint-imports" in (PROJECT / "Makefile").read_text()
