"""Weighted sums of independent Bernoulli variables: moments, saddlepoint tail, exact tail.

Under the null of the integer-percentage test every station is integer with its own
probability ``q_i``, independently, so a weighted count ``S = sum w_i X_i`` is a (weighted)
Poisson-binomial variable. Its mean and variance are exact sums; its upper tail, the
one-sided p-value, comes from the Lugannani-Rice saddlepoint formula (Lugannani & Rice,
"Saddle point approximation for the distribution of the sum of independent random
variables", Advances in Applied Probability 12(2), 1980) with the usual continuity
correction for lattice variables: the tail ``P(S >= s)`` is evaluated at ``s - h/2`` with
``u = 2 sinh(t h/2) sqrt(K''(t)) / h`` (span ``h``). A normal tail is far too light for
these sums far out in the tail; the saddlepoint keeps a small *relative* error there, which
:func:`exact_upper_tail` (the exact tail of an unweighted count) measures
(docs/forensics-integer.md).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def moments(q: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Mean ``sum w q`` and variance ``sum w^2 q (1-q)`` of ``S = sum w_i X_i``."""
    q, w = np.asarray(q, dtype=float), np.asarray(w, dtype=float)
    return float(np.sum(w * q)), float(np.sum(w * w * q * (1.0 - q)))


def saddlepoint_upper_tail(q: np.ndarray, w: np.ndarray, s: float) -> float:
    """``P(S >= s)`` for ``S = sum w_i X_i``, ``X_i ~ Bernoulli(q_i)`` independent, integer ``w_i >= 0``.

    The lattice of ``S`` has span ``h = gcd(w)``; in units of ``h`` the tail is
    ``1 - Phi(r) + phi(r) (1/u - 1/r)`` at the saddlepoint ``t`` of ``s~ = ceil(s/h) - 1/2``:
    ``K'(t) = s~``, ``r = sign(t) sqrt(2 (t s~ - K(t)))``, ``u = 2 sinh(t/2) sqrt(K''(t))``,
    where ``K(t) = sum log(1 - q_i + q_i e^(t w_i))`` is the cumulant generating function.
    """
    return math.exp(log_saddlepoint_upper_tail(q, w, s))


def log_saddlepoint_upper_tail(q: np.ndarray, w: np.ndarray, s: float, depth: int = 0) -> float:
    """The natural log of :func:`saddlepoint_upper_tail` (finite far below ``exp``'s underflow).

    A few weights larger than the standard deviation of ``S`` (a remote electronic
    pseudo-station among a region's stations) make ``S`` multimodal: Lugannani-Rice is then far
    off, and can even leave (0, 1]. The tail is then split exactly on the heaviest term h,
    ``P(S >= s) = q_h P(S' >= s - w_h) + (1 - q_h) P(S' >= s)``, ``S'`` without it, when at most
    :data:`MAX_CONDITIONED` terms are that heavy (the same split is the fallback wherever
    Lugannani-Rice is not a probability).
    """
    sure, units, logit, span = _reduce(q, w)
    target = math.ceil((s - sure) / span - 1e-9)  # S/h >= target, an integer
    top = float(units.sum())
    if target <= 0:
        return 0.0
    if target > top:
        return -math.inf
    if target == top:
        return float(np.sum(-np.logaddexp(0.0, -logit)))  # every X_i = 1: sum log q_i
    if depth < MAX_CONDITIONED and units.max() ** 2 > float(
        np.sum(units**2 * special.expit(logit) * special.expit(-logit))
    ):
        return _split_on_heaviest(np.asarray(q, dtype=float), np.asarray(w, dtype=np.int64), s, depth)
    log_tail = _lugannani_rice(units, logit, target - 0.5)
    if math.isnan(log_tail):
        return _split_on_heaviest(np.asarray(q, dtype=float), np.asarray(w, dtype=np.int64), s, depth)
    return log_tail


#: How many of the heaviest terms :func:`log_saddlepoint_upper_tail` may split on exactly (at
#: most 2^3 saddlepoints per tail). Many heavy terms (the 33 remote pseudo-stations of 2021 in a
#: national count) are left to Lugannani-Rice: their sum is itself closer to normal.
MAX_CONDITIONED = 3


def _split_on_heaviest(q: np.ndarray, w: np.ndarray, s: float, depth: int) -> float:
    """``log P(S >= s)`` split on the heaviest varying term (normal tail past the depth limit)."""
    varying = (q > 0.0) & (q < 1.0) & (w > 0)
    if depth >= MAX_CONDITIONED:
        mean, variance = moments(q, w)
        return float(special.log_ndtr((mean - s + 0.5) / math.sqrt(variance)))
    h = int(np.argmax(np.where(varying, w, -1)))
    rest_q, rest_w = np.delete(q, h), np.delete(w, h)
    with_h = math.log(q[h]) + log_saddlepoint_upper_tail(rest_q, rest_w, s - float(w[h]), depth + 1)
    without_h = math.log1p(-q[h]) + log_saddlepoint_upper_tail(rest_q, rest_w, s, depth + 1)
    return float(np.logaddexp(with_h, without_h))


def _reduce(q: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, int]:
    """Drop terms that cannot vary: returns the sure part, weights in lattice units, logits, span."""
    q, w = np.asarray(q, dtype=float), np.asarray(w, dtype=np.int64)
    if len(q) != len(w) or (w < 0).any() or ((q < 0) | (q > 1)).any():
        raise ValueError("need as many weights as probabilities, weights >= 0 and 0 <= q <= 1")
    sure = float(w[q >= 1.0].sum())
    keep = (q > 0.0) & (q < 1.0) & (w > 0)
    w, q = w[keep], q[keep]
    span = int(np.gcd.reduce(w)) if len(w) else 1
    return sure, (w // span).astype(float), np.log(q) - np.log1p(-q), span


def _cgf(t: float, w: np.ndarray, logit: np.ndarray) -> float:
    """``K(t) = sum softplus(t w + a) - softplus(a)``, ``a`` the logits, ``softplus(x) = log(1 + e^x)``."""
    return float(np.sum(_softplus(t * w + logit)) - np.sum(_softplus(logit)))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _slope(t: float, w: np.ndarray, logit: np.ndarray) -> tuple[float, float]:
    """``K'(t)`` and ``K''(t)`` only (the solver's inner loop)."""
    sig = special.expit(t * w + logit)
    return float(np.einsum("i,i->", w, sig)), float(np.einsum("i,i,i,i->", w, w, sig, 1.0 - sig))


def _solve_saddlepoint(w: np.ndarray, logit: np.ndarray, s: float) -> tuple[float, float]:
    """The ``t`` with ``K'(t) = s``: Newton's method, safeguarded by bisection.

    ``K'`` increases from 0 to ``sum w``; every evaluation narrows a bracket around the root,
    and a Newton step that would leave the bracket is replaced by bisection (or, while the
    bracket is still open on one side, by doubling ``t``). Returns ``t`` and ``K''(t)``.
    """
    lo, hi = -math.inf, math.inf
    t = 0.0
    q = special.expit(logit)
    slope, curve = float(np.einsum("i,i->", w, q)), float(np.einsum("i,i,i,i->", w, w, q, 1.0 - q))
    for _ in range(500):
        if abs(slope - s) <= 1e-9 * math.sqrt(curve) or hi - lo <= 1e-15 * abs(t):
            break
        if slope < s:
            lo = t
        else:
            hi = t
        t_new = t + (s - slope) / curve if curve > 0 else math.nan
        if not lo < t_new < hi:
            outward = 2 * t + math.copysign(1.0 / w.max(), s - slope)
            t_new = 0.5 * (lo + hi) if math.isfinite(lo + hi) else outward
        t = t_new
        slope, curve = _slope(t, w, logit)
    return t, curve


def _lugannani_rice(w: np.ndarray, logit: np.ndarray, s: float) -> float:
    """``log P(S >= s + 1/2)`` by Lugannani-Rice with the second continuity correction;
    NaN where the approximation is not a probability."""
    t, k2 = _solve_saddlepoint(w, logit, s)
    k0 = _cgf(t, w, logit)
    if abs(t) * math.sqrt(k2) < 1e-5:  # at the mean r and u vanish together: take the limit
        return math.log(_edgeworth_tail(w, logit, s))
    r = math.copysign(math.sqrt(max(2.0 * (t * s - k0), 0.0)), t)
    u = 2.0 * math.sinh(t / 2.0) * math.sqrt(k2)
    if r > 0:  # Phi-bar(r) = phi(r) * Mills ratio, kept in logs for far tails
        mills = math.sqrt(math.pi / 2.0) * float(special.erfcx(r / math.sqrt(2.0)))
        log_phi = -0.5 * r * r - math.log(_SQRT_2PI)
        ratio = mills + 1.0 / u - 1.0 / r
        return log_phi + math.log(ratio) if ratio > 0 else math.nan
    tail = float(special.ndtr(-r)) + math.exp(-0.5 * r * r) / _SQRT_2PI * (1.0 / u - 1.0 / r)
    return math.log(min(tail, 1.0)) if tail > 0 else math.nan


def _edgeworth_tail(w: np.ndarray, logit: np.ndarray, s: float) -> float:
    """One-term Edgeworth tail, the limit of Lugannani-Rice at the mean."""
    q = special.expit(logit)
    k1 = float(np.sum(w * q))
    k2 = float(np.sum(w**2 * q * (1 - q)))
    k3 = float(np.sum(w**3 * q * (1 - q) * (1 - 2 * q)))
    z = (s - k1) / math.sqrt(k2)
    return float(special.ndtr(-z)) + math.exp(-0.5 * z * z) / _SQRT_2PI * k3 / (6 * k2**1.5) * (z * z - 1)


def exact_upper_tail(q: np.ndarray, s: int) -> float:
    """The exact ``P(S >= s)`` of an unweighted Poisson-binomial count ``S = sum X_i``.

    Exponential tilting centres the distribution on ``s`` (``q_i -> q_i e^t / (1 - q_i +
    q_i e^t)`` with ``K'(t) = s``), where an FFT product of the ``n`` factors is accurate to
    rounding; untilting, ``P(S = k) = exp(K(t) - t k) P_t(S = k)``, keeps that accuracy
    *relative* to tails far below ``1e-16``. Cost ``O(n log^2 n)``. For counts below the mean
    the complement is computed on the mirrored count ``n - S``.
    """
    return math.exp(log_exact_upper_tail(q, s))


def log_exact_upper_tail(q: np.ndarray, s: int) -> float:
    """The natural log of :func:`exact_upper_tail`."""
    sure, units, logit, _ = _reduce(q, np.ones(len(q), dtype=np.int64))
    s = int(s) - int(sure)
    n = len(units)
    if s <= 0:
        return 0.0
    if s > n:
        return -math.inf
    if s == n:
        return float(np.sum(-np.logaddexp(0.0, -logit)))
    if s <= float(np.sum(special.expit(logit))):
        below = math.exp(_log_tilted_tail(-logit, n - s + 1))  # P(S <= s-1) = P(n-S >= n-s+1)
        return math.log1p(-below)
    return _log_tilted_tail(logit, s)


def _log_tilted_tail(logit: np.ndarray, s: int) -> float:
    w = np.ones(len(logit))
    t = _solve_saddlepoint(w, logit, float(s))[0]
    k0 = _cgf(t, w, logit)
    pmf = _product_pmf(special.expit(logit + t))
    k = np.arange(s, len(pmf))
    return k0 - t * s + math.log(float(np.sum(pmf[s:] * np.exp(-t * (k - s)))))


def _product_pmf(q: np.ndarray) -> np.ndarray:
    """The pmf of ``sum X_i``: the coefficients of ``prod (1 - q_i + q_i x)``, by paired FFT products."""
    size = 1 << max(0, (len(q) - 1).bit_length())
    polys = np.zeros((size, 2))
    polys[:, 0] = 1.0
    polys[: len(q), 0] = 1.0 - q
    polys[: len(q), 1] = q
    while len(polys) > 1:
        length = 2 * polys.shape[1]
        spectra = np.fft.rfft(polys, n=length, axis=1)
        polys = np.fft.irfft(spectra[0::2] * spectra[1::2], n=length, axis=1)[:, : length - 1]
        polys = np.clip(polys, 0.0, None)
    return polys[0, : len(q) + 1]
