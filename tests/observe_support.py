"""Shared parts of the observer-service tests: both back-ends from template databases, a frame.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, user postgres). The schema is migrated once
per session into a template (a PostgreSQL template database, an SQLite file), so that no test
pays for the migrations. SQLite tests get a copy of the template file; PostgreSQL tests share
one database made from the template and emptied (TRUNCATE) after each test, because creating
and dropping a database per test costs about a second each on this machine.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from PIL import Image

from smartvote.observe.storage import engine_for, migrate

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
BACKENDS = ("sqlite", "postgresql")
TABLES = (
    "roots",
    "leaves",
    "voter_reports",
    "official",
    "audit",
    "photos",
    "submissions",
    "rate",
    "tokens",
    "choices",
    "stations",
    "contests",
    "elections",
)
CONTEST, BY_CONTEST = "federal-list", "president-by"


def pg_execute(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


class Templates:
    """Migrated template databases of both back-ends, copied per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite = folder / "template.sqlite"
        self.pg = f"observe_tpl_{os.getpid()}"
        self.work = f"observe_t_{os.getpid()}"
        engine = engine_for(f"sqlite:///{self.sqlite}")
        migrate(engine)
        engine.dispose()
        pg_execute(f'DROP DATABASE IF EXISTS "{self.pg}"')
        pg_execute(f'CREATE DATABASE "{self.pg}"')
        engine = engine_for(PG_URL.format(name=self.pg))
        migrate(engine)
        engine.dispose()
        pg_execute(f'DROP DATABASE IF EXISTS "{self.work}"')
        pg_execute(f'CREATE DATABASE "{self.work}" TEMPLATE "{self.pg}"')

    def fresh(self, backend: str) -> str:
        if backend == "sqlite":
            path = self.folder / f"observe_{uuid.uuid4().hex[:12]}.sqlite"
            shutil.copy(self.sqlite, path)
            return f"sqlite:///{path}"
        return PG_URL.format(name=self.work)

    def reset(self, url: str) -> None:
        """Empty the shared PostgreSQL database (the migrations' own table excepted)."""
        if url.startswith("postgresql"):
            tables = ", ".join(TABLES)
            with psycopg.connect(
                f"host=127.0.0.1 port=5432 user=postgres dbname={self.work}", autocommit=True
            ) as conn:
                conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    def close(self) -> None:
        for name in (self.work, self.pg):
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def frame() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A small frame: a Russian party-list contest of 3 choices and the Belarus 2020 form."""
    contests = pd.DataFrame({"contest": [CONTEST, BY_CONTEST], "form": ["ru-duma-list", "by-2020-president"]})
    stations = pd.DataFrame(
        {
            "contest": [CONTEST] * 4 + [BY_CONTEST] * 2,
            "station": ["1", "2", "3", "4", "1", "2"],
            "region": ["R"] * 6,
            "tik": ["T"] * 6,
            "number": [1, 2, 3, 4, 1, 2],
            "registered": [1500, 1200, None, 900, 1000, 1000],
        }
    )
    choices = pd.DataFrame(
        {
            "contest": [CONTEST] * 3 + [BY_CONTEST] * 2,
            "choice": ["1", "2", "3", "1", "2"],
            "name": ["A", "B", "C", "X", "Y"],
        }
    )
    return contests, stations, choices


def protocol(station: str = "1", **changes: Any) -> dict[str, Any]:
    """A consistent Russian protocol of station ``station``; ``changes`` override lines (``L10=...``)."""
    lines = {
        "1": 1500,
        "2": 1300,
        "3": 0,
        "4": 551,
        "5": 20,
        "6": 729,
        "7": 20,
        "8": 551,
        "9": 15,
        "10": 556,
        "11": 0,
        "12": 0,
    }
    choices = {"1": 300, "2": 200, "3": 56}
    for key, value in changes.items():
        if key.startswith("L"):
            lines[key[1:]] = value
        else:
            choices[key[1:]] = value
    return {
        "id": str(uuid.uuid4()),
        "contest": CONTEST,
        "station": station,
        "kind": "protocol",
        "lines": lines,
        "choices": choices,
    }


def jpeg(width: int = 64, height: int = 48, **save: Any) -> bytes:
    image = Image.new("RGB", (width, height), (200, 180, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", **save)
    return out.getvalue()
