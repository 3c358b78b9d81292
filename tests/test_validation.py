"""Reduced versions of issue 4's acceptance runs (the full runs: benchmarks/validation.py).

Bounds are set so that a correct method passes with probability >= 0.999 at these sizes:
for a correct 5% test, P(Binomial(30, 0.05) >= 7) = 0.0007; the mean of 30 standard normal
z-scores has standard error 0.18, so +-0.6 is 3.3 of them.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.forensics.validation import Proportion, validate_integer, validate_shpilkin, wilson_interval
from smartvote.synthetic import Country, Fraud

NO_CORRELATION = Country().with_correlation(0).without_region_effects()
STUFFING = Fraud(stuffing=0.05)


def test_wilson_interval_closed_forms() -> None:
    z2 = 1.959963984540054**2
    assert wilson_interval(0, 10) == (0.0, pytest.approx(z2 / (10 + z2)))
    low, high = wilson_interval(5, 10)
    assert low + high == pytest.approx(1.0) and high - 0.5 == pytest.approx(0.2634, abs=1e-4)
    assert wilson_interval(100, 100)[1] == 1.0
    assert "3/40 = 7.5%" in str(Proportion(3, 40))


def test_integer_test_false_positive_rate_on_clean_elections() -> None:
    result = validate_integer(30, 10_000, seed=1)
    assert result.rejections.successes <= 6
    assert abs(result.mean_z) <= 0.6
    assert result.rewritten.sum() == 0


def test_integer_test_detects_rewritten_shares() -> None:
    result = validate_integer(10, 20_000, seed=2, fraud=Fraud(round_share=0.02))
    assert result.rejections.successes >= 9
    assert result.rewritten.mean() + result.skipped.mean() == pytest.approx(0.02 * 20_000)


def test_shpilkin_estimates_stuffing_without_correlation() -> None:
    result = validate_shpilkin(10, 30_000, seed=3, country=NO_CORRELATION, fraud=STUFFING, stuffing_to=0.15)
    assert result.stuffing.min() == 0.05 and result.stuffing.max() == 0.15
    assert result.within.successes >= 8
    assert abs(result.baseline.mean()) < 0.1 * result.injected.mean()


def test_shpilkin_difference_and_bias_with_region_effects() -> None:
    result = validate_shpilkin(10, 48_000, seed=4, fraud=STUFFING, stuffing_to=0.15)
    assert result.difference_within.successes >= 8
    # Correlated turnout and share make the clean election look stuffed: the bias is reported.
    assert result.baseline.mean() > 0.1 * result.injected.mean()
    assert "bias, A(no fraud)" in str(result)


def test_validate_command(home: object) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main, ["validate", "integer", "--elections", "2", "--stations", "3000", "--round-share", "0.05"]
    )
    assert ok.exit_code == 0, ok.output
    assert "rejections at alpha = 0.05" in ok.output and "round_share=0.05" in ok.output
    shp = runner.invoke(
        main,
        [
            "validate",
            "shpilkin",
            "--elections",
            "2",
            "--stations",
            "3000",
            "--stuffing",
            "0.1",
            "--no-correlation",
        ],
    )
    assert shp.exit_code == 0, shp.output
    assert "A within 10% of the injected votes" in shp.output
    bad = runner.invoke(
        main, ["validate", "shpilkin", "--stations", "3000", "--stuffing", "5", "--stuffing-top", "0.1"]
    )
    assert bad.exit_code != 0 and "raise stuffing_top" in bad.output and "Traceback" not in bad.output
