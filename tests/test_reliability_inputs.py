"""Reliability of inputs (issue: "no silent wrong number"): contradictory Smart Voting inputs are
refused naming file, row and column; mutated endorsement and poll files either read to totals
equal to a direct pandas computation or fail in one line; reports on 1, 2 and 5 stations."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability import PROJECT, cli, fingerprint, fresh_process_state, one_line_failure, tidy_folder
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_endorsements, read_polls
from smartvote.errors import SmartvoteError

__all__ = ["fresh_process_state"]

EXAMPLES = PROJECT / "docs" / "tactics-examples"
POLL_HEADER = "pollster,published,population,party,share_percent,source,sample_size\n"


def _polls(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "polls.csv"
    path.write_text(POLL_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "where", "what"),
    [
        (
            ["Единая Россия,30,http://x,1000", "КПРФ,20,http://x,1000", "Единая Россия,10,http://x,1000"],
            "row 3, column 'party'",
            "appears twice",
        ),
        (
            ["Единая Россия,30,http://x,1000", "КПРФ,20,http://x,1600"],
            "row 2, column 'sample_size'",
            "1000 and 1600",
        ),
    ],
    ids=["one party twice in one poll", "two sample sizes for one poll"],
)
def test_a_contradictory_poll_is_refused_by_row_and_column(
    tmp_path: Path, rows: list[str], where: str, what: str
) -> None:
    path = _polls(tmp_path, *(f"FOM,2021-09,all,{r}" for r in rows))
    line = one_line_failure(cli("polls", path))
    assert f"{path}, {where}" in line and what in line


def test_the_same_party_in_two_polls_and_one_size_given_once_are_accepted(tmp_path: Path) -> None:
    path = _polls(
        tmp_path,
        "FOM,2021-09,all,Единая Россия,30,http://x,1000",
        "FOM,2021-09,all,КПРФ,20,http://x,",
        "VCIOM,2021-09,all,Единая Россия,28,http://y,",
    )
    assert cli("polls", path).exit_code == 0


@pytest.mark.parametrize("stations", [1, 2, 5])
def test_report_on_tiny_elections_parses_strictly(home: Path, tmp_path: Path, stations: int) -> None:
    folder = tidy_folder(tmp_path / "tidy", stations)
    assert cli("import", folder, "--as", "tiny", "--ruling", "Candidate A").exit_code == 0
    result = cli("report", "tiny", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    document = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in report.json"))
    assert document["official"]["stations"] == stations
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    if document["shpilkin"]["rho"] is None:
        assert "not enough stations" in html
    text_only = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"\bnan%?\b|\binf%", text_only, flags=re.I)


def test_report_refuses_a_contest_without_ballots_issued(home: Path, tmp_path: Path) -> None:
    """The tidy format leaves ballots_issued optional: no turnout, so no "0.00% -> 0.00% clean"."""
    folder = tidy_folder(tmp_path / "tidy", 5, ballots_issued=False)
    assert cli("import", folder, "--as", "noissued", "--ruling", "Candidate A").exit_code == 0
    before = fingerprint(home)
    line = one_line_failure(cli("report", "noissued", "--out", tmp_path / "out"))
    assert "ballots issued not reported" in line
    assert not (tmp_path / "out" / "report.json").exists()
    assert fingerprint(home) == before


# -- Hypothesis: rows of the documented examples, mutated ----------------------------------------

CELLS = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-1", "0", "101", "1e400", "1,5", "x", "2021-13", "КПРФ"]),
    st.integers(-(10**20), 10**20).map(str),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)


@st.composite
def mutated(draw: st.DrawFn, example: Path) -> list[list[str]]:
    """The example's rows with some rows duplicated, dropped, or cells replaced."""
    header, *rows = list(csv.reader(io.StringIO(example.read_text(encoding="utf-8"))))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cell", "duplicate", "drop"]))
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "cell":
            rows[i] = list(rows[i])
            rows[i][draw(st.integers(0, len(header) - 1))] = draw(CELLS)
        elif kind == "duplicate":
            rows.insert(i, list(rows[i]))
        else:
            rows.pop(i)
    return [header, *rows]


def _write(rows: list[list[str]], folder: str, name: str) -> Path:
    path = Path(folder) / name
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _outcome(kind: str, path: Path) -> bool:
    """Run `check-input`: either accepted with every row, or one line naming the file."""
    result = cli("check-input", kind, path)
    if result.exit_code == 0:
        return True
    line = one_line_failure(result)
    assert str(path) in line, line
    return False


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(mutated(EXAMPLES / "polls.csv"))
def test_mutated_polls_read_right_or_fail_in_one_line(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(rows, folder, "polls.csv")
        accepted = _outcome("polls", path)
        if not accepted:
            with pytest.raises(SmartvoteError):
                read_polls(read_table_file(path), str(path))
            return
        polls = read_polls(read_table_file(path), str(path))
        raw = pd.DataFrame(rows[1:], columns=rows[0]).apply(lambda c: c.str.strip())
        assert len(polls) == len(raw)
        direct = raw.assign(share=raw["share_percent"].str.replace(",", ".").astype(float))
        by_poll = direct.groupby(["pollster", "population"])["share"].sum().to_dict()
        read = polls.groupby(["pollster", "population"])["share_percent"].sum().to_dict()
        assert read.keys() == by_poll.keys()
        assert [read[k] for k in read] == pytest.approx([by_poll[k] for k in read])
        assert not polls.duplicated(["pollster", "published", "population", "party_id"]).any()


@SETTINGS
@given(mutated(EXAMPLES / "endorsements.csv"))
def test_mutated_endorsements_read_right_or_fail_in_one_line(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write(rows, folder, "endorsements.csv")
        accepted = _outcome("endorsements", path)
        if not accepted:
            return
        endorsements = read_endorsements(read_table_file(path), str(path))
        raw = pd.DataFrame(rows[1:], columns=rows[0])
        assert len(endorsements) == len(raw)
        whole = (int(Decimal(str(d).strip())) for d in raw["district"])  # exact, as the reader must be
        assert sorted(endorsements["district"]) == sorted(whole)
        assert endorsements["district"].is_unique
