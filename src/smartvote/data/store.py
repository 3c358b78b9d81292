"""The embedded results store: imported elections in one DuckDB database file.

The store is the only module that writes the database. Every election is written in one
transaction, so an import either lands whole or leaves the previous state untouched.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import duckdb
import pandas as pd
import pyarrow as pa

from smartvote.errors import UnknownElectionError
from smartvote.model import (
    CHOICE_COLUMNS,
    CONTEST_COLUMNS,
    COUNTS,
    STATION_COLUMNS,
    VOTE_COLUMNS,
    Election,
    ElectionTables,
    conform,
)
from smartvote.settings import home

_COUNT_SQL = ", ".join(f"{c} BIGINT" for c in COUNTS)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS elections (
    election_id VARCHAR PRIMARY KEY, title VARCHAR, source VARCHAR, ruling VARCHAR,
    imported_at TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS contests (
    election_id VARCHAR, contest VARCHAR, kind VARCHAR, district BIGINT);
CREATE TABLE IF NOT EXISTS stations (
    election_id VARCHAR, contest VARCHAR, station_id VARCHAR, region VARCHAR, district BIGINT,
    tik VARCHAR, number BIGINT, counted_by_scanner BOOLEAN, {_COUNT_SQL},
    remote_electronic BOOLEAN, no_protocol BOOLEAN, inconsistent VARCHAR);
-- stores written before the scanner column existed gain it (null: not known)
ALTER TABLE stations ADD COLUMN IF NOT EXISTS counted_by_scanner BOOLEAN;
CREATE TABLE IF NOT EXISTS choices (
    election_id VARCHAR, contest VARCHAR, choice_id BIGINT, name VARCHAR, party VARCHAR,
    ballot_position BIGINT, ruling BOOLEAN, endorsed BOOLEAN);
CREATE TABLE IF NOT EXISTS votes (
    election_id VARCHAR, contest VARCHAR, station_id VARCHAR, choice_id BIGINT, votes BIGINT);
CREATE TABLE IF NOT EXISTS endorsements (
    election_id VARCHAR, district BIGINT, district_name VARCHAR, candidate VARCHAR, party VARCHAR);
"""
#: Columns of the endorsements attached to an election (docs/tactics-formats.md).
ENDORSEMENT_COLUMNS = ("district", "district_name", "candidate", "party")
_TABLES = {
    "contests": CONTEST_COLUMNS,
    "stations": STATION_COLUMNS,
    "choices": CHOICE_COLUMNS,
    "votes": VOTE_COLUMNS,
}


class Store:
    """Imported elections. ``Store()`` opens the default database; ``Store(":memory:")`` a scratch one."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            home().mkdir(parents=True, exist_ok=True)
            path = home() / "smartvote.duckdb"
        self.path = str(path)
        self.db = duckdb.connect(self.path)
        self.db.execute(SCHEMA)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def add_election(self, tables: ElectionTables) -> None:
        """Write an election, replacing any earlier import of the same id, atomically."""
        e = tables.election
        self.db.execute("BEGIN TRANSACTION")
        try:
            self._delete(e.election_id)
            self.db.execute(
                "INSERT INTO elections (election_id, title, source, ruling) VALUES (?, ?, ?, ?)",
                [e.election_id, e.title, e.source, e.ruling],
            )
            for name, columns in _TABLES.items():
                # Arrow, not pandas objects: DuckDB scans a million strings of Arrow far faster
                frame = pa.Table.from_pandas(getattr(tables, name)[list(columns)], preserve_index=False)  # noqa: F841
                cols = ", ".join(columns)
                self.db.execute(
                    f"INSERT INTO {name} (election_id, {cols}) SELECT ?, {cols} FROM frame",
                    [e.election_id],
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def delete_election(self, election_id: str) -> None:
        self.require(election_id)
        self.db.execute("BEGIN TRANSACTION")
        self._delete(election_id)
        self.db.execute("DELETE FROM endorsements WHERE election_id = ?", [election_id])
        self.db.execute("COMMIT")

    def set_endorsements(self, election_id: str, endorsements: pd.DataFrame) -> None:
        """Attach endorsements (one row per district) to an election, replacing earlier ones.

        The caller validates them against the election first. They survive a re-import of
        the election (districts keep their numbers) and go with :meth:`delete_election`.
        """
        self.require(election_id)
        frame = endorsements[list(ENDORSEMENT_COLUMNS)]  # noqa: F841 (read by DuckDB)
        cols = ", ".join(ENDORSEMENT_COLUMNS)
        self.db.execute("BEGIN TRANSACTION")
        try:
            self.db.execute("DELETE FROM endorsements WHERE election_id = ?", [election_id])
            self.db.execute(
                f"INSERT INTO endorsements (election_id, {cols}) SELECT ?, {cols} FROM frame", [election_id]
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def endorsements(self, election_id: str) -> pd.DataFrame:
        """The endorsements attached with :meth:`set_endorsements` (empty when none), by district."""
        self.require(election_id)
        cols = ", ".join(ENDORSEMENT_COLUMNS)
        return self.db.execute(
            f"SELECT {cols} FROM endorsements WHERE election_id = ? ORDER BY district", [election_id]
        ).df()

    def _delete(self, election_id: str) -> None:
        for name in ("elections", *_TABLES):
            self.db.execute(f"DELETE FROM {name} WHERE election_id = ?", [election_id])

    @property
    def elections(self) -> pd.DataFrame:
        """One row per election with its counts of contests and stations."""
        return self.db.execute(
            """SELECT e.election_id, e.title, e.ruling, e.source,
                      (SELECT count(*) FROM contests c WHERE c.election_id = e.election_id)
                          AS contests,
                      (SELECT count(DISTINCT station_id) FROM stations s
                          WHERE s.election_id = e.election_id) AS stations,
                      e.imported_at
               FROM elections e ORDER BY e.election_id"""
        ).df()

    def has(self, election_id: str) -> bool:
        found = self.db.execute(
            "SELECT count(*) FROM elections WHERE election_id = ?", [election_id]
        ).fetchone()
        return bool(found and found[0])

    def require(self, election_id: str) -> None:
        if not self.has(election_id):
            known = ", ".join(self.elections["election_id"]) or "none yet"
            raise UnknownElectionError(
                f"unknown election {election_id!r} (imported: {known}); "
                "use `smartvote fetch ID` or `smartvote import PATH`"
            )

    def election(self, election_id: str) -> Election:
        self.require(election_id)
        row = self.db.execute(
            "SELECT election_id, title, source, ruling FROM elections WHERE election_id = ?",
            [election_id],
        ).fetchone()
        assert row is not None
        return Election(*row)

    def table(self, name: str, election_id: str, contest: str | None = None) -> pd.DataFrame:
        """One canonical table of an election (optionally of one contest), in import order."""
        self.require(election_id)
        columns = ", ".join(_TABLES[name])
        where = "election_id = ?" + (" AND contest = ?" if contest else "")
        params = [election_id, contest] if contest else [election_id]
        frame = self.db.execute(f"SELECT {columns} FROM {name} WHERE {where}", params).df()
        return conform(frame, _TABLES[name])

    def load(self, election_id: str) -> ElectionTables:
        """The whole election as it was imported."""
        return ElectionTables(
            self.election(election_id),
            contests=self.table("contests", election_id),
            stations=self.table("stations", election_id),
            choices=self.table("choices", election_id),
            votes=self.table("votes", election_id),
        )
