"""The engine's pure core on crafted inputs: every figure here is computed by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartvote.engine.backtest import (
    brier,
    calibration_table,
    compare_picks,
    log_score,
    party_agreement,
    party_backtest,
    strongest_non_ruling,
)
from smartvote.engine.baseline import district_baseline, harmonise_region
from smartvote.engine.coordinate import coordination_curve, flips_per_draw
from smartvote.engine.recommend import (
    HOPELESS,
    NEVER,
    NO_RULING,
    TOO_CLOSE,
    WINS_ALONE,
    EngineDraws,
    beat_probabilities,
    grid_index,
    recommend,
    thresholds,
)
from smartvote.engine.strength import (
    Field,
    Scales,
    draws,
    error_multiplier,
    expected_shares,
    fit_scales,
    national_target,
    slot_multipliers,
)
from smartvote.pages.site.content import number_ranges
from smartvote.tactics.districts import DistrictVotes


def test_region_names_are_harmonised_across_elections() -> None:
    assert harmonise_region("Город Москва") == harmonise_region("город Москва")
    assert harmonise_region("Санкт-Петербург") == harmonise_region("город Санкт-Петербург")
    assert harmonise_region("Кемеровская область - Кузбасс") == harmonise_region("Кемеровская область")
    assert harmonise_region("Кемеровская область – Кузбасс") == harmonise_region("Кемеровская область")
    assert harmonise_region("Тверская область") != harmonise_region("Тульская область")


def _list_election(rows: list[tuple[str, int, int | None, int, int]]) -> tuple[pd.DataFrame, ...]:
    """Stations (region, number, district) with votes for parties A (КПРФ) and B (ЛДПР)."""
    stations = pd.DataFrame(
        {
            "contest": "federal-list",
            "station_id": [f"{r}/{n}" for r, n, *_ in rows],
            "region": [r for r, *_ in rows],
            "number": pd.array([n for _, n, *_ in rows], dtype="Int64"),
            "district": pd.array([d for _, _, d, *_ in rows], dtype="Int64"),
            "no_protocol": False,
        }
    )
    choices = pd.DataFrame(
        {"contest": "federal-list", "choice_id": [1, 2], "party": ["КПРФ", "ЛДПР"], "ballot_position": [1, 2]}
    )
    votes = pd.DataFrame(
        {
            "contest": "federal-list",
            "station_id": [f"{r}/{n}" for r, n, *_ in rows for _ in (1, 2)],
            "choice_id": [c for _ in rows for c in (1, 2)],
            "votes": [v for *_, a, b in rows for v in (a, b)],
        }
    )
    return stations, choices, votes


def test_district_baseline_matches_stations_by_region_and_number() -> None:
    old = _list_election(
        [("Город Москва", 1, None, 30, 10), ("Город Москва", 2, None, 10, 30), ("Тверская", 1, None, 5, 5)]
    )
    new, _, _ = _list_election(
        [
            ("город Москва", 1, 7, 0, 0),
            ("город Москва", 2, 8, 0, 0),
            ("город Москва", 3, 8, 0, 0),
            ("Тверская", 9, 9, 0, 0),
        ]
    )
    b = district_baseline(*old, new, use_own_districts=False)
    assert b.districts == (7, 8, 9)
    assert (b.matched, b.stations) == (2, 4)
    assert b.parties == ("kprf", "ldpr")
    np.testing.assert_allclose(b.shares[0], [0.75, 0.25])
    np.testing.assert_allclose(b.shares[1], [0.25, 0.75])
    assert b.without_baseline == (9,)
    assert b.district_match_rate.tolist() == [1.0, 0.5, 0.0]
    assert b.votes.tolist() == [40.0, 40.0, 0.0]
    assert b.regional(harmonise_region("город Москва")) == pytest.approx({"kprf": 0.5, "ldpr": 0.5})
    np.testing.assert_allclose(b.shares[2], [45 / 90, 45 / 90])  # the national result stands in
    assert b.national == pytest.approx({"kprf": 0.5, "ldpr": 0.5})


def test_national_target_renormalises_the_poll_to_the_listed_parties() -> None:
    prior = {"ur": 0.5, "kprf": 0.2, "yabloko": 0.1, "gone": 0.2}
    poll = {"ur": 0.3, "kprf": 0.15, "new": 0.05}  # sums to 50%: the rest is undecided
    target = national_target(prior, poll, ("ur", "kprf", "yabloko", "new", "unknown"))
    # yabloko keeps 0.1, unknown gets 0.01; the polled parties share 0.89 as 30:15:5
    assert target["yabloko"] == pytest.approx(0.1)
    assert target["unknown"] == pytest.approx(0.01)
    assert target["ur"] == pytest.approx(0.89 * 0.6)
    assert target["new"] == pytest.approx(0.89 * 0.1)
    shares = expected_shares(
        np.array([[0.6, 0.1, 0.1, 0.0, 0.0]]), prior, target, ("ur", "kprf", "yabloko", "new", "unknown")
    )
    np.testing.assert_allclose(shares[0], [0.6 * 0.534 / 0.5, 0.1 * 0.89 * 0.3 / 0.2, 0.1, 0.089, 0.01])


def test_flip_thresholds_by_hand() -> None:
    shares = np.array([[[0.4, 0.3, 0.2, 0.1]]])  # R, A, B, C
    first, won = thresholds(shares, np.array([0]))
    # q*_A = 0.1 / 0.3, q*_B = 0.2 / 0.4 = 0.5 (a tie at 0.5 does not flip), q*_C = 0.3 / 0.5
    assert first[0, 0].tolist() == [NEVER, 34, 51, 61]
    assert won.tolist() == [[True]]
    behind, won = thresholds(np.array([[[0.3, 0.5, 0.2]]]), np.array([0]))
    # A is ahead already; q*_B = (0.3 - 0.2) / (0.7 - 0.2) = 0.2
    assert behind[0, 0].tolist() == [NEVER, 0, 21] and won.tolist() == [[False]]
    alone, _ = thresholds(np.array([[[0.6, 0.4], [0.4, 0.6]]]), np.array([0, 0]))
    assert alone[0, :, 1].tolist() == [NEVER, 0]
    none, won = thresholds(np.array([[[0.6, 0.4]]]), np.array([-1]))
    assert none[0, 0].tolist() == [NEVER, NEVER] and won.tolist() == [[False]]


def test_grid_index_refuses_q_off_the_grid() -> None:
    assert grid_index(0.3) == 30
    with pytest.raises(ValueError):
        grid_index(0.305)


def _field(names: list[tuple[str, ...]], ruling: list[int]) -> Field:
    width = max(len(n) for n in names)
    party = np.array([[s if s < len(n) else -1 for s in range(width)] for n in names])
    return Field(
        districts=tuple(str(i + 1) for i in range(len(names))),
        names=tuple(names),
        parties=tuple(f"p{s}" for s in range(width)),
        regions=("r",),
        party=party,
        mean=np.where(party >= 0, 1.0 / width, 0.0),
        ruling=np.array(ruling),
        region=np.zeros(len(names), dtype=int),
    )


def _simulation(
    first: list[list[list[int]]], ruling_won: list[list[bool]], mean: list[list[float]]
) -> EngineDraws:
    return EngineDraws(np.array(first, dtype=np.uint8), np.array(ruling_won), np.array(mean))


def test_recommendation_flags_and_probabilities_by_hand() -> None:
    field = _field([("R", "A", "B")] * 3 + [("X", "Y")], [0, 0, 0, -1])
    never = NEVER
    # 4 draws; district 1: A beats R at q >= 0.2 in every draw, B at q >= 0.25 in 3 -> too close
    # district 2: A beats R already at q = 0 in 2 draws (wins without coordination)
    # district 3: nobody beats R even at q = 1 -> hopeless
    first = [
        [[never, 20, 25], [never, 0, 50], [never, never, never], [never, never, never]],
        [[never, 20, 25], [never, 0, 60], [never, never, never], [never, never, never]],
        [[never, 20, 25], [never, 40, never], [never, never, never], [never, never, never]],
        [[never, 20, 90], [never, 40, never], [never, never, never], [never, never, never]],
    ]
    won = [[True, False, True, False]] * 4
    mean = [[0.5, 0.3, 0.2], [0.4, 0.35, 0.25], [0.8, 0.1, 0.1], [0.3, 0.7, 0.0]]
    result = recommend(field, _simulation(first, won, mean), q=0.3)
    p = beat_probabilities(_simulation(first, won, mean))
    assert p[0, 1, 19] == 0 and p[0, 1, 20] == 1 and p[0, 2, 25] == 0.75
    d1, d2, d3, d4 = result.districts
    assert (d1.name, d1.probability, d1.runner_up_probability) == ("A", 1.0, 0.75)
    assert d1.flags == ()  # 1.0 - 0.75 >= 0.10
    assert (d2.name, d2.probability, d2.without_coordination) == ("A", 0.5, 0.5)
    assert d2.flags == (WINS_ALONE,)  # B beats R only from q = 0.5: 0% at q = 0.3
    assert HOPELESS in d3.flags and TOO_CLOSE in d3.flags
    assert d4.flags == (NO_RULING,) and d4.name == "Y" and d4.probability is None
    assert "100%" in d1.explanation and "75%" in d1.explanation


def test_coordination_curve_is_a_sort_and_cumulative_sum() -> None:
    never = NEVER
    # 2 draws x 3 districts, pick = slot 1 everywhere
    first = [
        [[never, 10], [never, 30], [never, 0]],  # district 3 already lost by R: not a ruling seat
        [[never, 50], [never, never], [never, 5]],
    ]
    won = [[True, True, False], [True, True, True]]
    sim = _simulation(first, won, [[0.5, 0.5]] * 3)
    flips = flips_per_draw(sim, np.array([1, 1, 1]))
    assert flips[0, [0, 9, 10, 29, 30, 100]].tolist() == [0, 0, 1, 1, 2, 2]
    assert flips[1, [0, 4, 5, 49, 50, 100]].tolist() == [0, 0, 1, 1, 2, 2]
    curve = coordination_curve(sim, np.array([1, 1, 1]))
    assert curve.ruling_seats == 2.5
    assert curve.mean[30] == 1.5 and curve.mean[100] == 2.0


def test_fit_scales_recovers_known_scales() -> None:
    rng = np.random.default_rng(5)
    regions = np.repeat(np.arange(80), 6)
    predicted = rng.dirichlet([5, 3, 2], size=len(regions))
    noise = 0.3 * rng.standard_normal((80, 3))[regions] + 0.15 * rng.standard_normal((len(regions), 3))
    scales = fit_scales(predicted, predicted * np.exp(noise), regions, ("a", "b", "c"), national=0.2)
    assert scales.national == 0.2
    assert scales.regional == pytest.approx(0.3, abs=0.04)
    assert scales.district == pytest.approx(0.15, abs=0.02)


def test_error_multiplier_scales_with_the_free_vote() -> None:
    # reference 1/2 over the vote left to the others, capped at 10 (u = 0.95)
    np.testing.assert_allclose(
        error_multiplier(np.array([0.0, 0.5, 0.75, 0.9, 0.95, 0.999])), [0.5, 1, 2, 5, 10, 10]
    )
    field = _field([("R", "A", "B"), ("R", "A", "B"), ("X", "Y", "Z")], [0, 1, -1])
    field = replace(field, mean=np.array([[0.75, 0.15, 0.1], [0.25, 0.5, 0.25], [0.5, 0.25, 0.25]]))
    # district 1: R expects 75% -> x2 for A and B; district 2: the ruling slot (A) expects 50%;
    # district 3: no ruling candidate (u = 0) -> x0.5 for everyone
    np.testing.assert_allclose(slot_multipliers(field), [[1, 2, 2], [1, 1, 1], [0.5, 0.5, 0.5]])


def test_fit_scales_recovers_scales_in_the_models_parameterisation() -> None:
    rng = np.random.default_rng(6)
    regions = np.repeat(np.arange(80), 6)
    predicted = rng.dirichlet([5, 3, 2], size=len(regions))  # party "a" (column 0) rules
    noise = 0.3 * rng.standard_normal((80, 3))[regions] + 0.15 * rng.standard_normal((len(regions), 3))
    noise[:, 1:] *= error_multiplier(predicted[:, 0])[:, None]  # the others' errors: x free vote
    actual = predicted * np.exp(noise)
    odds = predicted[:, 0] / (1 - predicted[:, 0]) * np.exp(noise[:, 0])  # the ruling error: log-odds
    actual[:, 0] = odds / (1 + odds)
    scales = fit_scales(predicted, actual, regions, ("a", "b", "c"), ruling=0)
    for party, regional, district in scales.by_party:
        assert regional == pytest.approx(0.3, abs=0.06), party
        assert district == pytest.approx(0.15, abs=0.02), party
    assert scales.regional == pytest.approx(0.3, abs=0.04)
    assert scales.district == pytest.approx(0.15, abs=0.02)
    # read as one log-share scale per party, the same residuals look wider for the others
    plain = fit_scales(predicted, actual, regions, ("a", "b", "c"))
    assert plain.district > scales.district + 0.02
    with pytest.raises(ValueError, match="below 1"):
        fit_scales(predicted, np.where(np.arange(3) == 0, 1.0, actual), regions, ("a", "b", "c"), ruling=0)


def test_draws_widen_non_ruling_errors_where_the_ruling_share_is_high() -> None:
    field = _field([("R", "A", "B")] * 2, [0, 0])
    field = replace(field, mean=np.array([[0.3, 0.35, 0.35], [0.9, 0.05, 0.05]]))
    shares = np.concatenate(list(draws(field, Scales(0.0, 0.0, 0.2), 4000, np.random.default_rng(2))))
    spread = np.log(shares[:, :, 1] / shares[:, :, 2]).std(axis=0)
    # log(A / B) has sd sqrt(2) * 0.2 * g: g = 0.5 / 0.7 in district 1, 0.5 / 0.1 = 5 in district 2
    np.testing.assert_allclose(spread, np.sqrt(2) * 0.2 * np.array([0.5 / 0.7, 5.0]), rtol=0.05)


def test_draws_share_national_and_regional_errors() -> None:
    field = _field([("R", "A")] * 4, [0] * 4)
    field = replace(field, regions=("r1", "r2"), region=np.array([0, 0, 1, 1]))
    only_regional = np.concatenate(list(draws(field, Scales(0.0, 0.5, 0.0), 50, np.random.default_rng(1))))
    np.testing.assert_allclose(only_regional[:, 0], only_regional[:, 1])
    assert not np.allclose(only_regional[:, 0], only_regional[:, 2])
    only_national = np.concatenate(list(draws(field, Scales(0.5, 0.0, 0.0), 50, np.random.default_rng(1))))
    np.testing.assert_allclose(only_national[:, 0], only_national[:, 3])
    np.testing.assert_allclose(only_national.sum(axis=2), 1.0, rtol=1e-5)


def test_scores_by_hand() -> None:
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.0, 0.8]])
    outcome = np.array([0, 1])
    # row 1: 0.25 + 0.25; row 2: 0.04 + 1 + 0.64
    assert brier(p, outcome) == pytest.approx((0.5 + 1.68) / 2)
    assert log_score(p, outcome) == pytest.approx((np.log(0.5) + np.log(1e-3)) / 2)
    table = calibration_table(np.array([0.05, 0.15, 0.95, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]))
    assert table[0]["count"] == 1 and table[1]["observed"] == 1.0 and table[9]["count"] == 2
    assert strongest_non_ruling(np.array([[0.5, 0.3, 0.2]]), 0).tolist() == [1]


def test_party_backtest_definitions_on_a_crafted_election() -> None:
    parties = ("ur", "kprf", "ldpr")
    actual = np.array([[0.5, 0.3, 0.2], [0.5, 0.2, 0.3], [0.6, 0.3, 0.1], [0.4, 0.35, 0.25]])
    # two draws that agree with the outcome in districts 1-3, and split in district 4
    samples = np.stack([actual, actual.copy()])
    samples[1, 3] = [0.4, 0.2, 0.4]
    previous = np.array([[0.5, 0.2, 0.3]] * 4)  # the previous runner-up was LDPR everywhere
    oracle = actual
    r = party_backtest(samples, actual, previous, oracle, 0, parties)
    assert r.accuracy == 1.0  # district 4: KPRF 50% vs LDPR 50%, the tie goes to the first
    assert r.brier == pytest.approx((0 + 0 + 0 + 0.5) / 4)
    assert r.baselines.previous_runner_up == 0.25
    assert (r.baselines.most_common, r.baselines.most_common_accuracy) == ("kprf", 0.75)
    # climatological forecast (0, 0.75, 0.25): KPRF districts 0.0625 + 0.0625, LDPR 0.5625 + 0.5625
    assert r.baselines.climatological_brier == pytest.approx((3 * 0.125 + 1.125) / 4)
    assert r.baselines.oracle_swing == 1.0
    assert r.shares.coverage90["ur"] == 1.0


def _district(
    contest: str, names: tuple[str, ...], votes: tuple[int, ...], ruling: int | None, endorsed: int | None
) -> DistrictVotes:
    return DistrictVotes("e", contest, 1, names, ("p",) * len(names), votes, sum(votes), ruling, endorsed)


def test_backtest_b_compares_the_pick_with_the_strongest_non_ruling_candidate() -> None:
    districts = [
        _district("smd-1", ("R", "A", "B"), (50, 30, 20), 0, 2),
        _district("smd-2", ("R", "A", "B"), (50, 10, 40), 0, 2),
        _district("smd-3", ("S", "A", "B"), (60, 30, 10), None, 1),  # no ruling: S counts
    ]
    picks = {"smd-1": ("A", 0.6), "smd-2": ("A", 0.3), "smd-3": ("A", None)}
    rows = compare_picks(picks, districts)
    assert [r.hit for r in rows] == [True, False, False]
    assert [r.endorsement_hit for r in rows] == [False, True, False]
    assert (rows[1].strongest, rows[1].strongest_votes, rows[1].pick_votes) == ("B", 40, 10)
    assert rows[2].strongest == "S"


def test_backtest_c_counts_agreement_by_region_and_the_sources_of_disagreement() -> None:
    model = {1: "kprf", 2: "kprf", 3: "ldpr", 4: "kprf"}
    endorsed = {1: "kprf", 2: "just-russia", 3: "ldpr", 4: "just-russia", 5: "yabloko"}
    region = {1: "A", 2: "A", 3: "B", 4: "B", 5: "B"}
    a = party_agreement(model, endorsed, region)
    assert (a.agree, a.districts, a.rate) == (2, 4, 0.5)
    assert a.by_region == {"A": (1, 2), "B": (1, 2)}
    assert a.disagreements == {"endorsed just-russia, model kprf": 2}


@given(st.lists(st.integers(1, 3000), max_size=60))
def test_number_ranges_lists_every_station_once(numbers: list[int]) -> None:
    expanded: list[int] = []
    for part in filter(None, number_ranges(numbers).split(", ")):
        low, _, high = part.partition("–")
        expanded += range(int(low), int(high or low) + 1)
    assert expanded == sorted(set(numbers))
