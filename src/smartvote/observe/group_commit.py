"""Group commit: the writes that a worker's concurrent requests ask for at once, in one transaction.

Each request hands its item to :class:`GroupCommit` and waits. The first request to find no
batch under way becomes the leader: it takes every waiting item (its own among them), runs them
in one transaction, and answers each waiting request once that transaction has committed; if
more items arrived meanwhile, it hands the lead to the oldest of them and returns. No request
returns before the transaction holding its write has committed, so "acknowledged only after
commit" holds as before; what is paid once per batch instead of once per request is the commit's
flush to disk (SQLite's fsync of the WAL, PostgreSQL's WAL flush), SQLite's write lock and the
statement round trips. This is the group commit of Gray and Reuter, *Transaction Processing:
Concepts and Techniques* (1993), section 9.4.7, done in the service rather than in the database,
because SQLite has none and serialises writers behind a lock whose waiters sleep and poll.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

Item = TypeVar("Item")
Result = TypeVar("Result")
#: The most items in one transaction (a bound on a batch's time and on its statement's size;
#: below SQLAlchemy's page of 1,000 rows per multi-row INSERT, so that a batch is one statement).
MOST = 256


@dataclass(eq=False)
class _Waiter(Generic[Item, Result]):
    item: Item
    wake: threading.Event = field(default_factory=threading.Event)
    answered: bool = False
    result: Result | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Runs ``work(connection, items) -> results`` (one result per item, in order) in batches.

    ``begin`` opens a transaction (committed when its block ends without an exception). If the
    transaction fails, every request of the batch gets the exception and nothing of it is
    stored (the transaction rolled back): no request is acknowledged for a write that is not.
    """

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Connection]],
        work: Callable[[Connection, list[Item]], list[Result]],
    ) -> None:
        self._begin, self._work = begin, work
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Item, Result]] = []
        self._leading = False

    def __call__(self, item: Item) -> Result:
        waiter: _Waiter[Item, Result] = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            follow, self._leading = self._leading, True
        if follow:
            waiter.wake.wait()  # answered, or handed the lead
        if not waiter.answered:  # the leader's item is the oldest waiting, so in this batch
            self._run_batch()
            self._pass_the_lead()
        if waiter.error is not None:
            raise waiter.error
        return waiter.result  # type: ignore[return-value]

    def _run_batch(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[:MOST], self._queue[MOST:]
        try:
            with self._begin() as conn:
                results = self._work(conn, [w.item for w in batch])
        except BaseException as exc:  # every request of the batch learns why (and nothing is stored)
            for waiter in batch:
                waiter.error = exc
        else:
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        for waiter in batch:
            waiter.answered = True
            waiter.wake.set()

    def _pass_the_lead(self) -> None:
        """Hand the lead to the oldest waiting request, or end it if none waits."""
        with self._lock:
            if self._queue:
                self._queue[0].wake.set()
            else:
                self._leading = False
