"""Acceptance on the real files: totals as officially published and as the data README states."""

from __future__ import annotations

import pandas as pd
import pytest

from smartvote.data.store import Store
from smartvote.summary import summarize


def contest_summary(store: Store, election_id: str, contest: str, by: str | None = None) -> dict[str, object]:
    tables = [store.table(n, election_id, contest) for n in ("stations", "votes", "choices")]
    return summarize(election_id, contest, *tables, by=by).to_json()


def share_of(result: dict[str, object], fragment: str) -> float:
    shares = result["shares_pct"]
    assert isinstance(shares, dict)
    (pct,) = [v for k, v in shares.items() if fragment in k]
    return float(pct)


# Central Election Commission results of the party lists, and the data README's counts.
@pytest.mark.parametrize(
    ("election_id", "contest", "stations", "registered", "turnout"),
    [
        ("russia-duma-2021", "federal-list", 96_325, 109_204_662, 51.72),
        ("russia-duma-2016", "federal-list", 96_871, 110_061_200, 47.88),
        ("russia-duma-2011", "federal-list", 95_225, 109_229_337, None),
        ("russia-president-2018", "president", 97_699, 109_008_428, None),
    ],
)
def test_federal_totals(real_store, election_id, contest, stations, registered, turnout):
    result = contest_summary(real_store, election_id, contest)
    assert result["stations"] == stations
    assert result["registered"] == registered
    if turnout is not None:
        assert result["turnout_pct"] == turnout


def test_2021_party_shares(real_store):
    result = contest_summary(real_store, "russia-duma-2021", "federal-list")
    assert share_of(result, "ЕДИНАЯ РОССИЯ") == 49.82
    assert share_of(result, "КОММУНИСТИЧЕСКАЯ ПАРТИЯ РОССИЙСКОЙ") == 18.93
    assert share_of(result, "ЛДПР") == 7.55
    assert share_of(result, "СПРАВЕДЛИВАЯ РОССИЯ") == 7.46
    assert share_of(result, "НОВЫЕ ЛЮДИ") == 5.32


def test_2016_ruling_share(real_store):
    assert share_of(contest_summary(real_store, "russia-duma-2016", "federal-list"), "ЕДИНАЯ") == 54.20


def test_2021_remote_electronic_pseudo_stations(real_store):
    stations = real_store.table("stations", "russia-duma-2021")
    remote = stations[stations["remote_electronic"]]
    assert len(remote) == 33
    assert remote["station_id"].str.match(r"^DEG-\d+$").all()
    assert remote["station_id"].is_unique
    # 18 rows of the remote-voting commission and the 15 Moscow stations 5001-5015
    moscow = remote[remote["region"] == "город Москва"]
    assert sorted(moscow["number"]) == list(range(5001, 5016))
    assert remote["registered"].sum() == pytest.approx(2.65e6, rel=0.01)


def test_real_irregularities_are_flagged_not_rejected(real_store):
    """The data README: ballots in boxes exceed ballots issued at 18, 4, 6, 7 stations."""
    expected = {
        "russia-duma-2011": 18,
        "russia-duma-2016": 4,
        "russia-president-2018": 6,
        "russia-duma-2021": 7,
    }
    for election_id, count in expected.items():
        reasons = real_store.table("stations", election_id)["inconsistent"]
        assert reasons.str.contains("boxes>issued", regex=False).sum() == count, election_id
    zero = real_store.table("stations", "russia-duma-2021")["registered"] == 0
    assert zero.sum() == 17


def test_districts_known_from_2016_only(real_store):
    assert real_store.table("stations", "russia-duma-2021")["district"].nunique() == 225
    assert real_store.table("stations", "russia-duma-2016")["district"].nunique() == 225
    assert real_store.table("stations", "russia-duma-2011")["district"].isna().all()


def test_ruling_choice_of_each_catalogue_election(real_store):
    for election_id, fragment in [
        ("russia-duma-2011", "ЕДИНАЯ РОССИЯ"),
        ("russia-president-2018", "Путин"),
        ("russia-duma-2021", "ЕДИНАЯ РОССИЯ"),
    ]:
        choices = real_store.table("choices", election_id)
        (name,) = choices.loc[choices["ruling"], "name"]
        assert fragment in name


def test_spb_2021_contests_and_endorsements(real_store):
    duma = real_store.table("contests", "spb-2021-duma")
    city = real_store.table("contests", "spb-2021-city")
    assert (duma["kind"] == "smd").sum() == 8
    assert (city["kind"] == "smd").sum() == 25
    for election_id in ("spb-2021-duma", "spb-2021-city"):
        choices = real_store.table("choices", election_id)
        smd = choices[choices["contest"].str.contains("-smd-")]
        assert (smd.groupby("contest")["endorsed"].sum() == 1).all()
    city_choices = real_store.table("choices", "spb-2021-city")
    ruling = city_choices.groupby("contest")["ruling"].sum()
    assert ruling["city-smd-3"] == 0
    assert (ruling.drop("city-smd-3") == 1).all()


def test_spb_2021_party_list_protocols(real_store):
    result = contest_summary(real_store, "spb-2021-duma", "federal-list")
    assert result["stations"] == 2_043
    assert result["flagged"]["no_protocol"] == 10
    stations = real_store.table("stations", "spb-2021-duma")
    by_contest = stations.set_index(["contest", "number"])["no_protocol"]
    for number in (2151, 2431):  # blank party-list protocol, filled single-member one
        assert by_contest[("federal-list", number)]
        smd = stations[(stations["number"] == number) & (stations["contest"] != "federal-list")]
        assert len(smd) == 1 and not smd["no_protocol"].iloc[0]


def test_spb_2021_scanner_stations(real_store, data_dir):
    """has_koib becomes counted_by_scanner; the scanner / hand-count totals add up from the raw file."""
    raw = pd.read_csv(data_dir / "spb-2021" / "protocols.csv", dtype=str)
    raw = raw[raw["contest"] == "federal-list"]
    stations = real_store.table("stations", "spb-2021-duma", "federal-list")
    assert stations["counted_by_scanner"].sum() == (raw["has_koib"] == "1").sum() == 352
    assert stations["counted_by_scanner"].notna().all()
    result = contest_summary(real_store, "spb-2021-duma", "federal-list", "scanner")
    counted = raw[raw["registered"].notna()]
    issued = counted[["ballots_early", "ballots_in_station", "ballots_outside"]].astype(int).sum(axis=1)
    for label, koib in (("scanner", "1"), ("hand count", "0")):
        (group,) = [g for g in result["groups"] if g["scanner"] == label]
        mine = counted["has_koib"] == koib
        assert group["stations"] == mine.sum()
        assert group["registered"] == counted.loc[mine, "registered"].astype(int).sum()
        assert group["ballots_issued"] == issued[mine].sum()
