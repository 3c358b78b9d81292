"""Election night against the real service: ``smartvote observe demo``.

Sets up a synthetic election (:mod:`.night`) in a service database (by default a temporary
SQLite file under a temporary ``SMARTVOTE_HOME``), copies its publication in as the official
count, draws the quick count's sample, starts the service under uvicorn on loopback, and then
acts as every participant does, over HTTP: the observers submit their protocols (aiohttp, many
connections), the moderators read the queue and confirm figures, the organiser reads the
proofs. The quick count is computed from the service's verified protocols (as ``observe
quick-count`` does). The server is stopped at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from smartvote.errors import SmartvoteError
from smartvote.observe import night as sim
from smartvote.observe import proving, quickcount
from smartvote.observe.settings import Settings
from smartvote.observe.storage import Storage, migrate

#: Concurrent connections of the simulated observers.
CONNECTIONS = 32
#: Attempts per request (a connection reset or a 5xx answer is retried with the same body).
ATTEMPTS = 5
READING = "read from the photo of the signed protocol"


@contextmanager
def service(settings: Settings, log: Path, workers: int = 2, home: Path | None = None) -> Iterator[str]:
    """The service under uvicorn on a free loopback port, in its own process group; yields its
    base URL and stops it (SIGTERM to uvicorn's master, then SIGKILL to the group) on exit."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, **settings.to_env(), **({"SMARTVOTE_HOME": str(home)} if home else {})}
    args = [
        sys.executable,
        "-m",
        "smartvote.observe.server",
        "127.0.0.1",
        str(port),
        str(workers),
        "0",
        "127.0.0.1",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=out, env=env, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process, log)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmartvoteError(f"the service did not start: {log.read_text()[-1000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, http.client.HTTPException):  # not up yet (a connection to a free
            time.sleep(0.2)  # port can even meet itself and read its own request back)
    raise SmartvoteError(f"the service did not answer within {seconds:.0f} s: {log.read_text()[-1000:]}")


class Client:
    """Requests to the service with retries; every answer is JSON."""

    def __init__(self, session: aiohttp.ClientSession, connections: int) -> None:
        self.session, self.limit = session, asyncio.Semaphore(connections)
        self.requests = 0

    async def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        problem = ""
        for attempt in range(ATTEMPTS):
            async with self.limit:
                self.requests += 1
                try:
                    async with self.session.request(method, path, json=body, headers=headers) as answer:
                        raw = await answer.read()
                        if answer.status < 300:
                            return json.loads(raw)
                        problem = f"{answer.status} {raw[:200].decode(errors='replace')}"
                        if answer.status < 500 and answer.status != 429:
                            break
                except (aiohttp.ClientError, TimeoutError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.2 * 2**attempt)
        raise SmartvoteError(f"{method} {path} failed: {problem}")

    async def all(self, calls: Sequence[tuple[str, str, str, Any]]) -> list[Any]:
        return list(await asyncio.gather(*(self.call(*c) for c in calls)))


def _submission(reading: sim.Reading) -> dict[str, Any]:
    """The body an observer's page would send for a reading."""
    return {
        "id": str(uuid.uuid4()),
        "contest": sim.CONTEST,
        "station": str(reading.station),
        "kind": "protocol",
        "lines": {k[1:]: v for k, v in reading.figures.items() if k.startswith("L")},
        "choices": {k[1:]: v for k, v in reading.figures.items() if k.startswith("C")},
    }


def _named_rewritten(proofs: dict[str, Any]) -> set[int]:
    return {int(p["evidence"]["station"]["station"]) for p in proofs["proofs"] if p["kind"] == "copy-differs"}


async def _moderate(
    client: Client, moderators: list[str], lay: sim.Layers, night: sim.Night, rng: np.random.Generator
) -> dict[str, Any]:
    """Moderators work the queue as the service shows it: two read every conflicting figure
    from the photo; where their readings disagree the figure stays in conflict and the next
    moderator reads it, until two agree or no moderator is left."""
    readings, next_reader, read_per_round = 0, 0, list[int]()
    while next_reader < len(moderators):
        queue = await client.call("GET", "/api/v1/queue", moderators[0])
        conflicts = [(p["station"], f) for p in queue for f in p["figures"] if f["status"] == "conflict"]
        if not conflicts:
            break
        readers = moderators[next_reader : next_reader + (2 if next_reader == 0 else 1)]
        next_reader += len(readers)
        read_per_round.append(len(conflicts))
        calls = []
        for station, f in conflicts:
            signed = lay.figures(int(station))[f["figure"]]
            reported = [int(v) for v in f["tokens"]]
            for token in readers:
                value = sim.read_photo(signed, reported, night.moderator_error, rng)
                body = {"action": "confirm", "reason": READING, "contest": sim.CONTEST, "station": station,
                        "kind": "protocol", "figure": f["figure"], "value": value}  # fmt: skip
                calls.append(("POST", "/api/v1/moderation", token, body))
        await client.all(calls)
        readings += len(calls)
    after = await client.call("GET", "/api/v1/consensus", moderators[0])
    figures = [(int(p["station"]), f) for p in after for f in p["figures"]]
    confirmed = [(i, f) for i, f in figures if f["status"] == "confirmed"]
    return {
        "moderator_readings": readings,
        "figures_read_per_round": read_per_round,
        "figures_confirmed": len(confirmed),
        "figures_confirmed_wrong": sum(f["value"] != lay.figures(i)[f["figure"]] for i, f in confirmed),
        "figures_left_in_conflict": sum(f["status"] == "conflict" for _, f in figures),
    }


async def _night(
    base: str,
    tokens: dict[str, list[str]],
    lay: sim.Layers,
    night: sim.Night,
    sent: list[sim.Reading],
    seed: int,
) -> tuple[set[int], set[int], dict[str, Any]]:
    timeout = aiohttp.ClientTimeout(total=600)
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(base, timeout=timeout, connector=connector) as session:
        client = Client(session, CONNECTIONS)
        (organiser,), moderators = tokens["organiser"], tokens["moderator"]
        # The moderators' confirmations exceed the default per-token limit of a minute.
        await client.call("PUT", "/api/v1/settings", organiser, {"rate_per_minute": 100_000})
        start = time.perf_counter()
        calls = [
            ("POST", "/api/v1/submissions", token, _submission(r))
            for r, token in zip(sent, tokens["observer"], strict=True)
        ]
        await client.all(calls)
        submitting = time.perf_counter() - start
        alone = _named_rewritten(await client.call("GET", "/api/v1/proofs", organiser))
        moderation = await _moderate(client, moderators, lay, night, np.random.default_rng([seed, 2]))
        moderated = _named_rewritten(await client.call("GET", "/api/v1/proofs", organiser))
        traffic = {
            "submissions": len(calls),
            "submission_seconds": round(submitting, 2),
            "submissions_per_second": round(len(calls) / submitting, 1),
            **moderation,
            "requests": client.requests,
        }
    return alone, moderated, traffic


def run(
    n: int,
    rewritten: float,
    night: sim.Night,
    seed: int,
    db: str | None = None,
    sample: int = 1000,
    workers: int = 2,
) -> sim.NightResult:
    """Simulate the night on ``n`` stations against a started service and score the proofs,
    without and with the moderators; ``db`` an SQLAlchemy URL (default: a temporary SQLite
    database under a temporary SMARTVOTE_HOME, removed afterwards)."""
    lay = sim.layers(n, rewritten, seed)
    sent = sim.readings(lay, night, np.random.default_rng([seed, 1]))
    election = f"demo-night-{seed}-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="smartvote-demo-") as folder:
        home = Path(folder)
        settings = Settings(
            db or f"sqlite:///{home / 'observe' / 'observe.sqlite'}", home / "observe" / "photos"
        )
        settings.photo_dir.mkdir(parents=True, exist_ok=True)
        with Storage(settings.database_url, settings.photo_dir) as storage:
            migrate(storage.engine)
            organiser = storage.create_election(election, "Election night, simulated", *lay.frame())
            proving.sync_official(storage, election, *lay.official())
            tokens = {
                "organiser": [organiser],
                "observer": storage.issue_tokens(election, "observer", len(sent))[1],
                "moderator": storage.issue_tokens(election, "moderator", night.moderators)[1],
            }
            frame = [(s.contest, s.station, s.region) for s in proving.stations(storage, election)]
            drawn = quickcount.draw(frame, min(sample, n), f"{seed:064x}", "region")
            with service(settings, home / "service.log", workers, home) as base:
                alone, moderated, traffic = asyncio.run(_night(base, tokens, lay, night, sent, seed))
            counted = proving.quick_count(storage, election, json.dumps(drawn.to_json()))
        truth, official = lay.shares()
    (qc,) = counted["contests"]
    quick = {**qc, "true_share_1": truth, "official_share_1": official}
    traffic = {"election": election, "database": "temporary SQLite" if db is None else "given", **traffic}
    return sim.NightResult(
        night, sim.score(alone, lay, sent), sim.score(moderated, lay, sent), quick, traffic
    )
