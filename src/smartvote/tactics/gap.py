"""The coordination gap: how much of the opposition's split vote the ruling candidate's win needed.

For a single-member district with ruling candidate R, strongest non-ruling candidate (the
runner-up) U, and O the votes of every other non-ruling candidate (self-nominated and spoilers
included; abstainers and invalid ballots untouched):

    q* = (R - U) / O

is the share of O that, moved to the runner-up, would tie the district: the ruling candidate
would lose at any coordination q > q* (a tie does not flip). q* = 0 when the ruling candidate
already lost (or tied); q* > 1 means not flippable even with every other vote; a district
without a ruling candidate has no q*. "Flippable at q" counts the districts the ruling
candidate won with q* < q. This is an accounting identity, not a model of voter behaviour:
it assumes the coordinated voters would have turned out and voted anyway.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from smartvote.tactics.adjust import Adjustment
from smartvote.tactics.districts import DistrictVotes
from smartvote.tactics.parties import party_mapping

WON, LOST, TIE, NO_RULING = "won", "lost", "tie", "no ruling candidate"
#: Coordination levels of the "flippable at q" table, in percent.
Q_LEVELS: tuple[int, ...] = tuple(range(10, 101, 10))


@dataclass(frozen=True)
class DistrictGap:
    """The gap of one district. Votes are counts; ``q_star`` is a fraction (None: no ruling)."""

    election: str
    contest: str
    district: int
    status: str
    ruling: str | None
    ruling_party: str | None
    ruling_votes: int | None
    runner_up: str
    runner_up_party: str
    runner_up_votes: int
    others_votes: int
    ballots: int
    margin_votes: int | None
    q_star: float | None  # math.inf when the ruling candidate won and no other votes exist
    endorsed: str | None
    endorsed_party: str | None
    endorsed_is_strongest: bool | None  # endorsed has the most votes among non-ruling choices

    @property
    def flippable(self) -> bool:
        """Would lose with every other non-ruling vote moved to the runner-up (q* < 1)."""
        return self.status == WON and self.q_star is not None and self.q_star < 1

    def flips_at(self, q: float) -> bool:
        return self.status == WON and self.q_star is not None and self.q_star < q

    def q_star_text(self) -> str:
        if self.q_star is None:
            return "no ruling candidate"
        return "> 1" if self.q_star > 1 else f"{self.q_star:.3f}"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["q_star"] = None if self.q_star is None or math.isinf(self.q_star) else self.q_star
        out["q_star_text"] = self.q_star_text()
        out["margin_pp"] = None if self.margin_votes is None else _pp(self.margin_votes, self.ballots)
        return out


@dataclass(frozen=True)
class GapResult:
    """The gap of every district of an election, and how many flip at each coordination level."""

    election: str
    proxy: bool  # True: list parties aggregated per district stand in for candidates
    districts: tuple[DistrictGap, ...]
    flippable_at: dict[int, int]  # q in percent -> districts the ruling candidate won and would lose
    caveats: tuple[str, ...]
    adjustments: tuple[Adjustment, ...] = ()  # analyst inputs applied to the votes

    @property
    def with_q_star(self) -> int:
        return sum(d.q_star is not None for d in self.districts)

    @property
    def endorsed_strongest(self) -> int:
        return sum(bool(d.endorsed_is_strongest) for d in self.districts)

    @property
    def with_endorsement(self) -> int:
        return sum(d.endorsed_party is not None for d in self.districts)

    def label(self, name: str | None, party_id: str | None) -> str:
        """How a choice is shown: a candidate's name, or in the proxy its party's short name."""
        if self.proxy and party_id is not None:
            return party_mapping().parties[party_id].short
        return name or "—"

    def sorted_by_q_star(self) -> list[DistrictGap]:
        """Districts from the easiest to flip (no-ruling districts last)."""
        return sorted(self.districts, key=lambda d: (d.q_star is None, d.q_star or 0.0, d.contest))

    def to_json(self) -> dict[str, Any]:
        return {
            "election": self.election,
            "proxy": self.proxy,
            "caveats": list(self.caveats),
            "districts": len(self.districts),
            "with_q_star": self.with_q_star,
            "endorsed_strongest": self.endorsed_strongest,
            "with_endorsement": self.with_endorsement,
            "flippable_at": {f"{q}%": n for q, n in self.flippable_at.items()},
            "adjustments": [asdict(a) | {"published": a.published.isoformat()} for a in self.adjustments],
            "rows": [d.to_json() for d in self.districts],
        }

    def __str__(self) -> str:
        flips = ", ".join(f"{q}%: {n}" for q, n in self.flippable_at.items())
        return (
            f"{self.election}: {len(self.districts)} districts, {self.with_q_star} with a q*; "
            f"endorsed strongest non-ruling in {self.endorsed_strongest} of {self.with_endorsement}; "
            f"flippable at q = {flips}"
        )


def _pp(votes: int, ballots: int) -> float | None:
    return round(100.0 * votes / ballots, 3) if ballots else None


PROXY_CAVEAT = (
    "Party-list proxy: the list votes of each district's stations stand in for candidates "
    "(if the list voters of the opposition parties had coordinated)."
)


def remote_caveat(districts: list[DistrictVotes]) -> list[str]:
    """Say that (and how many) remote electronic pseudo-stations are in the district totals."""
    remote = sum(d.remote_stations for d in districts)
    if not remote:
        return []
    within = sum(d.remote_stations > 0 for d in districts)
    return [
        f"District totals include {remote} remote electronic pseudo-station(s) in {within} "
        "district(s), as officially reported."
    ]


def district_gap(d: DistrictVotes) -> DistrictGap:
    """The gap of one district (see the module docstring)."""
    if d.ruling is not None and len(d.votes) == 1:  # uncontested: the runner-up is nobody
        d = replace(d, names=(*d.names, "—"), parties=(*d.parties, ""), votes=(*d.votes, 0))
    votes = np.asarray(d.votes, dtype=np.int64)
    non_ruling = np.ones(len(votes), bool)
    if d.ruling is not None:
        non_ruling[d.ruling] = False
    top = int(next(i for i in np.argsort(-votes, kind="stable") if non_ruling[i]))
    others = int(votes[non_ruling].sum() - votes[top])
    ruling_votes = None if d.ruling is None else int(votes[d.ruling])
    status, q_star = _status(ruling_votes, int(votes[top]), others)
    endorsed = d.endorsed
    endorsed_party = d.endorsed_off_ballot if endorsed is None else d.parties[endorsed]
    return DistrictGap(
        election=d.election,
        contest=d.contest,
        district=d.district,
        status=status,
        ruling=None if d.ruling is None else d.names[d.ruling],
        ruling_party=None if d.ruling is None else d.parties[d.ruling],
        ruling_votes=ruling_votes,
        runner_up=d.names[top],
        runner_up_party=d.parties[top],
        runner_up_votes=int(votes[top]),
        others_votes=others,
        ballots=d.ballots,
        margin_votes=None if ruling_votes is None else ruling_votes - int(votes[top]),
        q_star=q_star,
        endorsed=None if endorsed is None else d.names[endorsed],
        endorsed_party=endorsed_party,
        endorsed_is_strongest=_is_strongest(votes, endorsed, int(votes[top]), endorsed_party),
    )


def _is_strongest(votes: np.ndarray, endorsed: int | None, top: int, party: str | None) -> bool | None:
    """Whether the endorsed choice has the most non-ruling votes (None: no endorsement)."""
    if endorsed is None:
        return None if party is None else False
    return bool(votes[endorsed] == top)


def _status(ruling: int | None, runner_up: int, others: int) -> tuple[str, float | None]:
    if ruling is None:
        return NO_RULING, None
    if ruling < runner_up:
        return LOST, 0.0
    if ruling == runner_up:
        return TIE, 0.0
    return WON, (ruling - runner_up) / others if others else math.inf


def coordination_gap(
    election: str,
    districts: list[DistrictVotes],
    proxy: bool = False,
    adjustments: tuple[Adjustment, ...] = (),
) -> GapResult:
    """The gap of every district and the "flippable at q" counts for q = 10%, ..., 100%.

    ``adjustments`` are the analyst inputs already applied to ``districts``
    (:func:`~smartvote.tactics.adjust.apply_adjustments`); the result lists them.
    """
    gaps = tuple(district_gap(d) for d in districts)
    flips = {q: sum(g.flips_at(q / 100) for g in gaps) for q in Q_LEVELS}
    caveats = ([PROXY_CAVEAT] if proxy else []) + remote_caveat(districts)
    missing = [g.contest if not proxy else str(g.district) for g in gaps if g.status == NO_RULING]
    if missing:
        caveats.append(f"No ruling candidate (no q*) in: {', '.join(missing)}.")
    if adjustments:
        caveats.append(f"Votes adjusted by {len(adjustments)} analyst input(s), listed with their sources.")
    return GapResult(election, proxy, gaps, flips, tuple(caveats), adjustments)
