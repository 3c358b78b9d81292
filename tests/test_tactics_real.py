"""Acceptance of issue 5 on the real 2021 data: St Petersburg's candidates and the 2021 list
endorsements against the party-list proxy. Reference figures are those of the issue and the
shared data's README."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from smartvote.data.store import Store
from smartvote.errors import InputError
from smartvote.pipelines.tactics import NoDistrictsError, attach_endorsements, effect_inputs, gap_districts
from smartvote.tactics.effect import EffectResult, endorsement_effect
from smartvote.tactics.gap import NO_RULING, GapResult, coordination_gap

SPB = ("spb-2021-duma", "spb-2021-city")


@pytest.fixture(scope="module")
def endorsed_2021(real_store: Store, data_dir: Path) -> pd.DataFrame:
    return attach_endorsements(real_store, "russia-duma-2021", data_dir / "sv-2021" / "endorsements.csv")


@pytest.fixture(scope="module")
def spb_gaps(real_store: Store) -> list[GapResult]:
    out = []
    for election in SPB:
        found = gap_districts(real_store, election)
        out.append(coordination_gap(election, found.districts, found.proxy))
    return out


@pytest.fixture(scope="module")
def spb_effect(real_store: Store) -> EffectResult:
    units, excluded, districts = effect_inputs(real_store, list(SPB))
    return endorsement_effect(units, excluded, districts, n_boot=2000, rng=2021)


def test_spb_gap_tables(spb_gaps: list[GapResult]) -> None:
    rows = [d for result in spb_gaps for d in result.districts]
    assert len(rows) == 33
    assert sum(d.q_star is not None for d in rows) == 32
    (free,) = [d for d in rows if d.status == NO_RULING]
    assert free.contest == "city-smd-3" and free.runner_up_party == "independent"  # the self-nominated winner


def test_spb_endorsed_candidate_strongest_non_ruling_in_27_of_33(spb_gaps: list[GapResult]) -> None:
    assert sum(r.endorsed_strongest for r in spb_gaps) == 27
    assert sum(r.with_endorsement for r in spb_gaps) == 33


def test_spb_effect(spb_effect: EffectResult) -> None:
    low, high = spb_effect.interval_pp
    assert low < spb_effect.naive_pp < high
    assert spb_effect.districts == 33 and spb_effect.endorsed_units == 33
    assert len(spb_effect.persons) == 4  # the issue: 4 such candidates in St Petersburg 2021
    assert {p.party_id for p in spb_effect.persons} <= {"kprf", "just-russia", "yabloko", "growth"}
    within = spb_effect.within_person_pp
    assert within is not None and f"{spb_effect.naive_pp - within:+.2f} pp" in spb_effect.statement


def test_2021_endorsements_import_party_level(endorsed_2021: pd.DataFrame) -> None:
    counts = endorsed_2021["party_id"].value_counts()
    assert len(endorsed_2021) == 225
    main = {"kprf": 137, "just-russia": 48, "ldpr": 20, "yabloko": 10, "new-people": 5}
    assert {p: counts[p] for p in main} == main
    assert counts.drop(list(main)).sum() == 5
    assert endorsed_2021["choice_id"].isna().all()


def test_2021_endorsed_party_equals_strongest_non_ruling_list_in_142_of_225(
    endorsed_2021: pd.DataFrame, real_store: Store
) -> None:
    found = gap_districts(real_store, "russia-duma-2021")
    result = coordination_gap("russia-duma-2021", found.districts, found.proxy)
    assert found.proxy and len(result.districts) == 225
    assert (result.endorsed_strongest, result.with_endorsement) == (142, 225)
    assert result.caveats[0].startswith("Party-list proxy")
    assert "33 remote electronic pseudo-station(s) in 33 district(s)" in result.caveats[1]
    stations = real_store.table("stations", "russia-duma-2021")
    stations = stations[~stations["no_protocol"]]
    district_196 = next(d for d in found.districts if d.district == 196)
    remote = stations[stations["remote_electronic"] & (stations["district"] == 196)]
    assert len(remote) == 1  # Moscow's pseudo-station 5001 counts in district 196
    in_district = stations[stations["district"] == 196]
    assert district_196.ballots == int(in_district["valid"].sum() + in_district["invalid"].sum())


def test_the_effect_needs_single_member_results(real_store: Store) -> None:
    with pytest.raises(NoDistrictsError, match="russia-duma-2021 has no single-member candidate results"):
        effect_inputs(real_store, ["russia-duma-2021"])
    with pytest.raises(NoDistrictsError, match="russia-duma-2011 has no single-member districts"):
        gap_districts(real_store, "russia-duma-2011")


@pytest.mark.parametrize(
    ("election", "row", "message"),
    [
        ("russia-duma-2021", "226,Nowhere,Someone,КПРФ", "column 'district': unknown district 226"),
        ("spb-2021-duma", "5,Nowhere,Someone,КПРФ", "column 'district': unknown district 5"),
        (
            "spb-2021-duma",
            "216,N,Someone Else,Яблоко",
            "column 'candidate': unknown candidate 'Someone Else'",
        ),
        ("spb-2021-duma", "216,N,{endorsed},КПРФ", "column 'party': '{endorsed}' runs for"),
    ],
)
def test_bad_endorsements_are_refused_and_nothing_is_attached(
    real_store: Store, tmp_path: Path, election: str, row: str, message: str
) -> None:
    choices = real_store.table("choices", "spb-2021-duma", "federal-smd-216")
    endorsed = choices.loc[choices["endorsed"], "name"].item()  # a Yabloko candidate, not KPRF
    row, message = row.format(endorsed=endorsed), message.format(endorsed=endorsed)
    file = tmp_path / "e.csv"
    file.write_text("district,district_name,candidate,party\n" + row + "\n", encoding="utf-8")
    before = real_store.endorsements(election)
    with pytest.raises(InputError, match=f"e.csv, row 1, {message}"):
        attach_endorsements(real_store, election, file)
    pd.testing.assert_frame_equal(real_store.endorsements(election), before)
