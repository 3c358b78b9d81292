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

from smartvote.errors import InputError
from smartvote.importers.counts import arrow_text, blank_rows, leading_number, parse_counts
from smartvote.model import REASON_BLANK_COUNT, Election, ElectionTables, finish, ruling_mask

#: Station identifier columns of the dataset; ``level``, ``name`` and ``url`` carry nothing else.
META_COLUMNS = {"region", "oik", "tik", "uik", "level", "name", "url"}

#: Territorial commission under which remote electronic voting is reported.
REMOTE_TIK = "Дистанционное электронное голосование"


@dataclass(frozen=True)
class Line:
    """A protocol line recognised by key words: all of ``require``, none of ``exclude``."""

    field: str
    require: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        text = header.casefold().replace("ё", "е")
        return all(re.search(r, text) for r in self.require) and not any(
            re.search(r, text) for r in self.exclude
        )


_NOT_CERTIFICATE = ("открепительн",)
#: Protocol lines of every year's wording (2000-2024), in the order they are tried.
LINES: tuple[Line, ...] = (
    Line("registered", (r"^число (избирателей|участников голосования)", r"внесенных|включенных")),
    Line("ballots_received", (r"бюллетен", r"полученных"), _NOT_CERTIFICATE),
    Line("ballots_early", (r"бюллетен", r"досрочно"), _NOT_CERTIFICATE),
    Line("ballots_outside", (r"бюллетен", r"выданных", r"вне помещения")),
    Line("ballots_in_station", (r"бюллетен", r"выданных", r"в помещении")),
    Line("ballots_issued", (r"бюллетен", r"выданных"), ("досрочно", "помещени", *_NOT_CERTIFICATE)),
    Line("ballots_cancelled", (r"бюллетен", r"погашенных"), _NOT_CERTIFICATE),
    Line("ballots_portable", (r"бюллетен", r"переносн")),
    Line("ballots_stationary", (r"бюллетен", r"стационарн")),
    Line("ballots_in_boxes", (r"бюллетен", r"ящик")),
    # 2000 has a further line on ballots "без отметок" (unmarked) besides valid and invalid
    Line("invalid", (r"недействительных",), ("отметок",)),
    Line("valid", (r"(^|\s)действительных",), ("отметок",)),
    Line("lost", (r"бюллетен", r"утраченных"), _NOT_CERTIFICATE),
    Line("unaccounted", (r"бюллетен", r"не учтенных|неучтенных")),
)
_REQUIRED = {
    "registered": "registered voters",
    "invalid": "invalid ballots",
}


@dataclass(frozen=True)
class FederalSpec:
    """What the catalogue knows of one election of the dataset (or the user says on import)."""

    election_id: str
    title: str
    ruling: str
    contest: str = ""  # "" = guess from the choices (see :func:`guess_contest`)
    districts_from_oik: bool = False  # the ``oik`` column means single-member districts (2016+)
    remote_numbers: dict[str, range] = field(default_factory=dict)  # region -> DEG station numbers


def recognise_columns(header: list[str], file: str) -> tuple[dict[str, str], list[str]]:
    """Map protocol fields to source columns, and list the choice columns, by meaning."""
    fields: dict[str, str] = {}
    choices = []
    for col in header:
        if col in META_COLUMNS:
            continue
        if not col.casefold().startswith("число"):
            choices.append(col)
            continue
        line = next((ln for ln in LINES if ln.matches(col)), None)
        if line is None:
            continue  # absentee certificates and other lines no method uses
        if line.field in fields:
            raise InputError(file, f"two columns look like {line.field}: {fields[line.field]!r}", column=col)
        fields[line.field] = col
    for needed in ("region", "tik", "uik"):
        if needed not in header:
            raise InputError(file, "missing required column", row=0, column=needed)
    for name, label in _REQUIRED.items():
        if name not in fields:
            raise InputError(file, f"no column of {label} found", row=0, column=name)
    if not {"ballots_issued", "ballots_in_station"} & fields.keys():
        raise InputError(file, "no column of ballots issued found", row=0, column="ballots_issued")
    if not {"ballots_stationary", "ballots_portable", "ballots_in_boxes"} & fields.keys():
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
    """Canonical tables of one election of the dataset from its all-text table."""
    fields, choice_cols = recognise_columns(list(raw.columns), file)
    no_protocol = blank_rows(raw[list(fields.values()) + choice_cols])
    counts = parse_counts(raw[list(fields.values())], file)
    counts.columns = list(fields.keys())
    votes_wide = parse_counts(raw[choice_cols], file)
    partial = ~no_protocol & (counts.isna().any(axis=1) | votes_wide.isna().any(axis=1))

    stations = counts.copy()
    if "valid" not in fields:  # the 2020 vote: valid = the votes of its options
        stations["valid"] = votes_wide.sum(axis=1, min_count=1).astype("Int64")
    stations["contest"] = spec.contest or guess_contest([split_position(c)[1] for c in choice_cols])
    stations["region"] = raw["region"]
    stations["tik"] = raw["tik"]
    stations["number"] = leading_number(raw["uik"])
    district = leading_number(raw["oik"]) if spec.districts_from_oik and "oik" in raw else None
    stations["district"] = district
    stations["remote_electronic"] = _remote(raw, stations["number"], spec)
    stations["station_id"] = _station_ids(stations, file)
    stations["no_protocol"] = no_protocol
    stations["inconsistent"] = partial.map({True: REASON_BLANK_COUNT, False: ""})
    stations["source_row"] = range(1, len(raw) + 1)

    positions, names = zip(*(split_position(c) for c in choice_cols), strict=True)
    choices = pd.DataFrame(
        {
            "contest": stations["contest"].iloc[0] if len(stations) else "",
            "choice_id": range(1, len(choice_cols) + 1),
            "name": names,
            "ballot_position": pd.array(positions, dtype="Int64"),
            "endorsed": False,
        }
    )
    choices["party"] = choices["name"] if choices["contest"].iloc[0] == "federal-list" else None
    choices["ruling"] = ruling_mask(choices, spec.ruling, file)

    votes = long_votes(stations, votes_wide, choices["choice_id"].to_numpy())
    election = Election(spec.election_id, spec.title, file, spec.ruling)
    return finish(election, stations, choices, votes, file)


def long_votes(stations: pd.DataFrame, wide: pd.DataFrame, choice_ids: np.ndarray) -> pd.DataFrame:
    """One row per station and choice from a station x choice matrix (empty cells dropped)."""
    matrix = wide.to_numpy(dtype="float64", na_value=np.nan)
    station, choice = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame(
        {
            "contest": pd.Series(stations["contest"].to_numpy(dtype=object)[station], dtype=object),
            "station_id": pd.Series(stations["station_id"].to_numpy(dtype=object)[station], dtype=object),
            "choice_id": choice_ids[choice],
            "votes": matrix[station, choice].astype("int64"),
        }
    )


def _remote(raw: pd.DataFrame, number: pd.Series, spec: FederalSpec) -> pd.Series:
    """Remote electronic pseudo-stations: the DEG commission, plus the catalogue's numbers."""
    remote = (raw["tik"] == REMOTE_TIK).fillna(False).astype(bool)
    for region, numbers in spec.remote_numbers.items():
        in_range = number.between(numbers.start, numbers.stop - 1).fillna(False).astype(bool)
        remote |= (raw["region"] == region).fillna(False).astype(bool) & in_range
    return remote


def _station_ids(stations: pd.DataFrame, file: str) -> pd.Series:
    """``region/number``; ``DEG-<district>`` for a remote electronic pseudo-station."""
    region = arrow_text(stations["region"])
    number = pa.array(stations["number"], type=pa.int64(), from_pandas=True).cast(pa.string())
    ids = pd.Series(pc.binary_join_element_wise(region, number, "/"), dtype=object)
    remote = stations["remote_electronic"].to_numpy(bool)
    label = stations["district"] if stations["district"].notna().all() else stations["region"]
    ids[remote] = ("DEG-" + label[remote].astype(str)).to_numpy(dtype=object)
    missing = ids.isna()
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, "station without a region or number", row=row, column="uik")
    return ids.astype(object)
