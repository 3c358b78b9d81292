"""The fingerprint and Klimek et al.'s fraud model: known answers, and a reduced recovery run
(the full run of issue 10: benchmarks/klimek_recovery.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from smartvote.forensics import klimek
from smartvote.forensics.fingerprint import CELLS, distance, fingerprint, points
from smartvote.forensics.validation_fingerprint import validate_klimek

TRUTH = klimek.Parameters(0.55, 0.08, 0.5, 0.08, 0.25, 0.03, 0.4, 2.0)


def test_fingerprint_cells_are_integer_percentages() -> None:
    # 29/100 is the 29% cell (floating point would put 0.29 * 100 in 28); 100% is the last cell
    pts = points([100, 100, 200, 7, 50], [29, 100, 57, 0, 60], [10, 100, 57, 0, 1])
    assert len(pts) == 3  # no valid ballots, more valid ballots than registered voters: left out
    f = fingerprint(pts)
    assert f.counts[29, 34] == 1 and f.counts[99, 99] == 1 and f.counts[28, 99] == 1 and f.total == 3
    voters = fingerprint(pts, "voters")
    assert voters.counts[28, 99] == 200 and voters.total == 400
    assert distance(f, f) == 0.0
    with pytest.raises(ValueError, match="weight"):
        fingerprint(pts, "ballots")  # type: ignore[arg-type]


def test_truncated_normal_is_scipys() -> None:
    u = np.linspace(0.01, 0.99, 9)
    expected = stats.truncnorm.ppf(u, (0 - 0.9) / 0.2, (1 - 0.9) / 0.2, loc=0.9, scale=0.2)
    np.testing.assert_allclose(klimek.truncated_normal(0.9, 0.2, u), expected, rtol=1e-9)


def test_predictor_matches_a_large_simulation() -> None:
    """The deterministic cell probabilities against 400,000 stations of 5,000 voters each
    drawn from the model (rounding is then below a cell): Hellinger distance about the
    sampling noise."""
    predicted = klimek.Predictor().probabilities(TRUTH)
    assert predicted.sum() == pytest.approx(1.0, abs=1e-9)
    sim = klimek.simulate(np.full(400_000, 5000), TRUTH, 1)
    observed = fingerprint(sim).density
    hellinger = math.sqrt(0.5 * np.sum((np.sqrt(observed) - np.sqrt(predicted)) ** 2))
    noise = math.sqrt(
        0.5
        * np.sum(
            (
                np.sqrt(fingerprint(klimek.simulate(np.full(400_000, 5000), TRUTH, 2)).density)
                - np.sqrt(observed)
            )
            ** 2
        )
    )
    assert hellinger < 1.5 * noise + 0.005


def test_clean_component_is_the_product_of_truncated_normals() -> None:
    clean = klimek.Predictor().components(TRUTH)[0]
    edges = np.linspace(0, 1, CELLS + 1)
    ta = stats.truncnorm((0 - 0.55) / 0.08, (1 - 0.55) / 0.08, loc=0.55, scale=0.08)
    tv = stats.truncnorm((0 - 0.5) / 0.08, (1 - 0.5) / 0.08, loc=0.5, scale=0.08)
    np.testing.assert_allclose(clean, np.outer(np.diff(ta.cdf(edges)), np.diff(tv.cdf(edges))), atol=1e-12)


def test_first_stage_rules_on_a_crafted_election() -> None:
    """Stations placed by hand: the share histogram rises to the 40% bin, drops by 6 after it
    (the first drop of more than 5 from the 10th bin on; the drop of 4 after 20% is not one),
    and peaks at 60%."""
    shares = [0.20] * 4 + [0.40] * 10 + [0.41] * 4 + [0.60] * 30 + [0.70] * 5
    turnouts = [0.30] * 3 + [0.50] * 20 + [0.51] * 10 + [0.80] * 20
    n = len(shares)
    registered = np.full(n, 1000)
    valid = np.rint(np.array(turnouts) * 1000).astype(int)
    leader = np.rint(np.array(shares) * valid).astype(int)
    stage = klimek.first_stage(points(registered, valid, leader))
    assert stage.share_peak == pytest.approx(0.395) and stage.share_mode == pytest.approx(0.595)
    assert stage.turnout_peak == pytest.approx(0.495)  # 20 at 50%, then 10 at 51%
    share, turnout = leader / valid, valid / registered
    below = (share < 0.395) & (turnout < 0.495)
    assert stage.turnout_sd == pytest.approx(math.sqrt(np.mean((turnout[below] - 0.495) ** 2)))
    assert stage.sigma == pytest.approx(math.sqrt(2 * np.mean((share[share < 0.395] - 0.395) ** 2)))
    assert stage.theta == pytest.approx(np.mean((share[share > 0.595] - 0.595) ** 2) ** 0.25)


def test_fit_recovers_one_election_and_its_fair_fingerprint_is_farther() -> None:
    registered = np.random.default_rng(3).integers(300, 3000, 20_000)
    pts = klimek.simulate(registered, TRUTH, 5)
    fit = klimek.fit(pts, bootstrap=100)
    assert fit.intervals["incremental"].covers(0.25) and fit.intervals["extreme"].covers(0.03)
    assert klimek.fit_distance(pts, fit.params) < 0.5 * klimek.fit_distance(pts, fit.params.fair())
    assert fit.to_json()["bootstrap_replicates"] == 100
    assert fit.to_json()["profile_likelihood_intervals"] == ["incremental", "extreme"]


def test_profile_interval_ends_are_where_the_likelihood_ratio_reaches_the_chi2_quantile() -> None:
    """At each end of f_i's 90% profile interval, a fit with f_i held there (from its own
    starting values, not the search's warm start) lies chi2_1(0.9) / 2 below the maximum."""
    pts = klimek.simulate(np.random.default_rng(3).integers(300, 3000, 20_000), TRUTH, 6)
    fit = klimek.fit(pts, bootstrap=0)
    interval = fit.intervals["incremental"]
    assert interval.low < interval.estimate < interval.high == interval.upper_95
    for end in (interval.low, interval.high):
        held = klimek.fit(pts, bootstrap=0, fixed={"incremental": end}, profile=())
        ratio = 2 * (fit.log_likelihood - held.log_likelihood)
        assert stats.chi2.ppf(0.9, 1) - 0.3 < ratio < stats.chi2.ppf(0.9, 1) + 0.3


def test_fit_reaches_the_maximum_with_theta_at_its_bound() -> None:
    """An election like 2004's fit, theta at its upper bound (where the real years' fits sit):
    scoring that let the clipped step stop it reported a likelihood 4.8 below the one a fit
    with theta held at the bound reaches, and a profile interval of f_i with its lower end next
    to the estimate. The maximum over all parameters is at least the one with theta held, and
    f_i's interval ends lie on either side, chi2_1(0.9) / 2 below it."""
    truth = klimek.Parameters(0.66, 0.147, 0.684, 0.095, 0.21, 0.043, 1.5, 2.0)
    pts = klimek.simulate(np.random.default_rng(1).integers(500, 3000, 20_000), truth, 2)
    fit = klimek.fit(pts, bootstrap=0, profile=("incremental",))
    assert fit.params.theta == klimek.BOUNDS[6, 1]
    held = klimek.fit(pts, bootstrap=0, fixed={"theta": klimek.BOUNDS[6, 1]}, profile=())
    assert held.log_likelihood <= fit.log_likelihood + 0.05
    interval = fit.intervals["incremental"]
    assert interval.low < interval.estimate < interval.high
    for end in (interval.low, interval.high):
        at_end = klimek.fit(pts, bootstrap=0, fixed={"incremental": end}, profile=())
        ratio = 2 * (fit.log_likelihood - at_end.log_likelihood)
        assert stats.chi2.ppf(0.9, 1) - 0.3 < ratio < stats.chi2.ppf(0.9, 1) + 0.3


def test_recovery_where_the_model_is_true_reduced() -> None:
    """Elections 0-9 of the benchmark's seed: each of f_i and f_e inside its 90% interval in
    at least 6 of 10 (the binomial 1st percentile of 10 draws at 90%, as 82 is of 100)."""
    assert stats.binom.ppf(0.01, 10, 0.9) == 6
    result = validate_klimek(10, 20_000, seed=2026, mode="model", bootstrap=200)
    assert result.coverage("b", 0).successes >= 6
    assert result.coverage("b", 1).successes >= 6
    assert "f_e inside its 90% interval" in str(result)
