"""The party identity mapping covers every party label of the shared files, and keeps the
identities the issue names (renames, mergers, different pensioners' parties)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from smartvote.data.importers.federal import split_position
from smartvote.errors import SmartvoteError
from smartvote.tactics.parties import UnknownPartyError, label_key, parse_mapping, party_mapping

LIST_YEARS = (2011, 2016, 2021)


def list_headers(data_dir: Path, year: int) -> list[str]:
    """The party columns of a year's list file (numbered headers), without their positions."""
    with zipfile.ZipFile(data_dir / "russia-federal" / f"{year}.csv.zip") as archive:
        (member,) = [m for m in archive.namelist() if m.endswith(".csv")]
        with archive.open(member) as raw:
            header = next(csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig")))
    return [split_position(h)[1] for h in header if split_position(h)[0] is not None]


def column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8-sig") as f:
        return [row[name] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def labels(data_dir: Path) -> dict[str, list[str]]:
    sv, spb = data_dir / "sv-2021", data_dir / "spb-2021"
    found = {str(year): list_headers(data_dir, year) for year in LIST_YEARS}
    found["endorsements"] = column(sv / "endorsements.csv", "party")
    found["polls"] = column(sv / "polls-2021.csv", "party")
    found["spb parties"] = column(spb / "parties.csv", "short_name") + column(
        spb / "parties.csv", "official_name"
    )
    return found


def test_every_label_of_the_shared_files_maps(labels: dict[str, list[str]]) -> None:
    mapping = party_mapping()
    assert len(labels["2011"]) == 7 and len(labels["2016"]) == 14 and len(labels["2021"]) == 14
    missing = {
        (source, label) for source, names in labels.items() for label in names if not mapping.knows(label)
    }
    assert missing == set()


def test_identities_across_elections(labels: dict[str, list[str]]) -> None:
    ids = {year: {party_mapping().party_id(x) for x in labels[year]} for year in ("2011", "2016", "2021")}
    jr = party_mapping().party_id
    assert jr("Политическая партия СПРАВЕДЛИВАЯ РОССИЯ") == jr("Партия СПРАВЕДЛИВАЯ РОССИЯ – ЗА ПРАВДУ")
    assert jr("Справедливая Россия — Патриоты — За правду") == "just-russia"
    assert "patriots-of-russia" in ids["2016"] and "patriots-of-russia" not in ids["2021"]
    assert {"new-people", "freedom-and-justice", "green-alternative"} <= ids["2021"] - ids["2016"]
    pensioners_2016 = jr('Политическая партия "Российская партия пенсионеров за справедливость"')
    assert pensioners_2016 != jr("ПАРТИЯ ПЕНСИОНЕРОВ")
    assert ids["2016"] & ids["2021"] >= {"united-russia", "kprf", "ldpr", "yabloko", "greens", "rodina"}


def test_label_key_ignores_case_yo_quotes_and_dashes() -> None:
    assert label_key("«Зелёные»") == label_key("ЗЕЛЕНЫЕ")
    assert label_key("ЛДПР – Либерально") == label_key("ЛДПР -  либерально")
    assert label_key("Яблоко") != label_key("Яблоко 2")


def test_an_unknown_party_is_an_error_naming_where() -> None:
    with pytest.raises(UnknownPartyError, match=r"f\.csv, row 3: party 'Партия X' is not in"):
        party_mapping().party_id("Партия X", "f.csv, row 3")
    assert party_mapping().party_id("") == "independent"


def test_the_mapping_refuses_a_label_mapped_to_two_parties() -> None:
    parties = "party_id,short,name,note\na,A,A,\nb,B,B,\n"
    with pytest.raises(SmartvoteError, match="row 2: label 'x' already maps to 'a'"):
        parse_mapping(parties, "label,party_id,seen_in\nX,a,\nx,b,\n")
    with pytest.raises(SmartvoteError, match="unknown party id 'c'"):
        parse_mapping(parties, "label,party_id,seen_in\nX,c,\n")
