"""District-level results: elections published per single-member district, not per station.

City legislatures are often published only as district totals: every candidate's votes, the
district's registered voters and ballots. The format (docs/tactics-formats.md, "District
results") is a folder of UTF-8 CSV files, one set per year:

- ``candidates-YEAR.csv``: district, candidate (full name), nominated_by (the nominating
  party's label, ``Самовыдвижение`` for the self-nominated), votes, backed_by_ruling (1 when a
  source marks the candidate as backed by the ruling side, whatever the nomination), won, and
  optionally smart_vote (1 = endorsed) and birth_year;
- ``districts-YEAR.csv``: district, registered, ballots_in_station, ballots_early,
  ballots_outside;
- ``stations-YEAR.csv`` (optional): district, area, uik — the polling stations of each district
  (used to join station-level results of other elections, never as results of this one).

In the canonical tables each district is a contest ``city-smd-N`` with **one row of district
totals** in place of its stations (station id :data:`TOTAL`, no station number): the tidy
format with district totals. The canonical ``ruling`` flag (at most one per contest) is set
where a district has exactly one ruling-backed candidate. The Moscow City Duma files of 2014
and 2019 are produced in this format by :mod:`smartvote.data.importers.moscow` from their public
sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from smartvote.data.importers.counts import parse_counts, parse_flag
from smartvote.data.importers.tabular import read_table_file
from smartvote.errors import InputError
from smartvote.model import Election, ElectionTables, finish

TOTAL = "district-total"
SELF_NOMINATED = "Самовыдвижение"
CANDIDATE_COLUMNS = ("district", "candidate", "nominated_by", "votes", "backed_by_ruling", "won")
#: The candidate columns known before the vote: a forecast reads only these.
BALLOT_COLUMNS = ("district", "candidate", "nominated_by", "backed_by_ruling")
#: The candidate columns that are results (or, for smart_vote, the campaign's answer).
RESULT_COLUMNS = ("votes", "won", "smart_vote")
DISTRICT_COLUMNS = ("district", "registered", "ballots_in_station", "ballots_early", "ballots_outside")
STATION_COLUMNS = ("district", "area", "uik")
_YEAR = re.compile(r"candidates-(\d{4})\.csv$")


def is_district_folder(path: Path) -> bool:
    """A folder with at least one ``candidates-YEAR.csv`` and its ``districts-YEAR.csv``."""
    return path.is_dir() and bool(years_in(path))


def years_in(folder: Path) -> tuple[int, ...]:
    """The years of the folder's candidate files that have a districts file too."""
    found = (_YEAR.search(p.name) for p in folder.glob("candidates-*.csv"))
    return tuple(
        sorted(int(m.group(1)) for m in found if m and (folder / f"districts-{m.group(1)}.csv").is_file())
    )


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], file: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(file, "missing required column", row=0, column=missing[0])


def parse_candidates(
    raw: pd.DataFrame, file: str, columns: tuple[str, ...] = CANDIDATE_COLUMNS
) -> pd.DataFrame:
    """Typed candidate rows: ``columns`` are required (the optional ``birth_year``, and
    ``smart_vote`` when results are read, are kept when present); district, votes and birth
    year as whole numbers, the flags as booleans, a candidate named once per district."""
    require_columns(raw, columns, file)
    optional = ("birth_year", "smart_vote") if "votes" in columns else ("birth_year",)
    wanted = [*columns, *(c for c in optional if c in raw.columns and c not in columns)]
    out = pd.DataFrame(index=raw.index)
    for c in wanted:
        if c in ("district", "votes", "birth_year"):
            out[c] = parse_counts(raw[[c]], file)[c]
        elif c in ("backed_by_ruling", "won", "smart_vote"):
            out[c] = parse_flag(raw[c], file, c).to_numpy(bool)
        else:
            out[c] = raw[c].astype(object).where(raw[c].notna(), "").map(str).str.strip()
    for c in ("district", "candidate"):
        empty = out[c].isna() | (out[c] == "")
        if empty.any():
            raise InputError(file, "empty value", row=_first(empty), column=c)
    twice = out.duplicated(["district", "candidate"])
    if twice.any():
        name = out["candidate"][twice].iloc[0]
        raise InputError(file, f"candidate {name!r} appears twice in district", _first(twice), "candidate")
    return out.reset_index(drop=True)


def _first(hit: pd.Series) -> int:
    """The 1-based data row of the first hit."""
    return int(hit.to_numpy(bool).nonzero()[0][0]) + 1


def read_candidates(folder: Path, year: int, columns: tuple[str, ...] = CANDIDATE_COLUMNS) -> pd.DataFrame:
    """One year's candidates, only ``columns`` (and ``birth_year``): with
    :data:`BALLOT_COLUMNS`, the ballot alone, without a result column."""
    path = folder / f"candidates-{year}.csv"
    raw = read_table_file(path)
    optional = ("birth_year", "smart_vote") if "votes" in columns else ("birth_year",)
    return parse_candidates(
        raw[[c for c in raw.columns if c in columns or c in optional]], str(path), columns
    )


def read_districts(folder: Path, year: int) -> pd.DataFrame:
    path = folder / f"districts-{year}.csv"
    raw = read_table_file(path)
    require_columns(raw, DISTRICT_COLUMNS, str(path))
    return parse_counts(raw[list(DISTRICT_COLUMNS)], str(path), {c: c for c in DISTRICT_COLUMNS})


def read_stations(folder: Path, year: int) -> pd.DataFrame:
    """The polling stations of each district: district, area, uik (station number)."""
    path = folder / f"stations-{year}.csv"
    if not path.is_file():
        raise InputError(str(path), "no such file (the stations of each district are needed here)")
    raw = read_table_file(path)
    require_columns(raw, STATION_COLUMNS, str(path))
    numbers = parse_counts(raw[["district", "uik"]], str(path), {"district": "district", "uik": "uik"})
    return pd.DataFrame(
        {"district": numbers["district"], "area": raw["area"].astype(str), "uik": numbers["uik"]}
    )


def district_tables(
    election: Election, candidates: pd.DataFrame, districts: pd.DataFrame, file: str, region: str = ""
) -> ElectionTables:
    """Canonical tables: a contest ``city-smd-N`` per district with one row of district totals."""
    unknown = ~candidates["district"].isin(districts["district"])
    if unknown.any():
        number = candidates["district"][unknown].iloc[0]
        raise InputError(file, f"district {number} is not in the districts file", _first(unknown), "district")
    contest = "city-smd-" + districts["district"].astype("int64").astype(str)
    stations = districts.drop(columns="district").assign(
        contest=contest.to_numpy(),
        station_id=TOTAL,
        region=region or None,
        district=districts["district"].to_numpy(),
        no_protocol=False,
    )
    ordered = candidates.sort_values(["district", "candidate"], kind="stable").reset_index(drop=True)
    choice_contest = "city-smd-" + ordered["district"].astype("int64").astype(str)
    position = ordered.groupby("district").cumcount() + 1
    # the canonical model holds at most one ruling choice per contest: where the source marks
    # several, none is marked here (which one is the main candidate is not known before the
    # vote); the engine reads every mark from the candidates file (smartvote.engine.ruling)
    backed_here = ordered.groupby("district")["backed_by_ruling"].transform("sum")
    party = ordered["nominated_by"].where(ordered["nominated_by"] != SELF_NOMINATED, "")
    choices = pd.DataFrame(
        {
            "contest": choice_contest,
            "choice_id": range(1, len(ordered) + 1),
            "name": ordered["candidate"],
            "party": party,
            "ballot_position": position,
            "ruling": ordered["backed_by_ruling"] & (backed_here == 1),
            "endorsed": ordered.get("smart_vote", False),
        }
    )
    votes = pd.DataFrame(
        {
            "contest": choice_contest,
            "station_id": TOTAL,
            "choice_id": choices["choice_id"],
            "votes": ordered["votes"],
        }
    )
    return finish(election, stations, choices, votes, file)


def read_district_folder(folder: Path, prefix: str, title: str, region: str = "") -> list[ElectionTables]:
    """Every year of a district-results folder as an election ``PREFIX-YEAR``."""
    out = []
    for year in years_in(folder):
        file = str(folder / f"candidates-{year}.csv")
        election = Election(f"{prefix}-{year}", f"{title} {year}", file, "backed_by_ruling")
        out.append(
            district_tables(
                election, read_candidates(folder, year), read_districts(folder, year), file, region
            )
        )
    return out
