"""Tails of weighted Poisson-binomial sums: the exact FFT tail and the saddlepoint approximation."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from smartvote.forensics.poisson_binomial import (
    exact_upper_tail,
    log_exact_upper_tail,
    log_saddlepoint_upper_tail,
    moments,
    saddlepoint_upper_tail,
)


def dp_upper_tail(q: np.ndarray, w: np.ndarray, s: int) -> float:
    """``P(sum w_i X_i >= s)`` by the textbook convolution, one Bernoulli at a time."""
    pmf = np.zeros(int(w.sum()) + 1)
    pmf[0] = 1.0
    for qi, wi in zip(q, w, strict=True):
        nxt = pmf * (1 - qi)
        nxt[wi:] += pmf[: len(pmf) - wi] * qi
        pmf = nxt
    return float(pmf[max(s, 0) :].sum())


# The domain the integer test feeds: station probabilities are truncated at 1e-9 (see the docs);
# subnormal probabilities such as 5e-324 would make the tilted pmf underflow to zero.
probability = st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-9, 1.0 - 1e-9))
probabilities = st.lists(probability, min_size=1, max_size=60).map(np.array)


@settings(max_examples=60, deadline=None)
@given(q=probabilities, data=st.data())
def test_exact_tail_is_the_convolution(q: np.ndarray, data: st.DataObject) -> None:
    s = data.draw(st.integers(-1, len(q) + 1))
    expected = dp_upper_tail(q, np.ones(len(q), dtype=np.int64), s)
    assert math.isclose(exact_upper_tail(q, s), expected, rel_tol=1e-9, abs_tol=1e-300)


def test_exact_tail_keeps_relative_accuracy_far_below_rounding() -> None:
    q = np.random.default_rng(3).uniform(0.05, 0.3, 300)
    for s in (150, 250, 299):
        exact = dp_upper_tail(q, np.ones(300, dtype=np.int64), s)
        assert exact < 1e-30
        assert math.isclose(exact_upper_tail(q, s), exact, rel_tol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    q=st.lists(st.floats(0.05, 0.6), min_size=20, max_size=60).map(np.array),
    weights=st.sampled_from(["unit", "constant", "mixed"]),
    data=st.data(),
)
def test_saddlepoint_is_within_five_percent_of_the_exact_tail(
    q: np.ndarray, weights: str, data: st.DataObject
) -> None:
    """On a lattice (equal weights) anywhere in the upper tail; with mixed weights up to 3 sd
    (near the top of their sparse support the approximation degrades, see the docs)."""
    n = len(q)
    if weights == "mixed":
        w = np.array(data.draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    else:
        w = np.full(n, 1 if weights == "unit" else data.draw(st.integers(2, 5)))
    mean, variance = moments(q, w)
    top = int(mean + 3 * math.sqrt(variance)) if weights == "mixed" else int(w.sum())
    s = data.draw(st.integers(math.ceil(mean), max(top, math.ceil(mean))))
    exact = dp_upper_tail(q, w, s)
    assert math.isclose(saddlepoint_upper_tail(q, w, s), exact, rel_tol=0.05)


def test_saddlepoint_beats_the_normal_tail_far_out() -> None:
    """With 20,000 stations the saddlepoint stays within 1e-5 where the normal tail is off by 10^10."""
    q = np.random.default_rng(7).uniform(0.05, 0.3, 20_000)
    w = np.ones(len(q), dtype=np.int64)
    mean, variance = moments(q, w)
    for z, normal_off_by in ((11, 2.0), (31, 1e10)):
        s = math.ceil(mean + z * math.sqrt(variance))
        exact = log_exact_upper_tail(q, s)
        assert abs(log_saddlepoint_upper_tail(q, w, s) - exact) < 1e-5
        normal = math.log(special.ndtr(-(s - 0.5 - mean) / math.sqrt(variance)))
        assert exact - normal > math.log(normal_off_by)


def test_sure_and_impossible_terms() -> None:
    q = np.array([1.0, 0.0, 0.5, 0.5])
    w = np.array([3, 7, 1, 1])
    assert saddlepoint_upper_tail(q, w, 3) == 1.0
    assert math.isclose(saddlepoint_upper_tail(q, w, 5), 0.25)  # both halves, exactly
    assert saddlepoint_upper_tail(q, w, 6) == 0.0
    assert exact_upper_tail(np.array([1.0, 0.5]), 2) == 0.5


def test_moments_are_the_poisson_binomial_ones() -> None:
    assert moments(np.array([0.5, 0.1]), np.array([2, 10])) == (2.0, 4 * 0.25 + 100 * 0.09)
