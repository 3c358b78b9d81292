"""The per-station arrays every forensic method reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartvote.data.store import Store
from smartvote.forensics.inputs import NoLeaderError, station_arrays
from smartvote.model import CHOICE_COLUMNS, STATION_COLUMNS, VOTE_COLUMNS, conform, fill_totals


def _tables(ruling: tuple[bool, bool] = (False, True)) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    stations = pd.DataFrame(
        {
            "contest": "list",
            "station_id": ["a", "b", "c"],
            "region": ["X", "X", "Y"],
            "district": None,
            "tik": None,
            "number": [1, 2, 3],
            "registered": [1000, 500, None],
            "ballots_issued": [600, 300, None],
            "ballots_stationary": [550, 290, None],
            "ballots_portable": [40, None, None],
            "valid": [580, 280, None],
            "invalid": [10, 10, None],
            "remote_electronic": [False, True, False],
            "no_protocol": [False, False, True],
            "inconsistent": "",
        }
    )
    for col in STATION_COLUMNS:
        if col not in stations:
            stations[col] = None
    stations = conform(stations, STATION_COLUMNS)
    fill_totals(stations)
    choices = pd.DataFrame(
        {
            "contest": "list",
            "choice_id": [7, 3],
            "name": ["Other", "Ruling"],
            "party": None,
            "ballot_position": [2, 1],
            "ruling": list(ruling),
            "endorsed": False,
        }
    )
    votes = pd.DataFrame(
        {
            "contest": "list",
            "station_id": ["a", "a", "b", "b"],
            "choice_id": [3, 7, 3, 7],
            "votes": [400, 180, 200, 80],
        }
    )
    return (
        conform(stations, STATION_COLUMNS),
        conform(votes, VOTE_COLUMNS),
        conform(choices, CHOICE_COLUMNS),
    )


def test_arrays_align_on_stations_and_blanks_become_zero() -> None:
    arrays = station_arrays(*_tables())
    assert arrays.leader_name == "Ruling"
    assert arrays.choice_names == ("Ruling", "Other")  # ballot order
    np.testing.assert_array_equal(arrays.leader, [400, 200, 0])
    np.testing.assert_array_equal(arrays.boxes, [590, 290, 0])
    np.testing.assert_array_equal(arrays.registered, [1000, 500, 0])
    np.testing.assert_array_equal(arrays.choice_votes[:, 1], [180, 80, 0])
    np.testing.assert_array_equal(arrays.remote, [False, True, False])
    np.testing.assert_array_equal(arrays.has_protocol, [True, True, False])
    assert arrays.registered.dtype == np.int64


def test_subset_keeps_rows_together() -> None:
    arrays = station_arrays(*_tables()).subset(np.array([False, True, False]))
    assert len(arrays) == 1
    assert arrays.station_id.tolist() == ["b"] and arrays.leader.tolist() == [200]
    assert arrays.leader_name == "Ruling"


def test_a_contest_without_leader_is_refused() -> None:
    with pytest.raises(NoLeaderError, match="0 ruling choices"):
        station_arrays(*_tables(ruling=(False, False)))


@pytest.mark.parametrize(
    ("election", "contest", "official"),
    [  # the Central Election Commission's published totals of the ruling choice
        ("russia-duma-2016", "federal-list", 28_527_828),
        ("russia-president-2018", "president", 56_430_712),
        ("russia-duma-2021", "federal-list", 28_064_200),
    ],
)
def test_leader_votes_add_up_to_the_official_total(
    real_store: Store, election: str, contest: str, official: int
) -> None:
    tables = (real_store.table(name, election, contest) for name in ("stations", "votes", "choices"))
    assert int(station_arrays(*tables).leader.sum()) == official
