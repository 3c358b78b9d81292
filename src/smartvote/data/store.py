"""The embedded results store: imported elections in one DuckDB database file.

The store is the only module that writes the database. Every election is written in one
transaction, so an import either lands whole or leaves the previous state untouched.

DuckDB lets one process write a database file, or several read it (its concurrency page:
https://duckdb.org/docs/connect/concurrency). Commands that only read open the file read-only
(:meth:`Store.reading`), so readers never block each other; a connection that cannot get its
lock retries for a bounded time (``SMARTVOTE_LOCK_TIMEOUT`` seconds) and then fails as "store
busy", naming the process DuckDB reports as the holder. A file that is not a readable smartvote
store (truncated, garbled, a directory, another program's database) fails as damaged, with the
way out; once a read failed, no write goes into that file in the same process.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from smartvote import settings
from smartvote.errors import SmartvoteError, UnknownElectionError
from smartvote.model import (
    CHOICE_COLUMNS,
    CONTEST_COLUMNS,
    COUNTS,
    SCANNER,
    STATION_COLUMNS,
    VOTE_COLUMNS,
    Election,
    ElectionTables,
    conform,
    flag_implausible,
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
    remote_electronic BOOLEAN, no_protocol BOOLEAN, inconsistent VARCHAR, implausible VARCHAR);
CREATE TABLE IF NOT EXISTS choices (
    election_id VARCHAR, contest VARCHAR, choice_id BIGINT, name VARCHAR, party VARCHAR,
    ballot_position BIGINT, ruling BOOLEAN, endorsed BOOLEAN);
CREATE TABLE IF NOT EXISTS votes (
    election_id VARCHAR, contest VARCHAR, station_id VARCHAR, choice_id BIGINT, votes BIGINT);
CREATE TABLE IF NOT EXISTS endorsements (
    election_id VARCHAR, district BIGINT, district_name VARCHAR, candidate VARCHAR, party VARCHAR);
"""
#: The store's schema steps, applied in order and recorded in ``schema_version``: a store
#: written by an earlier version is brought up to date once, by a writer, and says so.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "the canonical tables", SCHEMA),
    (
        2,
        "stations.counted_by_scanner (null: not known) for stores written before it existed",
        "ALTER TABLE stations ADD COLUMN IF NOT EXISTS counted_by_scanner BOOLEAN",
    ),
    (
        3,
        "stations.implausible (null: computed on reading) for stores written before it existed",
        "ALTER TABLE stations ADD COLUMN IF NOT EXISTS implausible VARCHAR",
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, step VARCHAR, applied_at TIMESTAMP)"
)
#: Seconds a command waits for another command's lock on the store before it gives up.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Paths whose reads failed in this process: no write goes into them (it would bury the damage).
FAILED_READS: set[str] = set()
#: What this process committed, in order ("election X into PATH"): an interrupted command
#: says whether its write landed.
COMMITTED: list[str] = []


class StoreError(SmartvoteError):
    """The store cannot be used: busy, damaged, foreign or of a newer version."""


class StoreBusyError(StoreError):
    """Another process holds the lock the command needs, beyond the bounded wait."""


class StoreDamagedError(StoreError):
    """The file is not a readable smartvote store."""


#: Columns of the endorsements attached to an election (docs/tactics-formats.md).
ENDORSEMENT_COLUMNS = ("district", "district_name", "candidate", "party")
_TABLES = {
    "contests": CONTEST_COLUMNS,
    "stations": STATION_COLUMNS,
    "choices": CHOICE_COLUMNS,
    "votes": VOTE_COLUMNS,
}


_KNOWN_TABLES = {"elections", "endorsements", "schema_version", *_TABLES}
_LOCK = re.compile(r"Could not set lock")
_PID = re.compile(r"\(PID (\d+)\)")


def default_path() -> Path:
    """The store's file under :func:`home`, whose folder is created if missing."""
    folder = home()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise StoreError(
            f"{folder}: SMARTVOTE_HOME is not a folder (a file is in the way); "
            "point SMARTVOTE_HOME at a folder or move the file aside"
        ) from exc
    return folder / "smartvote.duckdb"


def lock_timeout() -> float:
    """``SMARTVOTE_LOCK_TIMEOUT`` (seconds), else :data:`DEFAULT_LOCK_TIMEOUT`."""
    raw = settings.lock_timeout()
    try:
        return DEFAULT_LOCK_TIMEOUT if raw is None else max(0.0, float(raw))
    except ValueError as exc:
        raise StoreError(f"SMARTVOTE_LOCK_TIMEOUT={raw!r} is not a number of seconds") from exc


def _damaged(path: str, why: object) -> StoreDamagedError:
    FAILED_READS.add(path)
    reason = str(why).splitlines()[0].removeprefix("IO Error: ")
    return StoreDamagedError(
        f"{path}: the store is damaged or not a smartvote store ({reason}); move it aside "
        "and import the elections again (`smartvote fetch ID` or `smartvote import PATH`)"
    )


class Store:
    """Imported elections. ``Store()`` opens the default database for writing,
    :meth:`Store.reading` for reading only; ``Store(":memory:")`` is a scratch one.

    A read-only store becomes a writer when a write is asked of it (the engine imports a
    missing election on the fly), waiting for the lock like any writer.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = str(default_path() if path is None else path)
        self.read_only = read_only and self.path != ":memory:"
        if self.read_only and not Path(self.path).exists():
            self.read_only = False  # a new store: create its tables first (then it is empty)
        self.db = self._connect(self.read_only)
        self._verified = False  # see verify()
        self._prepare()

    @classmethod
    def reading(cls, path: Path | str | None = None) -> Store:
        """The store opened for reading only: any number of readers share the file."""
        return cls(path, read_only=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- opening, checking and migrating --------------------------------------------------

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection, retrying while another process holds the lock (bounded)."""
        deadline = time.monotonic() + lock_timeout()
        while True:
            try:
                return duckdb.connect(self.path, read_only=read_only)
            except duckdb.ConnectionException:
                # this process already holds the file with the other mode: share its connection
                return duckdb.connect(self.path, read_only=not read_only)
            except duckdb.IOException as exc:
                if not _LOCK.search(str(exc)):
                    raise _damaged(self.path, exc) from exc
                if time.monotonic() >= deadline:
                    pid = _PID.search(str(exc))
                    holder = f", PID {pid.group(1)}" if pid else ""
                    raise StoreBusyError(
                        f"{self.path}: store busy (another smartvote command{holder}); "
                        "try again when it has finished, or raise SMARTVOTE_LOCK_TIMEOUT"
                    ) from exc
                time.sleep(0.2)
            except duckdb.Error as exc:
                raise _damaged(self.path, exc) from exc

    def _prepare(self) -> None:
        """Refuse a foreign or newer file; bring an older store up to :data:`SCHEMA_VERSION`."""
        tables = {str(r[0]) for r in self._rows("SELECT table_name FROM duckdb_tables()")}
        if tables and not tables & _KNOWN_TABLES:
            FAILED_READS.add(self.path)
            raise StoreDamagedError(
                f"{self.path}: a DuckDB file of other tables ({', '.join(sorted(tables)[:5])}), "
                "not a smartvote store; move it aside or point SMARTVOTE_HOME elsewhere"
            )
        version = self.schema_version() if "schema_version" in tables else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer smartvote (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade smartvote"
            )
        if version < SCHEMA_VERSION:
            self._writable()
            self.db.execute(_VERSION_TABLE)
            for step, what, sql in MIGRATIONS[self.schema_version() :]:
                with self._transaction():
                    self.db.execute(sql)
                    self.db.execute(
                        "INSERT INTO schema_version VALUES (?, ?, current_timestamp)", [step, what]
                    )

    def schema_version(self) -> int:
        """The last schema step recorded in the store (0 before versions were recorded)."""
        found = self._rows("SELECT max(version) FROM schema_version")
        return int(found[0][0] or 0)

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        return self._query(sql, params).fetchall()

    def _query(self, sql: str, params: Sequence[object] = ()) -> duckdb.DuckDBPyConnection:
        """Run a read; a failure of the file itself marks the store damaged for this process."""
        try:
            return self.db.execute(sql, list(params))
        except (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException) as exc:
            raise _damaged(self.path, exc) from exc
        except duckdb.Error as exc:
            if "Corrupt database file" in str(exc) or "checksum" in str(exc):
                raise _damaged(self.path, exc) from exc
            raise

    def fingerprint(self) -> tuple[int, int, int, int]:
        """(elections, stations, vote rows, sum of votes): what a failed command must leave as it was."""
        row = self._rows(
            """SELECT (SELECT count(*) FROM elections), (SELECT count(*) FROM stations),
                      count(*), coalesce(sum(votes), 0) FROM votes"""
        )[0]
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def verify(self) -> None:
        """Read every column of every table, so that a write never lands in a file with a
        checksum error (DuckDB verifies each block it reads; a count alone reads none).

        Once per writing connection: while it is open no other process can open the file
        (DuckDB's lock), and the blocks it writes DuckDB checksums as it writes them, so the
        later writes of one command (both elections of spb-2021, every file of one `import`)
        do not read the whole store again: 0.1 s each (0.2 s of CPU) for every federal year.
        """
        if self._verified:
            return
        for (name,) in self._rows("SELECT table_name FROM duckdb_tables()"):
            self._rows(f'SELECT count(*), max(hash(COLUMNS(*))) FROM "{name}"')
        self._verified = not self.read_only

    def _writable(self) -> None:
        """Make sure this connection may write: not after a failed read, re-opened if read-only."""
        if self.path in FAILED_READS:
            raise StoreDamagedError(
                f"{self.path}: not written, since reading it failed in this command; move it "
                "aside and import the elections again"
            )
        if self.read_only:
            self.db.close()
            self.db = self._connect(False)
            self.read_only, self._verified = False, False

    @contextmanager
    def _transaction(self, committed: str | None = None) -> Iterator[None]:
        """One transaction: rolled back on any error; an interrupt after the commit is recorded
        as committed (``COMMITTED``) so that the command can say the write landed."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            try:
                self.db.execute("ROLLBACK")
            except duckdb.TransactionException:  # no transaction left: the commit went through
                if committed:
                    COMMITTED.append(committed)
            raise
        if committed:
            COMMITTED.append(committed)

    # -- writes -----------------------------------------------------------------------------

    def add_election(self, tables: ElectionTables) -> None:
        """Write an election, replacing any earlier import of the same id, atomically."""
        e = tables.election
        self._writable()
        self.verify()
        with self._transaction(f"election {e.election_id} into {self.path}"):
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

    def delete_election(self, election_id: str) -> None:
        """Remove an election and its endorsements, in one transaction (rolled back on error)."""
        self.require(election_id)
        self._writable()
        with self._transaction(f"deletion of {election_id} from {self.path}"):
            self._delete(election_id)
            self.db.execute("DELETE FROM endorsements WHERE election_id = ?", [election_id])

    def set_endorsements(self, election_id: str, endorsements: pd.DataFrame) -> None:
        """Attach endorsements (one row per district) to an election, replacing earlier ones.

        The caller validates them against the election first. They survive a re-import of
        the election (districts keep their numbers) and go with :meth:`delete_election`.
        """
        self.require(election_id)
        self._writable()
        self.verify()
        frame = endorsements[list(ENDORSEMENT_COLUMNS)]  # noqa: F841 (read by DuckDB)
        cols = ", ".join(ENDORSEMENT_COLUMNS)
        with self._transaction(f"endorsements of {election_id} into {self.path}"):
            self.db.execute("DELETE FROM endorsements WHERE election_id = ?", [election_id])
            self.db.execute(
                f"INSERT INTO endorsements (election_id, {cols}) SELECT ?, {cols} FROM frame", [election_id]
            )

    def set_scanners(self, election_id: str, region: str, numbers: Sequence[int]) -> int:
        """Mark which stations of ``region`` counted with scanners (``counted_by_scanner``):
        true for the listed station numbers, false for the region's other stations, in every
        contest; other regions keep theirs. Returns how many stations were marked true."""
        self.require(election_id)
        self._writable()
        self.verify()
        listed = pd.DataFrame({"number": pd.array(list(numbers), dtype="Int64")})  # noqa: F841 (read by DuckDB)
        with self._transaction(f"scanner list of {election_id} into {self.path}"):
            self.db.execute(
                f"UPDATE stations SET {SCANNER} = (number IN (SELECT number FROM listed)) "
                "WHERE election_id = ? AND region = ?",
                [election_id, region],
            )
            ((marked,),) = self._rows(
                f"SELECT count(*) FROM stations WHERE election_id = ? AND region = ? AND {SCANNER}",
                [election_id, region],
            )
        return int(marked)

    def _delete(self, election_id: str) -> None:
        for name in ("elections", *_TABLES):
            self.db.execute(f"DELETE FROM {name} WHERE election_id = ?", [election_id])

    # -- reads ------------------------------------------------------------------------------

    def endorsements(self, election_id: str) -> pd.DataFrame:
        """The endorsements attached with :meth:`set_endorsements` (empty when none), by district."""
        self.require(election_id)
        cols = ", ".join(ENDORSEMENT_COLUMNS)
        return self._query(
            f"SELECT {cols} FROM endorsements WHERE election_id = ? ORDER BY district", [election_id]
        ).df()

    @property
    def elections(self) -> pd.DataFrame:
        """One row per election with its counts of contests and stations."""
        return self._query(
            """SELECT e.election_id, e.title, e.ruling, e.source,
                      (SELECT count(*) FROM contests c WHERE c.election_id = e.election_id)
                          AS contests,
                      (SELECT count(DISTINCT station_id) FROM stations s
                          WHERE s.election_id = e.election_id) AS stations,
                      e.imported_at
               FROM elections e ORDER BY e.election_id"""
        ).df()

    def has(self, election_id: str) -> bool:
        found = self._rows("SELECT count(*) FROM elections WHERE election_id = ?", [election_id])
        return bool(found and found[0][0])

    def require(self, election_id: str) -> None:
        if not self.has(election_id):
            known = ", ".join(self.elections["election_id"]) or "none yet"
            raise UnknownElectionError(
                f"unknown election {election_id!r} (imported: {known}); "
                "use `smartvote fetch ID` or `smartvote import PATH`"
            )

    def election(self, election_id: str) -> Election:
        self.require(election_id)
        rows = self._rows(
            "SELECT election_id, title, source, ruling FROM elections WHERE election_id = ?",
            [election_id],
        )
        return Election(*rows[0])

    def table(self, name: str, election_id: str, contest: str | None = None) -> pd.DataFrame:
        """One canonical table of an election (optionally of one contest), in import order."""
        self.require(election_id)
        columns = ", ".join(_TABLES[name])
        where = "election_id = ?" + (" AND contest = ?" if contest else "")
        params = [election_id, contest] if contest else [election_id]
        frame = self._query(f"SELECT {columns} FROM {name} WHERE {where}", params).df()
        frame = conform(frame, _TABLES[name])
        if name == "stations" and (unknown := frame["implausible"].isna()).any():
            # written before the column existed (schema step 3): its reasons follow from the counts
            frame.loc[unknown, "implausible"] = flag_implausible(frame[unknown])
        return frame

    def load(self, election_id: str) -> ElectionTables:
        """The whole election as it was imported."""
        return ElectionTables(
            self.election(election_id),
            contests=self.table("contests", election_id),
            stations=self.table("stations", election_id),
            choices=self.table("choices", election_id),
            votes=self.table("votes", election_id),
        )
