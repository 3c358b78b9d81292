"""Store access for the tactics core: endorsements attached to elections, and the inputs of
the coordination gap and the endorsement effect built from an imported election.

The core (:mod:`smartvote.tactics`) never touches the store; this module reads the store and
files and hands the core plain tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_endorsements
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.model import ElectionTables
from smartvote.tactics.districts import DistrictVotes, candidate_districts, list_proxy_districts
from smartvote.tactics.effect import split_ticket_units
from smartvote.tactics.endorsements import (
    CANDIDATE_LEVEL,
    apply_endorsements,
    endorsement_level,
    resolve_endorsements,
)


class NoDistrictsError(SmartvoteError):
    """An election without the single-member results an analysis needs."""


@dataclass(frozen=True)
class Districts:
    """The districts of an election as the gap sees them."""

    election: str
    districts: list[DistrictVotes]
    proxy: bool


def attach_endorsements(store: Store, election_id: str, path: Path) -> pd.DataFrame:
    """Validate the endorsements in ``path`` against the election and attach them."""
    endorsements = read_endorsements(read_table_file(path), str(path))
    resolved = resolve_endorsements(
        endorsements,
        store.table("contests", election_id),
        store.table("choices", election_id),
        store.table("stations", election_id)["district"],
        str(path),
    )
    store.set_endorsements(election_id, resolved)
    return resolved


def stored_endorsements(store: Store, tables: ElectionTables) -> pd.DataFrame | None:
    """The attached endorsements, resolved against the election (None when none are attached)."""
    election_id = tables.election.election_id
    stored = store.endorsements(election_id)
    if stored.empty:
        return None
    text = stored.astype(object).where(stored.notna(), None).map(lambda v: None if v is None else str(v))
    label = f"endorsements attached to {election_id}"
    endorsements = read_endorsements(text, label)
    stations = tables.stations["district"]
    return resolve_endorsements(endorsements, tables.contests, tables.choices, stations, label)


def endorsed_election(store: Store, election_id: str) -> tuple[ElectionTables, pd.DataFrame | None]:
    """An election with its attached endorsements applied to the candidates (candidate level),
    and the resolved endorsements (None: none attached; the import's own flags stand)."""
    tables = store.load(election_id)
    endorsements = stored_endorsements(store, tables)
    if endorsements is not None and endorsement_level(tables.contests) == CANDIDATE_LEVEL:
        tables = replace(tables, choices=apply_endorsements(tables.choices, endorsements))
    return tables, endorsements


def gap_districts(store: Store, election_id: str) -> Districts:
    """Candidate districts, or the list proxy where the election has only a party list."""
    contests = store.table("contests", election_id)
    if endorsement_level(contests) != CANDIDATE_LEVEL:
        _require_list_districts(election_id, contests, store.table("stations", election_id))
    return election_districts(*endorsed_election(store, election_id))


def _require_list_districts(election_id: str, contests: pd.DataFrame, stations: pd.DataFrame) -> str:
    """The one party-list contest of an election whose stations carry district numbers."""
    lists = contests[contests["kind"] == "party_list"]["contest"]
    if len(lists) != 1 or not stations["district"].notna().any():
        raise NoDistrictsError(
            f"{election_id} has no single-member districts (no district contests, and no party "
            "list with district numbers): the coordination gap needs them"
        )
    return str(lists.iloc[0])


def election_districts(tables: ElectionTables, endorsements: pd.DataFrame | None) -> Districts:
    election_id = tables.election.election_id
    if endorsement_level(tables.contests) == CANDIDATE_LEVEL:
        districts = candidate_districts(election_id, tables.stations, tables.choices, tables.votes)
        return Districts(election_id, districts, False)
    contest = _require_list_districts(election_id, tables.contests, tables.stations)
    endorsed = (
        {}
        if endorsements is None
        else dict(zip(endorsements["district"], endorsements["party_id"], strict=True))
    )
    districts = list_proxy_districts(
        election_id, tables.stations, tables.choices, tables.votes, endorsed, contest
    )
    return Districts(election_id, districts, True)


def effect_inputs(store: Store, election_ids: list[str]) -> tuple[pd.DataFrame, int, list[DistrictVotes]]:
    """Split-ticket units pooled over elections, the excluded units, and the districts."""
    units, excluded, districts = [], 0, []
    for election_id in election_ids:
        if endorsement_level(store.table("contests", election_id)) != CANDIDATE_LEVEL:
            raise NoDistrictsError(
                f"{election_id} has no single-member candidate results (only a party list): "
                "the endorsement effect compares candidates with their party's list"
            )
        tables, endorsements = endorsed_election(store, election_id)
        u, x = split_ticket_units(election_id, tables.stations, tables.choices, tables.votes)
        units.append(u)
        excluded += x
        districts += election_districts(tables, endorsements).districts
    return pd.concat(units, ignore_index=True), excluded, districts
