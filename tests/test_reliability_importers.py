"""Importers never give a silent wrong number: exact counts, ratios over the same stations,
every reference resolved or refused, remote stations from the data, CSV errors with the line.

Each case is a reproduction from the reliability issue, its input built here. A refusal is one
line without a traceback, exit 1, and leaves the store as it was; an accepted input gives
totals equal to a direct computation on the same rows.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from federal_files import HEADER_2021, station, write_zip
from smartvote.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def fingerprint(home: Path) -> tuple:
    """What a refused import must leave unchanged: elections, stations, vote rows, vote sums."""
    if not (home / "smartvote.duckdb").exists():
        return ()
    with duckdb.connect(str(home / "smartvote.duckdb"), read_only=True) as db:
        row = db.execute(
            "SELECT (SELECT count(*) FROM elections), (SELECT count(*) FROM stations), "
            "(SELECT count(*) FROM votes), (SELECT coalesce(sum(votes), 0) FROM votes)"
        ).fetchone()
    return tuple(row or ())


def refused(home: Path, *args: str) -> str:
    """Run an import that must be refused; return its one line."""
    before = fingerprint(home)
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert fingerprint(home) == before
    return line


def tidy(folder: Path, stations: str, votes: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "stations.csv").write_text(stations)
    (folder / "votes.csv").write_text(votes)
    return folder


@pytest.fixture
def seeded(home: Path, tmp_path: Path) -> Path:
    """A store that already holds one election, so that refusals can be seen to change nothing."""
    assert run("import", str(write_zip(tmp_path / "2021.csv.zip", HEADER_2021, [station()]))).exit_code == 0
    return home


# --- exact counts -------------------------------------------------------------------------


def test_counts_beyond_the_ceiling_are_refused_by_row_and_column(seeded, tmp_path):
    for value in ("9007199254740993", "5000000000000000000", "99999999999999999999999"):
        rows = [station(), station("УИК №2", registered=value)]
        folder = tmp_path / value
        folder.mkdir()
        line = refused(seeded, "import", str(write_zip(folder / "2021.csv.zip", HEADER_2021, rows)))
        assert "row 2" in line and "внесенных" in line and "implausibly large" in line and value in line


def test_counts_at_the_ceiling_sum_exactly(home, tmp_path):
    big = 10_000_000
    rows = [station(f"УИК №{i}", registered=big, issued_in=1000, boxes=1000, oik=f"ОИК №{i}") for i in (1, 2)]
    assert run("import", str(write_zip(tmp_path / "2021.csv.zip", HEADER_2021, rows))).exit_code == 0
    got = json.loads(run("summary", "russia-duma-2021", "--json").output)
    assert got["registered"] == 2 * big


# --- ratios over the same stations ----------------------------------------------------------

STATIONS_5 = """contest,station_id,registered,ballots_issued,valid,invalid
p,1,1000,520,500,20
p,2,800,300,290,10
p,3,,700,690,10
p,4,1200,400,395,5
p,5,900,380,370,10
"""
VOTES_5 = "".join(f"p,{i},A,{v}\n" for i, v in enumerate((300, 150, 400, 200, 170), 1))


def test_a_blank_register_leaves_its_station_out_of_the_turnout(home, tmp_path):
    folder = tidy(tmp_path / "t", STATIONS_5, "contest,station_id,choice,votes\n" + VOTES_5)
    assert run("import", str(folder), "--as", "five", "--ruling", "A").exit_code == 0
    got = json.loads(run("summary", "five", "--json").output)
    frame = pd.read_csv(io.StringIO(STATIONS_5)).dropna(subset=["registered", "ballots_issued"])
    assert got["turnout_pct"] == round(100 * frame["ballots_issued"].sum() / frame["registered"].sum(), 2)
    assert got["left_out"] == {"turnout": 1}
    assert got["flagged"]["inconsistent"] == 1  # the blank register is flagged


def test_an_unreported_count_is_not_reported_never_zero(home, tmp_path):
    stations = "contest,station_id,registered,valid,invalid\np,1,1000,500,20\np,2,800,290,10\n"
    folder = tidy(tmp_path / "t", stations, "contest,station_id,choice,votes\np,1,A,300\np,2,A,150\n")
    assert run("import", str(folder), "--as", "noissued", "--ruling", "A").exit_code == 0
    got = json.loads(run("summary", "noissued", "--json").output)
    assert got["ballots_issued"] is None and got["turnout_pct"] is None
    assert "not reported" in run("summary", "noissued").output


# --- every reference resolved or refused ------------------------------------------------------


def test_duplicate_vote_rows_are_refused(seeded, tmp_path):
    votes = "contest,station_id,choice,votes\n" + VOTES_5 + "p,2,A,150\n"
    line = refused(
        seeded, "import", str(tidy(tmp_path / "t", STATIONS_5, votes)), "--as", "x", "--ruling", "A"
    )
    assert "given twice" in line and "row 6" in line


def test_header_only_and_empty_files_are_refused(seeded, tmp_path):
    header_only = tidy(
        tmp_path / "h", STATIONS_5.splitlines()[0] + "\n", "contest,station_id,choice,votes\np,1,A,4\n"
    )
    assert "no stations" in refused(seeded, "import", str(header_only), "--as", "h", "--ruling", "A")
    empty = tmp_path / "e"
    empty.mkdir()
    (empty / "stations.csv").write_text("")
    (empty / "votes.csv").write_text("")
    assert "empty file" in refused(seeded, "import", str(empty), "--as", "e", "--ruling", "A")


def test_two_ruling_choices_in_a_contest_are_refused(seeded, tmp_path):
    folder = tidy(tmp_path / "t", STATIONS_5, "contest,station_id,choice,votes\n" + VOTES_5 + "p,1,B,10\n")
    (folder / "choices.csv").write_text("contest,choice,ruling\np,A,1\np,B,1\n")
    assert "two ruling choices" in refused(seeded, "import", str(folder), "--as", "x")


@pytest.fixture
def spb_copy(data_dir, tmp_path) -> Path:
    folder = tmp_path / "spb"
    shutil.copytree(data_dir / "spb-2021", folder)
    return folder


def test_spb_votes_for_an_unknown_choice_are_refused(seeded, spb_copy):
    with (spb_copy / "votes.csv").open("a") as f:
        f.write("federal-list,1,999,5\n")
    line = refused(seeded, "import", str(spb_copy))
    assert "choice id 999" in line and "spb" in line


def test_spb_two_choices_with_one_id_are_refused(seeded, spb_copy):
    choices = pd.read_csv(spb_copy / "choices.csv", dtype=str, keep_default_na=False)
    lists = choices.index[choices["contest"] == "federal-list"]
    choices.loc[lists[1], "choice_id"] = choices.loc[lists[0], "choice_id"]
    choices.to_csv(spb_copy / "choices.csv", index=False)
    assert "appears twice" in refused(seeded, "import", str(spb_copy))


# --- remote pseudo-stations from the data --------------------------------------------------------


def test_the_real_2021_file_under_another_name(home, data_dir, tmp_path):
    with zipfile.ZipFile(data_dir / "russia-federal" / "2021.csv.zip") as archive:
        (tmp_path / "duma21.csv").write_bytes(archive.read("2021.csv"))
    result = run("import", str(tmp_path / "duma21.csv"), "--as", "duma21", "--ruling", "ЕДИНАЯ РОССИЯ")
    assert result.exit_code == 0, result.output
    got = json.loads(run("summary", "duma21", "--json").output)
    assert got["flagged"]["remote_electronic"] == 33 and got["stations"] == 96_325


# --- CSV errors with the line, and hints ---------------------------------------------------------

HEADER = "contest,station_id,registered,valid,invalid\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + "p,1,100,50,5\np,2,100\np,3,100,50,5\n", "row 2.*3 fields.*line 3"),
        (HEADER + 'p,1,100,50,5\np,"2,100,50,5\np,3,100,50,5\n', "quote|fields"),
        (HEADER + "p,1,100,50,5\np,2,10", "row 2.*line 3"),
        (HEADER.replace(",", ";") + "p;1;100;50;5\n", "semicolons"),
    ],
)
def test_csv_errors_name_the_line(seeded, tmp_path, content, expected):
    folder = tidy(tmp_path / "t", content, "contest,station_id,choice,votes\np,1,A,40\n")
    line = refused(seeded, "import", str(folder), "--as", "x", "--ruling", "A")
    assert "stations.csv" in line and re.search(expected, line), line


def test_a_windows_cyrillic_file_is_named_as_such(seeded, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "stations.csv").write_bytes((HEADER + "выборы,1,100,50,5\n").encode("cp1251"))
    (folder / "votes.csv").write_bytes("contest,station_id,choice,votes\nвыборы,1,А,40\n".encode("cp1251"))
    assert "cp1251" in refused(seeded, "import", str(folder), "--as", "x", "--ruling", "А")


def test_a_huge_cell_is_read_not_straddled(home, tmp_path):
    stations = HEADER.strip() + ",region\np,1,100,50,5," + "x" * (10 << 20) + "\n"
    folder = tidy(tmp_path / "t", stations, "contest,station_id,choice,votes\np,1,A,40\n")
    result = run("import", str(folder), "--as", "huge", "--ruling", "A")
    assert result.exit_code == 0, result.output[:300]
