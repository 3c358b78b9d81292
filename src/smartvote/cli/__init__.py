"""The ``smartvote`` command line: thin commands over the store, importers and methods.

Each area registers its commands on :data:`main` in its own module (``data``, ...), so that
the areas grow without touching each other. Every failure a user can cause or meet (bad
input, I/O, a busy or damaged store, memory, Ctrl-C) leaves as one line on stderr naming the
file and the way out, exit status 1 (2 for usage); ``smartvote --debug CMD`` shows the
traceback instead.
"""

from __future__ import annotations

import errno
import functools
import importlib
import math
import re
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import click
import duckdb
from rich.console import Console

from smartvote import __version__
from smartvote.data.store import COMMITTED, FAILED_READS
from smartvote.errors import SmartvoteError
from smartvote.jsonout import dumps

F = TypeVar("F", bound=Callable[..., Any])
console = Console()


_NUMPY_REPR = re.compile(r"\bnp\.(?:u?int|float)\d*\(([^()]*)\)")


def one_line(text: str) -> str:
    """A message as one line, NumPy scalars as plain numbers (``np.int64(211)`` -> ``211``)."""
    return " ".join(_NUMPY_REPR.sub(r"\1", text).split())


def reports_errors(command: F) -> F:
    """Turn domain errors into a one-line message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SmartvoteError as exc:
            raise click.ClickException(one_line(str(exc))) from exc

    return wrapper  # type: ignore[return-value]


def progress_console() -> Console:
    """Where progress bars draw: stderr, and nothing at all when stderr is not a terminal
    (rich would otherwise leave blank lines there, before an error's one line)."""
    err = Console(stderr=True)
    return err if err.is_terminal else Console(stderr=True, quiet=True)


def echo_json(payload: Any) -> None:
    """Print ``payload`` as strict JSON (see :func:`smartvote.jsonout.dumps`)."""
    click.echo(dumps(payload))


class FiniteFloat(click.FloatRange):
    """A float option (optionally in a range) that refuses NaN and infinities: ``nan`` parses
    as a float and then passes every range check, since every comparison with NaN is false."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class OneLineUsageError(click.ClickException):
    """A usage error told in one line (click's own display adds the usage and a hint)."""

    exit_code = 2


_OS_ADVICE = {
    errno.EACCES: "permission denied; choose a path you can write to or fix its permissions",
    errno.EPERM: "operation not permitted; choose another path",
    errno.EISDIR: "is a folder where a file is needed; move it aside or choose another path",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path",
    errno.EEXIST: "already exists; move it aside or choose another path",
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENOSPC: "no space left on the device; free some space and run the command again",
    errno.EROFS: "read-only file system; choose another path",
}


def _interrupted() -> str:
    if COMMITTED:
        return (
            f"interrupted after the {'; the '.join(COMMITTED)} was committed (it is in the store); "
            "the rest of the command did not run"
        )
    return "interrupted: nothing was written to the store, and no output file was left half-written"


def failure_message(exc: BaseException) -> str:
    """The one line a user reads for ``exc``: what failed, where, and what to do."""
    if isinstance(exc, SmartvoteError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return _interrupted()
    if isinstance(exc, MemoryError):
        return "out of memory; ask for less (fewer stations, a smaller file) or free some memory"
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "input/output"
        if exc.filename2 is not None:
            where = f"{where} -> {exc.filename2}"
        advice = _OS_ADVICE.get(exc.errno or 0) or (exc.strerror or str(exc))
        return f"{where}: {advice}"
    if isinstance(exc, duckdb.Error):
        return f"store: {str(exc).splitlines()[0]}; move the store aside and import again if it persists"
    text = " ".join(str(exc).split())
    return (
        f"internal error ({type(exc).__name__}: {text}); "
        "run `smartvote --debug ...` for the traceback and report it"
    )


def _warning_line(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """A warning as one line on stderr, without the source line Python shows (``--debug`` does)."""
    click.echo(f"warning: {one_line(str(message))}", err=True)


#: Each command and the module that defines it, imported when the command is asked for. Importing
#: every command's module (scipy, matplotlib, SQLAlchemy, aiohttp ...) took 2.5 s before any
#: command could start, 3.3-4.1 s in all for `smartvote import 2024.csv.zip` (measured December
#: 2026); `smartvote.cli.data` alone imports in 1.1 s. A test checks this table against the
#: commands the modules define.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("export", "fetch", "import", "list", "summary"), "data"),
    **dict.fromkeys(("backtest", "coordinate", "recommend"), "engine"),
    **dict.fromkeys(
        ("attach-scanners", "coincidences", "history", "kireev", "online", "rank", "scanners"), "forensics"
    ),
    "observe": "observe",
    **dict.fromkeys(("keygen", "publish", "verify"), "publish"),
    "report": "report",
    **dict.fromkeys(("simulate-election", "validate"), "synthetic"),
    **dict.fromkeys(("check-input", "effect", "endorse", "gap", "polls"), "tactics"),
}


def every_command() -> dict[str, click.Command]:
    """Every command, its module imported (for the documentation's checks)."""
    ctx = click.Context(main)
    return {name: command for name in COMMAND_MODULES if (command := main.get_command(ctx, name))}


class SmartvoteGroup(click.Group):
    """The command group whose :meth:`invoke` is the one top-level handler of every failure, and
    which imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"smartvote.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        COMMITTED.clear()  # what this command commits, and which stores it failed to read
        FAILED_READS.clear()
        if ctx.params.get("debug"):
            return super().invoke(ctx)
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _warning_line
                return super().invoke(ctx)
        except click.UsageError as exc:
            command = f"smartvote {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else "smartvote"
            raise OneLineUsageError(f"{exc.format_message()} (see `{command} --help`)") from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 (the one top-level handler)
            raise click.ClickException(one_line(failure_message(exc))) from exc


@click.group(cls=SmartvoteGroup)
@click.version_option(__version__)
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """smartvote: election results for Smart Voting, forensics and civic observation.

    Imported elections live in a DuckDB database under SMARTVOTE_HOME
    (default: the user's data directory).
    """
