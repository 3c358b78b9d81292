"""The integer-percentage test: exact definitions, injected fraud, and the published figures."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from smartvote.data.store import Store
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.integer import (
    COUNT_KINDS,
    WEIGHTS,
    integer_histogram,
    integer_monte_carlo,
    integer_probability,
    integer_test,
    integer_test_by_group,
    is_integer_percent,
    selected_stations,
)


def fraction_is_integer(k: int, n: int) -> bool:
    """The definition: 100 k/n lies within 0.05 of the nearest integer (boundary included)."""
    percent = Fraction(100 * k, n)
    return abs(percent - round(percent)) <= Fraction(1, 20)


@settings(max_examples=300)
@given(n=st.integers(1, 10**6), data=st.data())
def test_integer_check_matches_the_fraction_definition(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    assert bool(is_integer_percent(np.array([k]), np.array([n]))[0]) == fraction_is_integer(k, n)


def test_integer_check_at_the_boundaries() -> None:
    k = np.array([141, 1411, 1, 7, 0, 200])
    n = np.array([2000, 20001, 40, 100, 150, 200])
    # 7.05% (boundary, in), 7.0546...% (out), 2.5% (out), 7%, 0%, 100%
    assert is_integer_percent(k, n).tolist() == [True, False, False, True, True, True]


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 2500), data=st.data())
def test_integer_probability_is_the_binomial_mass_of_the_integer_counts(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, n))
    k = np.arange(n + 1)
    integer = is_integer_percent(k, np.full(n + 1, n))
    expected = float(stats.binom.pmf(k[integer], n, x / n).sum())
    assert math.isclose(integer_probability(np.array([x]), np.array([n]))[0], expected, abs_tol=1e-9)


def test_integer_probability_of_large_stations() -> None:
    n = np.array([40_000, 170_000, 3_000])
    x = np.array([38_000, 160_000, 1_500])
    k = [np.arange(m + 1) for m in n]
    expected = [
        stats.binom.pmf(kk[is_integer_percent(kk, np.full(len(kk), m))], m, xx / m).sum()
        for kk, m, xx in zip(k, n, x, strict=True)
    ]
    np.testing.assert_allclose(integer_probability(x, n), expected, rtol=1e-8)


def test_station_selection_rule() -> None:
    registered = np.array([100, 99, 100, 100, 100, 100, 100])
    ballots = np.array([99, 50, 100, 50, 50, 50, 50])
    boxes = np.array([99, 50, 100, 100, 100, 0, 100])
    leader = np.array([50, 20, 50, 99, 100, 0, 0])
    # turnout 99% in; E = 99 out; turnout 100% out; share 99% in; share 100% out; R = 0 out; share 0% in
    expected = [True, False, False, True, False, False, True]
    assert selected_stations(registered, ballots, boxes, leader).tolist() == expected


def honest_election(stations: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Stations whose counts are binomial draws: no integer excess by construction."""
    registered = rng.integers(300, 3000, stations)
    issued = rng.binomial(registered, rng.uniform(0.3, 0.8, stations))
    leader = rng.binomial(issued, rng.uniform(0.3, 0.7, stations))
    return registered, issued, issued.copy(), leader


def test_an_honest_election_shows_no_excess() -> None:
    result = integer_test(*honest_election(20_000, np.random.default_rng(11)))
    for test in result.tests:
        assert abs(test.z) < 4, test
        assert test.p_value > 1e-4


def test_injected_integer_shares_are_found() -> None:
    """Rewrite the leader's votes of 600 stations to an exact integer percentage (where the
    station's size allows one): the excess of "share" stations is the injected count minus
    the chance those stations had of being integer anyway."""
    rng = np.random.default_rng(5)
    registered, issued, boxes, leader = honest_election(20_000, rng)
    candidates = rng.permutation(len(leader))
    target = (rng.integers(55, 80, len(leader)) * boxes + 50) // 100  # nearest count to the percent
    feasible = candidates[is_integer_percent(target[candidates], boxes[candidates])]
    forged = feasible[:600]
    leader[forged] = target[forged]
    test = integer_test(registered, issued, boxes, leader).get("share", "stations")
    truth = 600 - float(integer_probability(leader[forged], boxes[forged]).sum())
    assert abs(test.excess - truth) < 4 * test.sd
    assert test.z > 10 and test.log10_p_value < -20


def test_result_access_and_summary() -> None:
    result = integer_test(*honest_election(2_000, np.random.default_rng(1)), turnout_from="boxes")
    assert len(result.tests) == len(COUNT_KINDS) * len(WEIGHTS)
    assert result.get() is result.get("either", "stations")
    assert result.turnout_from == "boxes" and "2,000 stations" in str(result)
    with pytest.raises(ValueError, match="no test"):
        result.get("both")


def test_groups_are_the_test_on_their_own_stations() -> None:
    counts = honest_election(3_000, np.random.default_rng(4))
    groups = np.array(["north", "south", "east"])[np.arange(3_000) % 3]
    counts[0][groups == "east"] = 50  # too small: no station of "east" is used
    by_group = integer_test_by_group(*counts, groups, turnout_from="boxes")
    assert list(by_group) == ["north", "south", "east"]
    assert by_group["east"].stations_used == 0 and by_group["east"].get().p_value == 1.0
    for name in ("north", "south"):
        alone = integer_test(*(c[groups == name] for c in counts), turnout_from="boxes")
        assert by_group[name].tests == alone.tests
    national = integer_test(*counts, turnout_from="boxes")
    for count in COUNT_KINDS:
        total = sum(r.get(count).observed for r in by_group.values())
        assert total == national.get(count).observed


def test_result_as_plain_data() -> None:
    data = integer_test(*honest_election(500, np.random.default_rng(2))).to_dict()
    assert {"excess", "z", "p_value", "stations_used"} <= data.keys() and len(data["tests"]) == 12


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="turnout_from"):
        integer_test(np.ones(2), np.ones(2), np.ones(2), np.ones(2), turnout_from="received")
    with pytest.raises(ValueError, match="differ in length"):
        integer_test(np.ones(2), np.ones(3), np.ones(2), np.ones(2))


def test_histogram_bins_without_jitter_are_exact() -> None:
    centres, values, integer = integer_histogram(
        np.array([141, 7, 1, 3, 0]), np.array([2000, 100, 40, 0, 9]), jitter=False
    )
    assert len(centres) == 1001 and centres[70] == 7.0 and integer[70] and not integer[71]
    assert values[71] == 1  # 7.05% lies on the edge between 7.0 and 7.1: it goes up
    assert values[70] == 1 and values[25] == 1 and values[0] == 1 and values.sum() == 4


def test_histogram_jitter_is_seeded_and_keeps_the_mass() -> None:
    num, den = np.array([1, 50, 99, 100]), np.array([100, 100, 100, 100])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    first = integer_histogram(num, den, weights=weights, rng=9)[1]
    assert np.array_equal(first, integer_histogram(num, den, weights=weights, rng=9)[1])
    assert first.sum() == 10.0


PUBLISHED_EXCESS = {  # Monte Carlo integer excess, "turnout or share", stations, ballots issued
    "russia-duma-2011": 1003.5,
    "russia-duma-2016": 1502.4,
    "russia-president-2018": 1708.8,
    "russia-duma-2021": 1309.8,
}
CONTESTS = {"russia-president-2018": "president"}


@pytest.fixture(scope="module")
def federal_arrays(real_store: Store) -> dict[str, StationArrays]:
    arrays = {}
    for election in PUBLISHED_EXCESS:
        contest = CONTESTS.get(election, "federal-list")
        tables = (real_store.table(name, election, contest) for name in ("stations", "votes", "choices"))
        arrays[election] = station_arrays(*tables)
    return arrays


def _counts(arrays: StationArrays) -> tuple[np.ndarray, ...]:
    return arrays.registered, arrays.issued, arrays.boxes, arrays.leader


@pytest.mark.parametrize("election", list(PUBLISHED_EXCESS))
def test_excess_reproduces_the_published_monte_carlo(
    federal_arrays: dict[str, StationArrays], election: str
) -> None:
    test = integer_test(*_counts(federal_arrays[election])).get("either", "stations")
    assert abs(test.excess - PUBLISHED_EXCESS[election]) <= 15
    assert test.z > 8 and test.p_value < 1e-15


def test_monte_carlo_agrees_with_the_exact_expectation(federal_arrays: dict[str, StationArrays]) -> None:
    counts = _counts(federal_arrays["russia-duma-2021"])
    seen: list[tuple[int, int]] = []
    simulated = integer_monte_carlo(
        *counts, draws=60, rng=2021, progress=lambda step, d, n: seen.append((d, n))
    )
    exact = integer_test(*counts)
    assert seen[-1] == (60, 60)
    for mc, ex in zip(simulated.tests, exact.tests, strict=True):
        assert (mc.count, mc.weight, mc.observed) == (ex.count, ex.weight, ex.observed)
        assert abs(mc.expected - ex.expected) < 3 * mc.standard_error, mc
