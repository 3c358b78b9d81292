"""How vote rows find their stations (``model.station_positions``), against a pandas merge.

The join looks up only the first row of each run of equal keys, so it must give the same
positions as a plain merge whatever the order of the rows: sorted as importers write them,
shuffled, with ids repeated across contests, unknown stations and missing keys, with or
without (right or wrong) station positions an importer may pass in ``station_row``, and with
votes for exactly the stations with a protocol (the guess for an election read from the store).
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
from hypothesis import given, settings

from smartvote.model import station_positions

CONTESTS = ("list", "smd-1", "smd-2")


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(CONTESTS), st.integers(0, 6)), min_size=1, max_size=12, unique=True
        )
    )
    stations = pd.DataFrame(
        {"contest": [c for c, _ in keys], "station_id": [f"r/{n}" for _, n in keys]}, dtype="str"
    )
    blank = draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    stations["no_protocol"] = blank  # votes of the stations with a protocol, in order: the guess
    picks = draw(st.lists(st.integers(0, len(keys) + 2), max_size=40))  # beyond the keys: unknown
    if draw(st.booleans()):
        picks = [i for i, b in enumerate(blank) if not b for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        picks = sorted(picks)  # runs of one station, as every importer writes them
    rows = [keys[p] if p < len(keys) else (CONTESTS[p % 3], "r/99") for p in picks]
    contest = [None if draw(st.integers(0, 9)) == 0 else c for c, _ in rows]
    station_id = [f"r/{n}" if isinstance(n, int) else n for _, n in rows]
    return pd.DataFrame({"contest": contest, "station_id": station_id}, dtype="str"), stations


@settings(max_examples=200, deadline=None)
@given(pair=tables(), guess=st.sampled_from(("none", "right", "shifted")))
def test_station_positions_equal_a_merge(pair: tuple[pd.DataFrame, pd.DataFrame], guess: str) -> None:
    """Whatever ``station_row`` the rows carry (right, wrong or none), the positions are the merge's."""
    rows, stations = pair
    reference = rows.merge(
        stations[["contest", "station_id"]].assign(position=np.arange(len(stations))),
        on=["contest", "station_id"],
        how="left",
    )["position"]
    expected = reference.fillna(-1).astype(int).to_numpy()
    if guess != "none":
        rows = rows.assign(station_row=expected + (guess == "shifted"))
    assert station_positions(rows, stations).tolist() == expected.tolist()


def test_votes_in_the_stations_order_are_their_positions() -> None:
    stations = pd.DataFrame({"contest": ["a", "a", "b"], "station_id": ["1", "2", "1"]}, dtype="str")
    votes = stations.loc[[0, 0, 1, 2, 2]].reset_index(drop=True)
    assert station_positions(votes, stations).tolist() == [0, 0, 1, 2, 2]
    assert station_positions(votes.iloc[::-1], stations).tolist() == [2, 2, 1, 0, 0]
