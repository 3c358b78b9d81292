"""The Smart Voting commands end to end on St Petersburg 2021, and their HTML in Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from browser import chromium, only_local, recorded_tab
from smartvote.cli import main
from smartvote.data.loader import read_path
from smartvote.data.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "tactics-examples"


@pytest.fixture(scope="module")
def spb_home(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SMARTVOTE_HOME with both St Petersburg elections, and a list-only copy of the Duma one."""
    home = tmp_path_factory.mktemp("tactics-home")
    with Store(home / "smartvote.duckdb") as store:
        for tables in read_path(data_dir / "spb-2021"):
            store.add_election(tables)
            if tables.election.election_id == "spb-2021-duma":
                lists = tables.stations["contest"] == "federal-list"
                store.add_election(
                    replace(
                        tables,
                        election=replace(tables.election, election_id="spb-list-only"),
                        contests=tables.contests[tables.contests["kind"] == "party_list"],
                        stations=tables.stations[lists].assign(district=None),
                        choices=tables.choices[tables.choices["contest"] == "federal-list"],
                        votes=tables.votes[tables.votes["contest"] == "federal-list"],
                    )
                )
    return home


@pytest.fixture
def run(spb_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("SMARTVOTE_HOME", str(spb_home))
    yield lambda *args: CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    return lines[0]


def test_gap_json_lists_every_district(run: object) -> None:
    result = run("gap", "spb-2021-city", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert (payload["districts"], payload["with_q_star"], payload["endorsed_strongest"]) == (25, 24, 19)
    (free,) = [r for r in payload["rows"] if r["q_star"] is None and r["status"] == "no ruling candidate"]
    assert free["contest"] == "city-smd-3" and free["q_star_text"] == "no ruling candidate"


def test_gap_table(run: object) -> None:
    result = run("gap", "spb-2021-duma")
    assert result.exit_code == 0, result.output
    rows = [line.split("│") for line in result.output.splitlines() if line.startswith("│ 2")]
    assert sorted(int(row[1]) for row in rows) == list(range(211, 219))
    q_stars = [float(row[7]) for row in rows]
    assert q_stars == sorted(q_stars) and "8 with a q*" in result.output


def test_endorse_candidate_level_and_its_bad_input(run: object, spb_home: Path, tmp_path: Path) -> None:
    with Store(spb_home / "smartvote.duckdb") as store:
        choices = store.table("choices", "spb-2021-duma")
    endorsed = choices[choices["endorsed"]]
    file = tmp_path / "e.csv"
    lines = [f"{c.contest.rsplit('-', 1)[1]},,{c.name},{c.party}" for c in endorsed.itertuples()]
    file.write_text("district,district_name,candidate,party\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = run("endorse", "spb-2021-duma", file)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("8 endorsements attached to spb-2021-duma (candidate level)")
    assert json.loads(run("gap", "spb-2021-duma", "--json").output)["endorsed_strongest"] == 8

    file.write_text("district,district_name,candidate,party\n216,,Nobody,Яблоко\n", encoding="utf-8")
    assert "row 1, column 'candidate': unknown candidate 'Nobody'" in one_line_error(
        run("endorse", "spb-2021-duma", file)
    )
    file.write_text("district,district_name,candidate,party\n216,,Nobody,Партия X\n", encoding="utf-8")
    assert "party 'Партия X' is not in smartvote's party identity mapping" in one_line_error(
        run("endorse", "spb-2021-duma", file)
    )


def test_effect_json_and_the_list_only_refusal(run: object) -> None:
    result = run("effect", "spb-2021-duma", "spb-2021-city", "--json", "--boot", "500")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    low, high = payload["interval_pp"]
    assert low < payload["naive_pp"] < high and len(payload["persons"]) == 4
    assert "confounded" in payload["statement"]
    error = one_line_error(run("effect", "spb-list-only"))
    assert "spb-list-only has no single-member candidate results" in error
    assert "no single-member districts" in one_line_error(run("gap", "spb-list-only"))


def test_adjustments_need_the_vote_date_and_are_listed(run: object, spb_home: Path, tmp_path: Path) -> None:
    with Store(spb_home / "smartvote.duckdb") as store:
        choices = store.table("choices", "spb-2021-duma", "federal-smd-216")
    candidate = choices["name"].iloc[0]
    file = tmp_path / "a.csv"
    file.write_text(
        "district,candidate,effect_pp,reason,source,published\n"
        f"216,{candidate},-1.5,example reason,example source,2021-09-01\n",
        encoding="utf-8",
    )
    assert run("gap", "spb-2021-duma", "--adjust", file).exit_code == 2
    result = run("gap", "spb-2021-duma", "--adjust", file, "--vote-date", "2021-09-19", "--json")
    assert result.exit_code == 0, result.output
    (listed,) = json.loads(result.output)["adjustments"]
    assert listed["reason"] == "example reason" and listed["source"] == "example source"


@pytest.mark.parametrize("kind", ["contest", "endorsements", "polls", "adjustments"])
def test_check_input_on_the_examples(run: object, kind: str) -> None:
    result = run("check-input", kind, EXAMPLES / f"{kind}.csv")
    assert result.exit_code == 0 and "valid" in result.output


def test_polls_show_the_assumed_sample_size(run: object, data_dir: Path) -> None:
    result = run("polls", data_dir / "sv-2021" / "polls-2021.csv", "--json")
    (poll,) = json.loads(result.output)
    assert poll["sample_size"] == 1600 and poll["sample_size_assumed"]
    assert poll["remainder_percent"] == pytest.approx(100 - (35.3 + 20.5 + 8.5 + 6.9 + 4.6))


@pytest.fixture(scope="module")
def pages(spb_home: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("pages")
    runner, env = CliRunner(), {"SMARTVOTE_HOME": str(spb_home)}
    gap, effect = out / "gap.html", out / "effect.html"
    assert runner.invoke(main, ["gap", "spb-2021-city", "--json", "--html", str(gap)], env=env).exit_code == 0
    args = ["effect", "spb-2021-duma", "spb-2021-city", "--boot", "200", "--html", str(effect)]
    assert runner.invoke(main, args, env=env).exit_code == 0
    return [gap, effect]


def test_pages_are_self_contained(pages: list[Path]) -> None:
    for page, charts in zip(pages, (2, 1), strict=True):  # the gap page shows its effect too
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert "<script" not in html and "@import" not in html
        assert html.count('src="data:image/png;base64,') == charts


def test_pages_open_in_headless_chromium(pages: list[Path]) -> None:
    with chromium() as browser:
        page, requests = recorded_tab(browser)
        page.goto(pages[0].as_uri())
        assert page.title().startswith("spb-2021-city: coordination gap")
        assert page.eval_on_selector("#gap-chart", "img => img.naturalWidth") > 300
        assert page.locator("#districts tr").count() == 26
        assert page.eval_on_selector("#effect-chart", "img => img.naturalWidth") > 300
        page.goto(pages[1].as_uri())
        assert page.eval_on_selector("#effect-chart", "img => img.naturalWidth") > 300
        assert page.locator("#persons tr").count() == 5
    assert only_local(requests)


def test_the_store_keeps_endorsements_until_the_election_is_deleted(spb_home: Path) -> None:
    with Store(spb_home / "smartvote.duckdb") as store:
        tables = store.load("spb-2021-city")
        store.add_election(replace(tables, election=replace(tables.election, election_id="copy")))
        assert store.endorsements("copy").empty
        rows = pd.DataFrame({"district": [3], "district_name": [""], "candidate": ["A"], "party": ["КПРФ"]})
        store.set_endorsements("copy", rows)
        store.set_endorsements("copy", rows.assign(district=4))  # replaces the earlier list
        assert store.endorsements("copy")["district"].tolist() == [4]
        store.add_election(replace(tables, election=replace(tables.election, election_id="copy")))
        assert len(store.endorsements("copy")) == 1  # survives a re-import
        store.delete_election("copy")
        store.add_election(replace(tables, election=replace(tables.election, election_id="copy")))
        assert store.endorsements("copy").empty
        store.delete_election("copy")
