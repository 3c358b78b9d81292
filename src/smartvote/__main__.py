"""``smartvote`` and ``python -m smartvote``: start the CLI, one line even for a Ctrl-C that
arrives while the command modules (pandas, DuckDB...) are still being imported."""

from __future__ import annotations

import sys


def run() -> None:
    """The console entry point."""
    try:
        from smartvote.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted while starting: nothing was done\n")
        raise SystemExit(1) from None
    main()


if __name__ == "__main__":
    run()
