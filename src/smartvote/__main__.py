"""``python -m smartvote``: the same command line as ``smartvote``."""

from smartvote.cli import main

main(prog_name="smartvote")
