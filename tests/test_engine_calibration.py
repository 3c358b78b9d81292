"""Acceptance: the engine is calibrated on its own generative process.

400 seeded synthetic elections x 225 districts, errors at known national, regional and
district scales; in each, the engine states P(the recommended candidate beats the ruling
candidate at q = 0.3) from 1,000 draws, and the truth is one more draw of the same process.
In every decile of stated probability holding at least 500 districts, the mean statement and
the observed frequency differ by at most 5 points.
"""

from __future__ import annotations

import numpy as np

from smartvote.engine.backtest import calibration_table
from smartvote.engine.fields import synthetic_field
from smartvote.engine.recommend import grid_index, recommend, simulate, thresholds
from smartvote.engine.strength import Scales, draws

ELECTIONS, DRAWS, Q = 400, 1000, 0.3
SCALES = Scales(national=0.15, regional=0.25, district=0.2)


def calibration(truth_scales: Scales, elections: int) -> list[dict[str, float]]:
    """Deciles of stated probability vs observed frequency, the truth drawn at ``truth_scales``."""
    stated, happened = [], []
    k = grid_index(Q)
    for election in range(elections):
        seeds = np.random.SeedSequence([2021, election]).spawn(3)
        field = synthetic_field(np.random.default_rng(seeds[0]))
        result = recommend(field, simulate(field, SCALES, DRAWS, np.random.default_rng(seeds[1])), Q)
        truth = next(draws(field, truth_scales, 1, np.random.default_rng(seeds[2])))
        first, _ = thresholds(truth, field.ruling)
        picked = first[0, np.arange(field.shape[0]), result.picks]
        stated.append([d.probability for d in result.districts])
        happened.append(picked <= k)
    return calibration_table(np.concatenate(stated), np.concatenate(happened).astype(float))


def test_stated_probabilities_match_observed_frequencies() -> None:
    table = calibration(SCALES, ELECTIONS)
    checked = [row for row in table if row["count"] >= 500]
    assert len(checked) >= 5, table
    for row in checked:
        assert abs(row["mean_stated"] - row["observed"]) <= 0.05, row


def test_the_check_fails_when_the_truth_is_twice_as_noisy() -> None:
    """The negative control: the same check must catch a model whose scales are half the truth's."""
    doubled = Scales(national=0.3, regional=0.5, district=0.4)
    table = calibration(doubled, ELECTIONS // 4)
    checked = [row for row in table if row["count"] >= 125]
    assert any(abs(row["mean_stated"] - row["observed"]) > 0.05 for row in checked), table
