"""The API routes of the proofs (issue 19), installed by :func:`smartvote.observe.app.create_app`.

Public, no token: once the organiser has opened the results (the embargo: until then no route
without a token reveals per-station data), the comparison and proofs; always, the published
roots with their consistency proofs, and the inclusion proof of a receipt (a receipt is the
SHA-256 of a submission with its random id; its proof holds hashes only, so neither identifies
anyone nor reveals a station's figures). With a voter token: the voter's report. With a
moderator's or the organiser's token: the comparison with the official count and the proofs,
and a station's evidence pack (JSON or its printable page). The organiser publishes a root now
(``observe publish-root`` does so from cron every hour) and ends the embargo.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from smartvote.observe import proving
from smartvote.observe.storage import Principal, Storage
from smartvote.pages.evidence import evidence_page


class VoterReportIn(BaseModel):
    """A voter's report: a client-made UUID, the station and the choice voted for."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    contest: Annotated[str, Field(min_length=1, max_length=200)]
    station: Annotated[str, Field(min_length=1, max_length=200)]
    choice: Annotated[str, Field(min_length=1, max_length=100)]


Receipt = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Label = Annotated[str, Path(max_length=200, pattern=r"^[^\x00/]+$")]
Election = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]+$")]


def install(
    app: FastAPI, store: Storage, principal: Callable[[tuple[str, ...]], Callable[..., Awaitable[Principal]]]
) -> None:
    """Add the proofs' routes to ``app``."""
    Moderator = Annotated[Principal, Depends(principal(("moderator", "organiser")))]
    Organiser = Annotated[Principal, Depends(principal(("organiser",)))]

    Voter = Annotated[Principal, Depends(principal(("voter",)))]

    @app.post("/api/v1/voter-reports", status_code=201, tags=["proofs"])
    async def voter_report(body: VoterReportIn, who: Voter) -> JSONResponse:
        """A voter's report (a voter token, one report each): 201 with its receipt, 200 for a
        retry of the same report, 409 when the token has already reported something else."""
        created, record = await run_in_threadpool(proving.voter_report, store, who, body.model_dump())
        return JSONResponse(record, status_code=201 if created else 200)

    @app.get("/api/v1/roots", tags=["proofs"])
    async def roots(election: Election = None) -> list[dict[str, Any]]:
        """Every published Merkle root of the receipts (RFC 9162), oldest first, each with its
        consistency proof from the previous root and the audit log's head (no token needed)."""
        name: str = election if election is not None else await run_in_threadpool(store.only_election)
        await run_in_threadpool(store.election, name)
        return await run_in_threadpool(proving.published_roots, store, name)

    @app.post("/api/v1/roots", status_code=201, tags=["proofs"])
    async def publish(who: Organiser) -> dict[str, Any]:
        """Log the receipts received so far and publish their new root."""
        return await run_in_threadpool(proving.publish_root, store, who.election)

    @app.get("/api/v1/receipts/{receipt}", tags=["proofs"])
    async def receipt(receipt: Receipt) -> dict[str, Any]:
        """The inclusion proof of a receipt under the newest root, to verify on one's own device
        (no token needed; 404 until the next root is published)."""
        return await run_in_threadpool(proving.inclusion, store, receipt)

    @app.post("/api/v1/open", tags=["proofs"])
    async def open_results(who: Organiser) -> dict[str, bool]:
        """End the embargo on per-station data (after the last station has closed)."""
        changed = await run_in_threadpool(proving.open_results, store, who.election, who.pseudonym)
        return {"open": True, "changed": changed}

    @app.get("/api/v1/results", tags=["proofs"])
    async def results(election: Election = None) -> dict[str, Any]:
        """The comparison, proofs and tabulation for anyone, once the organiser has opened the
        results (403 while they are under embargo)."""
        name: str = election if election is not None else await run_in_threadpool(store.only_election)
        await run_in_threadpool(proving.require_open, store, name)
        return await run_in_threadpool(proving.proofs_json, store, name)

    @app.get("/api/v1/proofs", tags=["proofs"])
    async def proofs(who: Moderator) -> dict[str, Any]:
        """Per station the differences from the official count, per territory their sums, the
        proofs with their evidence and the independent tabulation with its coverage."""
        return await run_in_threadpool(proving.proofs_json, store, who.election)

    @app.get("/api/v1/evidence/{contest}/{station}", tags=["proofs"])
    async def evidence(contest: Label, station: Label, who: Moderator) -> dict[str, Any]:
        """A station's evidence pack as JSON."""
        (pack,) = await run_in_threadpool(proving.evidence_packs, store, who.election, (contest, station))
        return pack.to_json()

    @app.get(
        "/api/v1/evidence/{contest}/{station}/page",
        tags=["proofs"],
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The page"}
        },
    )
    async def evidence_html(contest: Label, station: Label, who: Moderator) -> HTMLResponse:
        """A station's evidence pack as a printable page."""
        (pack,) = await run_in_threadpool(proving.evidence_packs, store, who.election, (contest, station))
        return HTMLResponse(evidence_page(pack.to_json()))
