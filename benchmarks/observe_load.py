"""Load, photo and crash runs of the observer service (issue 17's acceptance), loopback only.

Open loop: requests are offered at a fixed rate from many tokens (within the per-token limit),
and each latency counts from the request's *scheduled* send time, so that a slow server cannot
hide its queue (Tene's "coordinated omission"). The client is aiohttp on uvloop, as the server
is; it prints its own CPU time and the server's. Afterwards it drains (retries every
unacknowledged id with the same content until acknowledged) and checks that the stored ids
equal the acknowledged ids exactly.

    python benchmarks/observe_load.py                      # 400/s for 60 s, PostgreSQL and SQLite
    python benchmarks/observe_load.py --photos             # 20/s with a 3000 x 2250 photo each
    python benchmarks/observe_load.py --crash              # kill -9 the server's group half-way
    python benchmarks/observe_load.py --seconds 5 --rate 100 --backend sqlite   # a quick look

Bounded: it stops after --seconds of load plus the drain, and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pandas as pd
import psycopg
import sqlalchemy as sa
import uvloop
from PIL import Image, ImageDraw

from smartvote.observe.photos import TEMPORARY_PREFIX, clean
from smartvote.observe.server import PHOTO_BLOCKS
from smartvote.observe.storage import Storage, migrate

SMARTVOTE = str(Path(sys.executable).with_name("smartvote"))
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
STATIONS = 2000
LINES = {
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
CHOICES = {"1": 300, "2": 200, "3": 56}


def frame() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    stations = [str(i) for i in range(1, STATIONS + 1)]
    return (
        pd.DataFrame({"contest": ["federal-list"], "form": ["ru-duma-list"]}),
        pd.DataFrame(
            {
                "contest": "federal-list",
                "station": stations,
                "region": "R",
                "tik": "T",
                "number": range(1, STATIONS + 1),
                "registered": 1500,
            }
        ),
        pd.DataFrame({"contest": "federal-list", "choice": list(CHOICES), "name": ["A", "B", "C"]}),
    )


def protocol_photo(width: int = 3000, height: int = 2250) -> bytes:
    """A legible-protocol-like photo: paper, lines of 'text', sensor noise; about 1-2 MB as JPEG."""
    rng = np.random.default_rng(17)
    image = Image.new("L", (width, height), 235)
    draw = ImageDraw.Draw(image)
    for y in range(120, height - 120, 48):
        for x in range(150, width - 150, 60):
            if rng.random() < 0.8:
                draw.rectangle([x, y, x + int(rng.integers(20, 50)), y + 22], fill=int(rng.integers(20, 80)))
    noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 6, (height, width)).astype(np.int16)
    rgb = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).convert("RGB")
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=88)
    return out.getvalue()


class Server:
    """``smartvote observe serve`` in its own process group."""

    def __init__(self, db: str, photos: Path, workers: int, log: Path, source: Path | None = None) -> None:
        self.db, self.photos, self.workers, self.log = db, photos, workers, log
        self.env = {**os.environ, "PYTHONPATH": str(source)} if source else None
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu_before_kill = 0.0

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
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
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
                env=self.env,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(1.0)  # let every worker finish importing
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def cpu(self) -> float:
        """CPU seconds of the server's process group so far (master and workers)."""
        assert self.process is not None
        total, tick = 0.0, os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # process group id
                total += (int(fields[11]) + int(fields[12])) / tick
        return total + self.cpu_before_kill

    def kill(self) -> None:
        assert self.process is not None
        self.cpu_before_kill = self.cpu()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


class Run:
    """One load run's ids, acknowledgements and latencies."""

    def __init__(self, tokens: list[str], photo: bytes | None) -> None:
        self.tokens, self.photo = tokens, photo
        self.bodies: dict[str, tuple[str, dict[str, Any]]] = {}
        self.acked: set[str] = set()
        self.photo_acked: set[str] = set()
        self.latency: list[float] = []
        self.scheduled: list[float] = []  # each acknowledged submission's scheduled send time
        self.photo_latency: list[float] = []
        self.errors: dict[str, int] = {}

    def body(self, i: int) -> tuple[str, dict[str, Any]]:
        sid = str(uuid.uuid4())
        token = self.tokens[i % len(self.tokens)]
        body = {
            "id": sid,
            "contest": "federal-list",
            "station": str(1 + i % STATIONS),
            "kind": "protocol",
            "lines": LINES,
            "choices": CHOICES,
        }
        self.bodies[sid] = (token, body)
        return token, body

    async def send(
        self, session: aiohttp.ClientSession, base: str, token: str, body: dict[str, Any], scheduled: float
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if body["id"] not in self.acked:
                async with session.post(f"{base}/api/v1/submissions", json=body, headers=headers) as answer:
                    await answer.read()
                    if answer.status not in (200, 201):
                        self.errors[str(answer.status)] = self.errors.get(str(answer.status), 0) + 1
                        return
                self.acked.add(body["id"])
                self.latency.append(time.perf_counter() - scheduled)
                self.scheduled.append(scheduled)
            if self.photo is not None and body["id"] not in self.photo_acked:
                url = f"{base}/api/v1/submissions/{body['id']}/photos/1"
                async with session.put(
                    url, data=self.photo, headers={**headers, "Content-Type": "image/jpeg"}
                ) as answer:
                    await answer.read()
                    if answer.status not in (200, 201):
                        self.errors[f"photo {answer.status}"] = (
                            self.errors.get(f"photo {answer.status}", 0) + 1
                        )
                        return
                self.photo_acked.add(body["id"])
                self.photo_latency.append(time.perf_counter() - scheduled)
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            name = type(exc).__name__
            self.errors[name] = self.errors.get(name, 0) + 1

    def pending(self) -> list[str]:
        return [
            i
            for i in self.bodies
            if i not in self.acked or (self.photo is not None and i not in self.photo_acked)
        ]


async def open_loop(run: Run, base: str, rate: float, seconds: float, crash: Server | None) -> float:
    """Offer ``rate`` requests/s for ``seconds``; returns the achieved offered rate."""
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=512)
    # In flight only: finished tasks are dropped, so that the client's collector has no
    # growing heap to scan (its full passes stalled every request in flight by 50-180 ms).
    tasks: set[asyncio.Task[None]] = set()
    restart: asyncio.Task[None] | None = None
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if crash is not None and restart is None and i >= n // 2:
                crash.kill()
                print(
                    f"  killed the server's process group after {len(run.acked)} acknowledgements", flush=True
                )
                restart = asyncio.create_task(asyncio.to_thread(crash.start))
            token, body = run.body(i)
            task = asyncio.create_task(run.send(session, "", token, body, scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        offered = n / (time.perf_counter() - start)
        await asyncio.gather(*tasks)
        if restart is not None:
            await restart
    return offered


async def drain(run: Run, base: str) -> int:
    """Retry every unacknowledged id (same content) until acknowledged; returns the rounds taken."""
    async with aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=60)) as session:
        for rounds in range(1, 31):
            pending = run.pending()
            if not pending:
                return rounds - 1

            async def one(sid: str, sem: asyncio.Semaphore) -> None:
                async with sem:
                    token, body = run.bodies[sid]
                    await run.send(session, "", token, body, time.perf_counter())

            sem = asyncio.Semaphore(32)
            await asyncio.gather(*(one(s, sem) for s in pending))
            await asyncio.sleep(0.5)
    return -1


async def closed_loop(base: str, tokens: list[str], seconds: float, concurrency: int = 64) -> float:
    """Submissions/s with ``concurrency`` clients sending as fast as answers come back."""
    done = 0
    end = time.perf_counter() + seconds
    run = Run(tokens, None)

    async def worker(w: int) -> None:
        nonlocal done
        i = w
        async with aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=30)) as session:
            while time.perf_counter() < end:
                token, body = run.body(i)
                await run.send(session, "", token, body, time.perf_counter())
                done += body["id"] in run.acked
                i += concurrency

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return done / (time.perf_counter() - start)


def database(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite'}", None
    name = f"observe_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def clean_cost() -> None:
    """CPU per photo of the service's cleaning (decode, orient, pixel copy, re-encode), in process,
    with Pillow's block cache as the service's workers have it."""
    Image.core.set_blocks_max(int(os.environ.get("PILLOW_BLOCKS_MAX", PHOTO_BLOCKS)))
    for width, height in ((3000, 2250), (4000, 3000)):
        photo = protocol_photo(width, height)
        times = []
        for _ in range(5):
            start = time.process_time()
            clean(photo)
            times.append(time.process_time() - start)
        median = float(np.median(times))
        print(
            f"  clean() of a {width} x {height} photo ({width * height / 1e6:.2f} MP, {len(photo):,} bytes): "
            f"median {median * 1000:.0f} ms CPU, i.e. at most {1 / median:.0f}/s per core"
        )


def backend_cpu(database: str | None) -> float:
    """CPU seconds of the PostgreSQL processes serving ``database`` (their titles name it)."""
    if database is None:
        return 0.0
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if f" {database} ".encode() not in (process / "cmdline").read_bytes():
                continue
            fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q) * 1000) if values else float("nan")


def p99_by_window(run: Run, window: float = 10.0) -> str:
    """p99 per window of scheduled send time: tells a warm-up or a stall from a steady tail."""
    if not run.scheduled:
        return "none"
    sent, latency = np.array(run.scheduled), np.array(run.latency)
    sent -= sent.min()
    cells = [latency[(sent >= lo) & (sent < lo + window)] for lo in np.arange(0, sent.max() + 1e-9, window)]
    return ", ".join(
        f"{i * window:g}s {np.percentile(c, 99) * 1000:.0f}" for i, c in enumerate(cells) if len(c)
    )


def baseline_source(ref: str, into: Path) -> Path:
    """The service's code at git ``ref`` (``src/`` of this repository), to run as the baseline."""
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"


def one_backend(backend: str, args: argparse.Namespace, source: Path | None = None, label: str = "") -> bool:
    folder = Path(tempfile.mkdtemp(prefix="observe-bench-"))
    url, pg_name = database(backend, folder)
    photos = folder / "photos"
    try:
        with Storage(url, photos) as store:
            migrate(store.engine)
            store.create_election("bench", "Benchmark", *frame())
            _, tokens = store.issue_tokens("bench", "observer", args.tokens)
        server = Server(url, photos, args.workers, folder / "server.log", source)
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        photo = protocol_photo() if args.photos else None
        rate = args.rate if args.rate else (20.0 if args.photos else 400.0)
        per_token = rate * 60 / args.tokens
        print(
            f"{backend}{label}: {rate:g}/s for {args.seconds:g} s from {args.tokens} tokens "
            f"({per_token:.0f} per token and minute; limit 60)"
            + (f"; photo {len(photo):,} bytes" if photo else ""),
            flush=True,
        )
        run = Run(tokens, photo)
        # The client's own full collections would scan its set-up (pandas, SQLAlchemy, the photo)
        # in the middle of the load and stall every request it has in flight: kept out of them.
        gc.collect()
        gc.freeze()
        client_cpu, server_cpu, db_cpu = time.process_time(), server.cpu(), backend_cpu(pg_name)
        offered = uvloop.run(open_loop(run, base, rate, args.seconds, server if args.crash else None))
        client_cpu, server_cpu = time.process_time() - client_cpu, server.cpu() - server_cpu
        db_cpu = backend_cpu(pg_name) - db_cpu
        first_pass = len(run.acked)
        rounds = uvloop.run(drain(run, base))
        closed = uvloop.run(closed_loop(base, tokens, args.closed_seconds)) if args.closed_seconds else None
        server.stop()
        with Storage(url, photos) as store, store.engine.connect() as conn:
            stored = conn.execute(sa.select(store.t("submissions").c.id)).scalars().all()
            photo_rows = conn.execute(sa.select(store.t("photos").c.submission)).scalars().all()
        temporary = [p for p in photos.glob(f"{TEMPORARY_PREFIX}*")] if photos.is_dir() else []
        wanted = set(run.bodies)
        closed_ids = len(stored) - len(wanted)
        load_stored = [s for s in stored if s in wanted]
        ok = set(load_stored) == run.acked == wanted and len(load_stored) == len(set(load_stored))
        if photo is not None:
            ok &= sorted(photo_rows) == sorted(run.photo_acked) == sorted(wanted)
        ok &= not temporary
        print(
            f"  offered {offered:.1f}/s; acknowledged in the first pass {first_pass:,} of {len(wanted):,}; "
            f"errors {run.errors or 'none'}"
        )
        print(
            f"  submission latency from the scheduled time: p50 {percentile(run.latency, 50):.1f} ms, "
            f"p99 {percentile(run.latency, 99):.1f} ms, max {percentile(run.latency, 100):.1f} ms"
        )
        print(f"  p99 (ms) by 10 s of scheduled time: {p99_by_window(run)}")
        if photo is not None:
            print(
                f"  photo acknowledged (submission + photo) from the scheduled time: p50 "
                f"{percentile(run.photo_latency, 50):.1f} ms, p99 {percentile(run.photo_latency, 99):.1f} ms"
            )
        print(
            f"  CPU during the load: client {client_cpu:.1f} s, server {server_cpu:.1f} s "
            f"({(client_cpu + server_cpu) / args.seconds / os.cpu_count() * 100:.0f}% of "
            f"{os.cpu_count()} cores over {args.seconds:g} s); server CPU per submission "
            f"{server_cpu / len(wanted) * 1000:.2f} ms (client {client_cpu / len(wanted) * 1000:.2f} ms"
            + (f", PostgreSQL {db_cpu / len(wanted) * 1000:.2f} ms" if pg_name else "")
            + f"); machine load now {os.getloadavg()[0]:.1f}"
        )
        print(
            f"  drain: {rounds} rounds; stored {len(load_stored):,} = acknowledged {len(run.acked):,}, "
            f"photos {len(photo_rows):,}, temporary files {len(temporary)}: "
            f"{'exactly once' if ok else 'MISMATCH'}"
        )
        if closed is not None:
            print(
                f"  closed loop (64 clients, {args.closed_seconds:g} s): {closed:.0f} submissions/s "
                f"({closed_ids:,} stored)"
            )
        return ok
    finally:
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--rate", type=float, help="Offered submissions/s (default 400, or 20 with --photos)")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the open-loop load")
    parser.add_argument("--tokens", type=int, default=1000, help="Observer tokens the load comes from")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--photos", action="store_true", help="One 3000 x 2250 photo per submission")
    parser.add_argument("--crash", action="store_true", help="kill -9 the server's process group half-way")
    parser.add_argument("--closed-seconds", type=float, default=10.0, help="Closed-loop run after (0: none)")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="Also run the service as of git REF (e.g. main) before each run of this one, in the same run",
    )
    args = parser.parse_args()
    print(
        f"machine load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
        f"(1, 5, 15 min) on {os.cpu_count()} cores"
    )
    if args.photos:
        clean_cost()
    backends = ("postgresql", "sqlite") if args.backend == "both" else (args.backend,)
    results = []
    with tempfile.TemporaryDirectory(prefix="observe-baseline-") as folder:
        source = baseline_source(args.baseline, Path(folder)) if args.baseline else None
        for backend in backends:
            if source is not None:
                results.append(one_backend(backend, args, source, f" (baseline {args.baseline})"))
            results.append(one_backend(backend, args))
    print(f"machine load after: {os.getloadavg()[0]:.2f}")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
