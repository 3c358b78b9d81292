"""The observer service's storage: SQLAlchemy 2 Core over SQLite (WAL) or PostgreSQL.

Every write is one transaction, and the service acknowledges only after it has committed.
State that several workers share (rate counters, the audit chain) lives in the database. On
SQLite every write transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, the others
wait for the lock instead of failing on upgrade), with ``synchronous=FULL`` so that a committed
transaction survives a power cut; PostgreSQL's defaults already do so. The schema is created
and upgraded by the Alembic migrations shipped in ``migrations/``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from smartvote.errors import SmartvoteError
from smartvote.observe import consensus as core
from smartvote.observe.group_commit import GroupCommit
from smartvote.observe.photos import CleanPhoto, file_name, sweep, write_durably
from smartvote.observe.records import (
    GENESIS,
    canonical_json,
    chain_hash,
    coarse_time,
    first_broken,
    pseudonym,
    receipt,
    token_digest,
)
from smartvote.observe.settings import AGREEING_TOKENS, RATE_PER_MINUTE
from smartvote.protocols import form

#: ``voter``: a one-report token handed to a voter, for the voter's report (issue 19).
ROLES = ("observer", "moderator", "organiser", "voter")
KINDS = ("protocol", "repeat")
#: Token length: 20 random bytes = 160 bits, written as 32 base-32 characters in groups of 4.
TOKEN_BYTES = 20
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CHUNK = 5000


class ServiceError(SmartvoteError):
    """A request the service refuses; ``status`` is its HTTP status code."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


@dataclass(frozen=True)
class Principal:
    """Who sent a request: role, election, the token's digest and its per-election pseudonym."""

    role: str
    election: str
    digest: str
    pseudonym: str
    limited: bool = False


@dataclass(frozen=True)
class Frame:
    """An election's frame as the service checks submissions against it."""

    forms: Mapping[str, str]
    stations: frozenset[tuple[str, str]]
    choices: Mapping[str, tuple[str, ...]]


def new_token() -> str:
    """A random token, grouped by four for typing (``ABCD-EFGH-...``)."""
    raw = secrets.token_bytes(TOKEN_BYTES)
    bits = int.from_bytes(raw, "big")
    chars = "".join(_BASE32[(bits >> (5 * i)) & 31] for i in reversed(range(TOKEN_BYTES * 8 // 5)))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def engine_for(url: str, durable: bool = True, autocommit: bool = False) -> Engine:
    """An engine with the service's connection discipline for SQLite or PostgreSQL.

    ``durable=False`` gives connections whose commits do not wait for the disk (PostgreSQL's
    ``synchronous_commit=off``, SQLite's ``synchronous=NORMAL`` in WAL mode): for the rate
    counters alone, which may lose their last second in a power cut without harm, and which
    would otherwise double the disk flushes of every request.

    ``autocommit=True`` gives connections whose every statement is its own transaction (one
    round trip each, no BEGIN and COMMIT around it), for the hot path's single-statement
    writes. On PostgreSQL the engine's connections are made that way once, at connect:
    switching a pooled connection to autocommit at each checkout and back at each check-in
    cost a fifth of a token's look-up (0.38 -> 0.31 ms of CPU without it, measured in December
    2026). SQLite's connections stay as they are and the engine carries the option, which
    tells the ``begin`` hook below not to open a transaction.
    """
    if not url.startswith("sqlite"):
        pg: dict[str, Any] = {"pool_recycle": 3600}
        if autocommit:  # nothing to roll back at check-in: no statement leaves a transaction open
            pg |= {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
        if durable:  # autocommit: the inserts' group commit, one batch at a time per worker
            pool = (
                {"pool_size": 2, "max_overflow": 0, "pool_timeout": 60}
                if autocommit
                else {"pool_size": 8, "max_overflow": 16}
            )
            return sa.create_engine(url, **pool, **pg)
        # Every request passes here: a fixed pool (threads wait for a connection) rather than
        # overflow connections, each a new PostgreSQL process, opened and closed per request
        # once more than the pool's size arrive at once.
        return sa.create_engine(
            url,
            pool_size=12,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"options": "-c synchronous_commit=off"},
            **pg,
        )
    engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
    sync = "FULL" if durable else "NORMAL"

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None
        for pragma in ("journal_mode=WAL", f"synchronous={sync}", "busy_timeout=60000", "foreign_keys=ON"):
            dbapi.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN" if options.get("read_only") else "BEGIN IMMEDIATE")

    return engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(files("smartvote.observe").joinpath("migrations")))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


class Storage:
    """The service's database and photo folder."""

    def __init__(self, url: str, photo_dir: Path) -> None:
        self.url = url
        self.engine = engine_for(url)
        self.autocommit = engine_for(url, autocommit=True)
        postgresql = self.engine.dialect.name == "postgresql"  # there a count is one statement
        self.counters = engine_for(url, durable=False, autocommit=postgresql)
        self.photo_dir = Path(photo_dir)
        self._frames: dict[str, Frame] = {}
        self._lock = threading.Lock()
        self._tables: dict[str, sa.Table] = {}
        self._inserts: GroupCommit[dict[str, Any], bool | None] = GroupCommit(
            self.autocommit.connect, self._insert_batch
        )
        self._counts: GroupCommit[dict[str, Any], tuple[Any, int] | None] = GroupCommit(
            self.counters.begin, self._count_batch
        )

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        for engine in (self.engine, self.autocommit, self.counters):
            engine.dispose()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def warm_up(self) -> None:
        """Do before serving what the first requests would otherwise do while they wait.

        Opens every pooled connection (each a PostgreSQL process started and a psycopg
        connection set up), reflects the tables, builds and runs the hot path's statements once
        per connection (a digest no token has: nothing is written) and reads every election's
        frame. Measured at 400 submissions/s on PostgreSQL (December 2026): without it the first
        two seconds' requests waited 0.6-1.2 s (p99) while each worker opened its connections and
        built its statements under load; with it, the first second's p99 was 28 ms.
        """
        hot, nobody = self._hot, {"digest": "", "window": 0}
        # Each statement on its own (holding several connections in a transaction at once would
        # wait for SQLite's one write lock).
        for engine in (self.counters, self.autocommit, self.engine):
            with ExitStack() as stack:  # hold them all at once, so that each is a new one
                size = engine.pool.size()  # type: ignore[attr-defined]  # a QueuePool on both back-ends
                conns = [
                    stack.enter_context(engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
                    for _ in range(size)
                ]
                for conn in conns:
                    conn.execute(hot.look_up, nobody)
                    conn.execute(hot.receipts_of, {"ids": [""]})
        with self._read() as conn:
            elections = conn.execute(sa.select(self.t("elections").c.id)).scalars().all()
        for election in elections:
            self.frame(election)

    def t(self, name: str) -> sa.Table:
        """A table of the schema (reflected once, after the migrations ran)."""
        if not self._tables:
            meta = sa.MetaData()
            with self.engine.connect().execution_options(read_only=True) as conn:
                meta.reflect(conn)
            self._tables = dict(meta.tables)
        return self._tables[name]

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(read_only=True) as conn, conn.begin():
            yield conn

    def _upsert(self, table: sa.Table) -> Any:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def _audit(self, conn: Connection, election: str, entry: dict[str, Any]) -> None:
        """Append an entry to the election's hash chain; the election row serialises appenders."""
        elections, audit = self.t("elections"), self.t("audit")
        conn.execute(sa.select(elections.c.id).where(elections.c.id == election).with_for_update())
        last = conn.execute(
            sa.select(audit.c.hash).where(audit.c.election == election).order_by(audit.c.seq.desc()).limit(1)
        ).scalar()
        entry = {"at": coarse_time(time.time()), **entry}
        conn.execute(
            audit.insert().values(
                election=election, entry=canonical_json(entry), hash=chain_hash(last or GENESIS, entry)
            )
        )

    # -- set-up -----------------------------------------------------------------------------
    def create_election(
        self,
        election: str,
        title: str,
        contests: pd.DataFrame,
        stations: pd.DataFrame,
        choices: pd.DataFrame,
        k: int = AGREEING_TOKENS,
        purge_after: date | None = None,
    ) -> str:
        """Store an election's frame and return its organiser token (shown once, stored as a digest)."""
        for name in contests["form"]:
            form(name)
        with self._write() as conn:
            if conn.execute(
                sa.select(self.t("elections").c.id).where(self.t("elections").c.id == election)
            ).first():
                raise Conflict(f"election {election!r} is already set up in this database")
            conn.execute(
                self.t("elections").insert(),
                {
                    "id": election,
                    "title": title,
                    "k": k,
                    "rate_per_minute": RATE_PER_MINUTE,
                    "purge_after": purge_after.isoformat() if purge_after else None,
                    "secret": secrets.token_hex(32),
                    "created": coarse_time(time.time()),
                },
            )
            # A choice's position is its row's place in its contest, as the frame file lists them.
            ballot = choices.assign(position=choices.groupby("contest", sort=False).cumcount() + 1)
            for name, frame in (("contests", contests), ("stations", stations), ("choices", ballot)):
                clean = frame.astype(object).where(frame.notna(), None)
                rows = [
                    {"election": election, **{str(k): v for k, v in r.items()}}
                    for r in clean.to_dict("records")
                ]
                for start in range(0, len(rows), _CHUNK):
                    conn.execute(self.t(name).insert(), rows[start : start + _CHUNK])
            return self._issue(conn, election, "organiser", 1, "init")[0]

    def issue_tokens(
        self, election: str, role: str, n: int, batch: str | None = None
    ) -> tuple[str, list[str]]:
        """``n`` new tokens of ``role``; returns (batch id, tokens). The tokens exist nowhere else."""
        batch = batch or secrets.token_hex(4)
        with self._write() as conn:
            self.election(election, conn)
            tokens = self._issue(conn, election, role, n, batch)
            self._audit(
                conn,
                election,
                {
                    "role": "organiser",
                    "actor": "cli",
                    "action": "issue-tokens",
                    "batch": batch,
                    "token_role": role,
                    "n": n,
                },
            )
        return batch, tokens

    def _issue(self, conn: Connection, election: str, role: str, n: int, batch: str) -> list[str]:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        tokens = [new_token() for _ in range(n)]
        now = coarse_time(time.time())
        rows = [
            {
                "digest": token_digest(tok),
                "election": election,
                "role": role,
                "batch": batch,
                "revoked": False,
                "created": now,
            }
            for tok in tokens
        ]
        for start in range(0, len(rows), _CHUNK):
            conn.execute(self.t("tokens").insert(), rows[start : start + _CHUNK])
        return tokens

    def revoke(self, token: str | None = None, batch: str | None = None) -> int:
        """Revoke one token or every token of a batch; returns how many were revoked."""
        tokens = self.t("tokens")
        where = tokens.c.digest == token_digest(token) if token else tokens.c.batch == batch
        with self._write() as conn:
            elections = conn.execute(sa.select(tokens.c.election).where(where).distinct()).scalars().all()
            if not elections:
                raise NotFound("no such token" if token else f"no token in batch {batch!r}")
            n = conn.execute(tokens.update().where(where).values(revoked=True)).rowcount
            for election in elections:
                self._audit(
                    conn,
                    election,
                    {"role": "organiser", "actor": "cli", "action": "revoke", "batch": batch or "", "n": n},
                )
        return int(n)

    def election(self, election: str, conn: Connection | None = None) -> dict[str, Any]:
        """An election's settings; :class:`NotFound` if it is not set up."""
        table = self.t("elections")
        query = sa.select(table.c.id, table.c.title, table.c.k, table.c.rate_per_minute, table.c.purge_after)
        if conn is None:
            with self._read() as own:
                row = own.execute(query.where(table.c.id == election)).first()
        else:
            row = conn.execute(query.where(table.c.id == election)).first()
        if row is None:
            raise NotFound(f"election {election!r} is not set up in this database")
        return dict(row._mapping)

    def only_election(self) -> str:
        """The one election of the database (the default of the CLI commands)."""
        with self._read() as conn:
            ids = conn.execute(sa.select(self.t("elections").c.id)).scalars().all()
        if len(ids) != 1:
            raise ServiceError(
                "no election is set up (run `smartvote observe init`)"
                if not ids
                else f"several elections are set up ({', '.join(ids)}): name one with --election"
            )
        return str(ids[0])

    def set_settings(self, principal: Principal, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change an election's k, rate limit or purge date (organiser), recorded in the audit log."""
        table = self.t("elections")
        with self._write() as conn:
            conn.execute(table.update().where(table.c.id == principal.election).values(**changes))
            self._audit(
                conn,
                principal.election,
                {"role": principal.role, "actor": principal.pseudonym, "action": "settings", **changes},
            )
            return self.election(principal.election, conn)

    def batches(self, election: str) -> list[dict[str, Any]]:
        """Token batches of an election with their role and counts (never a digest)."""
        tokens = self.t("tokens")
        revoked = sa.func.sum(sa.case((tokens.c.revoked, 1), else_=0))
        with self._read() as conn:
            rows = conn.execute(
                sa.select(
                    tokens.c.batch, tokens.c.role, sa.func.count().label("tokens"), revoked.label("revoked")
                )
                .where(tokens.c.election == election)
                .group_by(tokens.c.batch, tokens.c.role)
                .order_by(tokens.c.batch)
            ).all()
        return [
            {"batch": r.batch, "role": r.role, "tokens": int(r.tokens), "revoked": int(r.revoked or 0)}
            for r in rows
        ]

    # -- requests ---------------------------------------------------------------------------
    def authenticate(self, token: str, now: float | None = None) -> Principal | None:
        """The principal of a valid, unrevoked token, counting this request against its rate.

        On PostgreSQL the look-up and the count are one statement (one round trip). SQLite has
        no data-modifying CTEs, and every count takes its one write lock, whose waiters sleep
        and poll (1, 2, 5, 10, ... 100 ms: a lock held for 3 ms cost its waiter 8.5 ms here,
        and with dozens of waiters some starved for seconds, measured at 400/s in December
        2026); there the counts of a worker's concurrent requests share one transaction
        (:class:`GroupCommit`), so that a worker has one counting waiter for the lock, not dozens.
        """
        digest = token_digest(token)
        params = {"digest": digest, "window": int(now if now is not None else time.time()) // 60}
        if self._hot.count is None:
            with self.counters.connect() as conn:  # an autocommit engine on PostgreSQL
                found = self._look_up_and_count(conn, params)
        else:
            found = self._counts(params)
        if found is None:
            return None
        row, count = found
        return Principal(
            row.role, row.election, digest, pseudonym(row.secret, digest), count > row.rate_per_minute
        )

    def _look_up_and_count(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, int] | None:
        """The token's row and this minute's count of its requests with this one (None: no token)."""
        hot = self._hot
        row = conn.execute(hot.look_up, params).first()
        if row is None:
            return None
        count = int(row.hits if hot.count is None else conn.execute(hot.count, params).scalar_one())
        if count == 1:
            conn.execute(hot.forget, params)
        return row, count

    def _count_batch(self, conn: Connection, items: list[dict[str, Any]]) -> list[tuple[Any, int] | None]:
        return [self._look_up_and_count(conn, params) for params in items]

    @cached_property
    def _hot(self) -> _HotPath:
        """The hot path's statements, built once: building a Core statement costs more CPU than
        running it (measured: 0.38 ms against 0.15 ms for an upsert on PostgreSQL)."""
        tokens, elections, rate, subs = (
            self.t("tokens"),
            self.t("elections"),
            self.t("rate"),
            self.t("submissions"),
        )
        found = (
            sa.select(
                tokens.c.digest,
                tokens.c.role,
                tokens.c.election,
                elections.c.secret,
                elections.c.rate_per_minute,
            )
            .join(elections, elections.c.id == tokens.c.election)
            .where(tokens.c.digest == sa.bindparam("digest"), sa.not_(tokens.c.revoked))
        )
        window = sa.bindparam("window", type_=sa.BigInteger)
        on_conflict = {"index_elements": ["digest", "window"], "set_": {"count": rate.c.count + 1}}
        forget = rate.delete().where(rate.c.digest == sa.bindparam("digest"), rate.c.window < window)
        insert = self._upsert(subs).on_conflict_do_nothing(index_elements=["id"]).returning(subs.c.id)
        receipts_of = sa.select(subs.c.id, subs.c.receipt).where(
            subs.c.id.in_(sa.bindparam("ids", expanding=True))
        )
        if self.engine.dialect.name != "postgresql":
            count = (
                self._upsert(rate)
                .values(digest=sa.bindparam("digest"), window=window, count=1)
                .on_conflict_do_update(**on_conflict)
                .returning(rate.c.count)
            )
            return _HotPath(found, count, forget, insert, receipts_of)
        token = found.cte("token")
        counted = (
            self._upsert(rate)
            .from_select(["digest", "window", "count"], sa.select(token.c.digest, window, sa.literal(1)))
            .on_conflict_do_update(**on_conflict)
            .returning(rate.c.digest, rate.c.count)
            .cte("counted")
        )
        hits = counted.c.count.label("hits")
        look_up = sa.select(
            token.c.role, token.c.election, token.c.secret, token.c.rate_per_minute, hits
        ).join_from(token, counted, counted.c.digest == token.c.digest)
        return _HotPath(look_up, None, forget, insert, receipts_of)

    def frame(self, election: str) -> Frame:
        """The election's frame, read once per worker (it does not change while serving)."""
        with self._lock:
            if election in self._frames:
                return self._frames[election]
        with self._read() as conn:
            contests = conn.execute(
                sa.select(self.t("contests").c.contest, self.t("contests").c.form).where(
                    self.t("contests").c.election == election
                )
            ).all()
            st = self.t("stations")
            stations = conn.execute(
                sa.select(st.c.contest, st.c.station).where(st.c.election == election)
            ).all()
            ch = self.t("choices")
            choices = conn.execute(
                sa.select(ch.c.contest, ch.c.choice)
                .where(ch.c.election == election)
                .order_by(ch.c.position, ch.c.choice)
            ).all()
        by_contest: dict[str, list[str]] = {c: [] for c, _ in contests}
        for contest, choice in choices:
            by_contest.setdefault(contest, []).append(choice)
        frame = Frame(
            {c: f for c, f in contests},
            frozenset((c, s) for c, s in stations),
            {c: tuple(v) for c, v in by_contest.items()},
        )
        with self._lock:
            self._frames[election] = frame
        return frame

    def choice_names(self, election: str) -> dict[str, dict[str, str]]:
        """Each contest's choices by id with their names (party or candidate), for the observers' form."""
        ch = self.t("choices")
        with self._read() as conn:
            rows = conn.execute(
                sa.select(ch.c.contest, ch.c.choice, ch.c.name).where(ch.c.election == election)
            )
            out: dict[str, dict[str, str]] = {}
            for contest, choice, name in rows:
                out.setdefault(contest, {})[choice] = name
        return out

    def submit(self, principal: Principal, payload: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Store a protocol; returns (created, its record). Idempotent on (id, content)."""
        frame = self.frame(principal.election)
        contest, station = payload["contest"], payload["station"]
        if contest not in frame.forms:
            raise Invalid(f"unknown contest {contest!r}")
        if (contest, station) not in frame.stations:
            raise Invalid(f"unknown station {station!r} in contest {contest!r}")
        protocol_form = form(frame.forms[contest])
        lines, choices = dict(payload["lines"]), dict(payload["choices"])
        _same_keys("lines", lines, protocol_form.line_ids)
        _same_keys("choices", choices, frame.choices.get(contest, ()))
        checks = protocol_form.check(lines, choices)
        content = {
            "id": payload["id"],
            "election": principal.election,
            "author": principal.pseudonym,
            "contest": contest,
            "station": station,
            "kind": payload["kind"],
            "supersedes": payload.get("supersedes"),
            "lines": lines,
            "choices": choices,
        }
        digest = receipt(content)
        body = {"lines": lines, "choices": choices}
        checked = [c.to_json() for c in checks]
        row = {
            "id": content["id"],
            "election": principal.election,
            "contest": contest,
            "station": station,
            "kind": content["kind"],
            "author": principal.pseudonym,
            "supersedes": content["supersedes"],
            "body": canonical_json(body),
            "receipt": digest,
            "checks": canonical_json(checked),
            "hard_failed": any(c.severity == "hard" and c.status == "failed" for c in checks),
            "received": coarse_time(time.time()),
        }
        # Submissions are never changed, so the check of an earlier one and the insert need no
        # common transaction; the insert joins the worker's next group commit.
        if content["supersedes"] is not None:
            with self._read() as conn:
                self._check_supersedes(conn, principal, content)
        created = self._inserts(row)
        if created is None:
            raise Conflict(f"submission {content['id']} was already received with other content")
        return created, _record(row, body, checked, [])

    def _insert_batch(self, conn: Connection, rows: list[dict[str, Any]]) -> list[bool | None]:
        """Insert submissions in one statement (atomic by itself, so its own transaction); per row
        True (new), False (a retry of the same content: same id, same receipt) or None (the same
        id with other content)."""
        inserted = set(conn.execute(self._hot.insert, rows).scalars())
        times = Counter(r["id"] for r in rows)
        unique = {i for i in inserted if times[i] == 1}
        others = [i for i in times if i not in unique]
        stored = dict(conn.execute(self._hot.receipts_of, {"ids": others}).all()) if others else {}
        out: list[bool | None] = []
        for row in rows:
            if row["id"] in unique:
                out.append(True)
            elif stored.get(row["id"]) != row["receipt"]:
                out.append(None)
            else:  # the first of several same-content rows in the batch counts as the new one
                out.append(row["id"] in inserted)
                inserted.discard(row["id"])
        return out

    def _check_supersedes(self, conn: Connection, principal: Principal, content: Mapping[str, Any]) -> None:
        subs = self.t("submissions")
        earlier = conn.execute(
            sa.select(subs.c.author, subs.c.contest, subs.c.station, subs.c.election).where(
                subs.c.id == content["supersedes"]
            )
        ).first()
        if (
            earlier is None
            or content["supersedes"] == content["id"]
            or (earlier.author, earlier.contest, earlier.station, earlier.election)
            != (principal.pseudonym, content["contest"], content["station"], principal.election)
        ):
            raise Invalid(
                f"supersedes {content['supersedes']}: not an earlier submission of this token "
                "for the same contest and station"
            )

    @staticmethod
    def _stored(row: Mapping[str, Any], photos: list[dict[str, Any]]) -> dict[str, Any]:
        return _record(row, json.loads(row["body"]), json.loads(row["checks"]), photos)

    def submissions(
        self,
        principal: Principal,
        contest: str | None = None,
        station: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Submissions an observer may read (their own) or a moderator may (all), newest id order."""
        subs = self.t("submissions")
        query = sa.select(subs).where(subs.c.election == principal.election)
        if principal.role == "observer":
            query = query.where(subs.c.author == principal.pseudonym)
        if contest:
            query = query.where(subs.c.contest == contest)
        if station:
            query = query.where(subs.c.station == station)
        with self._read() as conn:
            rows = [
                dict(r._mapping) for r in conn.execute(query.order_by(subs.c.id).limit(limit).offset(offset))
            ]
            photos = self._photos_of(conn, [r["id"] for r in rows])
        return [self._stored(r, photos.get(r["id"], [])) for r in rows]

    def submission(self, principal: Principal, submission: str) -> dict[str, Any]:
        """One submission, if this principal may read it (else :class:`NotFound`, hiding its existence)."""
        subs = self.t("submissions")
        with self._read() as conn:
            row = conn.execute(sa.select(subs).where(subs.c.id == submission)).first()
            if row is None or not _may_read(principal, row):
                raise NotFound(f"no submission {submission}")
            photos = self._photos_of(conn, [submission])
        return self._stored(dict(row._mapping), photos.get(submission, []))

    def _photos_of(self, conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        photos = self.t("photos")
        out: dict[str, list[dict[str, Any]]] = {}
        if not ids:
            return out
        rows = conn.execute(
            sa.select(photos.c.submission, photos.c.n, photos.c.sha256, photos.c.size)
            .where(photos.c.submission.in_(ids))
            .order_by(photos.c.n)
        )
        for r in rows:
            out.setdefault(r.submission, []).append({"n": r.n, "sha256": r.sha256, "size": r.size})
        return out

    def add_photo(self, principal: Principal, submission: str, n: int, photo: CleanPhoto) -> bool:
        """Keep a cleaned photo of the principal's submission durably; True if new, False if a retry."""
        photos = self.t("photos")
        with self._read() as conn:
            self._own_submission(conn, principal, submission)
            existing = conn.execute(
                sa.select(photos.c.sha256).where(photos.c.submission == submission, photos.c.n == n)
            ).scalar()
        if existing is not None:
            return self._same_photo(existing, photo, n)
        name = file_name(submission, n, photo.sha256)
        write_durably(self.photo_dir, name, photo.data)
        with self._write() as conn:
            inserted = conn.execute(
                self._upsert(photos)
                .values(
                    submission=submission,
                    n=n,
                    sha256=photo.sha256,
                    size=len(photo.data),
                    file=name,
                    received=coarse_time(time.time()),
                )
                .on_conflict_do_nothing(index_elements=["submission", "n"])
                .returning(photos.c.n)
            ).first()
            if inserted is not None:
                return True
            existing = conn.execute(
                sa.select(photos.c.sha256).where(photos.c.submission == submission, photos.c.n == n)
            ).scalar()
        if existing != photo.sha256:
            (self.photo_dir / name).unlink(missing_ok=True)
        return self._same_photo(str(existing), photo, n)

    def require_own(self, principal: Principal, submission: str) -> None:
        """:class:`NotFound` unless ``submission`` is the principal's (any, for an organiser)."""
        with self._read() as conn:
            self._own_submission(conn, principal, submission)

    def _own_submission(self, conn: Connection, principal: Principal, submission: str) -> None:
        subs = self.t("submissions")
        row = conn.execute(sa.select(subs.c.author, subs.c.election).where(subs.c.id == submission)).first()
        if (
            row is None
            or row.election != principal.election
            or (principal.role != "organiser" and row.author != principal.pseudonym)
        ):
            raise NotFound(f"no submission {submission} of this token")

    @staticmethod
    def _same_photo(existing: str, photo: CleanPhoto, n: int) -> bool:
        if existing != photo.sha256:
            raise Conflict(f"photo {n} of this submission was already received with other content")
        return False

    def photo(self, principal: Principal, submission: str, n: int) -> Path:
        """The file of a stored photo the principal may see."""
        subs, photos = self.t("submissions"), self.t("photos")
        with self._read() as conn:
            row = conn.execute(sa.select(subs).where(subs.c.id == submission)).first()
            if row is None or not _may_read(principal, row):
                raise NotFound(f"no submission {submission}")
            name = conn.execute(
                sa.select(photos.c.file).where(photos.c.submission == submission, photos.c.n == n)
            ).scalar()
        if name is None:
            raise NotFound(f"no photo {n} of submission {submission}")
        return self.photo_dir / name

    def sweep_photos(self) -> list[str]:
        """Remove temporary and unreferenced photo files (at start-up, before serving)."""
        with self._read() as conn:
            referenced = conn.execute(sa.select(self.t("photos").c.file)).scalars().all()
        return sweep(self.photo_dir, referenced)

    # -- moderation and consensus -----------------------------------------------------------
    def moderate(self, principal: Principal, action: Mapping[str, Any]) -> dict[str, Any]:
        """Record a moderator's action in the audit log, after checking what it names exists."""
        frame = self.frame(principal.election)
        entry: dict[str, Any] = {"role": principal.role, "actor": principal.pseudonym, **action}
        with self._write() as conn:
            if action["action"] in ("quarantine", "release"):
                subs = self.t("submissions")
                found = conn.execute(
                    sa.select(subs.c.id).where(
                        subs.c.id == action["submission"], subs.c.election == principal.election
                    )
                ).first()
                if found is None:
                    raise NotFound(f"no submission {action['submission']}")
            elif (action["contest"], action["station"]) not in frame.stations:
                raise NotFound(f"no station {action['station']!r} in contest {action['contest']!r}")
            elif action["action"] == "confirm" and action["figure"] not in _figure_names(
                frame, action["contest"]
            ):
                raise Invalid(f"no figure {action['figure']!r} on the form of contest {action['contest']!r}")
            self._audit(conn, principal.election, entry)
        return entry

    def audit_log(self, election: str) -> tuple[list[dict[str, Any]], int | None]:
        """The election's audit entries and the index of the first broken link (None: intact)."""
        audit = self.t("audit")
        with self._read() as conn:
            rows = conn.execute(
                sa.select(audit.c.seq, audit.c.entry, audit.c.hash)
                .where(audit.c.election == election)
                .order_by(audit.c.seq)
            ).all()
        entries = [json.loads(r.entry) for r in rows]
        broken = first_broken([(e, r.hash) for e, r in zip(entries, rows, strict=True)])
        return [{"seq": r.seq, "hash": r.hash, **e} for e, r in zip(entries, rows, strict=True)], broken

    def consensus(
        self, election: str, contest: str | None = None, station: str | None = None
    ) -> list[core.Protocol]:
        """The consensus of the election's protocols (optionally of one contest or station)."""
        frame = self.frame(election)
        k = int(self.election(election)["k"])
        subs = self.t("submissions")
        query = sa.select(
            subs.c.id,
            subs.c.author,
            subs.c.contest,
            subs.c.station,
            subs.c.kind,
            subs.c.supersedes,
            subs.c.body,
        ).where(subs.c.election == election)
        if contest:
            query = query.where(subs.c.contest == contest)
        if station:
            query = query.where(subs.c.station == station)
        with self._read() as conn:
            rows = conn.execute(query).all()
        events = self._events(election)
        by_contest: dict[str, list[core.Submission]] = {}
        for r in rows:
            body = json.loads(r.body)
            figures = {f"L{k_}": v for k_, v in body["lines"].items()}
            figures.update({f"C{k_}": v for k_, v in body["choices"].items()})
            by_contest.setdefault(r.contest, []).append(
                core.Submission(r.id, r.author, r.contest, r.station, r.kind, figures, r.supersedes)
            )
        out: list[core.Protocol] = []
        for name in sorted(by_contest):
            out.extend(core.consensus(by_contest[name], events, k, _figure_names(frame, name)))
        return out

    def _events(self, election: str) -> list[core.Event]:
        entries, _ = self.audit_log(election)
        fields = ("submission", "contest", "station", "kind", "figure", "value")
        return [
            core.Event(e["seq"], e["actor"], e["action"], **{f: e[f] for f in fields if f in e})
            for e in entries
            if e["action"] in core.ACTIONS
        ]

    # -- retention --------------------------------------------------------------------------
    def purge(self, election: str, today: date) -> dict[str, int]:
        """Delete what the evidence packs do not need, once the election's purge date has passed.

        Kept: every counted, non-quarantined submission (figures and receipts, so the consensus
        can be recomputed) and the photos of those that failed a hard relation or whose protocol
        is in conflict or has a confirmed figure. Deleted: superseded and quarantined
        submissions, every other photo, the rate counters; every token is revoked.
        """
        settings = self.election(election)
        if not settings["purge_after"] or today <= date.fromisoformat(settings["purge_after"]):
            raise ServiceError(
                f"election {election!r} may be purged only after its purge date "
                f"({settings['purge_after'] or 'none set'})"
            )
        protocols = self.consensus(election)
        keep = {i for p in protocols for i in p.counted}
        disputed = {
            i
            for p in protocols
            if p.status == "conflict" or any(f.status == "confirmed" for f in p.figures)
            for i in p.counted
        }
        subs, photos, tokens = self.t("submissions"), self.t("photos"), self.t("tokens")
        with self._write() as conn:
            rows = conn.execute(
                sa.select(subs.c.id, subs.c.hard_failed).where(subs.c.election == election)
            ).all()
            drop = [r.id for r in rows if r.id not in keep]
            evidence = {r.id for r in rows if r.id in keep and (r.hard_failed or r.id in disputed)}
            files = conn.execute(
                sa.select(photos.c.submission, photos.c.n, photos.c.file)
                .join(subs, subs.c.id == photos.c.submission)
                .where(subs.c.election == election)
            ).all()
            gone = [f for f in files if f.submission not in evidence]
            for f in gone:
                conn.execute(photos.delete().where(photos.c.submission == f.submission, photos.c.n == f.n))
            for start in range(0, len(drop), _CHUNK):
                conn.execute(subs.delete().where(subs.c.id.in_(drop[start : start + _CHUNK])))
            digests = sa.select(tokens.c.digest).where(tokens.c.election == election)
            conn.execute(self.t("rate").delete().where(self.t("rate").c.digest.in_(digests)))
            conn.execute(tokens.update().where(tokens.c.election == election).values(revoked=True))
            counts = {"submissions": len(drop), "photos": len(gone)}
            self._audit(conn, election, {"role": "organiser", "actor": "cli", "action": "purge", **counts})
        self.sweep_photos()
        return counts


@dataclass(frozen=True)
class _HotPath:
    """The statements of every submission: the token's look-up (with its count on PostgreSQL),
    the count (SQLite), the removal of a token's older counters, the insert, retries' receipts."""

    look_up: Any
    count: Any
    forget: Any
    insert: Any
    receipts_of: Any


def _record(
    row: Mapping[str, Any],
    body: Mapping[str, Any],
    checks: list[dict[str, Any]],
    photos: list[dict[str, Any]],
) -> dict[str, Any]:
    """A submission as the API answers it (``body`` and ``checks``: the row's, parsed)."""
    return {
        "id": row["id"],
        "contest": row["contest"],
        "station": row["station"],
        "kind": row["kind"],
        "supersedes": row["supersedes"],
        "author": row["author"],
        "lines": body["lines"],
        "choices": body["choices"],
        "receipt": row["receipt"],
        "received": row["received"],
        "checks": checks,
        "failed": [c["message"] for c in checks if c["status"] == "failed"],
        "hard_failed": bool(row["hard_failed"]),
        "photos": photos,
    }


def _same_keys(what: str, given: Mapping[str, Any], expected: tuple[str, ...]) -> None:
    missing = [k for k in expected if k not in given]
    unknown = [k for k in given if k not in expected]
    if missing or unknown:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else []
        )
        raise Invalid(
            f"{what}: {'; '.join(parts)} (every {what[:-1]} of the form must be given, null if unreadable)"
        )


def _may_read(principal: Principal, row: Any) -> bool:
    if row.election != principal.election:
        return False
    return principal.role != "observer" or row.author == principal.pseudonym


def _figure_names(frame: Frame, contest: str) -> tuple[str, ...]:
    lines = tuple(f"L{i}" for i in form(frame.forms[contest]).line_ids)
    return lines + tuple(f"C{c}" for c in frame.choices.get(contest, ()))
