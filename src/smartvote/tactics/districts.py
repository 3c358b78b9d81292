"""Per-district vote totals, the input of the coordination gap and the endorsement effect.

Two ways to see a single-member district: its **candidates** (a single-member contest), or,
where the dataset holds only the party list, a **list proxy**: the list votes of the district's
stations summed per party, as if each party's list voters had voted for its candidate. The
proxy's district totals include the remote electronic pseudo-stations as the official results
report them (one per district where remote voting was held).

Only stations with a protocol count; ballots = valid + invalid, the denominator of the
official shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartvote.model import smd_contests
from smartvote.tactics.parties import party_mapping


@dataclass(frozen=True)
class DistrictVotes:
    """The votes of one district's choices: candidates, or list parties in the proxy."""

    election: str
    contest: str
    district: int
    names: tuple[str, ...]
    parties: tuple[str, ...]  # canonical party ids (``independent`` for the self-nominated)
    votes: tuple[int, ...]
    ballots: int  # valid + invalid
    ruling: int | None  # index into names of the ruling choice
    endorsed: int | None  # index into names of the endorsed choice
    #: The endorsed party id when the endorsement has no choice here (list proxy: a
    #: self-nominated candidate, or a party without a list); never the strongest.
    endorsed_off_ballot: str | None = None
    remote_stations: int = 0  # remote electronic pseudo-stations counted in the totals


def counted(stations: pd.DataFrame) -> pd.DataFrame:
    """Stations with a protocol."""
    return stations[~stations["no_protocol"].to_numpy(bool)]


def _index_of(flags: np.ndarray) -> int | None:
    hits = np.flatnonzero(flags)
    return int(hits[0]) if len(hits) else None


def candidate_districts(
    election: str, stations: pd.DataFrame, choices: pd.DataFrame, votes: pd.DataFrame
) -> list[DistrictVotes]:
    """One :class:`DistrictVotes` per single-member contest (``*-smd-N``) of an election."""
    mapping = party_mapping()
    smd = smd_contests(pd.unique(choices["contest"]))
    ok = counted(stations)
    out = []
    for contest in smd:
        mine = ok[ok["contest"] == contest]
        cand = choices[choices["contest"] == contest].sort_values("ballot_position", kind="stable")
        v = votes[(votes["contest"] == contest) & votes["station_id"].isin(mine["station_id"])]
        totals = v.groupby("choice_id")["votes"].sum().reindex(cand["choice_id"], fill_value=0)
        out.append(
            DistrictVotes(
                election,
                contest,
                _number(contest),
                tuple(cand["name"]),
                tuple(mapping.party_id(p, f"{election} {contest}") for p in cand["party"]),
                tuple(int(x) for x in totals),
                int(mine["valid"].sum() + mine["invalid"].sum()),
                _index_of(cand["ruling"].to_numpy(bool)),
                _index_of(cand["endorsed"].to_numpy(bool)),
                remote_stations=int(mine["remote_electronic"].sum()),
            )
        )
    return out


def _number(contest: str) -> int:
    return int(contest.rsplit("-", 1)[-1])


def list_proxy_districts(
    election: str,
    stations: pd.DataFrame,
    choices: pd.DataFrame,
    votes: pd.DataFrame,
    endorsed_parties: dict[int, str],
    contest: str = "federal-list",
) -> list[DistrictVotes]:
    """One :class:`DistrictVotes` per district of the list ``contest``: the list votes of its
    stations (remote electronic pseudo-stations included), per party.

    ``endorsed_parties`` maps a district to its endorsed party id; a district whose endorsed
    party has no list (e.g. a self-nominated candidate) has no endorsed choice.
    """
    mapping = party_mapping()
    ok = counted(stations[stations["contest"] == contest])
    ok = ok[ok["district"].notna()]
    lists = choices[choices["contest"] == contest].sort_values("ballot_position", kind="stable")
    parties = tuple(mapping.party_id(p, f"{election} {contest}") for p in lists["party"])
    numbers = np.unique(ok["district"].astype("int64").to_numpy())
    station_district = np.searchsorted(numbers, ok["district"].astype("int64").to_numpy())
    table = _sum_by_district(votes[votes["contest"] == contest], ok, station_district, lists, len(numbers))
    ballots = np.bincount(
        station_district, weights=(ok["valid"] + ok["invalid"]).to_numpy("float64"), minlength=len(numbers)
    )
    remote = np.bincount(
        station_district, weights=ok["remote_electronic"].to_numpy(float), minlength=len(numbers)
    )
    ruling = _index_of(lists["ruling"].to_numpy(bool))
    out = []
    for position, d in enumerate(int(n) for n in numbers):
        endorsed = endorsed_parties.get(d)
        out.append(
            DistrictVotes(
                election,
                contest,
                d,
                tuple(lists["name"]),
                parties,
                tuple(int(x) for x in table[position]),
                int(ballots[position]),
                ruling,
                parties.index(endorsed) if endorsed in parties else None,
                endorsed if endorsed is not None and endorsed not in parties else None,
                int(remote[position]),
            )
        )
    return out


def _sum_by_district(
    votes: pd.DataFrame, stations: pd.DataFrame, station_district: np.ndarray, lists: pd.DataFrame, n: int
) -> np.ndarray:
    """District x list matrix of votes (only the votes of ``stations``)."""
    station = pd.Index(stations["station_id"]).get_indexer(votes["station_id"])
    choice = pd.Index(lists["choice_id"]).get_indexer(votes["choice_id"])
    keep = (station >= 0) & (choice >= 0)
    flat = station_district[station[keep]] * len(lists) + choice[keep]
    weights = votes["votes"].to_numpy("float64")[keep]
    totals = np.bincount(flat, weights=weights, minlength=n * len(lists))
    return totals.reshape(n, len(lists)).round().astype("int64")
