"""Every year of the public dataset, read right: the importer's totals against a direct
pandas computation on the raw files (the public notebooks' own column selection, not the
importer's rules), the dataset README's registered voters, and each year's report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from browser import chromium, only_local, open_reports
from smartvote.cli import main
from smartvote.data.store import Store

#: Registered voters per file as the dataset's README states them (2024 without / with its
#: remote electronic voting file: 99,764,974 + 8,434,406).
README_REGISTERED = {
    2004: 108_064_342,
    2007: 109_148_196,
    2008: 107_222_016,
    2011: 109_229_337,
    2012: 109_860_331,
    2016: 110_061_200,
    2018: 109_008_428,
    2020: 107_999_611,
    2021: 109_204_662,
    2024: 99_764_974 + 8_434_406,
}
IDS = {
    2004: "russia-president-2004",
    2007: "russia-duma-2007",
    2008: "russia-president-2008",
    2011: "russia-duma-2011",
    2012: "russia-president-2012",
    2016: "russia-duma-2016",
    2018: "russia-president-2018",
    2020: "russia-referendum-2020",
    2021: "russia-duma-2021",
    2024: "russia-president-2024",
}
#: The published figures the issue names (turnout %, leader %).
PUBLISHED = {2004: (64.39, None), 2007: (63.78, 64.30), 2008: (69.81, 70.28), 2024: (77.07, 86.94)}
#: The years whose reports the acceptance opens in Chromium (the others: tests/test_report.py).
NEW_YEARS = (2004, 2007, 2008, 2012, 2020, 2024)


def files_of(data_dir: Path, year: int) -> list[Path]:
    folder = data_dir / "russia-federal"
    return [folder / f"{year}.csv.zip"] + ([folder / "2024-electronic-voting.csv"] if year == 2024 else [])


def direct(paths: list[Path]) -> dict[str, float]:
    """Stations with a protocol, registered, turnout and the leader's share, from the raw CSV
    with the column filters of the dataset's public notebooks (duma2021.ipynb, loaddata)."""
    raw = pd.concat([pd.read_csv(p, low_memory=False) for p in paths])
    meta = {"region", "oik", "tik", "uik", "level", "name", "url"}
    counts = [c for c in raw.columns if c not in meta]
    leader = next(c for c in raw.columns if any(f in c for f in ("Путин", "ЕДИНАЯ РОССИЯ", "Медведев", "ДА")))
    registered = next(
        c
        for c in raw.columns
        if c.startswith(("Число избирателей, включенных", "Число избирателей, внесенных", "Число участников"))
    )
    issued = [c for c in raw.columns if "бюллетеней, выданных" in c]
    if leader == "ДА":  # 2020: no valid line; the notebooks divide by the ballots in the boxes
        ballots = [c for c in raw.columns if c.startswith("Число бюллетеней, содержащихся")]
    else:
        ballots = [c for c in raw.columns if "действительных" in c and "отметок" not in c]
    return {
        "stations": int(raw[counts].notna().any(axis=1).sum()),
        "registered": int(raw[registered].sum()),
        "turnout_pct": round(100 * raw[issued].sum().sum() / raw[registered].sum(), 2),
        "leader_pct": round(100 * raw[leader].sum() / raw[ballots].sum().sum(), 2),
        "leader": leader,
    }


@pytest.fixture(scope="module")
def years_home(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SMARTVOTE_HOME with every year imported through the CLI (2024 in two commands: its
    station file, then its remote electronic voting file added to it)."""
    home = tmp_path_factory.mktemp("years")
    runner = CliRunner(env={"SMARTVOTE_HOME": str(home)})
    for year in IDS:
        for path in files_of(data_dir, year):
            result = runner.invoke(main, ["import", str(path)])
            assert result.exit_code == 0, result.output
            assert result.stdout.strip() == IDS[year]
    return home


@pytest.mark.parametrize("year", list(IDS))
def test_summary_equals_a_direct_computation(years_home: Path, data_dir: Path, year: int) -> None:
    runner = CliRunner(env={"SMARTVOTE_HOME": str(years_home)})
    result = runner.invoke(main, ["summary", IDS[year], "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    want = direct(files_of(data_dir, year))
    assert got["stations"] == want["stations"]
    assert got["registered"] == want["registered"] == README_REGISTERED[year]
    assert got["turnout_pct"] == want["turnout_pct"]
    leader = next(name for name in got["shares_pct"] if name in want["leader"] or want["leader"] in name)
    assert got["shares_pct"][leader] == want["leader_pct"]
    published_turnout, published_leader = PUBLISHED.get(year, (None, None))
    assert published_turnout in (None, got["turnout_pct"])
    assert published_leader in (None, got["shares_pct"][leader])


def test_2004_irregular_stations_are_the_real_ones(years_home: Path) -> None:
    """Mapped right, 2 stations of 2004 have more ballots in the boxes than issued (86,524 when
    the at-station column was taken for the total)."""
    with Store(years_home / "smartvote.duckdb") as store:
        stations = store.table("stations", IDS[2004], "president")
    assert stations["inconsistent"].str.contains("boxes>issued").sum() == 2


def test_2024_counts_have_the_dataset_station_numbers_and_remote_regions(years_home: Path) -> None:
    runner = CliRunner(env={"SMARTVOTE_HOME": str(years_home)})
    got = json.loads(runner.invoke(main, ["summary", IDS[2024], "--json"]).stdout)
    assert got["stations"] == 91_946 + 29  # the file's stations with a protocol + one per region
    assert got["flagged"]["remote_electronic"] == 29
    assert got["flagged"]["no_protocol"] == 2_268
    assert any("2,268 stations" in note for note in got["notes"])
    notes_2020 = json.loads(runner.invoke(main, ["summary", IDS[2020], "--json"]).stdout)["notes"]
    assert any("1,190,726" in note for note in notes_2020)


def test_reports_of_the_new_years_open_without_console_errors(years_home: Path) -> None:
    runner = CliRunner(env={"SMARTVOTE_HOME": str(years_home)})
    reports = {}
    for year in NEW_YEARS:
        out = years_home / "reports" / str(year)
        result = runner.invoke(main, ["report", IDS[year], "--out", str(out)])
        assert result.exit_code == 0, result.output
        reports[IDS[year]] = _Files(out)
    with chromium() as browser:
        errors, requests = open_reports(browser, reports)
    assert errors == []
    assert only_local(requests), requests


class _Files:
    """A written report as the page check reads it: its page and its numbers."""

    def __init__(self, folder: Path) -> None:
        self.html = folder / "report.html"
        self.document = json.loads((folder / "report.json").read_text())
