"""The observer service on both back-ends (SQLite WAL and PostgreSQL), in process.

Submissions, receipts, idempotent retries, evidence of failing protocols, bad input, photos,
consensus with two moderators, the audit chain, rate limits, revocation, retention, the CLI,
and the authorisation matrix of every route.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from PIL import Image

from observe_photos import CLEAN_MARKERS, COMMENT, SERIAL, markers, phone_photo
from observe_support import CONTEST, frame, jpeg, protocol
from smartvote.cli import every_command, main
from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.observe.app import create_app
from smartvote.observe.settings import Settings
from smartvote.observe.storage import Storage

pytest_plugins = ["observe_fixtures"]


class Service:
    """A client of the app with tokens of every kind."""

    def __init__(self, store: Storage) -> None:
        self.storage = store
        self.organiser = store.create_election("demo", "Demo", *frame())
        _, (self.observer, self.other) = store.issue_tokens("demo", "observer", 2)
        _, (self.moderator, self.moderator2) = store.issue_tokens("demo", "moderator", 2)
        batch, (self.revoked,) = store.issue_tokens("demo", "observer", 1)
        store.revoke(batch=batch)
        self.client = TestClient(create_app(Settings(store.url, store.photo_dir), store))

    def call(self, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def submit(self, token: str, body: dict[str, Any]) -> Any:
        return self.call(
            "POST",
            "/api/v1/submissions",
            token,
            content=json.dumps(body),
            headers={"content-type": "application/json"},
        )

    def count(self, table: str) -> int:
        with self.storage.engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(self.storage.t(table))).scalar_one()
            )


@pytest.fixture
def service(storage: Storage) -> Iterator[Service]:
    made = Service(storage)
    with made.client:
        yield made


def test_submission_receipt_retry_and_conflict(service: Service) -> None:
    body = protocol()
    first = service.submit(service.observer, body)
    assert first.status_code == 201, first.text
    assert len(first.json()["receipt"]) == 64 and first.json()["failed"] == []
    again = service.submit(service.observer, body)
    assert (again.status_code, again.json()["receipt"]) == (200, first.json()["receipt"])
    changed = service.submit(service.observer, {**body, "lines": {**body["lines"], "4": 552}})
    assert changed.status_code == 409
    stolen = service.submit(service.other, body)
    assert stolen.status_code == 409
    # The same figures under another random id give another receipt.
    other_id = service.submit(service.observer, {**body, "id": str(uuid.uuid4())})
    assert other_id.json()["receipt"] != first.json()["receipt"]
    assert service.count("submissions") == 2


def test_a_protocol_failing_a_hard_relation_is_stored_as_evidence(service: Service) -> None:
    body = protocol(L10=1203, C1=1000, C2=200, C3=30)
    answer = service.submit(service.observer, body)
    assert answer.status_code == 201
    assert answer.json()["hard_failed"] is True
    assert "line 10 = 1,203 but the choices add up to 1,230 (the form requires =)" in answer.json()["failed"]
    stored = service.call("GET", f"/api/v1/submissions/{body['id']}", service.moderator).json()
    assert stored["failed"] == answer.json()["failed"]


def test_repeat_protocols_and_supersedes(service: Service) -> None:
    first = protocol()
    assert service.submit(service.observer, first).status_code == 201
    repeat = {**protocol(L4=600, L8=600, L6=680, L10=605, C1=349), "kind": "repeat"}
    assert service.submit(service.observer, repeat).status_code == 201
    correction = {**protocol(C1=301, C2=199), "supersedes": first["id"]}
    assert service.submit(service.observer, correction).status_code == 201
    foreign = {**protocol(), "supersedes": first["id"]}
    assert service.submit(service.other, foreign).status_code == 422
    elsewhere = {**protocol(station="2"), "supersedes": first["id"]}
    assert service.submit(service.observer, elsewhere).status_code == 422
    kinds = {
        (p["kind"], tuple(p["counted"]))
        for p in service.call("GET", "/api/v1/consensus", service.moderator).json()
    }
    assert kinds == {("protocol", (correction["id"],)), ("repeat", (repeat["id"],))}


BAD_CHANGES: list[dict[str, Any]] = [
    {"station": "99"},
    {"contest": "nope"},
    {"lines": {"1": 5}},
    {"lines": {**protocol()["lines"], "13": 1}},
    {"lines": {**protocol()["lines"], "4": -1}},
    {"lines": {**protocol()["lines"], "4": 1.5}},
    {"lines": {**protocol()["lines"], "4": "551"}},
    {"lines": {**protocol()["lines"], "4": True}},
    {"lines": {**protocol()["lines"], "4": 10**12}},
    {"choices": {"1": 1}},
    {"id": "not-a-uuid"},
    {"kind": "third"},
    {"station": "1\x00"},
    {"station": "\ud800"},
    {"extra": 1},
]


def test_bad_input_is_a_4xx_and_nothing_is_written(service: Service) -> None:
    for change in BAD_CHANGES:
        answer = service.submit(service.observer, {**protocol(), **change})
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["error"]
    assert service.count("submissions") == 0


def test_malformed_and_oversized_bodies(service: Service) -> None:
    broken = service.call(
        "POST",
        "/api/v1/submissions",
        service.observer,
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 422
    huge = service.call(
        "POST",
        "/api/v1/submissions",
        service.observer,
        content=b" " * 70_000,
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert service.count("submissions") == 0


def test_photos_lose_every_metadata_and_are_kept_once(service: Service) -> None:
    body = protocol()
    service.submit(service.observer, body)
    original = phone_photo()
    path = f"/api/v1/submissions/{body['id']}/photos/1"
    put = service.call(
        "PUT", path, service.observer, content=original, headers={"content-type": "image/jpeg"}
    )
    assert put.status_code == 201, put.text
    assert (put.json()["width"], put.json()["height"]) == (480, 640)  # the EXIF orientation applied
    assert (
        service.call(
            "PUT", path, service.observer, content=original, headers={"content-type": "image/jpeg"}
        ).status_code
        == 200
    )
    other = service.call(
        "PUT", path, service.observer, content=jpeg(), headers={"content-type": "image/jpeg"}
    )
    assert other.status_code == 409
    stored = service.call("GET", path, service.moderator).content
    assert markers(stored) <= CLEAN_MARKERS
    for secret in (SERIAL.encode(), COMMENT, b"PhoneMaker", b"xmp-marker", b"2026:09:19"):
        assert secret not in stored
    files = list(service.storage.photo_dir.iterdir())
    assert [f.read_bytes() for f in files] == [stored]
    assert (
        service.call(
            "PUT", path, service.other, content=original, headers={"content-type": "image/jpeg"}
        ).status_code
        == 404
    )


def test_refused_photos(service: Service) -> None:
    body = protocol()
    service.submit(service.observer, body)
    path = f"/api/v1/submissions/{body['id']}/photos/1"

    def put(data: bytes, kind: str = "image/png") -> int:
        return service.call(
            "PUT", path, service.observer, content=data, headers={"content-type": kind}
        ).status_code

    big = io.BytesIO()
    Image.new("1", (8000, 5001)).save(big, format="PNG")  # 40.008 MP in a few kilobytes
    assert put(big.getvalue()) == 413
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")
    assert put(bomb.getvalue()) == 413
    assert put(b"\x00" * (12 * 1024 * 1024 + 1), "image/jpeg") == 413
    assert put(b"GIF89a not a photo", "image/jpeg") == 422
    assert put(jpeg(), "text/plain") == 422
    assert service.count("photos") == 0 and not list(service.storage.photo_dir.glob("*"))


def test_consensus_needs_two_moderators_and_is_logged(service: Service) -> None:
    a, b = protocol(), protocol(L10=557, L9=14)
    service.submit(service.observer, a)
    service.submit(service.other, b)
    queue = service.call("GET", "/api/v1/queue", service.moderator).json()
    assert [(p["station"], p["status"]) for p in queue] == [("1", "conflict")]
    confirm = {
        "action": "confirm",
        "contest": CONTEST,
        "station": "1",
        "figure": "L10",
        "value": 556,
        "reason": "legible on photo 1",
    }
    assert service.call("POST", "/api/v1/moderation", service.moderator, json=confirm).status_code == 201
    again = service.call("POST", "/api/v1/moderation", service.moderator, json=confirm)
    assert again.status_code == 201

    def figure(name: str) -> dict[str, Any]:
        (p,) = service.call("GET", "/api/v1/consensus", service.moderator, params={"station": "1"}).json()
        return next(f for f in p["figures"] if f["figure"] == name)

    assert figure("L10")["status"] == "conflict"
    service.call("POST", "/api/v1/moderation", service.moderator2, json=confirm)
    assert (figure("L10")["status"], figure("L10")["value"]) == ("confirmed", 556)
    quarantine = {"action": "quarantine", "submission": b["id"], "reason": "photo shows another station"}
    service.call("POST", "/api/v1/moderation", service.moderator, json=quarantine)
    assert figure("L9")["status"] == "single"
    release = {**quarantine, "action": "release", "reason": "right station after all"}
    service.call("POST", "/api/v1/moderation", service.moderator, json=release)
    assert figure("L9")["status"] == "single"
    service.call("POST", "/api/v1/moderation", service.moderator2, json=release)
    assert figure("L9")["status"] == "conflict"
    lock = {"action": "lock", "contest": CONTEST, "station": "1", "reason": "checking the photo"}
    assert service.call("POST", "/api/v1/moderation", service.moderator, json=lock).status_code == 201
    assert (
        service.call(
            "POST", "/api/v1/moderation", service.moderator, json={"action": "lock", "reason": "no station"}
        ).status_code
        == 422
    )
    audit = service.call("GET", "/api/v1/audit", service.organiser).json()
    assert audit["intact"] is True
    actors = {e["actor"] for e in audit["entries"] if e["action"] in ("confirm", "release")}
    assert len(actors) == 2 and all(len(a) == 16 for a in actors)
    # Tampering with one stored entry breaks the chain from there.
    table = service.storage.t("audit")
    with service.storage.engine.begin() as conn:
        seq = conn.execute(sa.select(sa.func.max(table.c.seq))).scalar_one()
        conn.execute(table.update().where(table.c.seq == seq - 1).values(entry='{"action":"unlock"}'))
    assert service.call("GET", "/api/v1/audit", service.organiser).json()["intact"] is False


def test_choices_keep_the_ballots_order(storage: Storage) -> None:
    """The observers' form lists the lines as the paper protocol does: the frame's order, not by id."""
    contests, stations, _ = frame()
    ballot = [str(i) for i in (12, 3, 1, 10, 2, 11, 4, 5, 6, 7, 8, 9)]
    choices = pd.DataFrame({"contest": CONTEST, "choice": ballot, "name": [f"Party {c}" for c in ballot]})
    storage.create_election("ballot-order", "Ballot order", contests, stations, choices)
    assert storage.frame("ballot-order").choices[CONTEST] == tuple(ballot)


def test_warm_up_fills_the_pools_and_writes_nothing(service: Service) -> None:
    store = service.storage
    store.warm_up()
    for engine in (store.engine, store.autocommit, store.counters):
        assert engine.pool.checkedin() == engine.pool.size()  # type: ignore[attr-defined]
    assert service.count("rate") == 0
    assert service.call("GET", "/api/v1/me", service.observer).status_code == 200


def test_rate_limit_revocation_and_settings(service: Service) -> None:
    put = service.call("PUT", "/api/v1/settings", service.organiser, json={"rate_per_minute": 3})
    assert put.status_code == 200 and put.json()["rate_per_minute"] == 3
    statuses = [service.call("GET", "/api/v1/me", service.observer).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert service.call("GET", "/api/v1/me", service.other).status_code == 200
    service.storage.revoke(token=service.other)
    assert service.call("GET", "/api/v1/me", service.other).status_code == 401
    batches = service.call("GET", "/api/v1/tokens", service.organiser).json()
    assert sum(b["revoked"] for b in batches) == 2 and "digest" not in str(batches)


def test_purge_keeps_the_evidence(service: Service) -> None:
    kept, superseded = protocol(L10=1203, C1=1000, C2=200, C3=3), protocol(station="2")
    correction = {**protocol(station="2"), "supersedes": superseded["id"]}
    for body in (kept, superseded, correction):
        assert service.submit(service.observer, body).status_code == 201
        path = f"/api/v1/submissions/{body['id']}/photos/1"
        service.call("PUT", path, service.observer, content=jpeg(), headers={"content-type": "image/jpeg"})
    with pytest.raises(Exception, match="purge date"):
        service.storage.purge("demo", pd.Timestamp("2030-01-01").date())
    service.call("PUT", "/api/v1/settings", service.organiser, json={"purge_after": "2020-01-01"})
    counts = service.storage.purge("demo", pd.Timestamp("2030-01-01").date())
    assert counts == {"submissions": 1, "photos": 2}
    assert service.count("submissions") == 2 and service.count("photos") == 1
    assert len(list(service.storage.photo_dir.iterdir())) == 1
    assert service.call("GET", "/api/v1/me", service.observer).status_code == 401


class _Recording(trace.TracerProvider):
    """An OpenTelemetry provider as an operator's set-up would install one: it keeps span names."""

    def __init__(self) -> None:
        self.spans: list[str] = []

    def get_tracer(self, *_args: Any, **_kwargs: Any) -> trace.Tracer:
        spans = self.spans

        class Tracer(trace.NoOpTracer):
            def start_as_current_span(self, name: str, *args: Any, **kwargs: Any) -> Any:
                spans.append(name)
                return super().start_as_current_span(name, *args, **kwargs)

        return Tracer()


def test_fastapi_telemetry_stays_off(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI's own OpenTelemetry would export paths with submission ids and exact times."""
    recording = _Recording()
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recording)
    control = FastAPI()
    control.get("/x")(lambda: {})
    assert TestClient(control).get("/x").status_code == 200
    assert recording.spans, "a FastAPI app with its defaults reports to the configured provider"
    recording.spans.clear()
    app = create_app(Settings(service.storage.url, service.storage.photo_dir), service.storage)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {service.observer}"}
        answer = client.post("/api/v1/submissions", json=protocol(), headers=headers)
    assert answer.status_code == 201 and recording.spans == []


# -- the authorisation matrix -------------------------------------------------------------------
PRINCIPALS = ("none", "wrong", "revoked", "observer", "other", "moderator", "organiser")


def _requests(owned: str, receipt: str) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """(method, path, request kwargs, principals allowed) for every route of the API."""
    photo = f"/api/v1/submissions/{owned}/photos/1"
    jpg = {"content": jpeg(), "headers": {"content-type": "image/jpeg"}}
    everyone = {"observer", "other", "moderator", "organiser"}
    staff = {"moderator", "organiser"}
    return [
        ("GET", "/api/v1/health", {}, set(PRINCIPALS)),
        ("GET", "/api/v1/me", {}, everyone),
        ("GET", "/api/v1/frame", {}, everyone),
        ("POST", "/api/v1/submissions", {"json": protocol(station="3")}, {"observer", "other", "organiser"}),
        ("GET", "/api/v1/submissions", {}, everyone),
        ("GET", f"/api/v1/submissions/{owned}", {}, {"observer"} | staff),
        ("PUT", photo, jpg, {"observer", "organiser"}),
        ("GET", photo, {}, {"observer"} | staff),
        ("GET", "/api/v1/consensus", {}, staff),
        ("GET", "/api/v1/queue", {}, staff),
        (
            "POST",
            "/api/v1/moderation",
            {"json": {"action": "lock", "contest": CONTEST, "station": "2", "reason": "matrix"}},
            staff,
        ),
        ("GET", "/api/v1/audit", {}, staff),
        ("GET", "/api/v1/settings", {}, {"organiser"}),
        ("PUT", "/api/v1/settings", {"json": {"k": 2}}, {"organiser"}),
        ("GET", "/api/v1/tokens", {}, {"organiser"}),
        (
            "POST",
            "/api/v1/voter-reports",
            {"json": {"id": str(uuid.uuid4()), "contest": CONTEST, "station": "1", "choice": "1"}},
            set(),
        ),
        ("GET", "/api/v1/roots", {}, set(PRINCIPALS)),
        ("POST", "/api/v1/roots", {}, {"organiser"}),
        ("GET", f"/api/v1/receipts/{receipt}", {}, set(PRINCIPALS)),
        ("GET", "/api/v1/proofs", {}, staff),
        ("POST", "/api/v1/open", {}, {"organiser"}),
        ("GET", "/api/v1/results", {}, set(PRINCIPALS)),
        ("GET", f"/api/v1/evidence/{CONTEST}/1", {}, staff),
        ("GET", f"/api/v1/evidence/{CONTEST}/1/page", {}, staff),
    ]


def test_authorisation_matrix(service: Service) -> None:
    owned = protocol()
    receipt = service.submit(service.observer, owned).json()["receipt"]
    service.call("POST", "/api/v1/roots", service.organiser)
    service.call(
        "PUT",
        f"/api/v1/submissions/{owned['id']}/photos/1",
        service.observer,
        content=jpeg(),
        headers={"content-type": "image/jpeg"},
    )
    tokens = {
        "none": None,
        "wrong": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
        "revoked": service.revoked,
        "observer": service.observer,
        "other": service.other,
        "moderator": service.moderator,
        "organiser": service.organiser,
    }
    requests = _requests(owned["id"], receipt)
    routes = {
        (m, r.path)
        for r in service.client.app.routes
        for m in getattr(r, "methods", ())
        if r.path.startswith("/api/")
    }
    covered = {
        (
            m,
            p.replace(owned["id"], "{submission}")
            .replace("/photos/1", "/photos/{n}")
            .replace(receipt, "{receipt}")
            .replace(f"/evidence/{CONTEST}/1", "/evidence/{contest}/{station}"),
        )
        for m, p, _, _ in requests
    }
    assert routes == covered, "every route is in the matrix"
    failures = []
    for method, path, kwargs, allowed in requests:
        for who in PRINCIPALS:
            if method == "POST" and "submissions" in path:
                kwargs = {"json": protocol(station="3")}
            status = service.call(method, path, tokens[who], **kwargs).status_code
            if who in allowed:
                ok = status in (200, 201)
            elif who in ("none", "wrong", "revoked"):
                ok = status == 401
            elif who == "other" and owned["id"] in path:
                ok = status == 404
            else:
                ok = status == 403
            if not ok:
                failures.append(f"{method} {path} as {who}: {status}")
    assert failures == []


# -- the command line ---------------------------------------------------------------------------
def _frame_folder(folder: Path, parquet: bool) -> Path:
    folder.mkdir()
    for name, table in zip(("contests", "stations", "choices"), frame(), strict=True):
        if parquet:
            table.to_parquet(folder / f"{name}.parquet")
        else:
            table.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.mark.parametrize("parquet", [False, True])
def test_cli_init_tokens_qr_revoke_and_purge(backend: str, tmp_path: Path, parquet: bool) -> None:
    runner = CliRunner()
    db = ["--db", backend]
    folder = _frame_folder(tmp_path / "frame", parquet)
    init = runner.invoke(
        main,
        [
            "observe",
            "init",
            "demo",
            "--frame",
            str(folder),
            "--purge-after",
            "2020-01-01",
            *db,
            "--photos",
            str(tmp_path / "photos"),
        ],
    )
    assert init.exit_code == 0, init.output
    organiser = init.stdout.strip()
    assert len(organiser.replace("-", "")) == 32
    issued = runner.invoke(
        main, ["observe", "issue-tokens", "--role", "observer", "--n", "3", "--qr", str(tmp_path / "qr"), *db]
    )
    assert issued.exit_code == 0, issued.output
    tokens = issued.stdout.split()
    assert len(tokens) == 3 and len(set(tokens)) == 3
    assert len(list((tmp_path / "qr").glob("*.png"))) == 3
    batch = issued.stderr.split()[1].rstrip(":")
    store = Storage(backend, tmp_path / "photos")
    assert store.authenticate(tokens[0]) is not None
    with store.engine.connect() as conn:
        digests = "".join(conn.execute(sa.select(store.t("tokens").c.digest)).scalars())
    assert not any(t.replace("-", "") in digests for t in [organiser, *tokens])
    one = runner.invoke(main, ["observe", "revoke-token", "-", *db], input=tokens[0] + "\n")
    assert one.exit_code == 0 and "revoked 1 token" in one.output
    assert store.authenticate(tokens[0]) is None
    rest = runner.invoke(main, ["observe", "revoke-token", "--batch", batch, *db])
    assert "revoked 3 tokens" in rest.output
    purged = runner.invoke(main, ["observe", "purge", *db, "--photos", str(tmp_path / "photos")])
    assert purged.exit_code == 0 and "purged 0 submissions" in purged.output
    again = runner.invoke(main, ["observe", "init", "demo", "--frame", str(folder), *db])
    assert again.exit_code == 1 and "already set up" in again.output
    store.close()


def test_cli_frame_errors_name_file_row_and_column(tmp_path: Path) -> None:
    folder = _frame_folder(tmp_path / "frame", parquet=False)
    stations = pd.read_csv(folder / "stations.csv", dtype=str)
    stations.loc[2, "registered"] = "many"
    stations.to_csv(folder / "stations.csv", index=False)
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    result = CliRunner().invoke(main, ["observe", "init", "demo", "--frame", str(folder), "--db", db])
    assert result.exit_code == 1
    assert "stations, row 3, column 'registered': 'many' is not a whole number" in result.output


def test_cli_init_from_the_results_store(home: Path, data_dir: Path) -> None:
    with Store() as results:
        duma = next(iter(read_path(data_dir / "spb-2021")))
        results.add_election(duma)
    election, expected = duma.election.election_id, len(duma.stations)
    result = CliRunner().invoke(main, ["observe", "init", election, "--from-store"])
    assert result.exit_code == 0, result.output
    assert f"{expected} stations" in result.stderr
    store = Storage(Settings.from_env().database_url, home / "photos")
    frame_read = store.frame(election)
    assert len(frame_read.stations) == expected
    assert (
        frame_read.forms["federal-list"] == "ru-duma-list"
        and frame_read.forms["federal-smd-216"] == "ru-duma-smd"
    )
    # In the protocol's order (numbered 1, 2, ... at import), not the ids' text order ("10" < "2").
    parties = duma.choices[duma.choices["contest"] == "federal-list"]
    assert len(parties) >= 10 and frame_read.choices["federal-list"] == tuple(
        parties["choice_id"].astype(str)
    )
    store.close()


def test_every_observe_command_and_option_is_shown_in_use_in_docs_observe_md() -> None:
    """Each ``smartvote observe`` command appears in docs/observe.md with each of its options
    on the command's own (possibly continued) line."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "observe.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    group = every_command()["observe"]
    assert group.help
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, name
        uses = ""
        for i, line in enumerate(lines):
            if f"smartvote observe {name}" in line:
                j = i
                uses += line
                while lines[j].rstrip().endswith("\\"):
                    j += 1
                    uses += lines[j]
        assert uses, f"smartvote observe {name} is not shown in docs/observe.md"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (name, param.opts)
                assert param.opts[0] in uses, f"smartvote observe {name} {param.opts[0]} is not shown in use"
