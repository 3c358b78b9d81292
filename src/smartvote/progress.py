"""The one progress protocol of every long step: ``progress(step, done, total)``.

Pure cores report how far they are through this callback and never print; the CLI draws bars
from it. ``total`` is ``None`` where it is not known in advance (a download without a length).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int | None], None]


def no_progress(step: str, done: int, total: int | None) -> None:
    """The default callback: report nothing."""
