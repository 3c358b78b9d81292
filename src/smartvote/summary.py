"""Official totals of one contest: stations, registered voters, turnout and shares.

Pure: tables in, a frozen result out. Stations without a protocol are counted among the
flags, never in the totals; turnout is ballots issued / registered voters; a choice's share
is its votes / (valid + invalid ballots), the convention of the official results. Each ratio
is taken over the stations that report every count it needs (a blank register must not
leave a station's ballots in the numerator), and the stations left out are counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from smartvote.model import SCANNER

#: What ``by`` may name -> the station column it groups on.
GROUPINGS = {"region": "region", "district": "district", "scanner": SCANNER}
#: Group labels of the scanner grouping (true, false, unknown).
SCANNER_LABELS = {True: "scanner", False: "hand count"}


@dataclass(frozen=True)
class Totals:
    """Totals of a set of stations (a contest, or one region or district of it)."""

    label: str
    stations: int
    registered: int
    ballots_issued: int | None  # None: the source does not report it
    turnout_pct: float | None
    shares_pct: dict[str, float]
    left_out: dict[str, int] = field(default_factory=dict)  # ratio -> stations without its counts


@dataclass(frozen=True)
class Summary:
    election: str
    contest: str
    totals: Totals
    flagged: dict[str, int]
    groups: list[Totals] = field(default_factory=list)
    group_by: str | None = None
    notes: tuple[str, ...] = ()  # what the source lacks (the catalogue's notes)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of ``smartvote summary --json``."""
        out: dict[str, Any] = {"election": self.election, "contest": self.contest}
        out |= {k: v for k, v in asdict(self.totals).items() if k != "label"}
        out["flagged"] = self.flagged
        out["notes"] = list(self.notes)
        if self.group_by:
            out["by"] = self.group_by
            out["groups"] = [{self.group_by: g.label} | _fields(g) for g in self.groups]
        return out


def _fields(totals: Totals) -> dict[str, Any]:
    return {k: v for k, v in asdict(totals).items() if k != "label"}


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def totals(label: str, stations: pd.DataFrame, votes: pd.DataFrame, names: pd.Series) -> Totals:
    """Totals of ``stations`` (with a protocol) and their ``votes``; ``names`` maps choice ids.

    Sums are of int64 counts below the importers' ceiling per line, so they cannot overflow.
    """
    issued, registered = stations["ballots_issued"], stations["registered"]
    both = issued.notna() & registered.notna()
    for_shares = stations["valid"].notna() & stations["invalid"].notna()
    ballots = int(stations.loc[for_shares, "valid"].sum() + stations.loc[for_shares, "invalid"].sum())
    shared = votes[votes["station_id"].isin(stations.loc[for_shares, "station_id"])]
    per_choice = shared.groupby("choice_id")["votes"].sum().reindex(names.index, fill_value=0)
    per_choice = per_choice.sort_values(ascending=False, kind="stable")
    name_of = dict(zip(names.index, names, strict=True))
    reported = bool(issued.notna().any())
    left_out = {"turnout": int((~both).sum()) if reported else 0, "shares": int((~for_shares).sum())}
    return Totals(
        label=label,
        stations=len(stations),
        registered=int(registered.sum()),
        ballots_issued=int(issued.sum()) if reported else None,
        turnout_pct=_pct(int(issued[both].sum()), int(registered[both].sum())) if reported else None,
        shares_pct={str(name_of[i]): _pct(v, ballots) for i, v in per_choice.items()},
        left_out={k: v for k, v in left_out.items() if v},
    )


def _group_label(by: str, value: Any) -> str:
    if by == "scanner":
        return SCANNER_LABELS.get(value, "unknown") if pd.notna(value) else "unknown"
    return str(value)


def summarize(
    election: str,
    contest: str,
    stations: pd.DataFrame,
    votes: pd.DataFrame,
    choices: pd.DataFrame,
    by: str | None = None,
    notes: tuple[str, ...] = (),
) -> Summary:
    """Totals of one contest, optionally per region, single-member district, or way of
    counting (optical scanners vs by hand). Scanner counts are harder to rewrite, so a gap
    between the two is worth a closer look, but not proof: where scanners stand is chosen
    (closed special stations, such as hospitals, usually count by hand)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; choose one of {tuple(GROUPINGS)}")
    names = choices.set_index("choice_id")["name"]
    counted = stations[~stations["no_protocol"]]
    counted_votes = votes[votes["station_id"].isin(counted["station_id"])]
    flagged = {
        "remote_electronic": int(stations["remote_electronic"].sum()),
        "no_protocol": int(stations["no_protocol"].sum()),
        "inconsistent": int((stations["inconsistent"] != "").sum()),
        "implausible": int((stations["implausible"] != "").sum()),
    }
    groups = []
    if by is not None:
        column = GROUPINGS[by]
        group_of = counted.set_index("station_id")[column]
        vote_groups = counted_votes["station_id"].map(group_of)
        for label, part in counted.groupby(column, sort=True, dropna=False):
            in_group = vote_groups == label if pd.notna(label) else vote_groups.isna()
            groups.append(totals(_group_label(by, label), part, counted_votes[in_group], names))
    return Summary(
        election, contest, totals(contest, counted, counted_votes, names), flagged, groups, by, notes
    )
