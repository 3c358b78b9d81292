"""The ``smartvote`` command line: thin commands over the store, importers and methods.

Each area registers its commands on :data:`main` in its own module (``data``, ...), so that
the areas grow without touching each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

from smartvote import __version__
from smartvote.errors import SmartvoteError

F = TypeVar("F", bound=Callable[..., Any])
console = Console()


def reports_errors(command: F) -> F:
    """Turn domain errors into a one-line message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SmartvoteError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__)
def main() -> None:
    """smartvote: election results for Smart Voting, forensics and civic observation.

    Imported elections live in a DuckDB database under SMARTVOTE_HOME
    (default: the user's data directory).
    """


# Command modules register themselves on `main` when imported.
from smartvote.cli import data, engine, observe, report, synthetic, tactics  # noqa: E402, F401
