"""The digit and distribution tests: the expected values from their formulas, a hand-computed
set of counts, and their false-positive rate on clean synthetic elections (reduced; the full
run: benchmarks/digits.py)."""

from __future__ import annotations

import math

import diptest
import numpy as np
import pytest
from scipy import stats

from smartvote.forensics.digits import EXPECTED, digit_tests, second_digit_distribution
from smartvote.forensics.validation_fingerprint import validate_digits


def test_second_digit_distribution_is_the_formula() -> None:
    formula = [sum(math.log10(1 + 1 / (10 * k + d)) for k in range(1, 10)) for d in range(10)]
    np.testing.assert_allclose(second_digit_distribution(), formula, rtol=0, atol=1e-12)
    assert sum(formula) == pytest.approx(1.0, abs=1e-12)
    assert EXPECTED["2BL"] == pytest.approx(4.187, abs=5e-4)


def test_digit_tests_on_crafted_counts_equal_a_hand_computation() -> None:
    registered = np.array([1000, 1000, 2000, 500, 800, 100])
    issued = np.array([455, 600, 1000, 250, 403, 99])
    valid = np.array([450, 590, 990, 250, 400, 90])
    leader = np.array([225, 500, 995, 7, 100, 45])
    result = digit_tests(registered, issued, valid, leader, replicates=50).total
    # counts >= 10: 225, 500, 995, 100, 45 -> second digits 2, 0, 9, 0, 5; last digits 5, 0, 5, 0, 5
    assert result.get("2BL").value == pytest.approx((2 + 0 + 9 + 0 + 5) / 5) and result.get("2BL").n == 5
    assert result.get("LastC").value == pytest.approx(3.0)
    assert result.get("C05s").value == pytest.approx(1.0)
    # turnouts 45.5 -> 46 (rint: 45.5 rounds to even, 46), 60, 50, 50, 50.4 -> 50, 99
    assert result.get("P05s_turnout").value == pytest.approx(4 / 6)
    share = leader / valid
    pct = np.rint(100 * share).astype(int)
    assert result.get("P05s_share").value == pytest.approx(np.mean(pct % 5 == 0))
    assert result.get("skew").value == pytest.approx(stats.skew(share))
    assert result.get("kurtosis").value == pytest.approx(stats.kurtosis(share, fisher=True) + 3)
    assert result.get("correlation").value == pytest.approx(np.corrcoef(share, issued / registered)[0, 1])
    dip, p = diptest.diptest(share)
    assert result.get("dip").value == pytest.approx(dip) and result.get("dip").p_value == pytest.approx(p)


def test_groups_and_json() -> None:
    rng = np.random.default_rng(0)
    registered = rng.integers(500, 2000, 3000)
    issued = rng.binomial(registered, 0.6)
    valid = issued - rng.binomial(issued, 0.02)
    leader = rng.binomial(valid, rng.uniform(0.2, 0.8, 3000))  # wide: whole percents equally likely
    groups = np.repeat(["b", "a", "c"], 1000)
    result = digit_tests(registered, issued, valid, leader, groups, replicates=100)
    assert [u.label for u in result.units] == ["a", "b", "c"] and result.units[0].stations == 1000
    doc = result.to_json()
    assert doc["replicates"] == 100 and len(doc["units"]) == 3 and doc["total"]["tests"][0]["test"] == "2BL"
    interval = result.total.get("P05s_share")
    assert interval.low < 0.2 < interval.high


def test_false_positive_rates_on_clean_elections_reduced() -> None:
    result = validate_digits(4, 5_000, seed=1, replicates=100)
    assert set(result.significant) >= {"none", "rounding: 5% of shares"}
    # a correct 5% test is significant in 2 or more of 4 clean elections with probability 0.014
    assert result.rate("none", "C05s").successes <= 1
    assert result.rate("none", "P05s_turnout").successes <= 1
    # the generator's clean shares are skewed by design (docs/synthetic-elections.md): the
    # conventional expected skewness 0 flags every clean election
    assert result.rate("none", "skew").successes == 4
    assert "P05s_share" in str(result)
