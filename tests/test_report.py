"""``smartvote report``: the files, the JSON schema, the CLI, and the page in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from browser import chromium, only_local, open_reports
from smartvote.cli import main
from smartvote.data.store import Store
from smartvote.forensics import shpilkin
from smartvote.forensics.inputs import station_arrays
from smartvote.pages.report import ReportFiles, write_report
from smartvote.pages.report.analysis import choice_label
from smartvote.pages.report.formatting import millions, pct
from smartvote.pipelines.report import load_analysis

#: Every report the acceptance asks for: (election, its party-list or presidential contest).
CONTESTS = {
    "russia-duma-2011": "federal-list",
    "russia-duma-2016": "federal-list",
    "russia-president-2018": "president",
    "russia-duma-2021": "federal-list",
    "spb-2021-duma": "federal-list",
    "spb-2021-city": "city-list",
}


@pytest.fixture(scope="session")
def reports(real_store: Store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportFiles]:
    """The six reports, built once."""
    out = tmp_path_factory.mktemp("reports")
    return {
        election_id: write_report(load_analysis(real_store, election_id, contest), out / election_id)
        for election_id, contest in CONTESTS.items()
    }


def test_every_report_writes_its_files(reports: dict[str, ReportFiles]) -> None:
    for files in reports.values():
        assert files.html.name == "report.html" and files.json.name == "report.json"
        assert {p.name for p in files.figures} == {
            "comet.png",
            "histograms.png",
            "shpilkin.png",
            "fingerprint.png",
        }
        for png in files.figures:
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained(reports: dict[str, ReportFiles]) -> None:
    for files in reports.values():
        html = files.html.read_text(encoding="utf-8")
        assert html.count('src="data:image/png;base64,') == 4
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
        assert re.findall(r"<link[^>]*>", html) == ['<link rel="icon" href="data:,">']  # no favicon request
        assert "<script" not in html and "@import" not in html and "url(" not in html
        # Nothing of the machine that built it: a published report must not reveal local paths.
        assert str(files.html.parent) not in html and "/shared/data" not in html
        assert files.document["election"]["source"] in html  # type: ignore[index]


def _schema_keys(document: dict[str, Any]) -> None:
    for key in ("excess", "z", "p_value"):
        assert isinstance(document["integer"][key], float)
    for key in ("clean_turnout_pct", "clean_leader_pct", "anomalous_votes"):
        assert isinstance(document["shpilkin"][key], float)
    assert document["regions"]
    for region in document["regions"]:
        assert {
            "region",
            "stations",
            "registered",
            "turnout_pct",
            "leader_pct",
            "integer",
            "shpilkin",
        } <= set(region)
        assert {"excess", "z", "p_value"} <= set(region["integer"])
        assert "anomalous_votes" in region["shpilkin"]


def test_json_follows_the_documented_schema(reports: dict[str, ReportFiles]) -> None:
    for files in reports.values():
        document = json.loads(files.json.read_text(encoding="utf-8"))
        assert document == files.document
        assert document["schema"] == "smartvote-report/1"
        _schema_keys(document)
    assert len(reports["russia-duma-2021"].document["regions"]) == 85  # type: ignore[arg-type]
    city = reports["spb-2021-city"].document
    assert city["group_by"] == "tik"
    assert [r["region"] for r in city["regions"]][:3] == ["1", "2", "3"]  # type: ignore[index]


def test_json_carries_the_methods_numbers(real_store: Store, reports: dict[str, ReportFiles]) -> None:
    doc = reports["russia-duma-2016"].document
    tables = [
        real_store.table(n, "russia-duma-2016", "federal-list") for n in ("stations", "votes", "choices")
    ]
    result = shpilkin.estimate(station_arrays(*tables))
    assert doc["shpilkin"]["anomalous_votes"] == pytest.approx(result.anomalous_votes, abs=0.1)  # type: ignore[index]
    assert doc["shpilkin"]["clean_leader_pct"] == pytest.approx(39.26, abs=0.1)  # type: ignore[index]
    assert doc["official"]["turnout_pct"] == pytest.approx(47.88, abs=0.005)  # type: ignore[index]
    # The integer excess of the published Monte Carlo, 2016: 1502.4 ("turnout or share", stations).
    assert doc["integer"]["excess"] == pytest.approx(1502.4, abs=15)  # type: ignore[index]


@pytest.fixture
def spb_home(home: Path, data_dir: Path) -> Path:
    result = CliRunner().invoke(main, ["import", str(data_dir / "spb-2021")])
    assert result.exit_code == 0, result.output
    return home


def test_cli_writes_the_report_and_prints_the_headline(spb_home: Path, tmp_path: Path) -> None:
    command = ["report", "spb-2021-city", "--out", str(tmp_path / "r"), "--peak", "global", "--seed", "3"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert document["election"]["contest"] == "city-list"
    assert document["shpilkin"]["peak_method"] == "global" and document["seed"] == 3
    assert "report.html" in result.output
    assert pct(document["shpilkin"]["clean_turnout_pct"]) in result.output
    assert millions(document["shpilkin"]["anomalous_votes"]) in result.output


def test_cli_errors_are_one_line(spb_home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "nowhere-1999", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: unknown election 'nowhere-1999'")
    assert len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(
        main, ["report", "spb-2021-duma", "--contest", "smd-9", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith("Error: spb-2021-duma has no contest 'smd-9' (its contests: federal-list")
    assert len(message.splitlines()) == 1


def test_reports_open_in_chromium_with_the_headline_visible(reports: dict[str, ReportFiles]) -> None:
    """All six pages in one browser."""
    with chromium() as browser:
        errors, requests = open_reports(browser, reports)
    assert errors == []
    assert only_local(requests), requests


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ('Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"', "ЕДИНАЯ РОССИЯ"),
        ('Политическая партия "Российская объединенная демократическая партия "ЯБЛОКО"', "ЯБЛОКО"),
        ("Политическая партия ЛДПР - Либерально-демократическая партия России", "ЛДПР"),
        ("ПАРТИЯ ПЕНСИОНЕРОВ", "ПАРТИЯ ПЕНСИОНЕРОВ"),
        ("Путин Владимир Владимирович", "Путин Владимир Владимирович"),
        (
            'Политическая партия "КОММУНИСТИЧЕСКАЯ ПАРТИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ"',
            "КОММУНИСТИЧЕСКАЯ ПАРТИЯ РОССИ…",
        ),
    ],
)
def test_choice_labels_are_short(name: str, label: str) -> None:
    assert choice_label(name) == label


def test_every_json_field_is_documented(reports: dict[str, ReportFiles]) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "report.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"[a-z_0-9]+", docs))
    document = reports["russia-duma-2021"].document
    keys = set(document)
    for section in ("election", "official", "shpilkin", "integer"):
        keys |= set(document[section])  # type: ignore[arg-type]
    region = document["regions"][0]  # type: ignore[index]
    keys |= set(region) | set(region["integer"]) | set(region["shpilkin"])
    assert keys - documented == set()
