"""Per-station arrays of one contest, the common input of every forensic method.

The canonical tables (:mod:`smartvote.model`) hold nullable counts and votes in long form;
the methods want dense ``int64`` arrays, one entry per station, and the leader's votes. This
module is the one place that does that conversion, so that every method sees the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from smartvote.errors import SmartvoteError
from smartvote.model import boxes


class NoLeaderError(SmartvoteError):
    """A contest without a ruling choice: the forensic methods need a leader."""


@dataclass(frozen=True, eq=False)
class StationArrays:
    """One contest as arrays aligned on its stations (the order of the stations table).

    Counts that a protocol leaves blank are 0 here; ``has_protocol`` tells real protocols
    from stations whose protocol is missing altogether (all counts 0 then).
    ``choice_votes[:, j]`` are the votes of ``choice_names[j]``; the leader (the ruling
    choice) is column ``leader_column``, and ``leader`` is that column.
    """

    station_id: np.ndarray
    region: np.ndarray
    registered: np.ndarray
    issued: np.ndarray
    boxes: np.ndarray
    valid: np.ndarray
    invalid: np.ndarray
    leader: np.ndarray
    choice_votes: np.ndarray
    choice_ids: tuple[int, ...]
    choice_names: tuple[str, ...]
    leader_column: int
    remote: np.ndarray
    has_protocol: np.ndarray

    def __len__(self) -> int:
        return len(self.station_id)

    @property
    def leader_name(self) -> str:
        return self.choice_names[self.leader_column]

    def subset(self, mask: np.ndarray) -> StationArrays:
        """The stations where ``mask`` (a boolean array or index array) selects them."""
        picked = {
            f.name: getattr(self, f.name)[mask]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return StationArrays(
            **picked,
            choice_ids=self.choice_ids,
            choice_names=self.choice_names,
            leader_column=self.leader_column,
        )


def station_arrays(stations: pd.DataFrame, votes: pd.DataFrame, choices: pd.DataFrame) -> StationArrays:
    """The arrays of one contest from its canonical ``stations``, ``votes`` and ``choices`` tables.

    Raises :class:`NoLeaderError` when no choice is marked ``ruling``, and ``ValueError`` when
    the tables hold more than one contest (the station ids of two contests may coincide).
    """
    _require_one_contest(stations)
    choices = choices.sort_values("ballot_position", kind="stable", na_position="last")
    ruling = np.flatnonzero(choices["ruling"].to_numpy(bool))
    if len(ruling) != 1:
        contest = stations["contest"].iloc[0] if len(stations) else "?"
        raise NoLeaderError(f"contest {contest!r} has {len(ruling)} ruling choices; the forensics need one")
    return StationArrays(
        station_id=stations["station_id"].to_numpy(dtype=object),
        region=stations["region"].to_numpy(dtype=object),
        registered=_counts(stations["registered"]),
        issued=_counts(stations["ballots_issued"]),
        boxes=_counts(boxes(stations)),
        valid=_counts(stations["valid"]),
        invalid=_counts(stations["invalid"]),
        leader=(matrix := _vote_matrix(stations, votes, choices))[:, ruling[0]].copy(),
        choice_votes=matrix,
        choice_ids=tuple(int(c) for c in choices["choice_id"]),
        choice_names=tuple(str(n) for n in choices["name"]),
        leader_column=int(ruling[0]),
        remote=stations["remote_electronic"].to_numpy(bool),
        has_protocol=~stations["no_protocol"].to_numpy(bool),
    )


def _require_one_contest(stations: pd.DataFrame) -> None:
    contests = stations["contest"].unique()
    if len(contests) > 1:
        raise ValueError(f"station_arrays takes one contest, got {len(contests)}: {list(contests)[:5]}")


def _counts(column: pd.Series) -> np.ndarray:
    """A nullable count column as ``int64``, blanks as 0."""
    return column.fillna(0).to_numpy(dtype=np.int64)


def _vote_matrix(stations: pd.DataFrame, votes: pd.DataFrame, choices: pd.DataFrame) -> np.ndarray:
    """Votes as a (stations x choices) ``int64`` matrix; votes of unknown stations are refused."""
    rows = pd.Index(stations["station_id"]).get_indexer(votes["station_id"])
    cols = pd.Index(choices["choice_id"]).get_indexer(votes["choice_id"])
    if (rows < 0).any() or (cols < 0).any():
        bad = votes[(rows < 0) | (cols < 0)].iloc[0]
        raise ValueError(
            f"votes of station {bad['station_id']!r}, choice {bad['choice_id']} match no station or choice"
        )
    matrix = np.zeros((len(stations), len(choices)), dtype=np.int64)
    np.add.at(matrix, (rows, cols), votes["votes"].to_numpy(dtype=np.int64))
    return matrix
