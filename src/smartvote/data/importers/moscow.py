"""Converter of the Moscow City Duma elections of 2014 and 2019 from their public sources into
the district-results format (:mod:`smartvote.data.importers.districts`).

Two public GitHub repositories, pinned to one commit each (``smartvote.data.catalogue.MOSCOW_SOURCES``):

- ``evilmucedin/moscowElections2019`` (MIT licence), ``data/2014.csv`` and ``data/2019.csv``:
  one row per candidate — district (``Station``), full name, votes (``Count``), whether the
  source marks the candidate as backed by United Russia / the city government
  (``UnitedRussia``; in 2019 the self-nominated candidates the city endorsed), the nominating
  party (``Party``);
- ``blueflyingpanda/ElectionsResearch``, ``mosgorduma/data6.csv`` (2014) and ``data7.csv``
  (2019): one row per candidate with the district's registered voters and ballots and
  ``won``; ``clean_data7.csv``: the 2019 Smart Voting endorsement (``smart_vote``);
  ``mandates_to_districts_to_uiks.csv``: the polling stations of each district.

Candidates are joined by (district, full name); a candidate in one source and not in the other
is an error naming the file and row. The output is the folder the tests and the engine read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smartvote.data.importers.counts import parse_counts, parse_flag
from smartvote.data.importers.districts import DISTRICT_COLUMNS, STATION_COLUMNS
from smartvote.data.importers.tabular import read_table_file
from smartvote.errors import InputError

REGION = "город Москва"
#: The source files, per role: (repository, path in it).
CANDIDATES = {2014: "data/2014.csv", 2019: "data/2019.csv"}
DISTRICT_TOTALS = {2014: "mosgorduma/data6.csv", 2019: "mosgorduma/data7.csv"}
ENDORSEMENTS_2019 = "mosgorduma/clean_data7.csv"
STATIONS = "mosgorduma/mandates_to_districts_to_uiks.csv"
#: District-total columns of the blueflyingpanda tables -> the format's names.
TOTAL_COLUMNS = {
    "potential_voters": "registered",
    "inside_voters": "ballots_in_station",
    "early_voters": "ballots_early",
    "outside_voters": "ballots_outside",
}


@dataclass(frozen=True)
class SourceTables:
    """The raw source tables (all text), as read from the two repositories."""

    candidates: dict[int, pd.DataFrame]  # evilmucedin data/YEAR.csv
    totals: dict[int, pd.DataFrame]  # blueflyingpanda data6 / data7
    endorsements: pd.DataFrame  # blueflyingpanda clean_data7
    stations: pd.DataFrame  # blueflyingpanda mandates_to_districts_to_uiks


def read_sources(evilmucedin: Path, blueflyingpanda: Path) -> SourceTables:
    """The source files from checkouts (or downloads laid out as in) the two repositories."""
    return SourceTables(
        {y: read_table_file(evilmucedin / p) for y, p in CANDIDATES.items()},
        {y: read_table_file(blueflyingpanda / p) for y, p in DISTRICT_TOTALS.items()},
        read_table_file(blueflyingpanda / ENDORSEMENTS_2019),
        read_table_file(blueflyingpanda / STATIONS),
    )


def convert(sources: SourceTables) -> dict[str, pd.DataFrame]:
    """File name -> table of the district-results format."""
    out: dict[str, pd.DataFrame] = {}
    for year, raw in sources.candidates.items():
        file = CANDIDATES[year]
        votes = parse_counts(raw[["Station", "Count"]], file)
        candidates = pd.DataFrame(
            {
                "district": votes["Station"],
                "candidate": raw["FullName"].astype(str).str.strip(),
                "nominated_by": raw["Party"].astype(str).str.strip(),
                "votes": votes["Count"],
                "backed_by_ruling": parse_flag(raw["UnitedRussia"], file, "UnitedRussia").astype(int),
            }
        )
        totals = sources.totals[year]
        won = _by_candidate(totals, DISTRICT_TOTALS[year], "won", candidates)
        candidates["won"] = parse_flag(won, DISTRICT_TOTALS[year], "won").astype(int).to_numpy()
        if year == 2019:
            endorsed = _by_candidate(sources.endorsements, ENDORSEMENTS_2019, "smart_vote", candidates)
            candidates["smart_vote"] = (
                parse_flag(endorsed, ENDORSEMENTS_2019, "smart_vote").astype(int).to_numpy()
            )
        out[f"candidates-{year}.csv"] = candidates.sort_values(["district", "candidate"]).reset_index(
            drop=True
        )
        out[f"districts-{year}.csv"] = _district_totals(totals, DISTRICT_TOTALS[year])
    numbers = parse_counts(sources.stations[["mandate", "uik"]], STATIONS)
    stations = pd.DataFrame(
        {
            "district": numbers["mandate"],
            "area": sources.stations["district"].astype(str),
            "uik": numbers["uik"],
        }
    )
    out["stations-2019.csv"] = stations[list(STATION_COLUMNS)]
    return out


def _by_candidate(table: pd.DataFrame, file: str, column: str, candidates: pd.DataFrame) -> pd.Series:
    """``column`` of ``table`` (keyed by name and single_mandate) for every candidate, in order."""
    district = parse_counts(table[["single_mandate"]], file)["single_mandate"]
    key = pd.Series(district.astype(str).to_numpy() + "/" + table["name"].astype(str).str.strip().to_numpy())
    twice = key.duplicated().to_numpy()
    if twice.any():
        raise InputError(
            file, f"candidate {key[twice].iloc[0]} appears twice", int(twice.argmax()) + 1, "name"
        )
    wanted = candidates["district"].astype(str) + "/" + candidates["candidate"]
    at = pd.Index(key).get_indexer(pd.Index(wanted))
    if (at < 0).any():
        missing = wanted[at < 0].iloc[0]
        raise InputError(file, f"candidate {missing} of the candidate list is missing here", column="name")
    if len(key) != len(wanted):
        extra = sorted(set(key) - set(wanted))[0]
        raise InputError(file, f"candidate {extra} is not in the candidate list", column="name")
    return table[column].iloc[at].reset_index(drop=True)


def _district_totals(table: pd.DataFrame, file: str) -> pd.DataFrame:
    """One row per district (the source repeats them on every candidate's row; they must agree)."""
    numbers = parse_counts(table[["single_mandate", *TOTAL_COLUMNS]], file).rename(
        columns={"single_mandate": "district", **TOTAL_COLUMNS}
    )
    unique = numbers.drop_duplicates()
    if unique["district"].duplicated().any():
        district = unique["district"][unique["district"].duplicated()].iloc[0]
        raise InputError(
            file, f"district {district} has differing totals on different rows", column="single_mandate"
        )
    return unique.sort_values("district").reset_index(drop=True)[list(DISTRICT_COLUMNS)]


def write_folder(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write the converted tables as UTF-8 CSV files; nothing is left half-written on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        target = folder / name
        part = folder / f".{name}.part"
        frame.to_csv(part, index=False)
        part.replace(target)
        written.append(target)
    return written
