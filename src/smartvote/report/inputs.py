"""Per-station arrays of one contest, from the canonical tables, for the forensics methods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.errors import SmartvoteError
from smartvote.forensics.shpilkin import Stations


def choice_matrix(stations: pd.DataFrame, votes: pd.DataFrame, choice_ids: list[int]) -> np.ndarray:
    """Votes as a stations x choices integer matrix, rows in the order of ``stations``."""
    row = pd.Index(stations["station_id"]).get_indexer(votes["station_id"])
    col = pd.Index(choice_ids).get_indexer(votes["choice_id"])
    keep = (row >= 0) & (col >= 0)
    matrix = np.zeros((len(stations), len(choice_ids)), dtype=np.int64)
    np.add.at(matrix, (row[keep], col[keep]), votes["votes"].to_numpy(np.int64)[keep])
    return matrix


def leader_column(choices: pd.DataFrame) -> int:
    """The position of the ruling choice among ``choices``."""
    ruling = np.flatnonzero(choices["ruling"].to_numpy(bool))
    if len(ruling) != 1:
        contest = choices["contest"].iloc[0] if len(choices) else "?"
        raise SmartvoteError(f"contest {contest!r} has no single ruling choice to take as the leader")
    return int(ruling[0])


def _counts(stations: pd.DataFrame, column: str) -> np.ndarray:
    return stations[column].fillna(0).to_numpy(np.int64)


def shpilkin_stations(stations: pd.DataFrame, votes: pd.DataFrame, choices: pd.DataFrame) -> Stations:
    """The input of :func:`smartvote.forensics.shpilkin.estimate` for one contest."""
    return Stations(
        registered=_counts(stations, "registered"),
        issued=_counts(stations, "ballots_issued"),
        ballots=_counts(stations, "valid") + _counts(stations, "invalid"),
        choice_votes=choice_matrix(stations, votes, choices["choice_id"].tolist()),
        leader_column=leader_column(choices),
        counted=~stations["no_protocol"].to_numpy(bool),
        remote=stations["remote_electronic"].to_numpy(bool),
        regions=stations["region"].fillna("").to_numpy(object),
    )
