"""Importer of the tidy St Petersburg 2021 tables (converted from GitHub vkryl/spbik-2021).

One folder holds two elections of one day: the State Duma (``federal-list`` and
``federal-smd-211``..``218``) and the city legislature (``city-list``, ``city-smd-1``..``25``).
They are returned as ``spb-2021-duma`` and ``spb-2021-city`` with the contest names kept.
The ruling party is ``party_id`` 5 (United Russia); ``smart_vote`` = 1 marks the Smart Voting
endorsement; ``has_koib`` (optional: 1 = the station counted with optical scanners, KOIB)
becomes ``counted_by_scanner``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartvote.data.importers.counts import blank_rows, parse_counts, parse_flag
from smartvote.data.importers.tabular import read_table_file
from smartvote.errors import InputError
from smartvote.model import SCANNER, Election, ElectionTables, district_of, finish

REGION = "Санкт-Петербург"
RULING_PARTY_ID = "5"
FILES = ("protocols.csv", "votes.csv", "choices.csv", "parties.csv")
#: Protocol columns of protocols.csv -> canonical count names.
COUNT_COLUMNS = {
    "registered": "registered",
    "ballots_received": "ballots_received",
    "ballots_early": "ballots_early",
    "ballots_in_station": "ballots_in_station",
    "ballots_outside": "ballots_outside",
    "ballots_cancelled": "ballots_cancelled",
    "ballots_stationary_box": "ballots_stationary",
    "ballots_portable_box": "ballots_portable",
    "valid": "valid",
    "invalid": "invalid",
    "lost": "lost",
    "unaccounted": "unaccounted",
}
ELECTIONS = {
    "federal": ("spb-2021-duma", "St Petersburg 2021: State Duma (party list and districts)"),
    "city": ("spb-2021-city", "St Petersburg 2021: city legislature (party list and districts)"),
}


def is_spb2021_folder(path: Path) -> bool:
    """A folder with the four tables of the St Petersburg 2021 conversion."""
    return path.is_dir() and all((path / f).is_file() for f in FILES)


def read_spb2021(folder: Path) -> list[ElectionTables]:
    """Both elections of the folder, as canonical tables."""
    tables = {f: read_table_file(folder / f) for f in FILES}
    for name, frame in tables.items():
        needed = _needed_columns(name)
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(str(folder / name), "missing required column", row=0, column=missing[0])
    stations = _stations(tables["protocols.csv"], str(folder / "protocols.csv"))
    votes = tables["votes.csv"]
    file = str(folder / "votes.csv")
    votes_counts = parse_counts(votes[["uik", "choice_id", "votes"]], file)
    votes = pd.DataFrame(
        {
            "contest": votes["contest"],
            "station_id": REGION + "/" + votes["uik"].str.strip(),
            "choice_id": votes_counts["choice_id"],
            "votes": votes_counts["votes"],
        }
    )
    if votes[["choice_id", "votes"]].isna().any().any():
        row = int(votes[["choice_id", "votes"]].isna().any(axis=1).to_numpy().nonzero()[0][0])
        raise InputError(file, "empty vote count", row=row + 1, column="votes")
    choices = _choices(tables["choices.csv"], tables["parties.csv"], str(folder / "choices.csv"))
    out = []
    for prefix, (election_id, title) in ELECTIONS.items():

        def mine(frame: pd.DataFrame, prefix: str = prefix) -> pd.DataFrame:
            return frame[frame["contest"].str.startswith(prefix + "-")]

        election = Election(election_id, title, str(folder), "party_id 5 (ЕДИНАЯ РОССИЯ)")
        out.append(finish(election, _with_districts(mine(stations)), mine(choices), mine(votes), str(folder)))
    return out


def _needed_columns(name: str) -> list[str]:
    return {
        "protocols.csv": ["contest", "uik", "tik", *COUNT_COLUMNS],
        "votes.csv": ["contest", "uik", "choice_id", "votes"],
        "choices.csv": [
            "contest",
            "choice_id",
            "name",
            "party_id",
            "smart_vote",
            "ballot_position",
        ],
        "parties.csv": ["party_id", "short_name"],
    }[name]


def _stations(protocols: pd.DataFrame, file: str) -> pd.DataFrame:
    counts = parse_counts(protocols[list(COUNT_COLUMNS)], file)
    counts.columns = list(COUNT_COLUMNS.values())
    stations = counts.assign(
        contest=protocols["contest"],
        station_id=REGION + "/" + protocols["uik"].str.strip(),
        region=REGION,
        tik=protocols["tik"],
        number=pd.to_numeric(protocols["uik"], errors="coerce"),
        no_protocol=blank_rows(protocols[list(COUNT_COLUMNS)]),
        source_row=range(1, len(protocols) + 1),
    )
    if "has_koib" in protocols.columns:
        stations[SCANNER] = parse_flag(protocols["has_koib"], file, "has_koib", blank=None)
    return stations


def _with_districts(stations: pd.DataFrame) -> pd.DataFrame:
    """A station's single-member district: the ``*-smd-N`` contest it votes in."""
    district = stations["contest"].map({c: district_of(c) for c in stations["contest"].unique()})
    by_station = pd.Series(district.values, index=stations["station_id"]).dropna()
    by_station = by_station[~by_station.index.duplicated()]
    return stations.assign(district=stations["station_id"].map(by_station).astype("Int64"))


def _choices(choices: pd.DataFrame, parties: pd.DataFrame, file: str) -> pd.DataFrame:
    names = dict(zip(parties["party_id"].str.strip(), parties["short_name"], strict=True))
    party_id = choices["party_id"].str.strip()
    unknown = party_id.notna() & ~party_id.isin(list(names))
    if unknown.any():
        row = int(unknown.to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, f"unknown party_id {party_id[unknown].iloc[0]!r}", row, "party_id")
    numbers = parse_counts(choices[["choice_id", "ballot_position", "smart_vote"]], file)
    return pd.DataFrame(
        {
            "contest": choices["contest"],
            "choice_id": numbers["choice_id"],
            "name": choices["name"],
            "party": party_id.map(names),
            "ballot_position": numbers["ballot_position"],
            "ruling": (party_id == RULING_PARTY_ID).fillna(False),
            "endorsed": numbers["smart_vote"].fillna(0) == 1,
        }
    )
