"""The generic tidy format: import -> store -> load gives the same tables (Hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartvote.data.importers.counts import MAX_COUNT
from smartvote.data.importers.tidy import read_tidy, write_tidy
from smartvote.data.store import Store
from smartvote.errors import InputError
from smartvote.model import ElectionTables

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
counts = st.integers(min_value=0, max_value=MAX_COUNT // 10)  # a station's lines, summed below the ceiling


@st.composite
def tidy_folders(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stations, votes and choices tables of one or two contests, in the generic format."""
    contests = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    choice_rows, station_rows, vote_rows = [], [], []
    for contest in contests:
        choices = draw(st.lists(names, min_size=1, max_size=4, unique=True))
        ruling = draw(st.integers(0, len(choices) - 1))
        for i, choice in enumerate(choices):
            choice_rows.append(
                {
                    "contest": contest,
                    "choice": choice,
                    "party": draw(st.none() | names),
                    "ruling": i == ruling,
                    "endorsed": draw(st.booleans()),
                }
            )
        for station_id in draw(st.lists(names, min_size=1, max_size=5, unique=True)):
            votes = draw(st.lists(counts, min_size=len(choices), max_size=len(choices)))
            blank = draw(st.booleans()) and draw(st.booleans())
            station_rows.append(
                {
                    "contest": contest,
                    "station_id": station_id,
                    "region": draw(st.none() | names),
                    "registered": None if blank else draw(counts),
                    "ballots_issued": None if blank else draw(counts),
                    "valid": None if blank else sum(votes) + draw(st.integers(0, 5)),
                    "invalid": None if blank else draw(st.integers(0, 100)),
                    "remote_electronic": draw(st.booleans()),
                    "counted_by_scanner": draw(st.none() | st.booleans()),
                }
            )
            if not blank:
                vote_rows += [
                    {"contest": contest, "station_id": station_id, "choice": c, "votes": v}
                    for c, v in zip(choices, votes, strict=True)
                ]
    votes_frame = pd.DataFrame(vote_rows, columns=["contest", "station_id", "choice", "votes"])
    return pd.DataFrame(station_rows), votes_frame, pd.DataFrame(choice_rows)


def assert_same(a: ElectionTables, b: ElectionTables) -> None:
    for name in ("contests", "stations", "choices", "votes"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tidy_folders(), st.sampled_from(["csv", "parquet"]))
def test_import_store_load_export_round_trip(tables, fmt):
    stations, votes, choices = tables
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for name, frame in (("stations", stations), ("votes", votes), ("choices", choices)):
            if fmt == "csv":
                frame.to_csv(
                    folder / "stations.csv" if name == "stations" else folder / f"{name}.csv", index=False
                )
            else:
                frame.to_parquet(folder / f"{name}.parquet", index=False)
        imported = read_tidy(folder, "generated")
        with Store(":memory:") as store:
            store.add_election(imported)
            loaded = store.load("generated")
        assert_same(imported, loaded)
        # and the export reads back as the same election
        write_tidy(loaded, Path(tmp) / "out", fmt)
        assert_same(loaded, read_tidy(Path(tmp) / "out", "generated"))
    assert loaded.stations["no_protocol"].tolist() == stations["registered"].isna().tolist()
    scanner = loaded.stations["counted_by_scanner"]
    assert scanner.isna().tolist() == stations["counted_by_scanner"].isna().tolist()
    assert scanner.dropna().tolist() == stations["counted_by_scanner"].dropna().tolist()
    assert loaded.votes["votes"].sum() == votes["votes"].sum()


def test_real_election_exports_and_reads_back(real_store, tmp_path):
    tables = real_store.load("spb-2021-duma")
    write_tidy(tables, tmp_path, "parquet")
    back = read_tidy(tmp_path, "spb-2021-duma")
    for name in ("contests", "stations", "choices", "votes"):
        pd.testing.assert_frame_equal(getattr(tables, name), getattr(back, name))


def test_bad_tidy_input(tmp_path):
    pd.DataFrame(
        {"contest": ["c"], "station_id": ["s"], "registered": [10], "valid": [5], "invalid": ["x"]}
    ).to_csv(tmp_path / "stations.csv", index=False)
    pd.DataFrame({"contest": ["c"], "station_id": ["s"], "choice": ["A"], "votes": [5]}).to_csv(
        tmp_path / "votes.csv", index=False
    )
    with pytest.raises(InputError, match=r"stations.csv, row 1, column 'invalid'"):
        read_tidy(tmp_path, "x", ruling="A")
    pd.DataFrame(
        {"contest": ["c"], "station_id": ["s"], "registered": [10], "valid": [5], "invalid": [0]}
    ).to_csv(tmp_path / "stations.csv", index=False)
    with pytest.raises(InputError, match="no ruling choice"):
        read_tidy(tmp_path, "x")
    assert read_tidy(tmp_path, "x", ruling="a").choices["ruling"].tolist() == [True]


def test_a_bad_scanner_flag_names_file_row_and_column(tmp_path):
    stations = {"contest": ["c"] * 2, "station_id": ["s", "t"], "registered": [10, 10], "valid": [5, 5]}
    pd.DataFrame(stations | {"invalid": [0, 0], "counted_by_scanner": ["yes", "2"]}).to_csv(
        tmp_path / "stations.csv", index=False
    )
    pd.DataFrame({"contest": ["c"], "station_id": ["s"], "choice": ["A"], "votes": [5]}).to_csv(
        tmp_path / "votes.csv", index=False
    )
    with pytest.raises(
        InputError, match=r"stations.csv, row 2, column 'counted_by_scanner'.*'2' is not yes/no"
    ):
        read_tidy(tmp_path, "bad")


def test_a_store_written_before_the_scanner_column_gains_it(tmp_path):
    """Opening a database made by an earlier version adds the column (unknown) and keeps its data."""
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE stations (election_id VARCHAR, contest VARCHAR, station_id VARCHAR)")
    old.execute("INSERT INTO stations VALUES ('e', 'c', 's')")
    old.close()
    with Store(path) as store:
        rows = store.db.execute("SELECT station_id, counted_by_scanner FROM stations").fetchall()
    assert rows == [("s", None)]
