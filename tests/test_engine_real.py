"""The engine on the real elections: training fit, match rates, backtests a-c from the CLI,
and the HTML page in headless Chromium. Reference figures are the issue's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import smartvote.cli.engine as engine_cli
from browser import chromium, only_local, recorded_tab
from conftest import SharedStore
from smartvote.cli import main
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_polls
from smartvote.data.store import Store
from smartvote.engine.recommend import WINS_ALONE
from smartvote.errors import SmartvoteError
from smartvote.pipelines.engine import Training, forecast, forecast_scales, training_scales
from smartvote.pipelines.tactics import attach_endorsements

DRAWS = "1000"


@pytest.fixture(scope="module")
def engine_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engine-home")


@pytest.fixture(scope="module")
def training(real_store: Store, engine_home: Path) -> Training:
    return training_scales(real_store, cache=engine_home / "engine" / "training-2011-2016.json")


@pytest.fixture(scope="module")
def polls_file(data_dir: Path) -> Path:
    return data_dir / "sv-2021" / "polls-2021.csv"


@pytest.fixture
def cli(
    real_store: Store, engine_home: Path, training: Training, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The CLI on the session's real store (kept open) with the fitted scales cached."""
    monkeypatch.setenv("SMARTVOTE_HOME", str(engine_home))
    monkeypatch.setattr(engine_cli, "Store", SharedStore(real_store))

    def run(*args: object) -> dict[str, Any]:
        result = CliRunner().invoke(main, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if "--json" in args else {"output": result.output}

    yield run


def test_training_pair_2011_2016(training: Training) -> None:
    assert training.pair == ("russia-duma-2011", "russia-duma-2016")
    assert training.match_rate == pytest.approx(0.86, abs=0.01)  # the issue: about 86%
    assert training.districts == 218  # Crimea, Sevastopol, Ulyanovsk (2) and 159: no 2011 station
    assert 0 < training.scales.district < training.scales.regional < 1


def test_parties_without_a_poll_share_get_the_carried_over_national_scale(
    real_store: Store, training: Training, polls_file: Path
) -> None:
    # official list results (CEC): 2011 UR 49.32, KPRF 19.19, LDPR 11.67, SR 13.24, Yabloko 3.43;
    # 2016 UR 54.20, KPRF 13.34, LDPR 13.14, SR 6.22, Yabloko 1.99 -> RMS of the log changes 0.452
    assert training.carried_over == pytest.approx(0.452, abs=0.01)
    polls = read_polls(read_table_file(polls_file), str(polls_file))
    found = forecast(real_store, "russia-duma-2021", polls)
    scales = forecast_scales(training, found, 0.2)
    parties = ("kprf", "new-people", "party-of-pensioners", "green-alternative")
    np.testing.assert_allclose(
        scales.national_vector(parties), [0.2, 0.2, training.carried_over, training.carried_over]
    )
    without_poll = forecast_scales(training, replace(found, polled=()), 0.2)  # every party carried over
    assert without_poll.national_vector(("kprf",))[0] == pytest.approx(training.carried_over)


def test_spb_stations_match_2016_by_number(real_store: Store, training: Training) -> None:
    for election in ("spb-2021-duma", "spb-2021-city"):
        found = forecast(real_store, election)
        assert found.baseline.match_rate == pytest.approx(0.95, abs=0.01)  # the issue: about 95%
        assert found.level == "candidate" and not found.baseline.without_baseline


class _PreVoteOnly:
    """A store that refuses to hand out the results of ``election`` and flips its endorsements."""

    def __init__(self, store: Store, election: str) -> None:
        self.store, self.election = store, election

    def load(self, election_id: str) -> Any:
        assert election_id != self.election, "the forecast read the results"
        return self.store.load(election_id)

    def table(self, name: str, election_id: str, contest: str | None = None) -> pd.DataFrame:
        assert (name, election_id) != ("votes", self.election), "the forecast read the votes"
        table = self.store.table(name, election_id, contest)
        if name == "choices" and election_id == self.election:
            table = table.assign(endorsed=~table["endorsed"].astype(bool))
        return table

    def has(self, election_id: str) -> bool:
        return self.store.has(election_id)


def test_the_2021_forecast_reads_no_2021_result(real_store: Store, polls_file: Path) -> None:
    polls = read_polls(read_table_file(polls_file), str(polls_file))
    found = forecast(_PreVoteOnly(real_store, "russia-duma-2021"), "russia-duma-2021", polls)  # type: ignore[arg-type]
    assert found.level == "party" and found.baseline.by_own_districts
    assert len(found.field.districts) == 225


def test_the_spb_forecast_ignores_results_and_endorsements(real_store: Store, polls_file: Path) -> None:
    polls = read_polls(read_table_file(polls_file), str(polls_file))
    guarded = forecast(_PreVoteOnly(real_store, "spb-2021-city"), "spb-2021-city", polls)  # type: ignore[arg-type]
    plain = forecast(real_store, "spb-2021-city", polls)
    assert guarded.field.names == plain.field.names
    np.testing.assert_array_equal(guarded.field.mean, plain.field.mean)


def test_backtest_a_reports_every_metric_against_the_baselines(cli: Any, polls_file: Path) -> None:
    report = cli("backtest", "russia-2016-2021", "--polls", polls_file, "--draws", DRAWS, "--json")
    for key in ("accuracy", "brier", "log_score", "baselines", "per_party_rmse", "coverage90", "reliability"):
        assert key in report
    b = report["baselines"]
    assert b["2016_runner_up_accuracy"] == pytest.approx(0.431, abs=0.0005)  # the issue: 43.1%
    assert (b["always_most_common"], b["always_most_common_accuracy"]) == ("kprf", 0.96)
    assert b["climatological_brier_oracle"] == pytest.approx(0.078, abs=0.001)
    assert b["oracle_proportional_swing_accuracy"] > 0.9  # the issue: 93.3% (see docs/engine.md)
    assert report["accuracy"] > b["2016_runner_up_accuracy"] + 0.4  # beats the runner-up clearly
    assert report["brier"] < 2 * (1 - b["2016_runner_up_accuracy"])  # ... and its Brier score
    assert set(report["sensitivity_national_scale"]) == {"0.10", "0.20", "0.30"}
    assert sum(row["count"] for row in report["reliability"]) == 225 * 13
    assert set(report["per_party_rmse"]) >= {"united-russia", "kprf", "ldpr", "just-russia", "new-people"}
    in_sample = report["training_in_sample"]  # 2011 -> 2016 with its own fit: intervals near 90%
    assert in_sample["districts"] == 218
    assert 0.85 <= in_sample["coverage90"]["all"] <= 0.95


def test_backtest_b_spb_2021_from_the_cli(cli: Any, polls_file: Path) -> None:
    report = cli("backtest", "spb-2021", "--polls", polls_file, "--draws", DRAWS, "--json")
    assert report["districts"] == 33
    assert report["real_endorsements_hits"] == 27  # the issue: 27 of 33
    assert list(report["variants"]) == ["2016 lists", "2016 lists + poll"]
    assert len(report["disagreements"]) == 33 - report["variants"]["2016 lists + poll"]
    assert all(row["pick"] != row["strongest"] for row in report["disagreements"])


def test_backtest_c_sv_2021_from_the_cli(
    cli: Any, real_store: Store, data_dir: Path, polls_file: Path
) -> None:
    attach_endorsements(real_store, "russia-duma-2021", data_dir / "sv-2021" / "endorsements.csv")
    report = cli("backtest", "sv-2021", "--polls", polls_file, "--json")
    assert report["districts"] == 225
    assert sum(r["districts"] for r in report["by_region"].values()) == 225
    assert report["endorsed_parties"]["kprf"] == 137
    assert report["agree"] == 225 - sum(report["disagreements"].values())


def test_recommend_at_party_level_says_so(cli: Any, polls_file: Path) -> None:
    report = cli("recommend", "russia-duma-2021", "--polls", polls_file, "--draws", "500", "--json")
    assert report["level"] == "party" and "party level" in report["notes"][0]
    assert len(report["districts"]) == 225
    assert report["coordination"]["curve"][0]["mean"] == 0


def test_coordinate_spb(cli: Any) -> None:
    report = cli("coordinate", "spb-2021-duma", "--draws", DRAWS, "--json")
    curve = report["curve"]
    assert len(curve) == 101 and curve[0]["q"] == 0 and curve[-1]["q"] == 1
    means = [point["mean"] for point in curve]
    assert means == sorted(means) and means[-1] <= 8
    assert all(p["low"] <= p["median"] <= p["high"] for p in curve)


@pytest.fixture(scope="module")
def page(
    real_store: Store, engine_home: Path, training: Training, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """``recommend --html`` in English: the site's district cards as one file, and the run's JSON."""
    out = tmp_path_factory.mktemp("engine-pages") / "spb-2021-city.html"
    with pytest.MonkeyPatch.context() as m:
        m.setenv("SMARTVOTE_HOME", str(engine_home))
        m.setattr(engine_cli, "Store", SharedStore(real_store))
        result = CliRunner().invoke(
            main,
            ["recommend", "spb-2021-city", "--draws", DRAWS, "--html", str(out), "--lang", "en", "--json"],
        )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_page_is_self_contained(page: tuple[Path, dict[str, Any]]) -> None:
    html = page[0].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "<img" not in html and "<link" not in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy and "default-src 'none'" in policy.group(1) and "script-src 'none'" in policy.group(1)


def test_page_opens_in_headless_chromium(page: tuple[Path, dict[str, Any]]) -> None:
    path, run = page
    with chromium() as browser:
        tab, requests = recorded_tab(browser)
        tab.goto(path.as_uri())
        assert tab.title().startswith("Districts: St Petersburg 2021: city legislature election")
        assert tab.locator("html").get_attribute("lang") == "en"
        assert tab.eval_on_selector("#curve-chart", "svg => svg.getBoundingClientRect().width") > 300
        cards = tab.locator("article.card")
        assert cards.count() == len(run["districts"]) == 25
        for i, district in enumerate(run["districts"]):
            assert district["name"] in cards.nth(i).locator("dd.pick").inner_text()
        at_full = tab.locator("#curve tr").nth(1).locator("td.n").last.inner_text()  # q = 100%
        assert abs(float(at_full) - run["coordination"]["curve"][100]["mean"]) <= 0.051
    assert only_local(requests)


def test_an_adjustment_moves_the_pick_and_is_listed(
    real_store: Store, engine_home: Path, training: Training
) -> None:
    from datetime import date

    from smartvote.pages.site import ElectionSite
    from smartvote.pages.site.build import single_page
    from smartvote.pipelines.engine import run_engine
    from smartvote.tactics.adjust import Adjustment

    crafted = Adjustment(
        216, "Вишневский Борис Лазаревич", 30.0, "crafted test input", "none (test)", date(2021, 9, 1)
    )
    cache = engine_home / "engine" / "training-2011-2016.json"
    run = run_engine(real_store, "spb-2021-duma", adjustments=(crafted,), n_draws=500, cache=cache)
    pick = next(d for d in run.recommendation.districts if d.district == "federal-smd-216")
    assert pick.name == "Вишневский Борис Лазаревич" and WINS_ALONE in pick.flags
    page = single_page(ElectionSite(run.forecast.election, run.forecast.election, run), "districts")
    assert "crafted test input" in page


def test_an_adjustment_for_an_unknown_candidate_names_its_row(
    real_store: Store, engine_home: Path, training: Training, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SMARTVOTE_HOME", str(engine_home))
    monkeypatch.setattr(engine_cli, "Store", SharedStore(real_store))
    file = tmp_path / "adjust.csv"
    file.write_text(
        "district,candidate,effect_pp,reason,source,published\n216,Nobody,5,crafted,none (test),2021-09-01\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["recommend", "spb-2021-duma", "--adjust", str(file), "--draws", "100"])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: {file}, row 1, column 'candidate': unknown candidate 'Nobody' in district 216"
    )


def test_a_regional_poll_moves_its_region_only(real_store: Store, polls_file: Path, tmp_path: Path) -> None:
    from smartvote.pipelines.engine import read_regional_polls

    file = tmp_path / "regional.csv"
    file.write_text(
        "pollster,published,population,party,share_percent,source,region\n"
        "crafted,2021-09,adults,Яблоко,40,none (test),Санкт-Петербург\n"
        "crafted,2021-09,adults,КПРФ,5,none (test),Санкт-Петербург\n",
        encoding="utf-8",
    )
    regional = read_regional_polls(read_table_file(file), str(file))
    polls = read_polls(read_table_file(polls_file), str(polls_file))
    plain = forecast(real_store, "spb-2021-duma", polls)
    local = forecast(real_store, "spb-2021-duma", polls, regional_polls=regional)
    yabloko = plain.field.parties.index("yabloko")
    kprf = plain.field.parties.index("kprf")
    on = plain.field.party == yabloko
    assert (local.field.mean[on] > 2 * plain.field.mean[on]).all()
    assert (local.field.mean[plain.field.party == kprf] < plain.field.mean[plain.field.party == kprf]).all()
    assert "regional polls: санкт-петербург" in local.notes
    file.write_text(
        file.read_text(encoding="utf-8").replace("Санкт-Петербург", "Тверская область"), encoding="utf-8"
    )
    with pytest.raises(SmartvoteError, match="no district of the election there"):
        forecast(
            real_store,
            "spb-2021-duma",
            polls,
            regional_polls=read_regional_polls(read_table_file(file), str(file)),
        )


@pytest.fixture(scope="module")
def voter(
    real_store: Store, engine_home: Path, training: Training, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """The voters' page of spb-2021-city and the picks of the same run (JSON)."""
    out = tmp_path_factory.mktemp("voter-pages") / "spb-2021-city-voters.html"
    with pytest.MonkeyPatch.context() as m:
        m.setenv("SMARTVOTE_HOME", str(engine_home))
        m.setattr(engine_cli, "Store", SharedStore(real_store))
        result = CliRunner().invoke(
            main, ["recommend", "spb-2021-city", "--draws", DRAWS, "--voter-page", str(out), "--json"]
        )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_voter_page_allows_nothing_but_its_own_script(voter: tuple[Path, dict[str, Any]]) -> None:
    import base64
    import hashlib

    html = voter[0].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", html)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert (
        policy
        and "default-src 'none'" in policy.group(1)
        and "unsafe" not in policy.group(1).replace("style-src 'unsafe-inline'", "")
    )
    (script,) = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)


def test_voter_page_finds_a_station_in_chromium_and_sends_nothing(
    voter: tuple[Path, dict[str, Any]], data_dir: Path
) -> None:
    page, run = voter
    picks = {d["district"]: d["name"] for d in run["districts"]}
    raw = pd.read_csv(data_dir / "spb-2021" / "protocols.csv", dtype=str)
    smd = raw[raw["contest"].str.startswith("city-smd-")].drop_duplicates("uik")
    sample = smd.sample(5, random_state=1)
    with chromium() as browser:
        tab, requests = recorded_tab(browser)
        tab.goto(page.as_uri())
        for uik, contest in zip(sample["uik"], sample["contest"], strict=True):
            tab.fill("#number", uik)
            answer = tab.inner_text("#answer")
            district = f"Законодательное собрание, округ № {contest.rsplit('-', 1)[1]}"  # Russian by default
            assert f"Округ: {district}" in answer and picks[contest] in answer, (uik, answer)
        tab.fill("#number", "99999")
        assert "нет в списке" in tab.inner_text("#answer")
        # a script trying to report the station: the policy stops it before any request
        tab.evaluate("() => fetch('http://127.0.0.1:9/?station=1').catch(() => null)")
        quiet = browser.new_page(java_script_enabled=False)
        quiet.goto(page.as_uri())
        assert quiet.locator("#stations tr").count() == 1 + len(picks)  # the lookup table needs no script
    assert only_local(requests), requests
