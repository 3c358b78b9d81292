"""Importer of the public polling-station dataset of Russian federal elections.

The dataset (GitHub repository dkobak/elections, folder data/, scraped from the Central
Election Commission's website) is one wide CSV per election: station identifiers, then the
protocol lines under their Russian names, then one column per party, candidate or option.
Column sets and wordings change between years, so columns are recognised by meaning
(key words of the official protocol line), never by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smartvote.data.importers.counts import arrow_text, blank_rows, leading_number, parse_counts
from smartvote.errors import InputError
from smartvote.model import REASON_BLANK_COUNT, Election, ElectionTables, finish, ruling_mask

#: Station identifier columns of the dataset; ``level``, ``name`` and ``url`` carry nothing else.
META_COLUMNS = {"region", "oik", "tik", "uik", "level", "name", "url"}

#: Territorial commission under which remote electronic voting is reported.
REMOTE_TIK = "Дистанционное электронное голосование"
#: A register this large is a remote electronic pseudo-station, whatever its commission is
#: called: in every year of the dataset the largest physical station (one abroad, 2024) has
#: 42,866 voters, and the smallest of Moscow's 2021 pseudo-stations "УИК №5001"..."№5015",
#: listed under ordinary district commissions, 104,716 (docs/data-formats.md).
REMOTE_MIN_REGISTERED = 60_000


def normalise_header(header: str) -> str:
    """A header as the rules read it: case folded, ё as е, whitespace collapsed, and a leading
    position number ("5. ", "1.") removed, since sources number protocol lines or not."""
    text = " ".join(header.casefold().replace("ё", "е").split())
    return re.sub(r"^\d+\.\s*", "", text)


#: The role of a column no method reads, recognised so that it is not mistaken for a choice.
IGNORED = "ignored"


@dataclass(frozen=True)
class Rule:
    """A protocol line recognised by key words of its normalised header: all of ``require``,
    none of ``exclude``. ``role`` is a count of :data:`smartvote.model.COUNTS` or
    :data:`IGNORED` (then ``why`` says why no method needs it)."""

    role: str
    require: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    why: str = ""

    def matches(self, normalised: str) -> bool:
        return all(re.search(r, normalised) for r in self.require) and not any(
            re.search(r, normalised) for r in self.exclude
        )


#: The protocol lines of every year's wording (2000-2024), tried in order; the first rule that
#: matches gives the role. Every "ballots issued" column is a part (early, at the station,
#: outside) except one that names none of them, which is the total (2020). The order matters
#: only where wordings nest: "вне помещени(я|й)" before "в помещени", parts before the total.
RULES: tuple[Rule, ...] = (
    Rule(IGNORED, (r"открепительн",), why="absentee certificates (up to 2016)"),
    Rule(IGNORED, (r"отметок",), why="the 2000 file's unmarked ballots, left out by the public notebooks"),
    Rule("registered", (r"^число (избирателей|участников голосования)", r"внесенн|включенн")),
    Rule("ballots_received", (r"бюллетен", r"полученн")),
    Rule("ballots_early", (r"бюллетен", r"выданн", r"досрочно")),
    Rule("ballots_outside", (r"бюллетен", r"выданн", r"вне помещени")),
    Rule("ballots_in_station", (r"бюллетен", r"выданн", r"в помещени|в день голосования")),
    Rule("ballots_issued", (r"бюллетен", r"выданн")),
    Rule("ballots_cancelled", (r"бюллетен", r"погашенн")),
    Rule("ballots_portable", (r"бюллетен", r"переносн")),
    Rule("ballots_stationary", (r"бюллетен", r"стационарн")),
    Rule("ballots_in_boxes", (r"бюллетен", r"ящик")),
    Rule("invalid", (r"недействительн",)),
    Rule("valid", (r"(^|\s)действительн",)),
    Rule("lost", (r"бюллетен", r"утраченн")),
    Rule("unaccounted", (r"бюллетен", r"не учтенн|неучтенн")),
)
_REQUIRED = {
    "registered": "registered voters",
    "invalid": "invalid ballots",
}
_ISSUED = {"ballots_early", "ballots_in_station", "ballots_outside", "ballots_issued"}
_BOXES = {"ballots_stationary", "ballots_portable", "ballots_in_boxes"}


def looks_like_protocol_line(normalised: str) -> bool:
    """Headers that name a count of the protocol ("Число ...", "... бюллетеней ..."), never a choice."""
    return normalised.startswith("число") or "бюллетен" in normalised


@dataclass(frozen=True)
class FederalSpec:
    """What the catalogue knows of one election of the dataset (or the user says on import)."""

    election_id: str
    title: str
    ruling: str
    contest: str = ""  # "" = guess from the choices (see :func:`guess_contest`)
    districts_from_oik: bool = False  # the ``oik`` column means single-member districts (2016+)
    ignore_columns: frozenset[str] = field(default_factory=frozenset)  # the user's --ignore-column


def recognise_columns(
    header: list[str], file: str, ignore: frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[str]]:
    """Map protocol fields to source columns, and list the choice columns, by the :data:`RULES`.

    A protocol-like header that no rule maps is an error naming it and the way out
    (``--ignore-column``), never a silent guess; so are two columns for one role.
    """
    fields: dict[str, str] = {}
    choices = []
    for col in header:
        if col in META_COLUMNS or col in ignore:
            continue
        normalised = normalise_header(col)
        if not looks_like_protocol_line(normalised):
            choices.append(col)
            continue
        rule = next((r for r in RULES if r.matches(normalised)), None)
        if rule is None:
            raise InputError(
                file,
                "looks like a protocol line but no rule maps it; if no method needs it, "
                f"import with --ignore-column {col!r}",
                row=0,
                column=col,
            )
        if rule.role == IGNORED:
            continue
        if rule.role in fields:
            raise InputError(
                file, f"two columns map to {rule.role}: {fields[rule.role]!r} and this one", row=0, column=col
            )
        fields[rule.role] = col
    station_level = "uik" in header or "tik" in header
    for needed in ("region", "tik", "uik") if station_level else ("region",):
        if needed not in header:
            raise InputError(file, "missing required column", row=0, column=needed)
    for name, label in _REQUIRED.items():
        if name not in fields:
            raise InputError(file, f"no column of {label} found", row=0, column=name)
    if not _ISSUED & fields.keys():
        raise InputError(file, "no column of ballots issued found", row=0, column="ballots_issued")
    if not _BOXES & fields.keys():
        raise InputError(file, "no column of ballots found in boxes", row=0, column="boxes")
    if not choices:
        raise InputError(file, "no party, candidate or option columns found", row=0)
    return fields, choices


def guess_contest(choice_names: list[str]) -> str:
    """``referendum`` for yes/no options, ``federal-list`` for parties, else ``president``."""
    folded = {n.casefold() for n in choice_names}
    if folded <= {"да", "нет"}:
        return "referendum"
    if any("парти" in n or "блок" in n for n in folded):
        return "federal-list"
    return "president"


def split_position(header: str) -> tuple[int | None, str]:
    """``"5. Всероссийская ... "`` -> (5, ``"Всероссийская ..."``); 2007 writes ``"1.Полит..."``."""
    found = re.match(r"^\s*(\d+)\.\s*(.*)$", header)
    return (int(found[1]), found[2].strip()) if found else (None, header.strip())


def read_federal(raw: pd.DataFrame, spec: FederalSpec, file: str) -> ElectionTables:
    """Canonical tables of one election of the dataset from its all-text table.

    A file without station columns (``tik``, ``uik``), such as the 2024 remote electronic
    voting file, holds one remote pseudo-station per region.
    """
    fields, choice_cols = recognise_columns(list(raw.columns), file, spec.ignore_columns)
    regional = "uik" not in raw.columns
    no_protocol = blank_rows(raw[list(fields.values()) + choice_cols])
    counts = parse_counts(raw[list(fields.values())], file)
    counts.columns = list(fields.keys())
    votes_wide = parse_counts(raw[choice_cols], file)
    partial = ~no_protocol & (counts.isna().any(axis=1) | votes_wide.isna().any(axis=1))

    stations = counts.copy()
    if "valid" not in fields:  # the 2020 vote: valid = the votes of its options
        stations["valid"] = votes_wide.sum(axis=1, min_count=1).astype("Int64")
    contest = spec.contest or guess_contest([split_position(c)[1] for c in choice_cols])
    stations["contest"] = pd.Series(contest, index=stations.index, dtype="str")
    stations["region"] = raw["region"]
    stations["tik"] = REMOTE_TIK if regional else raw["tik"]
    stations["number"] = (
        pd.array([pd.NA] * len(raw), dtype="Int64") if regional else leading_number(raw["uik"])
    )
    oik = leading_number(raw["oik"]) if "oik" in raw else None
    if spec.districts_from_oik:  # else finish() leaves the districts null
        stations["district"] = oik
    stations["remote_electronic"] = _remote(stations) | regional
    stations["station_id"] = _station_ids(stations, oik, file)
    stations["no_protocol"] = no_protocol
    stations["inconsistent"] = partial.map({True: REASON_BLANK_COUNT, False: ""})
    stations["source_row"] = range(1, len(raw) + 1)

    positions, names = zip(*(split_position(c) for c in choice_cols), strict=True)
    choices = pd.DataFrame(
        {
            "contest": contest,
            "choice_id": range(1, len(choice_cols) + 1),
            "name": names,
            "ballot_position": pd.array(positions, dtype="Int64"),
            "endorsed": False,
        }
    )
    choices["party"] = choices["name"] if contest == "federal-list" else None
    choices["ruling"] = ruling_mask(choices, spec.ruling, file)

    votes = long_votes(stations, votes_wide, choices["choice_id"].to_numpy())
    election = Election(spec.election_id, spec.title, file, spec.ruling)
    return finish(election, stations, choices, votes, file)


def long_votes(stations: pd.DataFrame, wide: pd.DataFrame, choice_ids: np.ndarray) -> pd.DataFrame:
    """One row per station and choice from a station x choice matrix (empty cells dropped).

    Station by station, choices in order: the order :func:`smartvote.model.station_positions`
    and the check of votes given twice read fastest. Text is built as Arrow's large strings,
    the layout of pandas' string dtype, so that the 1.3 M ids of a federal election are
    copied once, and the one contest name is repeated (``pa.repeat``), not gathered.
    """
    matrix = np.column_stack([wide[c].array.to_numpy(dtype="int64", na_value=-1) for c in wide.columns])
    present = matrix >= 0  # counts are never negative (parse_counts refuses them)
    station, choice = np.nonzero(present)
    contest = stations["contest"].iloc[0] if len(stations) else ""  # a file holds one contest
    ids = pa.array(stations["station_id"], type=pa.large_string(), from_pandas=True)
    return pd.DataFrame(
        {
            "contest": pd.array(pa.repeat(pa.scalar(contest, pa.large_string()), len(station)), dtype="str"),
            "station_id": pd.array(ids.take(station), dtype="str"),
            "choice_id": choice_ids[choice],
            "votes": matrix[present],
            "source_row": stations["source_row"].to_numpy()[station],
            "station_row": station,
        },
        copy=False,
    )


def _remote(stations: pd.DataFrame) -> pd.Series:
    """Remote electronic pseudo-stations, recognised from the data alone (whatever the file is
    called): the remote voting commission, or a register no physical station has."""
    by_commission = (stations["tik"] == REMOTE_TIK).fillna(False).astype(bool)
    by_size = (stations["registered"] >= REMOTE_MIN_REGISTERED).fillna(False).astype(bool)
    return by_commission | by_size


def _station_ids(stations: pd.DataFrame, oik: pd.Series | None, file: str) -> pd.Series:
    """``region/number``; ``DEG-<district>`` for a remote electronic pseudo-station (one per
    single-member district in 2021), ``DEG-<region>`` where the file has no districts."""
    region = arrow_text(stations["region"])
    number = pa.array(stations["number"], type=pa.int64(), from_pandas=True).cast(pa.string())
    ids = pd.Series(pd.array(pc.binary_join_element_wise(region, number, "/"), dtype="str"))
    remote = stations["remote_electronic"].to_numpy(bool)
    label = oik if oik is not None and oik[remote].notna().all() else stations["region"]
    ids[remote] = ("DEG-" + label[remote].astype(str)).to_numpy(dtype=object)
    missing = ids.isna()
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, "station without a region or number", row=row, column="uik")
    return ids
