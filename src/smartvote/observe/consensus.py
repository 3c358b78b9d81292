"""Per-figure consensus of observers' protocols, with quarantine and two-moderator confirmation.

After NDI's Apollo (the observers' data platform used by domestic monitoring groups): each
figure of a protocol is compared across the independent observers who reported it. For each
(token, contest, station, kind) only the submissions no other submission of that token names
in ``supersedes`` count; quarantined submissions never count. A figure is *verified* when at
least ``k`` distinct tokens report the same value and no counted submission disagrees, a
*conflict* when counted values differ, *single* when fewer than ``k`` agree, *empty* when no one
reported it (an empty figure neither agrees nor disagrees). Moderators act through events of
the audit log; releasing a quarantine or confirming a value takes two distinct moderators, so
one infiltrator can neither manufacture nor suppress a proof alone. The result depends only on
the set of submissions and on the log, never on the order submissions arrived in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["quarantine", "release", "confirm", "lock", "unlock"]
ACTIONS: tuple[str, ...] = ("quarantine", "release", "confirm", "lock", "unlock")
FigureStatus = Literal["verified", "confirmed", "conflict", "single", "empty"]
#: Distinct moderators needed to release a quarantine or to confirm a value.
MODERATORS_NEEDED = 2


@dataclass(frozen=True)
class Submission:
    """One protocol as an observer sent it; ``figures`` maps ``L1``... and ``C<choice>`` to counts."""

    id: str
    author: str
    contest: str
    station: str
    kind: str
    figures: Mapping[str, int | None]
    supersedes: str | None = None

    @property
    def protocol(self) -> tuple[str, str, str]:
        return (self.contest, self.station, self.kind)


@dataclass(frozen=True)
class Event:
    """A moderator's action, in the order of the audit log (``seq``)."""

    seq: int
    actor: str
    action: Action
    submission: str = ""
    contest: str = ""
    station: str = ""
    kind: str = ""
    figure: str = ""
    value: int | None = None


@dataclass(frozen=True)
class Figure:
    """The consensus on one figure: its status, its value (when agreed), tokens per value."""

    figure: str
    status: FigureStatus
    value: int | None
    tokens: Mapping[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "status": self.status,
            "value": self.value,
            "tokens": {str(v): n for v, n in sorted(self.tokens.items())},
        }


@dataclass(frozen=True)
class Protocol:
    """The consensus on one protocol (contest, station, kind of protocol)."""

    contest: str
    station: str
    kind: str
    status: Literal["verified", "conflict", "pending"]
    figures: tuple[Figure, ...]
    counted: tuple[str, ...]
    quarantined: tuple[str, ...]
    locked: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "station": self.station,
            "kind": self.kind,
            "status": self.status,
            "locked": self.locked,
            "counted": list(self.counted),
            "quarantined": list(self.quarantined),
            "figures": [f.to_json() for f in self.figures],
        }


def quarantined(events: Iterable[Event]) -> frozenset[str]:
    """Submissions under quarantine: quarantined, and released by fewer than two distinct
    moderators since their latest quarantine."""
    releases: dict[str, set[str]] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.action == "quarantine":
            releases[event.submission] = set()
        elif event.action == "release" and event.submission in releases:
            releases[event.submission].add(event.actor)
    return frozenset(s for s, actors in releases.items() if len(actors) < MODERATORS_NEEDED)


def counted(submissions: Iterable[Submission]) -> frozenset[str]:
    """The submissions no other submission of the same token, contest and station supersedes."""
    subs = list(submissions)
    superseded = {(s.author, s.contest, s.station, s.supersedes) for s in subs if s.supersedes is not None}
    return frozenset(s.id for s in subs if (s.author, s.contest, s.station, s.id) not in superseded)


def consensus(
    submissions: Iterable[Submission], events: Iterable[Event], k: int, figures: Iterable[str]
) -> tuple[Protocol, ...]:
    """The consensus of every protocol submitted, sorted by (contest, station, kind).

    ``figures`` are the figure names of the form (``L1``..., ``C<choice>``) that every protocol
    is judged on; ``k`` is the election's number of agreeing tokens needed.
    """
    subs = sorted(submissions, key=lambda s: s.id)
    log = sorted(events, key=lambda e: e.seq)
    names = tuple(figures)
    held = quarantined(log)
    live = counted(subs)
    confirmed = _confirmations(log)
    locked = _locks(log)
    by_protocol: dict[tuple[str, str, str], list[Submission]] = defaultdict(list)
    for s in subs:
        by_protocol[s.protocol].append(s)
    out = []
    for key in sorted(by_protocol):
        group = by_protocol[key]
        voting = [s for s in group if s.id in live and s.id not in held]
        judged = tuple(_figure(name, voting, k, confirmed.get((*key, name))) for name in names)
        out.append(
            Protocol(
                *key,
                status=_protocol_status(judged),
                figures=judged,
                counted=tuple(s.id for s in voting),
                quarantined=tuple(s.id for s in group if s.id in held),
                locked=locked.get(key[:2], False),
            )
        )
    return tuple(out)


def _figure(name: str, voting: list[Submission], k: int, confirmed: int | None) -> Figure:
    values_of: dict[str, set[int]] = defaultdict(set)
    for s in voting:
        value = s.figures.get(name)
        if value is not None:
            values_of[s.author].add(value)
    tokens: dict[int, int] = defaultdict(int)
    for values in values_of.values():
        for value in values:
            tokens[value] += 1
    if confirmed is not None:
        return Figure(name, "confirmed", confirmed, dict(tokens))
    if not tokens:
        return Figure(name, "empty", None)
    if len(tokens) > 1:
        return Figure(name, "conflict", None, dict(tokens))
    value, n = next(iter(tokens.items()))
    return Figure(name, "verified" if n >= k else "single", value, dict(tokens))


def _protocol_status(figures: tuple[Figure, ...]) -> Literal["verified", "conflict", "pending"]:
    if any(f.status == "conflict" for f in figures):
        return "conflict"
    if figures and all(f.status in ("verified", "confirmed") for f in figures):
        return "verified"
    return "pending"


def _confirmations(log: list[Event]) -> dict[tuple[str, str, str, str], int]:
    """Figures whose latest confirmations by two distinct moderators name the same value."""
    latest: dict[tuple[str, str, str, str], dict[str, int | None]] = defaultdict(dict)
    for e in log:
        if e.action == "confirm":
            latest[(e.contest, e.station, e.kind, e.figure)][e.actor] = e.value
    out = {}
    for key, by_actor in latest.items():
        counts: dict[int, int] = defaultdict(int)
        for value in by_actor.values():
            if value is not None:
                counts[value] += 1
        agreed = [v for v, n in counts.items() if n >= MODERATORS_NEEDED]
        if len(agreed) == 1:
            out[key] = agreed[0]
    return out


def _locks(log: list[Event]) -> dict[tuple[str, str], bool]:
    state: dict[tuple[str, str], bool] = {}
    for e in log:
        if e.action in ("lock", "unlock"):
            state[(e.contest, e.station)] = e.action == "lock"
    return state
