"""The federal dataset importer: every year's quirks, irregular protocols, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from federal_files import (
    CANCELLED,
    HEADER_2021,
    INVALID,
    PARTIES,
    RECEIVED,
    REGISTERED,
    VALID,
    station,
    write_zip,
)
from smartvote.data.loader import read_path, read_paths
from smartvote.errors import InputError


def test_2021_format_recognised_by_meaning(tmp_path):
    (tables,) = read_path(write_zip(tmp_path / "2021.csv.zip", HEADER_2021, [station()]))
    assert tables.election.election_id == "russia-duma-2021"
    row = tables.stations.iloc[0]
    assert row["station_id"] == "Тестовая область/1"
    assert (row["district"], row["number"], row["registered"]) == (7, 1, 1000)
    assert (row["ballots_issued"], row["ballots_in_boxes"], row["valid"]) == (500, 500, 490)
    assert list(tables.choices["name"]) == [p.split(". ", 1)[1] for p in PARTIES]
    assert list(tables.choices["ballot_position"]) == [1, 2, 3]
    assert list(tables.choices["ruling"]) == [False, True, False]
    assert tables.votes["votes"].tolist() == [100, 300, 90]


def test_columns_found_in_any_order(tmp_path):
    header = list(reversed(HEADER_2021))
    rows = [list(reversed(station()))]
    (tables,) = read_path(write_zip(tmp_path / "2021.csv.zip", header, rows))
    assert tables.stations["valid"].iloc[0] == 490
    assert tables.choices.loc[tables.choices["ruling"], "ballot_position"].iloc[0] == 2


def test_2020_constitutional_vote(tmp_path):
    """One issued column, a total in the boxes, no valid line (valid = ДА + НЕТ), a name column."""
    header = [
        "region",
        "tik",
        "uik",
        "name",
        "Число участников голосования, включенных в список участников голосования на момент "
        "окончания голосования",
        "Число бюллетеней, полученных участковой комиссией",
        "Число бюллетеней, выданных участникам голосования",
        "Число погашенных бюллетеней",
        "Число бюллетеней, содержащихся в ящиках для голосования",
        "Число недействительных бюллетеней",
        "ДА",
        "НЕТ",
        "url",
    ]
    rows = [["Область", "Первая", "УИК №12", "Школа", 900, 900, 600, 300, 598, 8, 400, 190, "u"]]
    (tables,) = read_path(write_zip(tmp_path / "2020.csv.zip", header, rows))
    assert tables.election.election_id == "russia-referendum-2020"
    st = tables.stations.iloc[0]
    assert (st["ballots_issued"], st["ballots_in_boxes"], st["valid"]) == (600, 598, 590)
    assert st["number"] == 12
    assert tables.contests["kind"].tolist() == ["referendum"]
    assert tables.choices.set_index("name")["ruling"].to_dict() == {"ДА": True, "НЕТ": False}


def test_2004_against_all_is_a_choice_and_integer_station_numbers(tmp_path):
    header = [
        "region",
        "tik",
        "uik",
        REGISTERED,
        RECEIVED,
        "Число избирательных бюллетеней, выданных  досрочно",  # 2004's own wording, double space
        "Число избирательных бюллетеней, выданных в день голосования",  # no "в помещении"
        "Число избирательных бюллетеней, выданных вне помещения",
        CANCELLED,
        "Число избирательных бюллетеней в переносных ящиках",
        "Число бюллетеней в стационарных ящиках для голосования",
        INVALID,
        VALID,
        "Путин Владимир Владимирович",
        "Харитонов Николай Михайлович",
        "Против всех",
    ]
    rows = [["Область", "1 Первая", 44, 1000, 1000, 0, 500, 20, 480, 20, 500, 5, 515, 400, 90, 25]]
    (tables,) = read_path(write_zip(tmp_path / "2004.csv.zip", header, rows))
    assert tables.election.election_id == "russia-president-2004"
    assert "Против всех" in set(tables.choices["name"])
    assert tables.stations["station_id"].tolist() == ["Область/44"]
    assert tables.contests["contest"].tolist() == ["president"]
    st = tables.stations.iloc[0]  # "в день голосования" is the at-station part, not the total
    assert (st["ballots_early"], st["ballots_in_station"], st["ballots_outside"]) == (0, 500, 20)
    assert (st["ballots_issued"], st["inconsistent"]) == (520, "")


def test_2007_party_headers_without_space_and_oik_not_districts(tmp_path):
    header = [
        "region",
        "oik",
        "tik",
        "uik",
        REGISTERED,
        RECEIVED,
        "Число избирательных бюллетеней, выданных избирателям в помещении для голосования",
        CANCELLED,
        "Число избирательных бюллетеней в стационарных ящиках для голосования",
        INVALID,
        VALID,
        '1.Политическая партия "Аграрная партия России"',
        '2.Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"',
    ]
    rows = [["Область", "3 Группа", "Первая", 5, 1000, 1000, 500, 500, 500, 10, 490, 90, 400]]
    (tables,) = read_path(write_zip(tmp_path / "2007.csv.zip", header, rows))
    assert tables.choices["name"].tolist() == [
        'Политическая партия "Аграрная партия России"',
        'Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"',
    ]
    assert tables.stations["district"].isna().all()


def test_2000_unmarked_ballots_line_is_neither_valid_nor_invalid(tmp_path):
    header = [
        "region",
        "tik",
        "uik",
        REGISTERED,
        "Число бюллетеней, выданных избирателям в помещении для голосования",
        "Число бюллетеней в стационарных ящиках для голосования",
        "Число недействительных бюллетеней",
        "Число действительных бюллетеней",
        "Число недействительных бюллетеней, не содержащих отметок",
        "ПУТИН В.В.",
        "ЗЮГАНОВ Г.А.",
    ]
    rows = [["Область", "Первая", 8, 1000, 600, 600, 10, 590, 4, 400, 190]]
    (tables,) = read_path(write_zip(tmp_path / "2000.csv.zip", header, rows))
    st = tables.stations.iloc[0]
    assert (st["valid"], st["invalid"]) == (590, 10)
    assert tables.choices.loc[tables.choices["ruling"], "name"].tolist() == ["ПУТИН В.В."]


def test_2024_blank_rows_are_stations_without_protocol(tmp_path):
    """Tools that write blanks as NaN write counts as 123.0; both must import."""
    blank = ["ЦИК России", "Область", "ОИК №1", "Первая", "УИК №2"] + [""] * 15 + ["u"]
    filled = [f"{v}.0" if isinstance(v, int) else v for v in station()]
    path = write_zip(tmp_path / "2024.csv.zip", HEADER_2021, [filled, blank])
    (tables,) = read_path(path, ruling="ЕДИНАЯ РОССИЯ")  # a party list in the 2024 file name
    assert tables.stations["no_protocol"].tolist() == [False, True]
    assert tables.stations["registered"].iloc[0] == 1000
    assert len(tables.votes) == 3  # no votes rows for the station without a protocol


def test_irregular_protocols_are_imported_and_flagged(tmp_path):
    rows = [
        station("УИК №1"),
        station("УИК №2", boxes=510),  # ballots in boxes exceed ballots issued
        station("УИК №3", issued_in=1300, boxes=1300, registered=2000),  # issued > received
        station("УИК №4", registered=400, issued_in=450, boxes=450),  # issued > registered
        station("УИК №5", registered=0),
    ]
    (tables,) = read_path(write_zip(tmp_path / "2021.csv.zip", HEADER_2021, rows))
    reasons = tables.stations.set_index("number")["inconsistent"]
    assert reasons[1] == ""
    assert reasons[2] == "boxes>issued"
    assert reasons[3] == "issued>received"
    assert reasons[4] == "issued>registered"
    assert "registered=0" in reasons[5]


def test_two_files_of_one_election_sharing_a_station_are_refused(tmp_path):
    """Files joined into one election (the 2024 station file and its e-voting file) must not
    both hold a station: the first station of the second file found in the first is named."""
    first = write_zip(tmp_path / "a.csv.zip", HEADER_2021, [station("УИК №1"), station("УИК №2")])
    second = write_zip(tmp_path / "b.csv.zip", HEADER_2021, [station("УИК №3"), station("УИК №2")])
    with pytest.raises(InputError, match=r"b\.csv\.zip.*row 4.*'Тестовая область/2' is in both files"):
        read_paths([first, second], "e", "единая")
    third = write_zip(tmp_path / "c.csv.zip", HEADER_2021, [station("УИК №3")])
    (tables,) = read_paths([first, third], "e", "единая")
    assert tables.stations["number"].tolist() == [1, 2, 3]


def test_unknown_file_needs_id_and_ruling(tmp_path):
    path = write_zip(tmp_path / "my-election.csv.zip", HEADER_2021, [station()])
    with pytest.raises(InputError, match="--as ID and --ruling"):
        read_path(path)
    (tables,) = read_path(path, "my-election", "новые люди")
    assert tables.election.election_id == "my-election"
    assert tables.choices.loc[tables.choices["ruling"], "ballot_position"].tolist() == [3]


BAD_CASES = {
    "non-numeric count": ([station(registered="12a")], r"row 1, column '.*внесенных.*'.*'12a'"),
    "negative count": ([station(), station("УИК №2", invalid=-3)], r"row 2, column .*negative"),
    "duplicate station": ([station(), station()], r"row 2.*appears twice"),
    "votes above valid": ([station()[:17] + [100, 300, 90, 1] + ["u"]], r"row 1.*more than"),
    "ruling matches nothing": ([station()], None),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_rows_fail_with_file_row_and_column(tmp_path, case):
    rows, pattern = BAD_CASES[case]
    header = HEADER_2021
    if case == "votes above valid":  # an extra party column whose votes break the total
        header = HEADER_2021[:-1] + ["4. Партия"] + ["url"]
        rows[0][14] = 490  # valid stays the sum of the first three parties
    path = write_zip(tmp_path / "2021.csv.zip", header, rows)
    if case == "ruling matches nothing":
        with pytest.raises(InputError, match="no choice matches"):
            read_path(path, ruling="Партия власти")
        return
    with pytest.raises(InputError, match=pattern) as error:
        read_path(path)
    assert "2021.csv.zip" in str(error.value)


def test_missing_required_column(tmp_path):
    header = [h for h in HEADER_2021 if h != REGISTERED]
    rows = [[v for h, v in zip(HEADER_2021, station(), strict=True) if h != REGISTERED]]
    with pytest.raises(InputError, match="registered voters"):
        read_path(write_zip(tmp_path / "2021.csv.zip", header, rows))


def test_not_a_zip_and_truncated_zip(tmp_path):
    fake = tmp_path / "2021.csv.zip"
    fake.write_text("region,tik,uik\n")
    with pytest.raises(InputError, match="not a readable zip"):
        read_path(fake)
    good = write_zip(tmp_path / "2016.csv.zip", HEADER_2021, [station(f"УИК №{i}") for i in range(300)])
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="zip"):
        read_path(good)


def test_protocol_like_column_no_rule_maps_is_refused_naming_it(tmp_path):
    odd = "Число бюллетеней, испорченных избирателями"
    header = HEADER_2021[:-1] + [odd, "url"]
    rows = [station()[:-1] + [3, "u"]]
    path = write_zip(tmp_path / "2021.csv.zip", header, rows)
    with pytest.raises(InputError, match="no rule maps it.*--ignore-column") as error:
        read_path(path)
    assert odd in str(error.value) and "2021.csv.zip" in str(error.value)
    (tables,) = read_path(path, ignore_columns=frozenset({odd}))
    assert tables.stations["valid"].iloc[0] == 490


def test_two_columns_for_one_role_are_refused(tmp_path):
    header = HEADER_2021[:-1] + ["Число избирателей, включенных в список", "url"]
    path = write_zip(tmp_path / "2021.csv.zip", header, [station()[:-1] + [1000, "u"]])
    with pytest.raises(InputError, match="two columns map to registered"):
        read_path(path)


def test_a_total_given_beside_its_parts_is_cross_checked(tmp_path):
    total = "Число бюллетеней, выданных участникам голосования"
    header = HEADER_2021[:-1] + [total, "url"]
    rows = [station("УИК №1")[:-1] + [500, "u"], station("УИК №2")[:-1] + [480, "u"]]
    (tables,) = read_path(write_zip(tmp_path / "2021.csv.zip", header, rows))
    st = tables.stations.set_index("number")
    assert st["ballots_issued"].tolist() == [500, 500]  # the parts' sum, not the given total
    assert st.loc[1, "inconsistent"] == ""
    assert "issued≠parts" in st.loc[2, "inconsistent"]


def test_remote_pseudo_stations_recognised_from_the_data_whatever_the_file_name(tmp_path):
    """The 2021 file saved as duma21.csv: the remote voting commission and a register no
    physical station has mark the pseudo-stations; their ids stay distinct per district."""
    rows = [
        station("УИК №1"),
        station("", region="Курская область", oik="ОИК №109", tik="Дистанционное электронное голосование"),
        station("", region="Курская область", oik="ОИК №110", tik="Дистанционное электронное голосование"),
        station("УИК №5001", registered=150_000, issued_in=1000, boxes=1000),
    ]
    (tables,) = read_path(write_zip(tmp_path / "duma21.csv.zip", HEADER_2021, rows), "duma21", "единая")
    remote = tables.stations.set_index("station_id")["remote_electronic"]
    assert remote.to_dict() == {"Тестовая область/1": False, "DEG-109": True, "DEG-110": True, "DEG-7": True}


@pytest.mark.skipif(sys.platform != "linux", reason="the importers switch allocators on Linux only")
@pytest.mark.parametrize(("chosen", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_importers_give_pyarrow_the_system_allocator_unless_the_user_chose_one(
    chosen: str | None, expected: str
) -> None:
    """On Linux, mimalloc's huge pages cost a federal import up to 0.75 s of system time
    (docs/architecture.md); a user's ARROW_DEFAULT_MEMORY_POOL is left as it is."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    code = (
        "import pyarrow as pa, smartvote.data.importers.tabular; print(pa.default_memory_pool().backend_name)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == (expected if sys.platform == "linux" else out.stdout.strip())
