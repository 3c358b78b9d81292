"""Group commit: concurrent requests' writes share a statement, and each request still gets its
own answer only after the write holding it is done; on both back-ends, retries and conflicts
inside one batch are told apart as they are one by one."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

import pytest
import sqlalchemy as sa

from observe_support import frame, protocol
from smartvote.observe.group_commit import GroupCommit
from smartvote.observe.storage import Conflict, Storage

pytest_plugins = ["observe_fixtures"]


def test_each_caller_gets_its_own_result_and_concurrent_items_share_a_batch() -> None:
    batches: list[list[int]] = []

    def work(_conn: Any, items: list[int]) -> list[int]:
        batches.append(items)
        time.sleep(0.01)  # a commit's flush: meanwhile the others queue
        return [10 * i for i in items]

    group: GroupCommit[int, int] = GroupCommit(lambda: nullcontext(None), work)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(group, range(200)))
    assert results == [10 * i for i in range(200)]
    assert sorted(i for b in batches for i in b) == list(range(200)), "every item written exactly once"
    assert max(len(b) for b in batches) > 1 and len(batches) < 200


def test_a_failed_batch_fails_every_caller_of_it_and_the_next_batch_works() -> None:
    started, release = threading.Event(), threading.Event()

    def work(_conn: Any, items: list[str]) -> list[str]:
        if "first" in items:
            started.set()
            release.wait(10)
            return items
        if "poison" in items:
            raise RuntimeError("the transaction failed")
        return [s.upper() for s in items]

    group: GroupCommit[str, str] = GroupCommit(lambda: nullcontext(None), work)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(group, "first")
        started.wait(10)
        # These queue while "first" is being written, so they form the next batch together.
        queued = [pool.submit(group, s) for s in ("a", "poison", "b")]
        time.sleep(0.2)
        release.set()
        assert first.result() == "first"
        for future in queued:
            with pytest.raises(RuntimeError, match="transaction failed"):
                future.result()
        assert group("c") == "C"


def test_concurrent_submissions_with_retries_and_conflicts(storage: Storage) -> None:
    storage.create_election("demo", "Demo", *frame())
    _, tokens = storage.issue_tokens("demo", "observer", 2)
    who = storage.authenticate(tokens[0])
    assert who is not None
    bodies = [protocol(station=str(1 + i % 3)) for i in range(60)]
    calls = [dict(b) for b in bodies]
    calls += [dict(b) for b in bodies[:25]]  # retries of the same content
    # the same ids with other content:
    calls += [{**b, "lines": {**b["lines"], "4": b["lines"]["4"] + 1}} for b in bodies[20:35]]
    random.Random(17).shuffle(calls)

    def send(body: dict[str, Any]) -> tuple[str, Any]:
        try:
            created, record = storage.submit(who, body)
        except Conflict:
            return body["id"], "conflict"
        return body["id"], (created, record["receipt"])

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(send, calls))
    subs = storage.t("submissions")
    with storage.engine.connect() as conn:
        rows = conn.execute(sa.select(subs.c.id, subs.c.body, subs.c.receipt)).all()
    lines = {r.id: json.loads(r.body)["lines"] for r in rows}
    receipts = {r.id: r.receipt for r in rows}
    assert sorted(lines) == sorted(b["id"] for b in bodies), "every id stored once"
    for body, (sid, answer) in zip(calls, answers, strict=True):
        assert sid == body["id"]
        if body["lines"] == lines[sid]:
            assert answer != "conflict" and answer[1] == receipts[sid], "an acceptance names what is stored"
        else:
            assert answer == "conflict", "other content under a stored id is refused"
    created = [sid for sid, answer in answers if answer != "conflict" and answer[0]]
    assert sorted(created) == sorted(lines), "exactly one call created each submission"


def test_concurrent_requests_are_each_counted_once(storage: Storage) -> None:
    """The rate counts of concurrent requests (which share transactions on SQLite) add up."""
    storage.create_election("demo", "Demo", *frame())
    _, tokens = storage.issue_tokens("demo", "observer", 2)
    limit = int(storage.election("demo")["rate_per_minute"])
    calls = [tokens[0]] * (limit + 10) + [tokens[1]] * 7 + ["NOT-A-TOKEN"] * 5
    random.Random(17).shuffle(calls)
    now = 60 * 29_000_000 + 1.0  # one minute throughout
    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(lambda token: storage.authenticate(token, now), calls))
    limited = {t: [a.limited for c, a in zip(calls, answers, strict=True) if c == t] for t in tokens}
    assert [a for c, a in zip(calls, answers, strict=True) if c == "NOT-A-TOKEN"] == [None] * 5
    assert sum(limited[tokens[0]]) == 10 and not any(limited[tokens[1]])
    rate = storage.t("rate")
    with storage.engine.connect() as conn:
        counts = sorted(conn.execute(sa.select(rate.c.count)).scalars())
    assert counts == [7, limit + 10]
