"""The API's request and response bodies (pydantic), which FastAPI turns into the OpenAPI schema."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from smartvote.observe.consensus import ACTIONS
from smartvote.observe.storage import KINDS


def _storable(text: str) -> str:
    """Text both back-ends can store: valid UTF-8 (no lone surrogates) without NUL characters."""
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    text.encode("utf-8")
    return text


Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_storable)]
Key = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_storable)]
#: A count on a protocol: a whole number (never a float, a string or a boolean), or null when
#: the observer could not read it. Ten million is above any station's count.
Count = Annotated[int, Field(ge=0, le=10_000_000, strict=True)] | None


class Error(BaseModel):
    """Every error answer: one sentence saying what is wrong."""

    error: str


class SubmissionIn(BaseModel):
    """A protocol as an observer read it: every line and every choice of the form, null if unreadable."""

    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID = Field(description="A random UUID the client generates, so that a retry is recognised")
    contest: Text
    station: Text
    kind: Literal[KINDS] = Field(  # type: ignore[valid-type]
        "protocol",
        description="'repeat' for the commission's second, corrected protocol (повторный протокол)",
    )
    lines: Annotated[dict[Key, Count], Field(max_length=50)]
    choices: Annotated[dict[Key, Count], Field(max_length=500)]
    supersedes: uuid.UUID | None = Field(
        None, description="The id of this token's earlier submission for the station that this one corrects"
    )


class Check(BaseModel):
    rule: str
    severity: Literal["hard", "soft"]
    status: Literal["passed", "failed", "not checked"]
    message: str


class Photo(BaseModel):
    n: int
    sha256: str
    size: int


class SubmissionOut(BaseModel):
    """A stored submission with its receipt and its checks; ``failed`` says each failure in words."""

    id: str
    contest: str
    station: str
    kind: str
    supersedes: str | None
    author: str = Field(description="The token's per-election pseudonym (never the token)")
    lines: dict[str, int | None]
    choices: dict[str, int | None]
    receipt: str = Field(description="SHA-256 of the canonical submission, its random id included")
    received: int = Field(description="Receipt time, floored to 10 minutes (Unix seconds)")
    checks: list[Check]
    failed: list[str]
    hard_failed: bool
    photos: list[Photo]


class PhotoOut(BaseModel):
    submission: str
    n: int
    sha256: str = Field(description="SHA-256 of the stored, re-encoded photo (never of the original)")
    size: int
    width: int
    height: int


class ModerationIn(BaseModel):
    """A moderator's action; the reason is required and goes to the audit log."""

    model_config = ConfigDict(extra="forbid")
    action: Literal[ACTIONS]  # type: ignore[valid-type]
    reason: Annotated[str, Field(min_length=3, max_length=2000), AfterValidator(_storable)]
    submission: uuid.UUID | None = None
    contest: Text | None = None
    station: Text | None = None
    kind: Literal[KINDS] = "protocol"  # type: ignore[valid-type]
    figure: Key | None = Field(None, description="L1... for a line, C<choice id> for a choice")
    value: Count = None


class Figure(BaseModel):
    figure: str
    status: Literal["verified", "confirmed", "conflict", "single", "empty"]
    value: int | None
    tokens: dict[str, int]


class ProtocolOut(BaseModel):
    contest: str
    station: str
    kind: str
    status: Literal["verified", "conflict", "pending"]
    locked: bool
    counted: list[str]
    quarantined: list[str]
    figures: list[Figure]


class AuditOut(BaseModel):
    intact: bool
    first_broken: int | None
    entries: list[dict[str, Any]]


class SettingsOut(BaseModel):
    id: str
    title: str
    k: int
    rate_per_minute: int
    purge_after: str | None


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    rate_per_minute: Annotated[int, Field(ge=1, le=100_000, strict=True)] | None = None
    purge_after: date | None = None


class Batch(BaseModel):
    batch: str
    role: str
    tokens: int
    revoked: int


class Me(BaseModel):
    role: str
    election: str
    pseudonym: str


class Health(BaseModel):
    ok: bool
