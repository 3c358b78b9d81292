"""Mutated rows of every election format: a clean import whose totals equal a direct pandas
computation on the same rows, or a one-line refusal (Hypothesis)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federal_files import HEADER_2021, PROTOCOL, station, write_zip
from smartvote.data.loader import read_path
from smartvote.errors import InputError

#: What a careless export or a typing slip puts in a count cell.
CELLS = st.one_of(
    st.integers(0, 20_000_000).map(str),
    st.sampled_from(["", "-5", "abc", "1.5", "007", "12.0", " 3 ", "1e3", "99999999999999999999"]),
)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def outcome(path: Path, **options: str) -> object:
    """The tables, or the refusal (which must be one line)."""
    try:
        return read_path(path, **options)
    except InputError as error:
        assert "\n" not in str(error) and str(path.name) in str(error)
        return error


def number(cell: object) -> int:
    """A cell as the importer must read it, computed here by pandas: a whole number or 0 (blank)."""
    value = pd.to_numeric(pd.Series([cell]).astype(str).str.strip().replace("", "0")).iloc[0]
    assert float(value).is_integer()
    return int(value)


@SETTINGS
@given(row=st.integers(0, 4), column=st.integers(5, 5 + len(PROTOCOL) + 2), cell=CELLS)
def test_federal_rows_mutated(row: int, column: int, cell: str) -> None:
    rows = [station(f"УИК №{i}", registered=1000 + i) for i in range(1, 6)]
    rows[row][column] = cell
    with tempfile.TemporaryDirectory() as folder:
        got = outcome(write_zip(Path(folder) / "2021.csv.zip", HEADER_2021, rows))
    if isinstance(got, InputError):
        return
    (tables,) = got  # type: ignore[misc]
    frame = pd.DataFrame(rows, columns=HEADER_2021[:-1] + ["url"]).astype(str)
    registered = frame[HEADER_2021[5]].map(number).sum()
    assert int(tables.stations["registered"].sum()) == registered
    votes = sum(frame[c].map(number).sum() for c in HEADER_2021[17:20])
    assert int(tables.votes["votes"].sum()) == votes


TIDY_STATIONS = "contest,station_id,registered,ballots_issued,valid,invalid\n" + "".join(
    f"p,{i},{1000 + i},{500 + i},{490 + i},10\n" for i in range(1, 6)
)
TIDY_VOTES = "contest,station_id,choice,votes\n" + "".join(
    f"p,{i},A,{300 + i}\np,{i},B,{190}\n" for i in range(1, 6)
)


@SETTINGS
@given(table=st.sampled_from(["stations", "votes"]), row=st.integers(0, 4), cell=CELLS, data=st.data())
def test_tidy_rows_mutated(table: str, row: int, cell: str, data: st.DataObject) -> None:
    frames = {
        "stations": pd.read_csv(io.StringIO(TIDY_STATIONS)),
        "votes": pd.read_csv(io.StringIO(TIDY_VOTES)),
    }
    frame = frames[table].astype(str)
    column = data.draw(
        st.sampled_from([c for c in frame.columns if c not in ("contest", "station_id", "choice")])
    )
    frame.loc[row, column] = cell
    frames[table] = frame
    with tempfile.TemporaryDirectory() as folder:
        for name, part in frames.items():
            part.to_csv(Path(folder) / f"{name}.csv", index=False)
        got = outcome(Path(folder), election_id="t", ruling="A")
    if isinstance(got, InputError):
        return
    (tables,) = got  # type: ignore[misc]
    assert int(tables.stations["registered"].sum()) == frames["stations"]["registered"].map(number).sum()
    assert int(tables.votes["votes"].sum()) == frames["votes"]["votes"].map(number).sum()


@pytest.fixture(scope="module")
def spb_small(data_dir: Path) -> dict[str, pd.DataFrame]:
    """Five stations of the real St Petersburg folder (every contest they vote in)."""
    folder = data_dir / "spb-2021"
    tables = {
        n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("protocols", "votes", "choices", "parties")
    }
    keep = {"1", "2", "3", "4", "5"}
    tables["protocols"] = tables["protocols"][tables["protocols"]["uik"].isin(keep)].reset_index(drop=True)
    tables["votes"] = tables["votes"][tables["votes"]["uik"].isin(keep)].reset_index(drop=True)
    return tables


@SETTINGS
@given(table=st.sampled_from(["protocols", "votes"]), row=st.integers(0, 20), cell=CELLS, data=st.data())
def test_spb_rows_mutated(
    spb_small: dict[str, pd.DataFrame], table: str, row: int, cell: str, data: st.DataObject
) -> None:
    frames = {n: f.copy() for n, f in spb_small.items()}
    frame = frames[table]
    column = data.draw(
        st.sampled_from(["registered", "valid", "invalid"] if table == "protocols" else ["votes"])
    )
    frame.loc[row % len(frame), column] = cell
    with tempfile.TemporaryDirectory() as folder:
        for name, part in frames.items():
            part.to_csv(Path(folder) / f"{name}.csv", index=False)
        got = outcome(Path(folder))
    if isinstance(got, InputError):
        return
    stations = pd.concat([t.stations for t in got])  # type: ignore[union-attr]
    votes = pd.concat([t.votes for t in got])  # type: ignore[union-attr]
    assert int(stations["registered"].sum()) == frames["protocols"]["registered"].map(number).sum()
    assert int(votes["votes"].sum()) == frames["votes"]["votes"].map(number).sum()
