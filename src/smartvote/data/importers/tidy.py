"""The generic tidy format: any country's results as a station table plus one row per vote.

A folder holds ``stations``, ``votes`` and optionally ``choices``, each as ``.csv`` or
``.parquet`` (specified in docs/data-formats.md). :func:`write_tidy` writes the same format,
so that an election leaves the store exactly as it came in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartvote.data.importers.counts import blank_rows, parse_counts, parse_flag
from smartvote.data.importers.tabular import read_table_file
from smartvote.errors import InputError
from smartvote.model import (
    COUNTS,
    REASON_BLANK_COUNT,
    SCANNER,
    STATION_LABELS,
    Election,
    ElectionTables,
    finish,
    ruling_mask,
)

REQUIRED_STATION_COLUMNS = ("contest", "station_id", "registered", "valid", "invalid")
REQUIRED_VOTE_COLUMNS = ("contest", "station_id", "choice", "votes")
CHOICE_FLAGS = ("ruling", "endorsed")


def find_table(folder: Path, name: str) -> Path | None:
    """``name.parquet`` or ``name.csv`` in ``folder`` (Parquet first), if either exists."""
    return next((p for p in (folder / f"{name}.parquet", folder / f"{name}.csv") if p.is_file()), None)


def is_tidy_folder(path: Path) -> bool:
    return path.is_dir() and find_table(path, "stations") is not None


def read_tidy(folder: Path, election_id: str, ruling: str | None = None) -> ElectionTables:
    """Canonical tables from a generic-format folder; ``ruling`` overrides a ``ruling`` column."""
    stations_path = find_table(folder, "stations")
    votes_path = find_table(folder, "votes")
    if stations_path is None or votes_path is None:
        raise InputError(str(folder), "a generic-format folder needs stations and votes tables")
    stations = _stations(read_table_file(stations_path), str(stations_path))
    raw_votes = _require(read_table_file(votes_path), REQUIRED_VOTE_COLUMNS, str(votes_path))
    choices_path = find_table(folder, "choices")
    choices = _choices(
        read_table_file(choices_path) if choices_path else raw_votes[["contest", "choice"]],
        str(choices_path or votes_path),
        ruling,
    )
    votes = _votes(raw_votes, choices, str(votes_path))
    election = Election(election_id, election_id, str(folder), ruling or "")
    return finish(election, stations, choices.drop(columns="choice"), votes, str(folder))


def write_tidy(tables: ElectionTables, folder: Path, fmt: str = "parquet") -> list[Path]:
    """Write an election in the generic format; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    names = tables.choices.set_index(["contest", "choice_id"])["name"]
    votes = tables.votes.assign(
        choice=[
            names[(c, i)] for c, i in zip(tables.votes["contest"], tables.votes["choice_id"], strict=True)
        ]
    )
    frames = {
        "stations": tables.stations,
        "votes": votes[["contest", "station_id", "choice", "votes"]],
        "choices": tables.choices.rename(columns={"name": "choice"}),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def _require(frame: pd.DataFrame, columns: tuple[str, ...], file: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(file, "missing required column", row=0, column=missing[0])
    empty = frame[list(columns[:2])].isna().any(axis=1)
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, "empty contest or station id", row=row, column=columns[1])
    return frame


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as text whatever its stored type (CSV gives text, Parquet may give numbers)."""
    return frame[column].astype("string").astype(object).where(frame[column].notna(), None)


def _flag(frame: pd.DataFrame, column: str, file: str) -> pd.Series:
    """A yes/no column of the file (absent or empty: no)."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return parse_flag(frame[column], file, column).astype(bool)


def _stations(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    frame = _require(frame, REQUIRED_STATION_COLUMNS, file)
    count_cols = [c for c in COUNTS if c in frame.columns]
    numeric = [c for c in ("district", "number") if c in frame.columns]
    as_text = frame[count_cols + numeric].apply(lambda s: s.astype("string"))
    parsed = parse_counts(as_text, file)
    stations = parsed[count_cols].assign(
        contest=_text(frame, "contest"),
        station_id=_text(frame, "station_id"),
        remote_electronic=_flag(frame, "remote_electronic", file),
        no_protocol=blank_rows(as_text[count_cols]),
        counted_by_scanner=(
            parse_flag(frame[SCANNER], file, SCANNER, blank=None) if SCANNER in frame.columns else None
        ),
        source_row=range(1, len(frame) + 1),
    )
    for col in STATION_LABELS:
        if col in numeric:
            stations[col] = parsed[col]
        elif col in frame.columns:
            stations[col] = _text(frame, col)
    if "no_protocol" in frame.columns:
        stations["no_protocol"] |= _flag(frame, "no_protocol", file)
    required = as_text[[c for c in REQUIRED_STATION_COLUMNS if c in count_cols]]
    blank = ~stations["no_protocol"] & required.isna().any(axis=1)
    stations["inconsistent"] = blank.map({True: REASON_BLANK_COUNT, False: ""}).astype(object)
    if "inconsistent" in frame.columns:  # keep reasons a source (or our own export) recorded
        given = _text(frame, "inconsistent").fillna("")
        stations["inconsistent"] = given.where(given != "", stations["inconsistent"])
    return stations


def _choices(frame: pd.DataFrame, file: str, ruling: str | None) -> pd.DataFrame:
    frame = _require(frame, ("contest", "choice"), file)
    frame = frame.drop_duplicates(["contest", "choice"]).reset_index(drop=True)
    choices = pd.DataFrame(
        {
            "contest": _text(frame, "contest"),
            "choice": _text(frame, "choice"),
            "name": _text(frame, "choice"),
            "party": _text(frame, "party") if "party" in frame else None,
            "endorsed": _flag(frame, "endorsed", file),
        }
    )
    numbers = [c for c in ("choice_id", "ballot_position") if c in frame.columns]
    parsed = parse_counts(frame[numbers].apply(lambda s: s.astype("string")), file)
    choices["choice_id"] = parsed["choice_id"] if "choice_id" in parsed else range(1, len(frame) + 1)
    choices["ballot_position"] = parsed.get("ballot_position", pd.NA)
    if ruling:
        choices["ruling"] = ruling_mask(choices, ruling, file)
    elif "ruling" in frame.columns:
        choices["ruling"] = _flag(frame, "ruling", file)
    else:
        raise InputError(file, "no ruling choice: give --ruling or a 'ruling' column", column="ruling")
    return choices


def _votes(raw: pd.DataFrame, choices: pd.DataFrame, file: str) -> pd.DataFrame:
    ids = choices.set_index(["contest", "choice"])["choice_id"]
    key = pd.MultiIndex.from_arrays([_text(raw, "contest"), _text(raw, "choice")])
    choice_id = pd.Series(ids.reindex(key).to_numpy(), index=raw.index)
    if choice_id.isna().any():
        row = int(choice_id.isna().to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, "choice not in the choices table", row=row, column="choice")
    counts = parse_counts(raw[["votes"]].astype("string"), file)
    if counts["votes"].isna().any():
        row = int(counts["votes"].isna().to_numpy().nonzero()[0][0]) + 1
        raise InputError(file, "empty vote count", row=row, column="votes")
    return pd.DataFrame(
        {
            "contest": _text(raw, "contest"),
            "station_id": _text(raw, "station_id"),
            "choice_id": choice_id.astype("int64"),
            "votes": counts["votes"],
        }
    )
