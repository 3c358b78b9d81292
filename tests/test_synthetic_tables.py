"""A synthetic election as canonical tables: importable, consistent, and its official summary
accounted for by the ground truth (every injected ballot and moved vote)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartvote.data.store import Store
from smartvote.model import STATION_COLUMNS, check_tables, conform, flag_inconsistent
from smartvote.summary import summarize
from smartvote.synthetic import Fraud, simulate_election
from smartvote.synthetic.tables import RULING

N = 8_000
FRAUD = Fraud(
    stuffing=0.1,
    moving_rate=0.1,
    round_share=0.02,
    round_turnout=0.02,
    klimek_incremental=0.05,
    klimek_extreme=0.02,
    remote=3,
)


@pytest.fixture(scope="module")
def election() -> tuple[object, pd.DataFrame]:
    return simulate_election(N, 21, "synthetic-test", fraud=FRAUD)


def test_tables_are_canonical_and_pass_the_importers_checks(election: tuple) -> None:
    tables, truth = election
    st = tables.stations
    pd.testing.assert_frame_equal(st, conform(st, STATION_COLUMNS))
    check_tables(tables, "synthetic")
    assert (flag_inconsistent(st) == "").all()
    assert len(st) == N + 3 and st["station_id"].is_unique
    assert st["remote_electronic"].sum() == 3
    assert tables.choices["ruling"].sum() == 1
    assert tables.choices.loc[tables.choices["ruling"], "name"].item() == RULING
    per_station = tables.votes.groupby("station_id", sort=False)["votes"].sum()
    np.testing.assert_array_equal(per_station.reindex(st["station_id"]).to_numpy(), st["valid"].to_numpy())


def test_store_round_trip(election: tuple) -> None:
    tables, _ = election
    with Store(":memory:") as store:
        store.add_election(tables)
        loaded = store.load("synthetic-test")
    pd.testing.assert_frame_equal(loaded.stations, tables.stations)
    pd.testing.assert_frame_equal(loaded.votes, tables.votes)
    assert loaded.election == tables.election


def test_summary_is_accounted_for_by_the_ground_truth(election: tuple) -> None:
    """Official totals = clean totals + what the truth says was injected, to the ballot."""
    tables, truth = election
    result = summarize("synthetic-test", "federal-list", tables.stations, tables.votes, tables.choices)
    official_issued = result.totals.ballots_issued
    assert official_issued == truth["clean_issued"].sum() + truth["injected_ballots"].sum()
    leader_votes = tables.votes.loc[tables.votes["choice_id"] == 1, "votes"].sum()
    assert leader_votes == truth["clean_leader"].sum() + truth["leader_gain"].sum()
    ballots = tables.stations["valid"].sum() + tables.stations["invalid"].sum()
    assert result.totals.shares_pct[RULING] == pytest.approx(100 * leader_votes / ballots, abs=0.005)
    parts = ["klimek_stuffed", "klimek_moved", "stuffed", "moved", "rounding_leader"]
    assert truth[parts].to_numpy().sum() == truth["leader_gain"].sum()
    assert (truth[["klimek_stuffed", "stuffed", "moved"]] >= 0).all().all()


def test_truth_table_has_one_documented_row_per_station(election: tuple) -> None:
    tables, truth = election
    assert list(truth["station_id"]) == list(tables.stations["station_id"])
    assert set(truth["klimek"]) <= {"none", "incremental", "extreme"}
    rewritten = truth["rounded_share"].notna()
    assert rewritten.sum() + truth["share_skipped"].sum() == round(0.02 * N)
    assert truth.loc[truth["remote_electronic"], "leader_gain"].eq(0).all()
    boxes = tables.stations["ballots_stationary"] + tables.stations["ballots_portable"]
    leader = tables.votes[tables.votes["choice_id"] == 1].set_index("station_id")["votes"]
    shown = truth.loc[rewritten, "rounded_share"].to_numpy(np.int64)
    k = leader.reindex(truth.loc[rewritten, "station_id"]).to_numpy(np.int64)
    n = boxes[rewritten].to_numpy(np.int64)
    assert (np.abs(2000 * k - 20 * shown * n) <= n).all()
