"""The frame of an election for the observer service: contests, stations and choices.

From a folder of CSV or Parquet files (``contests``, ``stations``, ``choices``), or from an
election already in the results store (read once at ``observe init``: the service never opens
the DuckDB store while serving). Bad input raises :class:`InputError` naming file, row, column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartvote.data.store import Store
from smartvote.errors import InputError
from smartvote.model import contest_kind
from smartvote.protocols import forms

#: The form of each canonical contest kind (smartvote.model.CONTEST_KINDS).
FORM_OF_KIND = {
    "party_list": "ru-duma-list",
    "smd": "ru-duma-smd",
    "presidential": "ru-president",
    "referendum": "ru-2020-vote",
}
REQUIRED = {
    "contests": ("contest",),
    "stations": ("contest", "station", "region", "tik"),
    "choices": ("contest", "choice", "name"),
}
#: Canonical column names the frame files may use instead (the results store's, docs/data-formats.md).
ALIASES = {"station_id": "station", "choice_id": "choice"}

Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def read_frame(folder: Path) -> Tables:
    """Read ``contests``, ``stations`` and ``choices`` (``.csv`` or ``.parquet``) from ``folder``."""
    tables = {name: _read_one(folder, name) for name in REQUIRED}
    return _conform(tables["contests"], tables["stations"], tables["choices"], str(folder))


def frame_from_store(store: Store, election: str) -> Tables:
    """The frame of an election in the results store (read-only use of the store)."""
    contests = store.table("contests", election)
    stations = store.table("stations", election).rename(columns={"station_id": "station"})
    # The importers number a contest's choices 1, 2, ... in the protocol's column order.
    choices = store.table("choices", election).sort_values(["contest", "choice_id"], kind="stable")
    choices = choices.rename(columns={"choice_id": "choice"})
    return _conform(contests[["contest"]], stations, choices, f"store election {election}")


def _read_one(folder: Path, name: str) -> pd.DataFrame:
    for suffix in (".parquet", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            try:
                frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path, dtype=str)
            except Exception as exc:  # the readers raise many kinds; all mean an unreadable file
                raise InputError(str(path), f"cannot read: {exc}") from exc
            frame = frame.rename(columns=ALIASES)
            for column in REQUIRED[name]:
                if column not in frame.columns:
                    raise InputError(str(path), f"the column {column!r} is missing", column=column)
            return frame
    raise InputError(str(folder), f"no {name}.csv or {name}.parquet in the frame folder")


def _conform(contests: pd.DataFrame, stations: pd.DataFrame, choices: pd.DataFrame, file: str) -> Tables:
    contests = contests.copy()
    if "form" not in contests.columns:
        contests["form"] = [FORM_OF_KIND[contest_kind(str(c))] for c in contests["contest"]]
    known = set(forms())
    for row, (contest, name) in enumerate(zip(contests["contest"], contests["form"], strict=True), start=1):
        if name not in known:
            raise InputError(
                f"{file}: contests", f"contest {contest!r} has unknown form {name!r}", row=row, column="form"
            )
    out_stations = pd.DataFrame(
        {
            "contest": stations["contest"].astype(str),
            "station": stations["station"].astype(str),
            "region": stations["region"].fillna("").astype(str),
            "tik": stations["tik"].fillna("").astype(str),
            "number": _integers(stations, "number", file),
            "registered": _integers(stations, "registered", file),
        }
    )
    unknown = ~out_stations["contest"].isin(set(contests["contest"].astype(str)))
    if unknown.any():
        row = int(unknown.to_numpy().argmax()) + 1
        raise InputError(
            f"{file}: stations",
            f"contest {out_stations['contest'][row - 1]!r} is not in contests",
            row=row,
            column="contest",
        )
    dup = out_stations.duplicated(["contest", "station"])
    if dup.any():
        row = int(dup.to_numpy().argmax()) + 1
        raise InputError(
            f"{file}: stations", "a station appears twice in its contest", row=row, column="station"
        )
    out_choices = pd.DataFrame(
        {
            "contest": choices["contest"].astype(str),
            "choice": choices["choice"].astype(str),
            "name": choices["name"].fillna("").astype(str),
        }
    )
    return (
        pd.DataFrame({"contest": contests["contest"].astype(str), "form": contests["form"].astype(str)}),
        out_stations,
        out_choices,
    )


def _integers(frame: pd.DataFrame, column: str, file: str) -> list[int | None]:
    if column not in frame.columns:
        return [None] * len(frame)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna() & (frame[column].astype(str) != "")
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 1
        raise InputError(
            f"{file}: stations",
            f"{frame[column].iloc[row - 1]!r} is not a whole number",
            row=row,
            column=column,
        )
    return [None if pd.isna(v) else int(v) for v in values]
