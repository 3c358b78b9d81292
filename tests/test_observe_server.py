"""The service as deployed: a real uvicorn in its own process group, on both back-ends.

Privacy: nothing identifying reaches the database, the photo store or any log. Crash: the
server's whole process group is killed with SIGKILL during load; after a restart and the
client's retries, every acknowledged submission and photo is present exactly once.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from observe_photos import CLEAN_MARKERS, COMMENT, SERIAL, markers, phone_photo
from observe_server import Server, request
from observe_support import frame, jpeg, protocol
from smartvote.observe.photos import TEMPORARY_PREFIX
from smartvote.observe.storage import Storage

USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile"
)
FORWARDED = "203.0.113.77"
CLIENT = "127.0.0.2"

pytest_plugins = ["observe_fixtures"]


def _pg_logs() -> dict[Path, int]:
    return {p: p.stat().st_size for p in Path("/var/log/postgresql").glob("*.log")}


def _new_log_text(before: dict[Path, int]) -> bytes:
    out = b""
    for path in _pg_logs():
        with open(path, "rb") as handle:
            handle.seek(before.get(path, 0))
            out += handle.read()
    return out


def _database_dump(url: str) -> bytes:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    name = url.rsplit("/", 1)[1]
    return subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True
    ).stdout


@pytest.fixture
def deployed(backend: str, tmp_path: Path) -> Iterator[tuple[Storage, dict[str, str]]]:
    store = Storage(backend, tmp_path / "photos")
    organiser = store.create_election("demo", "Demo", *frame())
    _, (observer,) = store.issue_tokens("demo", "observer", 1)
    _, (moderator,) = store.issue_tokens("demo", "moderator", 1)
    yield store, {"organiser": organiser, "observer": observer, "moderator": moderator}
    store.close()


def test_privacy_nothing_identifying_is_stored_or_logged(
    deployed: tuple[Storage, dict[str, str]], tmp_path: Path
) -> None:
    store, tokens = deployed
    pg_before = _pg_logs()
    server = Server(store.url, store.photo_dir, tmp_path / "server.log", proxy_headers=True)
    server.start()
    try:
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED}

        def call(
            method: str, path: str, token: str, body: object = None, kind: str = "application/json"
        ) -> int:
            return request(server.port, method, path, token, body, kind, headers=headers, source=CLIENT)[0]

        body = protocol(L10=1203, C1=1000, C2=200, C3=3)
        assert call("POST", "/api/v1/submissions", tokens["observer"], body) == 201
        assert call("POST", "/api/v1/submissions", tokens["observer"], body) == 200
        original = phone_photo(320, 240)
        photo = f"/api/v1/submissions/{body['id']}/photos/1"
        assert call("PUT", photo, tokens["observer"], original, "image/jpeg") == 201
        assert call("GET", photo, tokens["moderator"]) == 200
        assert call("POST", "/api/v1/submissions", tokens["observer"], {"id": "x"}) == 422
        assert call("GET", "/api/v1/audit", tokens["observer"]) == 403
        assert call("GET", "/api/v1/me", "WRONG-TOKEN") == 401
        assert (
            call(
                "POST",
                "/api/v1/moderation",
                tokens["moderator"],
                {"action": "quarantine", "submission": body["id"], "reason": "privacy test"},
            )
            == 201
        )
        dump = _database_dump(store.url)
    finally:
        server.stop()
    dump += _database_dump(store.url)
    photos = [p.read_bytes() for p in store.photo_dir.iterdir()]
    everything = dump + b"".join(photos) + server.log.read_bytes() + _new_log_text(pg_before)
    needles = [
        CLIENT,
        FORWARDED,
        USER_AGENT,
        "Pixel 8",
        SERIAL,
        COMMENT.decode(),
        "55.7558",
        "PhoneMaker",
        hashlib.sha256(original).hexdigest(),
    ]
    for token in tokens.values():
        needles += [token, token.replace("-", ""), token.replace("-", "").lower()]
    found = [n for n in needles if n.encode() in everything]
    assert found == []
    assert hashlib.sha256(original).digest() not in everything
    assert len(photos) == 1 and markers(photos[0]) <= CLEAN_MARKERS
    assert b"POST /api/v1/submissions 201" in server.log.read_bytes()


def test_crash_kill_the_process_group_restart_retry_exactly_once(
    deployed: tuple[Storage, dict[str, str]], tmp_path: Path
) -> None:
    """A short ``benchmarks/observe_load.py --crash``: 4 clients, 100 submissions with a photo
    each, SIGKILL after 15 acknowledgements."""
    store, _ = deployed
    _, observers = store.issue_tokens("demo", "observer", 8)
    server = Server(store.url, store.photo_dir, tmp_path / "server.log")
    server.start()
    bodies = [(observers[i % 8], protocol(station=str(1 + i % 4))) for i in range(100)]
    picture = jpeg(400, 300, quality=95)
    acknowledged: set[str] = set()
    photographed: set[str] = set()
    lock = threading.Lock()

    def send(token: str, body: dict[str, object]) -> None:
        try:
            status, _ = request(server.port, "POST", "/api/v1/submissions", token, body, timeout=5)
            if status in (200, 201):
                with lock:
                    acknowledged.add(str(body["id"]))
                path = f"/api/v1/submissions/{body['id']}/photos/1"
                if request(server.port, "PUT", path, token, picture, "image/jpeg", timeout=5)[0] in (
                    200,
                    201,
                ):
                    with lock:
                        photographed.add(str(body["id"]))
        except OSError:
            pass  # refused or reset while the server is down: the client retries later

    def client(part: list[tuple[str, dict[str, object]]]) -> None:
        for token, body in part:
            send(token, body)
            time.sleep(0.02)

    threads = [threading.Thread(target=client, args=(bodies[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 15 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    killed_with = len(acknowledged)
    for thread in threads:
        thread.join()
    server.start()
    try:
        for _ in range(5):
            for token, body in bodies:
                if str(body["id"]) not in acknowledged or str(body["id"]) not in photographed:
                    send(token, body)
    finally:
        server.stop()
    ids = {str(b["id"]) for _, b in bodies}
    assert 0 < killed_with < len(bodies), "the kill happened during the load"
    assert acknowledged == ids and photographed == ids
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(store.t("submissions").c.id)).scalars().all()
        files = conn.execute(sa.select(store.t("photos").c.submission, store.t("photos").c.file)).all()
    assert sorted(stored) == sorted(ids)
    assert sorted(s for s, _ in files) == sorted(ids)
    on_disk = {p.name for p in store.photo_dir.iterdir()}
    assert not [n for n in on_disk if n.startswith(TEMPORARY_PREFIX)]
    assert {f for _, f in files} <= on_disk
    uuid.UUID(stored[0])
