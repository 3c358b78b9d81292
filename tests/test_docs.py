"""The documentation keeps up with the code: every command and option is explained, every
command is shown in use, and every benchmark script is named where its figures are quoted."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from smartvote.cli import main

PROJECT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(
    p.read_text(encoding="utf-8") for p in [PROJECT / "README.md", *PROJECT.glob("docs/**/*.md")]
)
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_shown_in_use(name: str) -> None:
    command = main.commands[name]
    assert command.help, f"`smartvote {name}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"`smartvote {name}` option {param.opts[0]} has no help text"
    assert f"smartvote {name}" in DOCS, f"`smartvote {name}` appears in neither README.md nor docs/"


@pytest.mark.parametrize("script", sorted(p.name for p in (PROJECT / "benchmarks").glob("*.py")))
def test_every_benchmark_is_named_in_the_docs(script: str) -> None:
    assert f"benchmarks/{script}" in DOCS, f"benchmarks/{script} is quoted nowhere in README.md or docs/"
