"""The documentation keeps up with the code: every command and option is explained, every
command is shown in use, and every benchmark script is named where its figures are quoted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from smartvote.cli import COMMAND_MODULES, every_command

PROJECT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(
    p.read_text(encoding="utf-8") for p in [PROJECT / "README.md", *PROJECT.glob("docs/**/*.md")]
)
COMMANDS = sorted(every_command())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_shown_in_use(name: str) -> None:
    command = every_command()[name]
    assert command.help, f"`smartvote {name}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"`smartvote {name}` option {param.opts[0]} has no help text"
    assert f"smartvote {name}" in DOCS, f"`smartvote {name}` appears in neither README.md nor docs/"


def test_every_command_is_found_in_the_module_that_defines_it() -> None:
    """The CLI imports a command's module only when asked for that command, by this table."""
    defined = {
        name: command.callback.__module__ for name, command in every_command().items() if command.callback
    }
    assert defined == {name: f"smartvote.cli.{module}" for name, module in COMMAND_MODULES.items()}


def test_a_data_command_starts_without_the_other_commands_modules() -> None:
    """`smartvote import` waited 2.5 s for scipy, matplotlib, SQLAlchemy and aiohttp, which only
    other commands use; it now imports its own module alone."""
    probe = (
        "import sys; from smartvote.cli import main; main.get_command(None, 'import'); "
        "print(sorted(m for m in ('matplotlib', 'scipy', 'aiohttp', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in (PROJECT / "benchmarks").glob("*.py")))
def test_every_benchmark_is_named_in_the_docs(script: str) -> None:
    assert f"benchmarks/{script}" in DOCS, f"benchmarks/{script} is quoted nowhere in README.md or docs/"
