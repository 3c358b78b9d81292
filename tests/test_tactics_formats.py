"""The Smart Voting input formats: the documented examples validate, bad input is refused
with the file, row and column named."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from smartvote.data.importers.tabular import read_table_file, read_text_table
from smartvote.data.inputs import (
    DEFAULT_EFFECTIVE_N,
    read_adjustments,
    read_contest,
    read_endorsements,
    read_polls,
)
from smartvote.errors import InputError
from smartvote.tactics.parties import UnknownPartyError
from smartvote.tactics.polls import margin_pp, summarize_polls

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "tactics-examples"


def table(text: str) -> pd.DataFrame:
    return read_text_table(text.encode(), "t.csv")


def test_the_documented_examples_validate() -> None:
    contest = read_contest(read_table_file(EXAMPLES / "contest.csv"), "contest.csv")
    assert contest.groupby("district")["endorsed"].sum().tolist() == [1, 1]
    assert contest.loc[contest["name"] == "Candidate D", "party_id"].item() == "independent"
    endorsements = read_endorsements(read_table_file(EXAMPLES / "endorsements.csv"), "e.csv")
    assert endorsements["party_id"].tolist() == ["kprf", "new-people"]
    polls = read_polls(read_table_file(EXAMPLES / "polls.csv"), "p.csv")
    assert polls["sample_size"].isna().sum() == 2
    adjustments = read_adjustments(read_table_file(EXAMPLES / "adjustments.csv"), "a.csv", date(2021, 9, 19))
    assert adjustments["effect_pp"].tolist() == [-2.0]


def test_the_real_endorsements_and_polls_validate(data_dir: Path) -> None:
    endorsements = read_endorsements(read_table_file(data_dir / "sv-2021" / "endorsements.csv"), "e")
    assert len(endorsements) == 225 and endorsements["district"].is_unique
    polls = read_polls(read_table_file(data_dir / "sv-2021" / "polls-2021.csv"), "p")
    assert polls["sample_size"].isna().all()


E_HEAD = "district,district_name,candidate,party\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("district,candidate,party\n1,A,КПРФ\n", "row 0, column 'district_name': missing required column"),
        (E_HEAD + "x,N,A,КПРФ\n", "row 1, column 'district': 'x' is not a whole number"),
        (E_HEAD + "1,N,A,КПРФ\n1,N,B,ЛДПР\n", "row 2, column 'district': district 1 is endorsed twice"),
        (E_HEAD + "1,N,,КПРФ\n", "row 1, column 'candidate': empty value"),
    ],
)
def test_bad_endorsements(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_endorsements(table(text), "t.csv")


def test_an_endorsed_party_missing_from_the_mapping_is_refused() -> None:
    with pytest.raises(UnknownPartyError, match="t.csv, row 1: party 'Партия Будущего' is not in"):
        read_endorsements(table(E_HEAD + "1,N,A,Партия Будущего\n"), "t.csv")


C_HEAD = "district,name,party,ballot_position,ruling,incumbent,endorsed\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "1,A,КПРФ,1,1,0,0\n1,B,ЛДПР,2,1,0,0\n",
            "row 2, column 'ruling': a second ruling candidate in district 1",
        ),
        ("1,A,КПРФ,1,0,0,1\n1,B,ЛДПР,2,0,0,1\n", "row 2, column 'endorsed': a second endorsed"),
        ("1,A,КПРФ,1,maybe,0,0\n", "row 1, column 'ruling': 'maybe' is not yes/no"),
        ("1,A,КПРФ,1,0,0,0\n1,A,ЛДПР,2,0,0,0\n", "row 2, column 'name': the same candidate twice"),
    ],
)
def test_bad_contests(rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_contest(table(C_HEAD + rows), "t.csv")


P_HEAD = "pollster,published,population,party,share_percent,source\n"


def test_a_poll_without_sample_size_assumes_the_effective_n_and_shows_the_sensitivity() -> None:
    polls = read_polls(table(P_HEAD + "P,2021-09,all,КПРФ,20,src\nP,2021-09,all,ЛДПР,10,src\n"), "t.csv")
    (summary,) = summarize_polls(polls, DEFAULT_EFFECTIVE_N)
    assert summary.sample_size == 1600 and summary.sample_size_assumed
    assert summary.published == date(2021, 9, 1)
    assert summary.remainder_percent == pytest.approx(70.0)
    kprf = summary.shares[0]
    # 1.96 * sqrt(0.2 * 0.8 / 1600) = 0.0196 -> 1.96 pp; at n = 800 and 3,200:
    assert kprf.margin_pp == pytest.approx(1.96)
    assert kprf.margin_pp_half_n == pytest.approx(1.96 * 2**0.5)
    assert kprf.margin_pp_double_n == pytest.approx(1.96 / 2**0.5)
    assert margin_pp(20, 400) == pytest.approx(3.92)


def test_a_reported_sample_size_is_used() -> None:
    text = P_HEAD.strip() + ",sample_size\nP,2021-09-05,all,КПРФ,20,src,400\n"
    (summary,) = summarize_polls(read_polls(table(text), "t.csv"), DEFAULT_EFFECTIVE_N)
    assert summary.sample_size == 400 and not summary.sample_size_assumed
    assert summary.shares[0].margin_pp == pytest.approx(3.92)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("P,2021-13,all,КПРФ,20,src\n", "row 1, column 'published': '2021-13' is not YYYY-MM-DD"),
        ("P,2021-09,all,КПРФ,120,src\n", "row 1, column 'share_percent': share must lie in 0..100"),
        ("P,2021-09,all,КПРФ,60,src\nP,2021-09,all,ЛДПР,50,src\n", "add up to more than 100"),
        ("P,2021-09,all,КПРФ,20,\n", "row 1, column 'source': empty value"),
    ],
)
def test_bad_polls(rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_polls(table(P_HEAD + rows), "t.csv")


A_HEAD = "district,candidate,effect_pp,reason,source,published\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("1,A,2,why,src,2021-09-19\n", "row 1, column 'published': source published on or after the vote"),
        ("1,A,2,,src,2021-09-01\n", "row 1, column 'reason': empty value"),
        ("1,A,2,why,,2021-09-01\n", "row 1, column 'source': empty value"),
        ("1,A,200,why,src,2021-09-01\n", "row 1, column 'effect_pp': an effect beyond 100"),
    ],
)
def test_bad_adjustments(rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_adjustments(table(A_HEAD + rows), "t.csv", date(2021, 9, 19))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InputError, match="no data rows"):
        read_endorsements(read_text_table(io.BytesIO(E_HEAD.encode()).read(), "t.csv"), "t.csv")
