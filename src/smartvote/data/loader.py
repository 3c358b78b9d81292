"""Recognise which format a path holds and read it with its importer.

Catalogue files of the public dataset are recognised by name (``2021.csv.zip``,
``2024-electronic-voting.csv``) and get their election id, ruling choice and quirks from
:mod:`smartvote.data.catalogue`. Files that belong to one election (a station file and its
supplement) are joined into one election.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from smartvote.data.catalogue import BY_FILE_NAME
from smartvote.data.importers.districts import is_district_folder, read_district_folder
from smartvote.data.importers.federal import FederalSpec, read_federal
from smartvote.data.importers.spb2021 import is_spb2021_folder, read_spb2021
from smartvote.data.importers.tabular import read_text_table, read_zipped_csv
from smartvote.data.importers.tidy import is_tidy_folder, read_tidy
from smartvote.errors import InputError
from smartvote.model import ElectionTables, join_elections


def read_path(
    path: Path,
    election_id: str | None = None,
    ruling: str | None = None,
    ignore_columns: frozenset[str] = frozenset(),
) -> list[ElectionTables]:
    """The election(s) at ``path``: a dataset zip (or its CSV), the spb-2021 folder, or a
    generic-format folder. Catalogue files are recognised by name (``2021.csv.zip``)."""
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    if is_spb2021_folder(path):
        if election_id:
            raise InputError(str(path), "the St Petersburg folder holds two elections; drop --as")
        return read_spb2021(path)
    if is_district_folder(path):  # district totals per year: elections ID-YEAR
        return read_district_folder(path, election_id or path.name, election_id or path.name)
    if is_tidy_folder(path):
        return [read_tidy(path, election_id or path.name, ruling)]
    if path.is_file() and path.suffix.lower() in (".zip", ".csv"):
        spec = replace(_federal_spec(path, election_id, ruling), ignore_columns=ignore_columns)
        if path.suffix.lower() == ".zip":
            member, raw = read_zipped_csv(path)
            return [read_federal(raw, spec, f"{path}:{member}")]
        return [read_federal(read_text_table(path.read_bytes(), str(path)), spec, str(path))]
    raise InputError(
        str(path),
        "not a dataset zip or CSV, a St Petersburg 2021 folder, or a generic-format folder "
        "(stations + votes tables)",
    )


def read_paths(
    paths: list[Path],
    election_id: str | None = None,
    ruling: str | None = None,
    ignore_columns: frozenset[str] = frozenset(),
) -> list[ElectionTables]:
    """The elections of several paths; the parts of one election (the same id, e.g. 2024's
    station file and its remote electronic voting file) joined into one, in the given order."""
    joined: dict[str, ElectionTables] = {}
    for path in paths:
        for tables in read_path(path, election_id, ruling, ignore_columns):
            key = tables.election.election_id
            joined[key] = join_elections(joined[key], tables, str(path)) if key in joined else tables
    return list(joined.values())


def is_supplement(path: Path) -> bool:
    """A catalogue file that completes an election rather than holding it (listed after its
    station file), e.g. ``2024-electronic-voting.csv``."""
    known = BY_FILE_NAME.get(path.name)
    return known is not None and known[0].files[0] is not known[1]


def _federal_spec(path: Path, election_id: str | None, ruling: str | None) -> FederalSpec:
    name = path.name if path.suffix.lower() == ".zip" or path.name in BY_FILE_NAME else f"{path.name}.zip"
    known = BY_FILE_NAME.get(name)
    if known is None:
        if not (election_id and ruling):
            raise InputError(str(path), "not a catalogue file: give --as ID and --ruling SUBSTRING")
        return FederalSpec(election_id, election_id, ruling)
    spec = known[0].spec
    if election_id:
        spec = replace(spec, election_id=election_id)
    return replace(spec, ruling=ruling) if ruling else spec
