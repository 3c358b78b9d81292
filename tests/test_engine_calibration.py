"""Acceptance: the engine is calibrated on its own generative process.

400 seeded synthetic elections x 225 districts, errors at known national, regional and
district scales; in each, the engine states P(the recommended candidate beats the ruling
candidate at q = 0.3) from 1,000 draws, and the truth is one more draw of the same process.
In every decile of stated probability holding at least 500 districts, the mean statement and
the observed frequency differ by at most 5 points.
"""

from __future__ import annotations

import numpy as np

from smartvote.tactics.backtest import calibration_table
from smartvote.tactics.recommend import grid_index, recommend, simulate, thresholds
from smartvote.tactics.strength import Scales, draws
from smartvote.tactics.synthetic import synthetic_field

ELECTIONS, DRAWS, Q = 400, 1000, 0.3
SCALES = Scales(national=0.15, regional=0.25, district=0.2)


def test_stated_probabilities_match_observed_frequencies() -> None:
    stated, happened = [], []
    k = grid_index(Q)
    for election in range(ELECTIONS):
        seeds = np.random.SeedSequence([2021, election]).spawn(3)
        field = synthetic_field(np.random.default_rng(seeds[0]))
        result = recommend(field, simulate(field, SCALES, DRAWS, np.random.default_rng(seeds[1])), Q)
        truth = next(draws(field, SCALES, 1, np.random.default_rng(seeds[2])))
        first, _ = thresholds(truth, field.ruling)
        picked = first[0, np.arange(field.shape[0]), result.picks]
        stated.append([d.probability for d in result.districts])
        happened.append(picked <= k)
    table = calibration_table(np.concatenate(stated), np.concatenate(happened).astype(float))
    checked = [row for row in table if row["count"] >= 500]
    assert len(checked) >= 5, table
    for row in checked:
        assert abs(row["mean_stated"] - row["observed"]) <= 0.05, row
