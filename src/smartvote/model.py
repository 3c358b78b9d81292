"""The canonical election data model: columnar tables and the checks every importer shares.

An election holds contests (a party list, single-member district N, a presidential race, a
referendum question); a contest holds polling-station protocols and the votes per choice.
Importers produce :class:`ElectionTables`; the store keeps them; every method reads them.
Tables are pandas DataFrames with the columns declared here, so that a federal election of
~100,000 stations moves as a handful of arrays, never as per-row objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from smartvote.errors import InputError
from smartvote.protocols import importer_flags

#: Protocol lines of a station, in the order of the official Russian protocol. Any of them may be
#: null when a source does not report it (e.g. the 2020 vote reports only the total issued).
COUNTS: tuple[str, ...] = (
    "registered",
    "ballots_received",
    "ballots_early",
    "ballots_in_station",
    "ballots_outside",
    "ballots_issued",
    "ballots_cancelled",
    "ballots_stationary",
    "ballots_portable",
    "ballots_in_boxes",
    "valid",
    "invalid",
    "lost",
    "unaccounted",
)
#: Totals and their parts: a total is the sum of its parts when a source reports only the parts
#: (most years), and is taken as given when a source reports only the total (the 2020 vote).
TOTALS: dict[str, tuple[str, ...]] = {
    "ballots_issued": ("ballots_early", "ballots_in_station", "ballots_outside"),
    "ballots_in_boxes": ("ballots_stationary", "ballots_portable"),
}

STATION_KEYS: tuple[str, ...] = ("contest", "station_id")
STATION_LABELS: tuple[str, ...] = ("region", "district", "tik", "number")
#: Whether the station counted its ballots with optical scanners (KOIB): null where the source
#: does not say. Scanner counts are harder to rewrite, so scanner and hand-count stations are
#: the classic comparison of election forensics.
SCANNER = "counted_by_scanner"
FLAGS: tuple[str, ...] = ("remote_electronic", "no_protocol", "inconsistent")
STATION_COLUMNS: tuple[str, ...] = STATION_KEYS + STATION_LABELS + (SCANNER,) + COUNTS + FLAGS

CONTEST_KINDS: tuple[str, ...] = ("party_list", "smd", "presidential", "referendum")
CONTEST_COLUMNS: tuple[str, ...] = ("contest", "kind", "district")
CHOICE_COLUMNS: tuple[str, ...] = (
    "contest",
    "choice_id",
    "name",
    "party",
    "ballot_position",
    "ruling",
    "endorsed",
)
VOTE_COLUMNS: tuple[str, ...] = ("contest", "station_id", "choice_id", "votes")

#: Column types: nullable integers, booleans (nullable or not), and text (everything else).
NULLABLE_INTEGERS = frozenset((*COUNTS, "district", "number", "ballot_position"))
INTEGERS = frozenset(("choice_id", "votes"))
BOOLEANS = frozenset(("remote_electronic", "no_protocol", "ruling", "endorsed"))
NULLABLE_BOOLEANS = frozenset((SCANNER,))

#: Reasons a real protocol is flagged ``inconsistent`` (it is imported, never rejected).
REASON_BOXES_GT_ISSUED = "boxes>issued"
REASON_ISSUED_GT_RECEIVED = "issued>received"
REASON_ISSUED_GT_REGISTERED = "issued>registered"
REASON_ZERO_REGISTERED = "registered=0"
REASON_BLANK_COUNT = "blank count"


@dataclass(frozen=True)
class Election:
    """What an election is: its id, a human title, where it came from, and its ruling choice."""

    election_id: str
    title: str
    source: str
    ruling: str = ""


@dataclass(frozen=True)
class ElectionTables:
    """One election in canonical columnar form (see the module docstring and docs/data-formats.md)."""

    election: Election
    contests: pd.DataFrame
    stations: pd.DataFrame
    choices: pd.DataFrame
    votes: pd.DataFrame


def conform(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame``'s ``columns`` in order with their canonical types, on a fresh 0..n-1 index.

    One function serves importers and the store, so that an election reads back exactly as
    it was written. Text is pandas' string dtype (Arrow-backed, missing = NaN), the form both
    the CSV reader and DuckDB hand over, so that no million-row column is converted twice.
    """
    out: dict[str, pd.Series] = {}
    for col in columns:
        values = frame[col]
        if col in NULLABLE_INTEGERS:
            out[col] = values.astype("Int64")
        elif col in INTEGERS:
            out[col] = values.astype("int64")
        elif col in BOOLEANS:
            out[col] = values.astype(bool)
        elif col in NULLABLE_BOOLEANS:
            out[col] = values.astype("boolean")
        else:
            out[col] = values.astype("str")
    return pd.DataFrame(out).reset_index(drop=True)


def contest_kind(name: str) -> str:
    """The kind of a contest from its canonical name (``federal-smd-211`` -> ``smd``)."""
    if "-smd-" in name or name.startswith("smd-"):
        return "smd"
    if name == "president":
        return "presidential"
    if name.startswith("referendum"):
        return "referendum"
    return "party_list"


def district_of(name: str) -> int | None:
    """The single-member district number a contest name carries, if any."""
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if contest_kind(name) == "smd" and tail.isdigit() else None


def contests_table(names: list[str]) -> pd.DataFrame:
    """The contests table for a list of canonical contest names."""
    frame = pd.DataFrame(
        {
            "contest": names,
            "kind": [contest_kind(n) for n in names],
            "district": [district_of(n) for n in names],
        }
    )
    return conform(frame, CONTEST_COLUMNS)


def fill_totals(stations: pd.DataFrame) -> None:
    """Fill each total of :data:`TOTALS` that a source left empty with the sum of its parts."""
    for total, parts in TOTALS.items():
        missing = stations[total].isna()
        summed = stations[list(parts)].sum(axis=1, min_count=1).astype("Int64")
        stations.loc[missing, total] = summed[missing]


def boxes(stations: pd.DataFrame) -> pd.Series:
    """Ballots found in the boxes (stationary + portable, or the source's total): R of the forensics."""
    return stations["ballots_in_boxes"]


def flag_inconsistent(stations: pd.DataFrame) -> pd.Series:
    """The reasons (``;``-joined, empty when none) a station's protocol is internally inconsistent.

    Real protocols break the control relations of the official form; they are data, not
    input errors, so they are flagged here for every method to see and decide on. The
    relations are those of the protocol forms (``smartvote.protocols``) that carry a flag.
    """
    return importer_flags(stations, TOTALS)


def finish(
    election: Election,
    stations: pd.DataFrame,
    choices: pd.DataFrame,
    votes: pd.DataFrame,
    file: str,
) -> ElectionTables:
    """Complete what every importer shares: derived counts, flags, checks, column types.

    ``stations`` may carry a ``source_row`` column (the file's data row of each station) so
    that errors name the row; it is dropped here. Missing optional columns become null.
    """
    stations = stations.copy()
    for col in (*COUNTS, *STATION_LABELS, SCANNER):
        if col not in stations.columns:
            stations[col] = None
        if col in NULLABLE_INTEGERS:
            stations[col] = stations[col].astype("Int64")
    fill_totals(stations)
    for col in ("remote_electronic", "no_protocol"):
        stations[col] = stations[col].astype(bool) if col in stations else False
    given = stations.get("inconsistent", pd.Series("", index=stations.index)).fillna("")
    found = flag_inconsistent(stations)
    both = (given != "") & (found != "")
    stations["inconsistent"] = given.where(given != "", found)
    stations.loc[both, "inconsistent"] = [
        _join_reasons(a, b) for a, b in zip(given[both], found[both], strict=True)
    ]
    tables = ElectionTables(
        election,
        contests_table([str(c) for c in pd.unique(stations["contest"])]),
        stations,
        conform(choices, CHOICE_COLUMNS),
        conform(votes, VOTE_COLUMNS),
    )
    check_tables(tables, file)
    return replace(tables, stations=conform(stations, STATION_COLUMNS))


def _join_reasons(given: str, found: str) -> str:
    """Reasons an importer recorded plus those found here, each once, in order."""
    reasons = [r for r in f"{given};{found}".split(";") if r]
    return ";".join(dict.fromkeys(reasons))


def check_tables(tables: ElectionTables, file: str) -> None:
    """Raise :class:`InputError` for what no real protocol may contain.

    A station id twice within one contest, and choice votes adding up to more than the
    valid ballots, make every total wrong; such files are refused as a whole.
    """
    st = tables.stations
    dup = st.duplicated(list(STATION_KEYS))
    if dup.any():
        row = st[dup].iloc[0]
        raise InputError(
            file,
            f"station {row['station_id']!r} appears twice in contest {row['contest']!r}",
            row=_source_row(st, dup),
            column="station",
        )
    votes = tables.votes
    keys = pd.MultiIndex.from_frame(st[list(STATION_KEYS)])
    station_of_vote = keys.get_indexer(pd.MultiIndex.from_frame(votes[list(STATION_KEYS)]))
    if (station_of_vote < 0).any():
        orphan = votes.iloc[int(np.flatnonzero(station_of_vote < 0)[0])]
        raise InputError(
            file,
            f"votes for station {orphan['station_id']!r} of contest {orphan['contest']!r}, "
            "which is not in the stations table",
            column="station_id",
        )
    totals = np.bincount(station_of_vote, weights=votes["votes"].to_numpy(), minlength=len(st))
    valid = st["valid"].to_numpy(dtype="float64", na_value=np.inf)
    over = totals > valid
    if over.any():
        first = int(np.flatnonzero(over)[0])
        hit = pd.Series(np.arange(len(st)) == first, index=st.index)
        raise InputError(
            file,
            f"votes of station {st['station_id'].iloc[first]!r} add up to {int(totals[first])}, "
            f"more than its {int(valid[first])} valid ballots",
            row=_source_row(st, hit),
            column="valid",
        )


def _source_row(stations: pd.DataFrame, hit: pd.Series) -> int | None:
    """The source row of the first hit, when the importer recorded it in ``source_row``."""
    if "source_row" not in stations.columns:
        return int(np.flatnonzero(hit.to_numpy())[0]) + 1
    return int(stations.loc[hit, "source_row"].iloc[0])


def ruling_mask(choices: pd.DataFrame, substring: str, file: str) -> pd.Series:
    """Which choices are the ruling one: the names containing ``substring``, case-insensitively.

    Sources spell the ruling choice differently from year to year ("ПУТИН", "Путин", "Единая
    Россия", "ЕДИНАЯ РОССИЯ"), hence a case-insensitive substring rather than an exact name.
    A contest may have no ruling choice (a district the ruling party left free), but no contest
    may have two, and at least one contest must have one.
    """
    hit = choices["name"].str.casefold().str.contains(substring.casefold(), regex=False)
    per_contest = hit.groupby(choices["contest"]).sum()
    if per_contest.sum() == 0:
        raise InputError(file, f"no choice matches the ruling choice {substring!r}", column="ruling")
    if (per_contest > 1).any():
        contest = per_contest.index[per_contest > 1][0]
        names = choices.loc[hit & (choices["contest"] == contest), "name"].tolist()
        raise InputError(
            file, f"ruling choice {substring!r} matches several choices: {names}", column="ruling"
        )
    return hit.astype(bool)
