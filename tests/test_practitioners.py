"""The practitioners' tests: Kireev, coincidences, online vs paper, scanners, the ranking.

Expected figures come from the public notebooks (the issue's values) and from direct pandas
computations on the raw files here, never from the code under test.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from smartvote.cli import main
from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.forensics.coincidence import Commission, identical_vectors, same_turnout_share
from smartvote.forensics.ranking import FAST_SIGNALS, RankInput, combined_null, kink_signal, rank
from smartvote.forensics.validation import election_rng, simulation_arrays
from smartvote.pipelines.forensics import (
    attach_scanners,
    kireev_of,
    read_contest,
    remote_of,
    scanners_of,
)
from smartvote.synthetic import Country, Fraud, simulate

UR = "ЕДИНАЯ РОССИЯ"


@pytest.fixture(scope="module")
def raw2021(federal_zip: object) -> pd.DataFrame:
    return pd.read_csv(federal_zip(2021))  # type: ignore[operator]


def _notebook_flags(raw: pd.DataFrame, strict: bool) -> set[tuple[str, str, str]]:
    """The notebook's loop, in pandas: columns 17:31 are the 14 parties."""
    parties = list(raw.columns[17:31])
    keys = [raw["region"], raw["tik"]]
    ones, twos, zeros = ((raw[parties] == k).groupby(keys).sum() for k in (1, 2, 0))
    hit = (ones > 20) & (twos > 20) & (zeros < 10) if strict else (ones >= 20) & (twos >= 20) & (zeros <= 10)
    stacked = hit.stack()
    return {(r, t, re.sub(r"^\d+\.\s*", "", p)) for (r, t, p) in stacked[stacked].index}


def test_kireev_2021_is_the_notebooks_eleven_flags(real_store: Store, raw2021: pd.DataFrame) -> None:
    expected = _notebook_flags(raw2021, strict=True)
    assert len(expected) == 11 and len(_notebook_flags(raw2021, strict=False)) == 13
    result = kireev_of(read_contest(real_store, "russia-duma-2021", "federal-list"))
    flags = result.flags
    got = {(r, t, c) for r, t, c in flags[["region", "tik", "choice"]].itertuples(index=False)}
    # the store's choice names are the raw columns' without the ballot number ("2. ")
    assert got == expected
    assert len(got) == 11
    assert ((flags["p_small"] > 0) & (flags["p_small"] < 1e-3)).all()
    assert ((result.table["p_zeros"] >= 0) & (result.table["p_zeros"] <= 1)).all()


def test_identical_expectation_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    valid = rng.integers(0, 21, size=30)
    p = np.array([0.5, 0.3, 0.2])
    votes = np.array([rng.multinomial(v, p) for v in valid])
    votes[1] = votes[0]
    valid[1] = valid[0]  # one planted identical pair
    registered = valid + rng.integers(0, 10, size=30)
    c = Commission(registered=registered, issued=valid, valid=valid, leader=votes[:, 0], votes=votes)
    observed, expected = identical_vectors(c)
    brute_observed = sum(int((votes[i] == votes[j]).all()) for i, j in itertools.combinations(range(30), 2))
    rate = votes.sum(axis=0) / valid.sum()
    brute = 0.0
    for i, j in itertools.combinations(range(30), 2):
        if valid[i] == valid[j]:
            v = int(valid[i])
            brute += sum(
                stats.multinomial.pmf([a, b, v - a - b], v, rate) ** 2
                for a in range(v + 1)
                for b in range(v + 1 - a)
            )
    assert observed == brute_observed >= 1
    assert expected == pytest.approx(brute, rel=1e-9)

    # same (turnout, share) to 0.01 pp: enumerate both binomials of every pair
    same_observed, same_expected = same_turnout_share(c)
    ok = (registered > 0) & (valid > 0)
    tau, pi = valid[ok].sum() / registered[ok].sum(), votes[ok, 0].sum() / valid[ok].sum()

    def cells(n: int, rate: float) -> dict[int, float]:
        out: dict[int, float] = {}
        for k in range(n + 1):
            cell = int(np.rint(10_000 * k / n))
            out[cell] = out.get(cell, 0.0) + float(stats.binom.pmf(k, n, rate))
        return out

    idx = np.flatnonzero(ok)
    t = {i: cells(int(registered[i]), tau) for i in idx}
    s = {i: cells(int(valid[i]), pi) for i in idx}
    brute_same = sum(
        sum(t[i][k] * t[j].get(k, 0.0) for k in t[i]) * sum(s[i][k] * s[j].get(k, 0.0) for k in s[i])
        for i, j in itertools.combinations(idx, 2)
    )
    assert same_expected == pytest.approx(brute_same, rel=1e-9)
    keys = [
        (int(np.rint(10_000 * valid[i] / registered[i])), int(np.rint(10_000 * votes[i, 0] / valid[i])))
        for i in idx
    ]
    assert same_observed == sum(keys[a] == keys[b] for a, b in itertools.combinations(range(len(idx)), 2))


def test_online_vs_paper_2021(real_store: Store, raw2021: pd.DataFrame) -> None:
    raw = raw2021
    ur = next(c for c in raw.columns if UR in c)
    valid = next(c for c in raw.columns if c.startswith("Число действительных"))
    invalid = next(c for c in raw.columns if c.startswith("Число недействительных"))
    moscow_deg = (raw["region"] == "город Москва") & raw["uik"].astype(str).str.fullmatch(
        r"(УИК №)?50(0[1-9]|1[0-5])"
    )
    remote = (raw["tik"] == "Дистанционное электронное голосование") | moscow_deg
    assert remote.sum() == 33
    raw = raw.assign(
        ballots=raw[valid] + raw[invalid], district=raw["oik"].str.extract(r"(\d+)")[0].astype(int)
    )
    online = raw[remote].groupby("district")[[ur, "ballots"]].sum()
    paper = raw[~remote & raw["district"].isin(online.index)].groupby("district")[[ur, "ballots"]].sum()
    online_pct, paper_pct = 100 * online[ur] / online["ballots"], 100 * paper[ur] / paper["ballots"]

    result = remote_of(read_contest(real_store, "russia-duma-2021", "federal-list"))
    t = result.table.set_index("unit")
    t.index = t.index.astype(int)
    assert result.level == "district" and len(t) == 33
    np.testing.assert_allclose(t.loc[online_pct.index, "online_pct"], online_pct, rtol=1e-12)
    np.testing.assert_allclose(t.loc[paper_pct.index, "paper_pct"], paper_pct, rtol=1e-12)
    total = result.total()
    assert round(total["online_pct"], 2) == 47.02
    assert round(total["paper_pct"], 1) == 40.2 == round(100 * paper[ur].sum() / paper["ballots"].sum(), 1)
    assert total["online_above_paper"] == 28 == int((online_pct > paper_pct).sum())
    moscow = (result.table["region"] == "город Москва").to_numpy()
    assert round(result.total(moscow)["online_pct"], 1) == 44.8
    assert round(result.total(~moscow)["online_pct"], 1) == 54.3
    assert moscow.sum() == 15


def test_bashkortostan_2018_scanners(federal_zip: object, data_dir: Path, tmp_path: Path) -> None:
    region = "Республика Башкортостан"
    path = federal_zip(2018)  # type: ignore[operator]
    raw = pd.read_csv(path)
    listed = set(pd.read_csv(data_dir / "russia-federal" / "bashkortostan-2018-scanners.csv")["uik"])
    lead = next(c for c in raw.columns if "Путин" in c)
    reg = next(c for c in raw.columns if c.startswith("Число избирателей, включенных"))
    b = raw[raw["region"] == region].assign(scanner=lambda f: f["uik"].isin(listed))
    direct = 0.0
    for _, g in b.groupby("tik"):
        s = g[g["scanner"]]
        direct += g[reg].sum() * s[lead].sum() / s[reg].sum()
    direct_excess = b[lead].sum() - direct
    assert round(direct_excess) == 321_336 and b[lead].sum() == 1_784_626

    (tables,) = read_path(path)
    stations = tables.stations[tables.stations["region"] == region]
    votes = tables.votes[tables.votes["station_id"].isin(stations["station_id"])]
    store = Store(tmp_path / "s.duckdb")
    store.add_election(replace(tables, stations=stations, votes=votes))
    assert (
        attach_scanners(
            store,
            tables.election.election_id,
            data_dir / "russia-federal" / "bashkortostan-2018-scanners.csv",
            region,
        )
        == 219
    )
    contest = read_contest(store, tables.election.election_id, str(tables.contests["contest"].iloc[0]))
    store.close()
    naive = scanners_of(contest, exclude_special=False)
    assert len(naive.table) == 69 and naive.actual == 1_784_626
    assert naive.excess == pytest.approx(direct_excess, abs=1e-6)
    special = scanners_of(contest)
    assert special.excluded_special > 0 and special.excess < naive.excess


def _rank_input(sim: object) -> RankInput:
    g = sim.geography  # type: ignore[attr-defined]
    commission = (g.region.astype(str) + "/" + g.commission.astype(str)).astype(object)
    return RankInput(simulation_arrays(sim), g.region.astype(str).astype(object), commission)  # type: ignore[arg-type]


def test_fraud_confined_to_chosen_regions() -> None:
    sim = simulate(
        8000,
        3,
        Country(stations_per_region=400),
        Fraud(stuffing=0.05, round_share=0.05),
        fraud_regions=(2, 5),
    )
    touched = (sim.truth.stuffed > 0) | (sim.truth.rounded_share >= 0)
    assert touched.any() and set(np.unique(sim.geography.region[touched])) == {2, 5}
    for code in (2, 5):  # each region stuffs 5% of its own leader's votes (in expectation)
        inside = sim.geography.region == code
        assert sim.truth.stuffed[inside].sum() == pytest.approx(
            0.05 * sim.clean.leader[inside].sum(), rel=0.15
        )


def test_kink_signal_is_calibrated_within_the_unit_and_sees_stuffing() -> None:
    """The kink's z is the unit against itself: on clean elections (3 x 80 regions of 250
    stations) about standard normal before its one-sided clip (5% above 1.645: measured 12 of
    239, about half at 0); the same elections with 5% of the leader's votes stuffed in 5 regions
    (the clean counts are the same draws) raise the z of most of those regions (measured 14 of
    15, mean 0.56 -> 1.88)."""
    country = Country(stations_per_region=250)
    clean_z, raised, fraud_z = [], 0, []
    for i in range(3):
        regions = (3, 17, 30, 44, 61)
        clean = kink_signal(_rank_input(simulate(20_000, election_rng(1, i), country))).z
        stuffed = _rank_input(simulate(20_000, election_rng(1, i), country, Fraud(stuffing=0.05), regions))
        fraud = kink_signal(stuffed).z
        clean_z += list(clean.values())
        raised += sum(fraud[str(c)] > clean[str(c)] for c in regions)
        fraud_z += [fraud[str(c)] for c in regions]
    z = np.array(clean_z)
    assert len(z) > 200 and 0.3 < np.mean(z == 0) < 0.7
    assert 0.01 < np.mean(z > 1.645) < 0.10
    assert raised >= 11 and np.mean(fraud_z) > 1.2


@pytest.fixture(scope="module")
def clean_null() -> np.ndarray:
    """The fast signals' combined z on 3 clean elections of 80 regions of 250 stations."""
    country = Country(stations_per_region=250)
    inputs = [_rank_input(simulate(20_000, election_rng(1, i), country)) for i in range(3)]
    return combined_null(inputs, FAST_SIGNALS)


@pytest.mark.parametrize(
    ("fraud", "bound"),
    [(Fraud(stuffing=0.05), 14), (Fraud(round_share=0.02, round_turnout=0.02), 9)],
    ids=["stuffing", "rounding"],
)
def test_ranking_finds_regions_better_than_chance(fraud: Fraud, bound: int, clean_null: np.ndarray) -> None:
    """Reduced run of benchmarks/ranking.py: 80 regions of 250 stations, fraud in 5 regions.
    Chance puts 5 x 10/80 = 0.625 of them in the top 10 per election (5 over 8 elections).
    Measured with the fast signals: stuffing 17, rounding 13; with the integer test and
    Shpilkin's count alone (before the kink joined them) stuffing 11, rounding 14."""
    country = Country(stations_per_region=250)
    null = clean_null
    found = 0
    for i in range(8):
        rng = election_rng(2, i)
        regions = tuple(int(x) for x in rng.choice(80, 5, replace=False))
        result = rank(
            _rank_input(simulate(20_000, rng, country, fraud, fraud_regions=regions)), FAST_SIGNALS, null
        )
        found += len(set(map(str, regions)) & set(result.top(10)))
        assert ((result.table["p_calibrated"] > 0) & (result.table["p_calibrated"] <= 1)).all()
    assert found >= bound


def test_rank_and_history_commands(home: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(
        main, ["simulate-election", "--stations", "4000", "--as", "syn", "--stuffing", "0.05"]
    )
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["rank", "syn", "--signals", "fast", "--null", "1", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["units"] and {s["name"] for s in payload["signals"]} == {"integer", "shpilkin", "kink"}
    out = runner.invoke(main, ["history", "--json", "--out", str(home / "history")])
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.output)
    assert row["election_id"] == "syn" and row["anomalous_votes"] > 0
    page = (home / "history" / "history.html").read_text(encoding="utf-8")
    assert page.count("<tr>") == 2 and "Synthetic election" in page
    assert (home / "history" / "history.png").stat().st_size > 0
    out = runner.invoke(main, ["scanners", "syn"])
    assert out.exit_code == 1 and "attach-scanners" in out.output


def test_report_has_the_practitioners_sections(real_store: Store, tmp_path: Path) -> None:
    from browser import chromium
    from smartvote.pages.report import write_report
    from smartvote.pipelines.report import analyse_inputs, read_inputs

    inputs = read_inputs(real_store, "russia-duma-2021", "federal-list")
    files = write_report(analyse_inputs(inputs, practitioners=True), tmp_path / "report")
    doc = json.loads(files.json.read_text(encoding="utf-8"))
    p = doc["practitioners"]
    assert len(p["kireev"]["flags"]) == 11
    assert (
        round(p["remote"]["total"]["online_pct"], 2) == 47.02
        and p["remote"]["total"]["online_above_paper"] == 28
    )
    assert len(p["ranking"]["units"]) == 85 and p["ranking"]["null"]["units"] > 0
    assert {"ranking", "online"} <= set(doc["figures"])
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(files.html.as_uri())
        assert errors == []
        for section in ("ranking", "kireev", "online"):
            assert page.locator(f"details#{section}").count() == 1
            assert page.locator(f'nav.toc a[href="#{section}"]').count() == 1
        assert page.locator("#kireev-table tbody tr").count() == 11
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert len(widths) == len(doc["figures"]) and min(widths) > 0
        page.locator("details#kireev > summary").click()  # folds
        assert page.locator("details#kireev").get_attribute("open") is None
