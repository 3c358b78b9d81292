"""The integer test's saddlepoint tail when one station outweighs the rest (a remote
electronic pseudo-station in a region): split exactly on the heavy term, it stays a
probability and agrees with the published Monte Carlo.

Found by running ``smartvote report`` on synthetic elections: the Lugannani-Rice formula left
(0, 1] ("math domain error") for a region's ballots-weighted turnout count.
"""

from __future__ import annotations

import math

import numpy as np

from smartvote.forensics.integer import integer_monte_carlo, integer_test
from smartvote.forensics.poisson_binomial import log_saddlepoint_upper_tail
from smartvote.synthetic import Country, Fraud, simulate


def test_region_with_a_remote_station_gets_a_valid_p_value() -> None:
    country = Country().with_correlation(0).without_region_effects()
    sim = simulate(30_000, np.random.default_rng(7), country, Fraud(stuffing=0.1, remote=3))
    c, region = sim.counts, sim.geography.region
    hit = region == 11
    assert (sim.remote & hit).any()
    args = (c.registered[hit], c.issued[hit], c.boxes[hit], c.leader[hit])
    exact = integer_test(*args).get("turnout", "ballots")
    mc = integer_monte_carlo(*args, draws=4000, rng=1).get("turnout", "ballots")
    assert 0 < exact.p_value <= 1
    assert abs(exact.p_value - mc.p_value) < 3 * math.sqrt(mc.p_value * (1 - mc.p_value) / 4000)


def test_split_on_the_heaviest_term_is_exact_for_a_sure_jump() -> None:
    """With a term heavier than the target, P(S >= s) = q_h + (1 - q_h) P(S' >= s)."""
    rng = np.random.default_rng(3)
    q = rng.uniform(0.05, 0.2, 400)
    w = rng.integers(100, 1000, 400)
    rest = log_saddlepoint_upper_tail(q, w, 60_000)
    q_all, w_all = np.append(q, 0.1), np.append(w, 10**7)
    combined = math.exp(log_saddlepoint_upper_tail(q_all, w_all, 60_000))
    assert math.isclose(combined, 0.1 + 0.9 * math.exp(rest), rel_tol=0.02)
