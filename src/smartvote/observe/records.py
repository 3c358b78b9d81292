"""Receipts, the hash-chained audit log and coarse times: the record-keeping the service shares.

Pure: values in, values out. A receipt is the SHA-256 of a submission's canonical JSON, its
random id included, so that nobody can recompute a receipt from public figures (the published
result of a station would otherwise identify whoever holds a matching receipt). The audit log
is a hash chain (each entry's hash covers the previous hash), as in Crosby and Wallach,
"Efficient Data Structures for Tamper-Evident Logging" (USENIX Security 2009): rewriting or
removing one entry breaks every later hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

#: Stored times are floored to this many seconds: an accredited observer's name is known to
#: the commission, so a station plus an exact time would identify them.
TIME_GRAIN = 600
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept, so equal content hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def receipt(submission: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a submission's canonical JSON."""
    return hashlib.sha256(canonical_json(submission).encode()).hexdigest()


def coarse_time(epoch_seconds: float) -> int:
    """``epoch_seconds`` floored to :data:`TIME_GRAIN`."""
    return int(epoch_seconds) // TIME_GRAIN * TIME_GRAIN


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a token with its grouping removed; the only form a token is stored in."""
    return hashlib.sha256(normalise_token(token).encode()).hexdigest()


def normalise_token(token: str) -> str:
    """A token as typed (any case, dashes or spaces between groups) in its one canonical form."""
    return "".join(ch for ch in token.upper() if ch.isalnum())


def pseudonym(election_key: str, digest: str) -> str:
    """A per-election pseudonym of a token (HMAC-SHA-256 of its digest, 16 hex digits).

    The audit log and the moderators see this, never the token nor its digest; another
    election's key gives unrelated pseudonyms, so logs of two elections cannot be joined.
    """
    return hmac.new(bytes.fromhex(election_key), digest.encode(), hashlib.sha256).hexdigest()[:16]


def chain_hash(previous: str, entry: Mapping[str, Any]) -> str:
    """The hash of an audit entry: SHA-256 over the previous hash and the entry's canonical JSON."""
    return hashlib.sha256((previous + canonical_json(entry)).encode()).hexdigest()


def first_broken(entries: Sequence[tuple[Mapping[str, Any], str]]) -> int | None:
    """The index of the first (entry, stored hash) whose hash does not follow the chain, or None."""
    previous = GENESIS
    for index, (entry, stored) in enumerate(entries):
        expected = chain_hash(previous, entry)
        if not hmac.compare_digest(expected, stored):
            return index
        previous = stored
    return None
