"""The service's settings: explicit values, else the environment (read by :mod:`smartvote.settings`).

``SMARTVOTE_OBSERVE_DB`` (an SQLAlchemy URL; PostgreSQL as ``postgresql+psycopg://...``) or, by
default, an SQLite file under ``SMARTVOTE_HOME``, so that a newcomer needs nothing running;
``SMARTVOTE_OBSERVE_PHOTOS`` the photo folder (default: beside the database under the home).
The CLI passes its options to uvicorn's workers through the same variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smartvote import settings
from smartvote.settings import home

DB_VARIABLE = "SMARTVOTE_OBSERVE_DB"
PHOTOS_VARIABLE = "SMARTVOTE_OBSERVE_PHOTOS"
#: Requests per token and minute, unless an election sets its own.
RATE_PER_MINUTE = 60
#: Distinct tokens that must agree for a figure to be verified, unless an election sets its own.
AGREEING_TOKENS = 2
#: The largest JSON body accepted (a protocol of a few hundred lines is a few kilobytes).
MAX_JSON_BYTES = 64 * 1024
#: The largest photo accepted, in bytes and in pixels (a 40 MP phone camera's full frame).
MAX_PHOTO_BYTES = 12 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
#: Photos per submission (the pages of a protocol).
MAX_PHOTOS = 8


@dataclass(frozen=True)
class Settings:
    """Where the service keeps its data."""

    database_url: str
    photo_dir: Path

    @classmethod
    def from_env(cls, database_url: str | None = None, photo_dir: Path | str | None = None) -> Settings:
        """Explicit values first, then the environment, then the defaults under SMARTVOTE_HOME."""
        base = home() / "observe"
        url = database_url or settings.observe_db() or f"sqlite:///{base / 'observe.sqlite'}"
        photos = Path(photo_dir or settings.observe_photos() or base / "photos")
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return cls(url, photos)

    def to_env(self) -> dict[str, str]:
        """The variables that give a uvicorn worker these settings."""
        return {DB_VARIABLE: self.database_url, PHOTOS_VARIABLE: str(self.photo_dir)}
