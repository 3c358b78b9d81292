"""A real ``smartvote observe serve`` in its own process group, and a client bound to an address."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SMARTVOTE = str(Path(sys.executable).with_name("smartvote"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``smartvote observe serve`` on 127.0.0.1; stderr (its whole log) goes to ``log``."""

    def __init__(
        self, db: str, photos: Path, log: Path, workers: int = 2, proxy_headers: bool = False
    ) -> None:
        self.db, self.photos, self.log, self.workers = db, photos, log, workers
        self.proxy_headers = proxy_headers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [
            SMARTVOTE,
            "observe",
            "serve",
            "--db",
            self.db,
            "--photos",
            str(self.photos),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        if self.proxy_headers:
            args += ["--proxy-headers", "--forwarded-allow-ips", "*"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/api/v1/health")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                # Before the server listens, a connection to a free port of the ephemeral range
                # can meet itself (TCP simultaneous open) and read its own request back as the
                # answer: BadStatusLine, seen in CI. Not up yet; try again.
                time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9 the whole process group (killing only uvicorn's master leaves workers serving)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # the master stops its workers (a group SIGTERM makes it respawn them)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def request(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 30,
) -> tuple[int, Any]:
    """One request from ``source``; returns (status, parsed JSON or bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent["Content-Type"] = content_type
        conn.request(method, path, body=data, headers=sent)
        answer = conn.getresponse()
        raw = answer.read()
        kind = answer.getheader("content-type", "")
        return answer.status, json.loads(raw) if kind.startswith("application/json") else raw
    finally:
        conn.close()
