"""The observer service: an ASGI app built by :func:`create_app` (FastAPI) over :class:`Storage`.

Privacy by construction: no route reads the client's address or user agent, uvicorn's access
log is off (the CLI sees to it), and this module's own log line carries the method, the route
template, the status and the duration only. Every route documents its error answers in the
OpenAPI schema; every error is a JSON ``{"error": "..."}`` with a 4xx status, never a 500 for
bad input.
"""

import gc
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.telemetry import TelemetryConfig
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartvote import __version__
from smartvote.observe import proof_routes, schemas
from smartvote.observe.photos import PhotoError, clean
from smartvote.observe.settings import MAX_JSON_BYTES, MAX_PHOTO_BYTES, MAX_PHOTOS, Settings
from smartvote.observe.site import add_pages
from smartvote.observe.storage import Forbidden, Invalid, Principal, ServiceError, Storage
from smartvote.protocols import form

log = logging.getLogger("smartvote.observe")
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.Error, "description": text}
    for status, text in (
        (401, "No token, an unknown token or a revoked token"),
        (403, "The token's role may not do this"),
        (404, "No such submission, photo or station (or not the token's own)"),
        (409, "The same id was already received with other content"),
        (413, "The body is too large (JSON over 64 KB; a photo over 12 MB or 40 MP)"),
        (422, "Invalid input; the message says which field and why"),
        (429, "More requests from this token than its per-minute limit"),
    )
}
#: FastAPI's own OpenTelemetry, off whatever the environment says. It turns itself on when the
#: process has a configured provider or ``FASTAPI_OTEL_AUTO_CONFIGURE=true`` (``fastapi[standard]``
#: brings the SDK), and its spans and logs would carry exact times, paths with submission ids,
#: station filters, validation messages and the client's trace headers: what the stored times'
#: 10-minute coarsening and the log's route templates keep out.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}
#: Who may do what: everyone reads (observers only their own), observers and organisers submit,
#: moderators and organisers moderate, organisers alone change settings and see token batches.
EVERYONE, SUBMITTERS = ("observer", "moderator", "organiser"), ("observer", "organiser")
MODERATORS, ORGANISERS = ("moderator", "organiser"), ("organiser",)
bearer = HTTPBearer(auto_error=False, description="A token issued by `smartvote observe issue-tokens`")


async def _bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The request's bearer token (401 without one); checked against the database later."""
    if credentials is None:
        raise _Status(401, "a bearer token is required")
    return credentials.credentials


Token = Annotated[str, Depends(_bearer_token)]
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
PhotoNumber = Annotated[int, Path(ge=1, le=MAX_PHOTOS)]
Filter = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]+$")]


class BodyLimit:
    """Refuse bodies over the limit with 413 before the app reads them (photos get a larger one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_PHOTO_BYTES if "/photos/" in scope["path"] else MAX_JSON_BYTES
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            await _too_large(send, limit)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > limit:
                await _too_large(send, limit)
                return
        body = b"".join(chunks)  # one copy (appending to bytes copied the body so far each time)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"the body is larger than {limit:,} bytes"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, storage: Storage | None = None, serving: bool = False) -> FastAPI:
    """The service over ``settings`` (or an already open ``storage``).

    ``serving``: the process serves this app alone (a uvicorn worker), so it warms up before
    its first request and keeps its start-up heap out of the garbage collector's full passes.
    """
    store = storage or Storage(settings.database_url, settings.photo_dir)

    @asynccontextmanager
    async def warm(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(store.warm_up)
        # Everything alive now lives as long as the process. Measured under load (December
        # 2026): each of the collector's full passes scanned all of it (about 250,000 objects,
        # 140 ms of CPU) while every request in flight waited; frozen, the passes scan only what
        # requests leave behind (the gc.freeze documentation's use).
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(
        telemetry=NO_TELEMETRY,
        lifespan=warm if serving else None,
        title="smartvote observer service",
        version=__version__,
        description="Station protocols from volunteer observers: checked, brought to consensus, never lost.",
        responses=ERRORS,
    )
    app.state.storage = store
    # Photos are cleaned (decoded and re-encoded, Pillow releasing the GIL) a core's worth at a
    # time rather than one per thread of the pool: beyond the cores, more at once only add
    # memory (two 27 MB copies each) and page faults, and every photo waits longer.
    cleaning = CapacityLimiter(os.cpu_count() or 1)
    _install_handlers(app)

    def authorise(token: str, roles: tuple[str, ...]) -> Principal:
        """The token's principal if its role is one of ``roles`` (blocking: run in a thread)."""
        who = store.authenticate(token)
        if who is None:
            raise _Status(401, "unknown or revoked token")
        if who.limited:
            raise _Status(429, "too many requests from this token; wait a minute")
        if who.role not in roles:
            raise Forbidden(f"the {who.role} role may not do this")
        return who

    def principal(roles: tuple[str, ...]) -> Callable[..., Awaitable[Principal]]:
        async def dependency(token: Token) -> Principal:
            return await run_in_threadpool(authorise, token, roles)

        return dependency

    Reader = Annotated[Principal, Depends(principal(EVERYONE))]
    Submitter = Annotated[Principal, Depends(principal(SUBMITTERS))]
    Moderator = Annotated[Principal, Depends(principal(MODERATORS))]
    Organiser = Annotated[Principal, Depends(principal(ORGANISERS))]

    @app.get("/api/v1/health", response_model=schemas.Health, tags=["service"])
    async def health() -> dict[str, bool]:
        """Whether the service is up (no token needed)."""
        return {"ok": True}

    @app.get("/api/v1/me", response_model=schemas.Me, tags=["service"])
    async def me(who: Reader) -> dict[str, str]:
        """The token's role, election and per-election pseudonym."""
        return {"role": who.role, "election": who.election, "pseudonym": who.pseudonym}

    @app.get("/api/v1/frame", tags=["service"])
    async def frame(who: Reader) -> dict[str, Any]:
        """The election's contests with their forms (lines, labels, rules) and choices."""
        got = await run_in_threadpool(store.frame, who.election)
        names = await run_in_threadpool(store.choice_names, who.election)
        return {
            contest: {
                "form": name,
                "lines": [{"id": ln.id, "ru": ln.ru, "en": ln.en} for ln in form(name).lines],
                "rules": [{"rule": r.relation.text, "severity": r.severity} for r in form(name).rules],
                "choices": list(got.choices.get(contest, ())),
                "names": names.get(contest, {}),
            }
            for contest, name in sorted(got.forms.items())
        }

    @app.post(
        "/api/v1/submissions",
        status_code=201,
        response_model=schemas.SubmissionOut,
        responses={200: {"model": schemas.SubmissionOut, "description": "A retry: the same receipt"}},
        tags=["submissions"],
    )
    async def submit(body: schemas.SubmissionIn, token: Token) -> JSONResponse:
        """Store a protocol; answered only after the transaction committed.

        201 with the receipt; 200 with the same receipt for a retry of the same id and content;
        409 for the same id with other content. A protocol failing a hard relation is stored as
        evidence, and ``failed`` says each failure in words.
        """
        payload = body.model_dump(mode="json")

        def authorised_submit() -> tuple[bool, dict[str, Any]]:
            return store.submit(authorise(token, SUBMITTERS), payload)

        # The busiest route: the token's check and the insert share one trip to the thread pool
        # (each trip costs CPU and two thread wake-ups), so a bad body is answered 422 before a
        # bad token is looked up.
        created, record = await run_in_threadpool(authorised_submit)
        return JSONResponse(record, status_code=201 if created else 200)

    @app.get("/api/v1/submissions", response_model=list[schemas.SubmissionOut], tags=["submissions"])
    async def submissions(
        who: Reader,
        contest: Filter = None,
        station: Filter = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> list[dict[str, Any]]:
        """An observer's own submissions; every submission for moderators and organisers."""
        return await run_in_threadpool(store.submissions, who, contest, station, limit, offset)

    @app.get("/api/v1/submissions/{submission}", response_model=schemas.SubmissionOut, tags=["submissions"])
    async def one_submission(submission: Id, who: Reader) -> dict[str, Any]:
        """One submission (an observer's own only)."""
        return await run_in_threadpool(store.submission, who, submission)

    @app.put(
        "/api/v1/submissions/{submission}/photos/{n}",
        status_code=201,
        response_model=schemas.PhotoOut,
        responses={200: {"model": schemas.PhotoOut, "description": "A retry of the same photo"}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
        tags=["submissions"],
    )
    async def put_photo(submission: Id, n: PhotoNumber, request: Request, who: Submitter) -> JSONResponse:
        """Attach page ``n`` of the protocol: re-encoded without any metadata, written durably."""
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind not in ("image/jpeg", "image/png"):
            raise Invalid("a photo is sent as image/jpeg or image/png")
        await run_in_threadpool(store.require_own, who, submission)  # before spending CPU on the photo
        photo = await to_thread.run_sync(clean, await request.body(), limiter=cleaning)
        created = await run_in_threadpool(store.add_photo, who, submission, n, photo)
        out = {
            "submission": submission,
            "n": n,
            "sha256": photo.sha256,
            "size": len(photo.data),
            "width": photo.width,
            "height": photo.height,
        }
        return JSONResponse(out, status_code=201 if created else 200)

    @app.get(
        "/api/v1/submissions/{submission}/photos/{n}",
        tags=["submissions"],
        responses={
            200: {
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The stored JPEG",
            }
        },
    )
    async def get_photo(submission: Id, n: PhotoNumber, who: Reader) -> FileResponse:
        """A stored photo (an observer's own only)."""
        path = await run_in_threadpool(store.photo, who, submission, n)
        return FileResponse(path, media_type="image/jpeg")

    @app.get("/api/v1/consensus", response_model=list[schemas.ProtocolOut], tags=["moderation"])
    async def consensus(
        who: Moderator, contest: Filter = None, station: Filter = None
    ) -> list[dict[str, Any]]:
        """The per-figure consensus of every protocol (or of one contest or station)."""
        protocols = await run_in_threadpool(store.consensus, who.election, contest, station)
        return [p.to_json() for p in protocols]

    @app.get("/api/v1/queue", response_model=list[schemas.ProtocolOut], tags=["moderation"])
    async def queue(who: Moderator) -> list[dict[str, Any]]:
        """Protocols needing a moderator: in conflict, with a quarantined submission, or locked."""
        protocols = await run_in_threadpool(store.consensus, who.election)
        return [p.to_json() for p in protocols if p.status == "conflict" or p.quarantined or p.locked]

    @app.post("/api/v1/moderation", status_code=201, tags=["moderation"])
    async def moderate(body: schemas.ModerationIn, who: Moderator) -> dict[str, Any]:
        """Quarantine or release a submission, confirm a figure's value, lock or unlock a station.

        Releasing and confirming take effect when two distinct moderators have done the same.
        """
        action = _action_fields(body)
        return await run_in_threadpool(store.moderate, who, action)

    @app.get("/api/v1/audit", response_model=schemas.AuditOut, tags=["moderation"])
    async def audit(who: Moderator) -> dict[str, Any]:
        """The election's hash-chained audit log and whether the chain is intact."""
        entries, broken = await run_in_threadpool(store.audit_log, who.election)
        return {"intact": broken is None, "first_broken": broken, "entries": entries}

    @app.get("/api/v1/settings", response_model=schemas.SettingsOut, tags=["organiser"])
    async def get_settings(who: Organiser) -> dict[str, Any]:
        """The election's settings."""
        return await run_in_threadpool(store.election, who.election)

    @app.put("/api/v1/settings", response_model=schemas.SettingsOut, tags=["organiser"])
    async def put_settings(body: schemas.SettingsIn, who: Organiser) -> dict[str, Any]:
        """Change k (agreeing tokens), the per-token rate limit or the purge date."""
        changes = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in body.model_dump(exclude_none=True).items()
        }
        if not changes:
            raise Invalid("nothing to change: give k, rate_per_minute or purge_after")
        return await run_in_threadpool(store.set_settings, who, changes)

    @app.get("/api/v1/tokens", response_model=list[schemas.Batch], tags=["organiser"])
    async def batches(who: Organiser) -> list[dict[str, Any]]:
        """Token batches with their counts (never a token or a digest)."""
        return await run_in_threadpool(store.batches, who.election)

    # -- the proofs' routes (issue 19): roots, receipts, proofs, evidence packs --
    proof_routes.install(app, store, principal)
    add_pages(app)

    app.add_middleware(_RequestLog)
    app.add_middleware(BodyLimit)
    return app


def _action_fields(body: schemas.ModerationIn) -> dict[str, Any]:
    """The fields an action needs, checked here so that storage only sees complete actions."""
    needs = {
        "quarantine": ("submission",),
        "release": ("submission",),
        "confirm": ("contest", "station", "figure", "value"),
        "lock": ("contest", "station"),
        "unlock": ("contest", "station"),
    }[body.action]
    data = body.model_dump(mode="json")
    missing = [f for f in needs if data[f] is None]
    if missing:
        raise Invalid(f"{body.action} needs {', '.join(missing)}")
    keep = needs + (("kind",) if body.action == "confirm" else ())
    return {"action": body.action, "reason": body.reason, **{f: data[f] for f in keep}}


class _Status(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _error(status: int, message: str) -> JSONResponse:
    headers = {"Retry-After": "60"} if status == 429 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _install_handlers(app: FastAPI) -> None:
    async def service_error(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, PhotoError):
            return _error(413 if exc.too_large else 422, str(exc))
        assert isinstance(exc, ServiceError)
        return _error(exc.status, str(exc))

    async def status(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, _Status)
        return _error(exc.status, exc.message)

    async def validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(422, f"{where}: {first.get('msg')}" if where else str(first.get("msg")))

    async def http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return _error(exc.status_code, str(exc.detail))

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(PhotoError, service_error)
    app.add_exception_handler(_Status, status)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)


class _RequestLog:
    """One log line per request: method, route template, status, milliseconds. Nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            log.info(
                "%s %s %d %.1fms", scope["method"], template, status, 1000 * (time.perf_counter() - start)
            )


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (``smartvote observe serve``): settings from the environment."""
    return create_app(Settings.from_env(), serving=True)
