"""The canonical election data model: columnar tables and the checks every importer shares.

An election holds contests (a party list, single-member district N, a presidential race, a
referendum question); a contest holds polling-station protocols and the votes per choice.
Importers produce :class:`ElectionTables`; the store keeps them; every method reads them.
Tables are pandas DataFrames with the columns declared here, so that a federal election of
~100,000 stations moves as a handful of arrays, never as per-row objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smartvote.errors import InputError
from smartvote.protocols import implausible_flags, importer_flags, join_names, protocol_flags

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
#: Totals and their parts: a total is the sum of its parts wherever a source reports the parts
#: (most years), and is taken as given where it reports only the total (the 2020 vote). A total
#: given beside its parts is cross-checked against them, not trusted (flagged when it differs).
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
FLAGS: tuple[str, ...] = ("remote_electronic", "no_protocol", "inconsistent", "implausible")
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
Dtype = Literal["Int64", "int64", "bool", "boolean", "str"]
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
#: A total a source gave beside its parts differs from their sum (``issued≠parts``...).
REASON_TOTAL_NOT_PARTS = {"ballots_issued": "issued≠parts", "ballots_in_boxes": "boxes≠parts"}


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
    the CSV reader and DuckDB hand over, so that no million-row column is converted twice; and
    columns already of their type are taken as they are, not copied into one block.
    """
    out: dict[str, pd.Series] = {}
    for col in columns:
        values = frame[col]
        dtype = _dtype(col)
        out[col] = values if values.dtype == dtype else values.astype(dtype)
    return pd.DataFrame(out, copy=False).reset_index(drop=True)  # copy-on-write: shared, never aliased


def _dtype(col: str) -> Dtype:
    """The canonical type of a column (see :func:`conform`)."""
    if col in NULLABLE_INTEGERS:
        return "Int64"
    if col in INTEGERS:
        return "int64"
    if col in BOOLEANS:
        return "bool"
    return "boolean" if col in NULLABLE_BOOLEANS else "str"


def contest_kind(name: str) -> str:
    """The kind of a contest from its canonical name (``federal-smd-211`` -> ``smd``)."""
    if re.search(r"(^|-)smd-\d+$", name):
        return "smd"
    if name == "president":
        return "presidential"
    if name.startswith("referendum"):
        return "referendum"
    return "party_list"


def smd_contests(names: Iterable[str]) -> list[str]:
    """The single-member district contests among ``names``, by prefix then district number
    (``federal-smd-211``..., ``city-smd-1``..., or the tidy format's ``smd-1``...)."""
    smd = {str(n) for n in names if contest_kind(str(n)) == "smd"}
    return sorted(smd, key=lambda n: (n[: n.index("smd-")], district_of(n) or 0, n))


def paired_list(contest: str, names: Iterable[str]) -> str | None:
    """The party-list contest voted at the same stations as single-member ``contest``: the list
    of the same prefix (``city-smd-3`` -> ``city-list``), else the election's only party list,
    else none (the caller says so)."""
    kinds = {str(n): contest_kind(str(n)) for n in names}
    same = f"{contest[: contest.index('smd-')]}list"
    if kinds.get(same) == "party_list":
        return same
    lists = [n for n, kind in kinds.items() if kind == "party_list"]
    return lists[0] if len(lists) == 1 else None


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


def fill_totals(stations: pd.DataFrame) -> pd.Series:
    """Set each total of :data:`TOTALS` to the sum of its parts where a source gave any part
    (keeping a given total only where it gave none); return, per station, the reasons where a
    given total disagreed with its parts (``;``-joined, empty when none)."""
    hits = {}
    for total, parts in TOTALS.items():
        # on the arrays and masks of pandas' Int64: a row-wise DataFrame.sum costs 10 times more
        columns = [stations[c].astype("Int64").array for c in (*parts, total)]
        values = [c.to_numpy("int64", na_value=0) for c in columns]
        missing = [c.isna() for c in columns]
        summed, none_given = sum(values[:-1]), np.logical_and.reduce(missing[:-1])
        hits[REASON_TOTAL_NOT_PARTS[total]] = ~none_given & ~missing[-1] & (values[-1] != summed)
        stations[total] = pd.arrays.IntegerArray(
            np.where(none_given, values[-1], summed), none_given & missing[-1]
        )
    return _reasons(hits, stations.index)


def _reasons(hits: dict[str, np.ndarray], index: pd.Index) -> pd.Series:
    """Per row, the ``;``-joined names of the checks that hit it (empty when none)."""
    return pd.Series(join_names(hits, len(index)), index=index, dtype=object)


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


def flag_implausible(stations: pd.DataFrame) -> pd.Series:
    """The reasons (``;``-joined, empty when none) a station's protocol is implausible without
    breaking a relation of ``inconsistent``: the other soft relations of the protocol forms
    (``smartvote.protocols``), e.g. ``invalid=0``, no invalid ballot among more than 500."""
    return implausible_flags(stations, TOTALS)


def finish(
    election: Election,
    stations: pd.DataFrame,
    choices: pd.DataFrame,
    votes: pd.DataFrame,
    file: str,
) -> ElectionTables:
    """Complete what every importer shares: derived counts, flags, checks, column types.

    ``stations`` may carry a ``source_row`` column (the file's data row of each station) so
    that errors name the row, ``votes`` a ``station_row`` (each vote's station, by position,
    verified by :func:`station_positions`); both are dropped here. Missing optional columns
    become null.
    """
    stations = stations.copy()
    for col in (*COUNTS, *STATION_LABELS, SCANNER):
        if col not in stations.columns:  # typed nulls: no 100,000 Python Nones to convert
            stations[col] = pd.Series(pd.NA, index=stations.index, dtype=_dtype(col))
        if col in NULLABLE_INTEGERS:
            stations[col] = stations[col].astype("Int64")
    given = stations.get("inconsistent", pd.Series("", index=stations.index)).fillna("")
    given = _join_reasons(given, fill_totals(stations))
    for col in ("remote_electronic", "no_protocol"):
        stations[col] = stations[col].astype(bool) if col in stations else False
    # flag_inconsistent and flag_implausible in one pass over the form's relations
    inconsistent, implausible = protocol_flags(stations, TOTALS)
    stations["inconsistent"] = _join_reasons(given, inconsistent)
    stations["implausible"] = implausible
    tables = ElectionTables(
        election,
        contests_table([str(c) for c in pd.unique(stations["contest"])]),
        stations,
        conform(choices, CHOICE_COLUMNS),
        votes,
    )
    check_tables(tables, file)
    return replace(tables, stations=conform(stations, STATION_COLUMNS), votes=conform(votes, VOTE_COLUMNS))


def _join_reasons(first: pd.Series, second: pd.Series) -> pd.Series:
    """Two series of ``;``-joined reasons merged, each reason once, in order."""
    a, b = first.to_numpy(dtype=object), second.to_numpy(dtype=object)
    out = np.where(a == "", b, a)
    both = np.flatnonzero((a != "") & (b != ""))
    out[both] = [";".join(dict.fromkeys(r for r in f"{a[i]};{b[i]}".split(";") if r)) for i in both]
    return pd.Series(out, index=first.index, dtype=object)


def check_tables(tables: ElectionTables, file: str) -> None:
    """Raise :class:`InputError` for what no real protocol may contain.

    No stations at all; a station id twice within one contest; a choice id twice, or two
    ruling choices, in one contest; votes for a station or a choice that does not exist; one
    station's votes for one choice given twice; choice votes adding up to more than the valid
    ballots. Each makes every total wrong, so such files are refused as a whole, naming the
    row (``source_row`` where an importer recorded it) rather than summing or dropping rows.
    """
    st, votes, choices = (t.reset_index(drop=True) for t in (tables.stations, tables.votes, tables.choices))
    if not len(st):
        raise InputError(file, "no stations: the file has a header but no data rows", row=1)
    _refuse_first(
        file,
        st,
        _repeated(st, STATION_KEYS),
        "station",
        lambda r: f"station {r['station_id']!r} appears twice in contest {r['contest']!r}",
    )
    _refuse_first(
        file,
        choices,
        choices.duplicated(["contest", "choice_id"]),
        "choice_id",
        lambda r: f"choice id {r['choice_id']} appears twice in contest {r['contest']!r}",
    )
    _refuse_first(
        file,
        choices,
        choices["ruling"].astype(bool) & choices.duplicated(["contest", "ruling"]),
        "ruling",
        lambda r: f"contest {r['contest']!r} has two ruling choices",
    )
    station_of_vote = station_positions(votes, st)
    _refuse_first(
        file,
        votes,
        pd.Series(station_of_vote < 0, index=votes.index),
        "station_id",
        lambda r: (
            f"votes for station {r['station_id']!r} of contest {r['contest']!r}, "
            "which is not in the stations table"
        ),
    )
    contests = _keys(choices, ("contest",)).unique()
    # every vote's station is known by now, and a station's contest is its votes' contest
    contest_of_vote = _positions(_keys(st, ("contest",)), contests)[station_of_vote]
    contest_of_choice = _positions(_keys(choices, ("contest",)), contests)
    span = int(max(choices["choice_id"].max(), votes["choice_id"].max(), 0)) + 1 if len(choices) else 1
    vote_choice = contest_of_vote * span + votes["choice_id"].to_numpy()
    unknown = (contest_of_vote < 0) | ~np.isin(
        vote_choice, contest_of_choice * span + choices["choice_id"].to_numpy()
    )
    _refuse_first(
        file,
        votes,
        pd.Series(unknown, index=votes.index),
        "choice_id",
        lambda r: (
            f"votes for choice id {r['choice_id']} of contest {r['contest']!r}, "
            "which is not among its choices"
        ),
    )
    twice = _duplicated(station_of_vote * span + votes["choice_id"].to_numpy())
    _refuse_first(
        file,
        votes,
        pd.Series(twice, index=votes.index),
        "votes",
        lambda r: f"votes of station {r['station_id']!r} for choice id {r['choice_id']} are given twice",
    )
    totals = np.bincount(station_of_vote, weights=votes["votes"].to_numpy(dtype="float64"), minlength=len(st))
    valid = st["valid"].to_numpy(dtype="float64", na_value=np.inf)
    st = st.assign(choice_total=totals)
    _refuse_first(
        file,
        st,
        st["choice_total"] > valid,
        "valid",
        lambda r: (
            f"votes of station {r['station_id']!r} add up to {int(r['choice_total'])}, "
            f"more than its {int(r['valid'])} valid ballots"
        ),
    )


def _keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> pa.Array:
    """The text key of each row over ``columns``, as one Arrow array (hashed in C++, not Python).

    Large strings, the layout of pandas' string dtype, so that the 1.3 M station ids of a
    federal election's votes are read where they are, not copied into 32-bit offsets.
    """
    arrays = [pa.array(frame[c], from_pandas=True).cast(pa.large_string()) for c in columns]
    separator = pa.scalar("\x1f", pa.large_string())
    key = arrays[0] if len(arrays) == 1 else pc.binary_join_element_wise(*arrays, separator)
    return key.combine_chunks() if isinstance(key, pa.ChunkedArray) else key  # pandas may hand chunks


def _repeated(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Which rows repeat an earlier row's key over ``columns``. Each column is dictionary-encoded
    in Arrow and the codes are combined into one integer per row (a null is a value of its
    own, as for pandas), so that pandas hashes integers, never factorises text."""
    code = np.zeros(len(frame), np.int64)
    for col in columns:
        encoded = pc.dictionary_encode(_keys(frame, (col,)))
        codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64) + 1
        code = code * (len(encoded.dictionary) + 1) + codes
    return pd.Series(code, index=frame.index).duplicated()


def _positions(keys: pa.Array, among: pa.Array) -> np.ndarray:
    """Each key's position in ``among`` (-1 where it is not there)."""
    return pc.fill_null(pc.index_in(keys, value_set=among), -1).to_numpy().astype("int64")


def station_positions(rows: pd.DataFrame, stations: pd.DataFrame) -> np.ndarray:
    """The position in ``stations`` (unique keys) of each row's (contest, station_id), -1 where
    it has none: how votes are joined to their stations without per-row Python objects.

    The rows of one station come together in every importer's votes and in the store's (which
    keeps import order), so only the first row of each run of equal keys is looked up and its
    position repeated over the run: a string comparison per row and a hash lookup per station,
    instead of a hash lookup per vote row (1.3 M in a federal election). Rows in any other
    order give the same positions, only with more runs. Rows may carry ``station_row``, the
    position of each row's station as an importer built the rows (the federal votes): it is
    checked against the keys at each run's head and then used, with no hash lookup at all.
    """
    ids, contests = _keys(rows, ("station_id",)), _keys(rows, ("contest",))
    if not len(rows):
        return np.zeros(0, np.int64)
    changes = pc.or_kleene(pc.not_equal(ids[1:], ids[:-1]), pc.not_equal(contests[1:], contests[:-1]))
    changed = pc.fill_null(changes, True).to_numpy(zero_copy_only=False)
    heads = np.flatnonzero(np.concatenate(([True], changed)))
    guess = rows["station_row"].to_numpy()[heads] if "station_row" in rows else None
    found = _lookup(ids.take(pa.array(heads)), contests.take(pa.array(heads)), stations, guess)
    return np.repeat(found, np.diff(np.append(heads, len(rows))))


def _lookup(
    ids: pa.Array, contests: pa.Array, stations: pd.DataFrame, guess: np.ndarray | None
) -> np.ndarray:
    """The position in ``stations`` of each (contest, station id) pair, -1 where it is not there;
    ``guess`` (else the stations in order) is taken where every pair is its station's."""
    station_ids, station_contests = _keys(stations, ("station_id",)), _keys(stations, ("contest",))
    if guess is None and len(ids) == len(stations):
        guess = np.arange(len(stations))  # the pairs are the stations, in order (every importer's votes)
    elif guess is None and "no_protocol" in stations:
        # the stations with a protocol, in order: a station without one has no votes (2024
        # has 2,268 such stations, so that its votes read back from the store run this way)
        guess = np.flatnonzero(~stations["no_protocol"].to_numpy(bool))
    if guess is not None and _guessed(ids, contests, station_ids, station_contests, guess):
        return guess
    # one hash pass over the stations' ids, then the wanted ones: codes follow first appearance,
    # so the stations' ids are unique exactly when their codes are 0..n-1, and a wanted id's
    # code is then its station's position (or >= n: no such station)
    n = len(stations)
    codes = pc.fill_null(pc.dictionary_encode(pa.concat_arrays([station_ids, ids])).indices, -1).to_numpy()
    if (codes[:n] == np.arange(n)).all():  # ids unique across contests
        at = np.where(codes[n:] < n, codes[n:], -1)
        there = pc.take(station_contests, pa.array(np.maximum(at, 0)))
        same = pc.fill_null(pc.equal(there, contests), False).to_numpy(zero_copy_only=False)
        return np.where((at >= 0) & same, at, -1)
    unique_ids, unique_contests = station_ids.unique(), station_contests.unique()

    def code(station: pa.Array, contest: pa.Array) -> np.ndarray:
        s, c = _positions(station, unique_ids), _positions(contest, unique_contests)
        return np.where((s < 0) | (c < 0), -1, c * len(unique_ids) + s)

    wanted = code(ids, contests)
    found = pd.Index(code(station_ids, station_contests)).get_indexer(wanted)
    return np.where(wanted < 0, -1, found)


def _guessed(
    ids: pa.Array, contests: pa.Array, station_ids: pa.Array, station_contests: pa.Array, guess: np.ndarray
) -> bool:
    """Whether ``guess`` gives, for every (contest, station id) pair, a station with that key."""
    if len(guess) != len(ids) or not ((guess >= 0) & (guess < len(station_ids))).all():
        return False
    at = pa.array(guess)
    return _all(pc.and_(pc.equal(ids, station_ids.take(at)), pc.equal(contests, station_contests.take(at))))


def _all(mask: pa.Array) -> bool:
    """Whether every element holds (a null does not)."""
    return bool(pc.all(pc.fill_null(mask, False)).as_py())


def _duplicated(codes: np.ndarray) -> np.ndarray:
    """Which codes repeat an earlier one; codes in increasing order (each importer writes a
    station's votes in choice order, stations in order) are known unique without hashing."""
    if len(codes) < 2 or bool((np.diff(codes) > 0).all()):
        return np.zeros(len(codes), bool)
    return pd.Series(codes).duplicated().to_numpy()


def _refuse_first(
    file: str, frame: pd.DataFrame, hit: pd.Series, column: str, message: Callable[[pd.Series], str]
) -> None:
    """Raise for the first row of ``frame`` where ``hit`` holds, naming its source row."""
    if hit.any():
        raise InputError(file, message(frame[hit].iloc[0]), row=_source_row(frame, hit), column=column)


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


def join_elections(base: ElectionTables, extra: ElectionTables, file: str) -> ElectionTables:
    """``base`` completed by the stations of ``extra`` (a second file of the same election,
    such as 2024's remote electronic voting by region): its choices are matched to base's by
    contest and name, and a choice base does not have is refused, never added silently."""
    ids = base.choices.set_index(["contest", "name"])["choice_id"]
    key = pd.MultiIndex.from_frame(extra.choices[["contest", "name"]])
    mapped = ids.reindex(key)
    if mapped.isna().any():
        missing = extra.choices["name"][mapped.isna().to_numpy()].iloc[0]
        raise InputError(file, f"choice {missing!r} is not among the choices of {base.election.election_id}")
    new_id = dict(
        zip(zip(extra.choices["contest"], extra.choices["choice_id"], strict=True), mapped, strict=True)
    )
    votes = extra.votes.assign(
        choice_id=[new_id[k] for k in zip(extra.votes["contest"], extra.votes["choice_id"], strict=True)]
    )
    tables = ElectionTables(
        replace(base.election, source=f"{base.election.source}; {extra.election.source}"),
        contests_table(
            [str(c) for c in pd.unique(pd.concat([base.contests["contest"], extra.contests["contest"]]))]
        ),
        conform(pd.concat([base.stations, extra.stations]), STATION_COLUMNS),
        base.choices,
        conform(pd.concat([base.votes, votes]), VOTE_COLUMNS),
    )
    # each part passed check_tables on its own and the choices are base's: only a station in
    # both parts is left to refuse, found by looking base's keys up among extra's few
    base_keys, extra_keys = _keys(base.stations, STATION_KEYS), _keys(extra.stations, STATION_KEYS)
    shared = base_keys.filter(pc.is_in(base_keys, value_set=extra_keys))
    if len(shared):
        again = pc.is_in(extra_keys, value_set=shared).to_numpy(zero_copy_only=False)
        _refuse_first(
            file,
            tables.stations,
            pd.Series(np.concatenate([np.zeros(len(base_keys), bool), again]), index=tables.stations.index),
            "station",
            lambda r: f"station {r['station_id']!r} is in both files",
        )
    return tables


#: The share of stations failing one relation above which an import warns: a wrong mapping of
#: columns fails thousands of stations, real irregular protocols a few dozen (2004 mapped wrongly
#: failed "boxes > issued" at 86,524 of 95,779 stations; mapped right, at 2).
RECONCILE_WARN_SHARE = 0.05


@dataclass(frozen=True)
class Reconciliation:
    """How many stations with a protocol fail each control relation of the protocol."""

    election: str
    checked: int
    failing: dict[str, int]

    def warnings(self, share: float = RECONCILE_WARN_SHARE) -> list[str]:
        """One line per relation failed at more than ``share`` of the stations checked."""
        return [
            f"{self.election}: {n:,} of {self.checked:,} stations fail {relation} "
            f"({100 * n / self.checked:.1f}%): check how the file's columns were mapped"
            for relation, n in self.failing.items()
            if self.checked and n > share * self.checked
        ]

    def to_json(self) -> dict[str, object]:
        return {"election": self.election, "checked": self.checked, "failing": dict(self.failing)}


def reconcile(tables: ElectionTables) -> Reconciliation:
    """Compare an election's own counts with what the protocol relations imply: ballots in the
    boxes vs issued, valid + invalid vs in the boxes, the sum of the choices vs valid."""
    st = tables.stations
    at = station_positions(tables.votes, st)
    choices = np.bincount(at, weights=tables.votes["votes"].to_numpy(dtype="float64"), minlength=len(st))
    counted = ~st["no_protocol"].to_numpy(bool)
    relations = {
        "ballots in boxes > ballots issued": st["ballots_in_boxes"] > st["ballots_issued"],
        "valid + invalid ≠ ballots in boxes": (st["valid"] + st["invalid"]) != st["ballots_in_boxes"],
        "sum of choices ≠ valid": pd.Series(choices, index=st.index) != st["valid"],
    }
    failing = {k: int((v.fillna(False).to_numpy(bool) & counted).sum()) for k, v in relations.items()}
    return Reconciliation(tables.election.election_id, int(counted.sum()), failing)
