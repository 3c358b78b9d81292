"""Which contests are single-member districts is decided once, by the model, for every source:
a tidy-format election with contests ``smd-1``, ``smd-2`` gets its districts in gap and effect
(a regression: ``"-smd-" in contest`` missed them), and each pairs with the only party list."""

from __future__ import annotations

from pathlib import Path

from smartvote.data.importers.tidy import read_tidy
from smartvote.model import contest_kind, paired_list, smd_contests
from smartvote.tactics.districts import candidate_districts
from smartvote.tactics.effect import split_ticket_units

KPRF = 'Политическая партия "Коммунистическая партия Российской Федерации"'
LDPR = 'Политическая партия "Либерально-демократическая партия России"'


def tidy_election(folder: Path, contests: tuple[str, ...], party_list: str | None) -> Path:
    folder.mkdir()
    stations = ["contest,station_id,registered,valid,invalid"]
    votes = ["contest,station_id,choice,votes"]
    choices = ["contest,choice,party,ruling"]
    for contest in (*contests, *([party_list] if party_list else [])):
        for s in (1, 2):
            stations.append(f"{contest},{s},1000,500,10")
            votes += [f"{contest},{s},A {contest},300", f"{contest},{s},B {contest},200"]
        choices += [f'{contest},A {contest},"{KPRF.replace(chr(34), chr(34) * 2)}",1']
        choices += [f'{contest},B {contest},"{LDPR.replace(chr(34), chr(34) * 2)}",0']
    for name, lines in (("stations", stations), ("votes", votes), ("choices", choices)):
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_the_kind_of_a_contest_is_one_rule() -> None:
    assert [
        contest_kind(c) for c in ("smd-1", "city-smd-3", "federal-smd-211", "smd-1-list", "city-list")
    ] == [
        "smd",
        "smd",
        "smd",
        "party_list",
        "party_list",
    ]
    assert smd_contests(["smd-10", "list", "smd-2", "city-smd-1"]) == ["smd-2", "smd-10", "city-smd-1"]


def test_tidy_smd_contests_get_their_districts_in_gap_and_effect(tmp_path: Path) -> None:
    tables = read_tidy(tidy_election(tmp_path / "e", ("smd-1", "smd-2"), "list"), "e")
    districts = candidate_districts("e", tables.stations, tables.choices, tables.votes)
    assert [d.contest for d in districts] == ["smd-1", "smd-2"]
    assert [d.district for d in districts] == [1, 2]
    units, excluded = split_ticket_units("e", tables.stations, tables.choices, tables.votes)
    assert excluded == 0 and len(units) == 4  # two candidates in each district, split against "list"


def test_a_district_pairs_with_the_only_list_or_with_none() -> None:
    assert paired_list("smd-1", ["smd-1", "smd-2", "national"]) == "national"
    assert paired_list("city-smd-3", ["city-smd-3", "city-list", "federal-list"]) == "city-list"
    assert paired_list("smd-1", ["smd-1", "smd-1-list", "other-list"]) is None  # two lists: none is guessed
    assert paired_list("smd-1", ["smd-1", "smd-2"]) is None


def test_without_a_party_list_the_candidates_are_left_out_and_counted(tmp_path: Path) -> None:
    tables = read_tidy(tidy_election(tmp_path / "e", ("smd-1", "smd-2"), None), "e")
    units, excluded = split_ticket_units("e", tables.stations, tables.choices, tables.votes)
    assert len(units) == 0 and excluded == 4
