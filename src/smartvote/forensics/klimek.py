"""Klimek et al.'s fraud model of the election fingerprint and two estimators of its fractions.

The model (Klimek, Yegorov, Hanel & Thurner, "Statistical detection of systematic election
irregularities", PNAS 109(41), 2012, and its supplement): a clean station draws its turnout
a ~ N(mu_a, s_a) and the leader's share v ~ N(mu_v, s_v) (both kept inside (0, 1)). With
probability f_i it commits incremental fraud, x ~ |N(0, theta)|, with probability f_e extreme
fraud, x = 1 - |N(0, 0.075)| (x redrawn outside (0, 1)); the leader then gains floor(x (E - V))
ballots stuffed from the E - V non-voters and round(x^alpha O) of the other choices' O votes.

Two estimators of (f_i, f_e, alpha):

- :func:`fit_toolkit`, estimator (a): Klimek's procedure as published in the authors' code,
  through the R port ``ComputeKlimekModel`` of the Election Forensics Toolkit (Mebane & Egami,
  GitHub kkalininMI/EFToolkit): peaks and spreads read off the one-dimensional histograms,
  then a grid over (f_i, f_e, alpha) minimising a binned distance between the observed and a
  simulated histogram of the share alone, repeated for a mean and a standard deviation. Its
  rules are reproduced with their pitfalls (docs/forensics-klimek.md): the first-drop peak rule,
  the sqrt(2) in the share spread, the double square root in theta.
- :func:`fit`, estimator (b): the maximum-likelihood fit of all eight parameters to the full
  two-dimensional fingerprint (a multinomial likelihood over its 100 x 100 cells), the model's
  cell probabilities predicted deterministically (the clean part exactly, the fraud parts by
  quadrature over the clean turnout's cells), intervals of f_i and f_e from the profile
  likelihood (Venzon & Moolgavkar, Applied Statistics 37(1), 1988), of the other parameters
  from the one-step bootstrap over stations (Andrews, "Higher-order improvements of a
  computationally attractive k-step bootstrap for extremum estimators", Econometrica 70(1), 2002).

Pure: arrays in, frozen results out; randomness is an argument; progress goes to a callback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from smartvote.errors import SmartvoteError
from smartvote.forensics.fingerprint import (
    CELLS,
    FloatArray,
    Points,
    distance,
    fingerprint,
    points,
)
from smartvote.progress import Progress

#: Width of the extreme-fraud draw x = 1 - |N(0, 0.075)| (PNAS 2012; the authors' code).
EXTREME_WIDTH = 0.075
#: Share of the likelihood's cell probabilities given to a uniform floor, so that a station
#: in a cell the model cannot reach costs a bounded penalty instead of an infinite one.
FLOOR = 1e-4
#: Stations with fewer registered voters are left out of fit (b): their turnouts and shares are
#: ratios of small integers, which pile up on a few cells the continuous model does not know.
MIN_REGISTERED = 100
#: Relative step of the finite differences (wide enough to average over the kinks of the
#: cell sharing, narrow against the spreads).
STEP = 3e-3
Rng = int | np.random.Generator | Sequence[int] | None
EDGES = np.linspace(0.0, 1.0, CELLS + 1)


class TooFewStationsError(SmartvoteError, ValueError):
    """Fewer stations than a fit of the fingerprint needs (a one-line error at the CLI)."""


@dataclass(frozen=True)
class Parameters:
    """The model's eight parameters (fractions, not percentages)."""

    turnout_mean: float
    turnout_sd: float
    share_mean: float
    share_sd: float
    incremental: float
    extreme: float
    theta: float
    alpha: float

    def vector(self) -> FloatArray:
        return np.array([getattr(self, n) for n in NAMES], dtype=np.float64)

    @classmethod
    def of(cls, vector: Sequence[float] | np.ndarray) -> Parameters:
        return cls(*(float(v) for v in vector))

    def fair(self) -> Parameters:
        """The same election without fraud (f_i = f_e = 0)."""
        return replace(self, incremental=0.0, extreme=0.0)

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


NAMES: tuple[str, ...] = tuple(f.name for f in fields(Parameters))
#: Bounds of fit (b), in the order of :data:`NAMES`.
BOUNDS = np.array(
    [
        (0.02, 0.98),
        (0.005, 0.4),
        (0.02, 0.98),
        (0.005, 0.4),
        (0.0, 0.95),
        (0.0, 0.95),
        (0.01, 1.5),
        (0.1, 8.0),
    ]
)


def truncated_normal(
    mean: float, sd: float, u: np.ndarray, low: float = 0.0, high: float = 1.0
) -> FloatArray:
    """N(mean, sd) kept inside (low, high), by the inverse distribution function of uniforms ``u``.

    The same law as redrawing the values outside the interval (the authors' code), but a
    smooth function of the parameters for fixed ``u``: what common random numbers need.
    """
    lo, hi = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    values = mean + sd * ndtri(lo + u * (hi - lo))
    return np.asarray(np.clip(values, low, high), dtype=np.float64)


def fraud_sizes(theta: float, u: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """x of incremental fraud, |N(0, theta)|, and of extreme fraud, 1 - |N(0, 0.075)|, both
    inside (0, 1), from the same uniforms ``u`` (inverse distribution function of the half-normal)."""
    incremental = theta * ndtri(0.5 + 0.5 * u * (2 * ndtr(1 / theta) - 1))
    extreme = 1 - EXTREME_WIDTH * ndtri(0.5 + 0.5 * u * (2 * ndtr(1 / EXTREME_WIDTH) - 1))
    return np.asarray(incremental, dtype=np.float64), np.asarray(extreme, dtype=np.float64)


def falsify(
    registered: np.ndarray,
    valid: np.ndarray,
    leader: np.ndarray,
    params: Parameters,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's fraud applied to clean counts: (valid ballots, leader's votes, type code
    0 none / 1 incremental / 2 extreme)."""
    n = len(registered)
    u = rng.random(n)
    kind = np.zeros(n, dtype=np.int8)
    kind[u < params.incremental] = 1
    kind[(u >= params.incremental) & (u < params.incremental + params.extreme)] = 2
    incremental, extreme = fraud_sizes(params.theta, rng.random(n))
    x = np.where(kind == 1, incremental, np.where(kind == 2, extreme, 0.0))
    stuffed = np.floor(x * (registered - valid)).astype(np.int64)
    moved = np.rint(x**params.alpha * (valid - leader)).astype(np.int64)
    return valid + stuffed, leader + stuffed + moved, kind


def simulate(registered: np.ndarray, params: Parameters, rng: Rng = None) -> Points:
    """One election of the model with these register sizes (the stations of a real election)."""
    gen = np.random.default_rng(rng)
    registered = np.asarray(registered, dtype=np.int64)
    n = len(registered)
    a = truncated_normal(params.turnout_mean, params.turnout_sd, gen.random(n))
    v = truncated_normal(params.share_mean, params.share_sd, gen.random(n))
    valid = np.rint(registered * a).astype(np.int64)
    leader = np.rint(valid * v).astype(np.int64)
    valid, leader, _ = falsify(registered, valid, leader, params, gen)
    return points(registered, valid, leader)


# --- estimator (b): maximum likelihood on the 2D fingerprint -------------------------------


class Predictor:
    """The model's cell probabilities on the 100 x 100 fingerprint, a smooth deterministic
    function of the parameters.

    Why this is accurate and smooth: given a station's clean turnout a, its turnout after fraud
    a + x (1 - a) falls in a cell for x in an interval, whose probability is a difference of the
    (half-normal) distribution function of x; given a and x, the share is an affine function of
    the truncated-normal v, whose cell probabilities are differences of the normal distribution
    function. Only a and x are integrated numerically: a by the midpoint rule in each turnout
    cell (``per_cell`` points, weighted by the cell's exact probability), x at ``sizes``
    conditional quantiles inside each turnout cell it reaches. The clean part is the exact
    product of two truncated-normal cell probabilities.

    Why a on the cells, not on quantiles of its law: whether a small incremental x keeps a
    station in its clean cell depends on where a lies inside that cell; quantile nodes alias
    that position and biased f_i by -0.005 at 200,000 stations (docs/forensics-klimek.md).
    """

    def __init__(self, per_cell: int = 1, sizes: int = 2) -> None:
        self.a = (np.arange(CELLS * per_cell) + 0.5) / (CELLS * per_cell)
        self.per_cell = per_cell
        self.sizes = sizes

    def components(
        self, params: Parameters, fraud: _FraudNodes | None = None
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Cell probabilities of a clean, an incremental and an extreme station; ``fraud`` the
        falsified stations' cells per clean-turnout node, if already computed (:meth:`nodes`)."""
        turnout = _cell_probabilities(params.turnout_mean, params.turnout_sd)
        clean = np.outer(turnout, _cell_probabilities(params.share_mean, params.share_sd))
        fraud = fraud or self.nodes(params)
        weight = self._weight(params)[fraud.used]
        weight /= weight.sum()
        return clean, fraud.incremental.weighted(weight), fraud.extreme.weighted(weight)

    def nodes(
        self, params: Parameters, like: _FraudNodes | None = None, keep_extreme: bool = False
    ) -> _FraudNodes:
        """The falsified stations' cells for each clean-turnout node of weight > 1e-9, or for the
        nodes of ``like``, whose extreme part is kept if ``keep_extreme`` (it does not depend on
        theta)."""
        weight = self._weight(params)
        used = weight > 1e-9 if like is None else like.used
        a, weight = self.a[used], weight[used] / weight[used].sum()
        if like is not None and keep_extreme:
            extreme = like.extreme
        else:
            extreme = _fraud_cells(params, a, weight, self.sizes, extreme=True)
        return _FraudNodes(used, _fraud_cells(params, a, weight, self.sizes, extreme=False), extreme)

    def _weight(self, params: Parameters) -> FloatArray:
        turnout = _cell_probabilities(params.turnout_mean, params.turnout_sd)
        return np.asarray(np.repeat(turnout, self.per_cell) / self.per_cell, dtype=np.float64)

    def probabilities(self, params: Parameters, fraud: _FraudNodes | None = None) -> FloatArray:
        return _mixed(params, *self.components(params, fraud))

    def log_jacobian(self, params: Parameters) -> tuple[FloatArray, FloatArray]:
        """log p (flattened) and its derivatives by the parameters (cells x 8): central
        differences, one-sided at a bound; exact for the two mixing fractions.

        Why the falsified cells per turnout node are reused: the fraud parts are linear in the
        clean turnout's cell weights, so a step of the turnout's mean or sd only reweights the
        nodes; and the extreme part does not depend on theta. A Jacobian then
        costs 8 incremental and 6 extreme parts instead of 13 of each."""
        theta = params.vector()
        fraud = self.nodes(params)
        clean, incremental, extreme = self.components(params, fraud)
        p = _mixed(params, clean, incremental, extreme).ravel()
        logp = np.log(p)
        columns = []
        for k, name in enumerate(NAMES):
            if name in ("incremental", "extreme"):
                part = incremental if name == "incremental" else extreme
                columns.append((1 - FLOOR) * (part - clean).ravel() / p)
                continue
            h = STEP * max(1.0, abs(theta[k]))
            up, down = theta.copy(), theta.copy()
            up[k] = min(theta[k] + h, BOUNDS[k, 1])
            down[k] = max(theta[k] - h, BOUNDS[k, 0])
            diff = self._log_at(up, k, params, fraud, logp) - self._log_at(down, k, params, fraud, logp)
            columns.append(diff / (up[k] - down[k]))
        return logp, np.column_stack(columns)

    def _log_at(
        self, vector: FloatArray, k: int, params: Parameters, fraud: _FraudNodes, logp: FloatArray
    ) -> FloatArray:
        """log p at ``vector``, which differs from ``params`` in parameter k only, reusing what
        does not depend on it (``logp`` itself where the step was cut to nothing at a bound)."""
        if vector[k] == params.vector()[k]:
            return logp
        moved = Parameters.of(vector)
        name = NAMES[k]
        if name in ("turnout_mean", "turnout_sd"):
            reused = fraud
        else:
            reused = self.nodes(moved, fraud, keep_extreme=name == "theta")
        return np.log(self.probabilities(moved, reused)).ravel()


def _mixed(params: Parameters, clean: FloatArray, incremental: FloatArray, extreme: FloatArray) -> FloatArray:
    """The mixture of the three kinds of station, with the uniform floor."""
    f_i, f_e = params.incremental, params.extreme
    mixed = (1 - f_i - f_e) * clean + f_i * incremental + f_e * extreme
    return np.asarray((1 - FLOOR) * mixed + FLOOR / CELLS**2, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class _Falsified:
    """The cell probabilities of a falsified station given its clean turnout node, before the
    nodes are weighted by the turnout's law: for each (node, turnout cell) pair it reaches,
    ordered by cell, the probabilities of the share cells (pairs x cells)."""

    node: npt.NDArray[np.intp]
    cell: npt.NDArray[np.intp]
    share: FloatArray

    def weighted(self, weight: FloatArray) -> FloatArray:
        """The cells (turnout x share) of a falsified station, nodes weighted by ``weight``."""
        cells = np.zeros((CELLS, CELLS))
        if len(self.cell):
            starts = np.flatnonzero(np.diff(self.cell, prepend=-1))
            cells[self.cell[starts]] = np.add.reduceat(weight[self.node][:, None] * self.share, starts)
        return cells


@dataclass(frozen=True, eq=False)
class _FraudNodes:
    """Both kinds of fraud (:class:`_Falsified`) for the clean turnout nodes in ``used``."""

    used: np.ndarray
    incremental: _Falsified
    extreme: _Falsified


def _fraud_cells(params: Parameters, a: FloatArray, w: FloatArray, sizes: int, extreme: bool) -> _Falsified:
    """Cell probabilities of an incremental (or extreme) station whose clean turnout is each
    of ``a``, x taken at ``sizes`` conditional quantiles in each turnout cell it reaches with a
    probability above 1e-13 at the nodes' probabilities ``w``."""
    x_edges = np.clip((EDGES[None, :] - a[:, None]) / (1 - a[:, None]), 0.0, 1.0)
    cdf = _size_cdf(x_edges, params.theta, extreme)
    mass = np.abs(np.diff(cdf, axis=1)) / sizes
    cell, node = np.nonzero((mass * w[:, None]).T > 1e-13)
    q = (np.arange(sizes) + 0.5) / sizes
    low, high = cdf[node, cell], cdf[node, cell + 1]
    x = _size_quantile((low[:, None] + q[None, :] * (high - low)[:, None]).ravel(), params.theta, extreme)
    at = np.repeat(a[node], sizes)
    moved = x**params.alpha
    turnout = at + x * (1 - at)
    slope = np.maximum(at * (1 - moved) / turnout, 1e-12)
    offset = (x * (1 - at) + moved * at) / turnout
    v_edges = np.clip((EDGES[None, :] - offset[:, None]) / slope[:, None], 0.0, 1.0)
    mu_v, s_v = params.share_mean, params.share_sd
    share = np.diff(ndtr((v_edges - mu_v) / s_v), axis=1) / max(
        ndtr((1 - mu_v) / s_v) - ndtr(-mu_v / s_v), 1e-300
    )
    share = mass[node, cell][:, None] * share.reshape(len(node), sizes, CELLS).sum(axis=1)
    return _Falsified(node, cell, share)


def _half_normal_cdf(y: np.ndarray, width: float) -> FloatArray:
    """P(|N(0, width)| <= y | |N(0, width)| < 1)."""
    return np.asarray((2 * ndtr(y / width) - 1) / (2 * ndtr(1 / width) - 1), dtype=np.float64)


def _size_cdf(x: np.ndarray, theta: float, extreme: bool) -> FloatArray:
    """The distribution function of the fraud size x (decreasing in x for extreme fraud, whose
    1 - x is the half-normal; only differences are used)."""
    return _half_normal_cdf(1 - x, EXTREME_WIDTH) if extreme else _half_normal_cdf(x, theta)


def _size_quantile(q: np.ndarray, theta: float, extreme: bool) -> FloatArray:
    """The inverse of :func:`_size_cdf`."""
    width = EXTREME_WIDTH if extreme else theta
    y = width * ndtri(0.5 + 0.5 * np.clip(q, 0, 1) * (2 * ndtr(1 / width) - 1))
    return np.asarray(1 - y if extreme else y, dtype=np.float64)


def _cell_probabilities(mean: float, sd: float) -> FloatArray:
    """P(cell k) of N(mean, sd) kept inside (0, 1), for the 100 cells of 1%."""
    cdf = ndtr((EDGES - mean) / sd)
    return np.asarray(np.diff(cdf) / max(cdf[-1] - cdf[0], 1e-300), dtype=np.float64)


@dataclass(frozen=True)
class Interval:
    """A bootstrap percentile interval of one parameter, and its one-sided upper bound."""

    estimate: float
    low: float
    high: float
    upper_95: float

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


@dataclass(frozen=True, eq=False)
class FitResult:
    """Estimator (b): the fitted parameters and their intervals.

    ``intervals`` has one :class:`Interval` per parameter (``level``: two-sided coverage): the
    profile likelihood's for the parameters in ``profiled``, the bootstrap percentiles for the
    others; ``replicates`` the bootstrap draws (replicates x 8); ``fixed`` the parameters held fixed.
    """

    params: Parameters
    intervals: dict[str, Interval]
    level: float
    replicates: npt.NDArray[np.float64]
    stations: int
    log_likelihood: float
    iterations: int
    fixed: tuple[str, ...]
    profiled: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "estimator": "fingerprint maximum likelihood (b)",
            "params": self.params.to_json(),
            "intervals": {k: v.to_json() for k, v in self.intervals.items()},
            "level": self.level,
            "bootstrap_replicates": len(self.replicates),
            "stations": self.stations,
            "log_likelihood": round(self.log_likelihood, 3),
            "iterations": self.iterations,
            "fixed": list(self.fixed),
            "profile_likelihood_intervals": list(self.profiled),
        }


def starting_values(pts: Points) -> Parameters:
    """Moment guesses: the clean peaks as the modes of the smoothed one-dimensional histograms,
    the spreads from the stations below each mode (the side fraud does not reach)."""
    turnout, share = pts.turnout, pts.share
    mu_a, s_a = _peak_and_left_spread(turnout)
    mu_v, s_v = _peak_and_left_spread(share)
    extreme = float(np.mean((turnout > 0.95) & (share > 0.95)))
    return Parameters(mu_a, s_a, mu_v, s_v, 0.1, min(max(extreme, 0.002), 0.5), 0.3, 1.5)


def _peak_and_left_spread(values: FloatArray) -> tuple[float, float]:
    counts, _ = np.histogram(values, bins=EDGES)
    smooth = np.convolve(counts, np.ones(5) / 5, mode="same")
    smooth[CELLS - 5 :] = 0  # the extreme cluster at 100% is not the clean peak
    peak = (np.argmax(smooth) + 0.5) / CELLS
    left = values[values < peak] - peak
    spread = math.sqrt(float(np.mean(left**2))) if len(left) else 0.05
    clip = lambda x, k: float(np.clip(x, BOUNDS[k, 0], BOUNDS[k, 1]))  # noqa: E731
    return clip(peak, 0), clip(spread, 1)


#: The parameters whose intervals in :func:`fit` come from the profile likelihood.
PROFILED: tuple[str, ...] = ("incremental", "extreme")
#: Scoring iterations of each profile point (warm-started next to its optimum).
PROFILE_ITERATIONS = 6
#: Root-finding steps per interval end, and the accepted error of the signed root.
PROFILE_STEPS = 6
PROFILE_TOLERANCE = 0.05


class _ProfileSearch:
    """The ends of profile-likelihood intervals (Venzon & Moolgavkar, "A method for computing
    profile-likelihood-based confidence intervals", Applied Statistics 37(1), 1988): the values
    psi of one parameter where the signed root sqrt(2 (logL_max - logL_profile(psi))) reaches
    the normal quantile z, logL_profile maximising over the other free parameters.

    Why here: along the ridge where f_i trades against theta the likelihood is far from
    quadratic, and an interval from one scoring step at the estimate (the Wald ellipse, or the
    one-step bootstrap) is then too narrow on one side; the profile follows the ridge. Each
    point is a refit warm-started from the previous point's maximum (the estimate at first),
    moved along the other parameters' regression on psi under the inverse information; the
    root is found by the secant rule on the signed root, nearly linear in psi (on its square
    where the estimate is at a bound).
    """

    def __init__(
        self,
        predictor: Predictor,
        observed: FloatArray,
        theta: FloatArray,
        free: np.ndarray,
        loglik: float,
        info: FloatArray,
    ) -> None:
        self.predictor, self.observed, self.theta, self.free, self.loglik = (
            predictor,
            observed,
            theta,
            free,
            loglik,
        )
        self.covariance = np.linalg.pinv(info)
        self.index = np.flatnonzero(free)

    def interval(self, k: int, level: float) -> Interval:
        z = float(ndtri(0.5 + level / 2))
        z_upper = float(ndtri(0.95))
        high = self.end(k, z, 1)
        upper = high if abs(z - z_upper) < 1e-9 else self.end(k, z_upper, 1)
        return Interval(float(self.theta[k]), self.end(k, z, -1), high, upper)

    def end(self, k: int, z: float, side: int) -> float:
        """The end of the interval on ``side`` (+1 upper, -1 lower) where the signed root is z.

        Why the secant runs on r^2 when the estimate sits at a bound (f_e = 0): there the
        profile falls linearly, not quadratically, so r grows like sqrt(psi - estimate) and a
        secant on r overshoots, while r^2 is nearly linear in psi from the estimate on."""
        estimate, limit = float(self.theta[k]), float(BOUNDS[k, 1 if side > 0 else 0])
        if estimate == limit:
            return limit
        power = 2 if estimate in BOUNDS[k] else 1
        j = int(np.flatnonzero(self.index == k)[0])
        se = math.sqrt(max(self.covariance[j, j], 1e-12))
        previous, r_previous, near = estimate, 0.0, self.theta
        psi = float(np.clip(estimate + side * z * se, *BOUNDS[k]))
        for _ in range(PROFILE_STEPS):
            r, maximum = self.signed_root(k, psi, near)
            if abs(r - z) < PROFILE_TOLERANCE or (r < z and psi == limit):
                break
            t, t_previous = r**power, r_previous**power
            step = (z**power - t) * (psi - previous) / (t - t_previous) if t != t_previous else side * se
            previous, r_previous = psi, r
            psi = float(np.clip(psi + step, *BOUNDS[k]))
            if side * (psi - estimate) <= 0:  # the secant overshot back past the estimate
                psi = 0.5 * (previous + estimate)
            near = maximum if abs(psi - previous) < abs(psi - estimate) else self.theta
        return psi

    def signed_root(self, k: int, psi: float, near: FloatArray) -> tuple[float, FloatArray]:
        """The signed root at psi and the profile's maximum there, refitted from ``near`` (the
        estimate, or the profile's maximum at a psi closer than the estimate: already on the
        ridge) moved along the regression of the other parameters on psi."""
        j = int(np.flatnonzero(self.index == k)[0])
        start = near.copy()
        start[self.index] += self.covariance[:, j] / self.covariance[j, j] * (psi - near[k])
        start = np.clip(start, BOUNDS[:, 0], BOUNDS[:, 1])
        start[k] = psi
        nuisance = self.free.copy()
        nuisance[k] = False
        theta, (loglik, _), _, _ = _maximise(
            self.predictor, self.observed, start, nuisance, PROFILE_ITERATIONS
        )
        return math.sqrt(max(0.0, 2 * (self.loglik - loglik))), theta


def fit(
    pts: Points,
    bootstrap: int = 200,
    level: float = 0.9,
    rng: Rng = 0,
    *,
    fixed: dict[str, float] | None = None,
    predictor: Predictor | None = None,
    min_registered: int = MIN_REGISTERED,
    max_iterations: int = 60,
    profile: Sequence[str] = PROFILED,
    progress: Progress | None = None,
) -> FitResult:
    """Estimator (b): maximum likelihood of the eight parameters on the stations' fingerprint.

    Why it is better identified than (a): it uses the joint distribution (the fraud moves a
    station up in turnout and share together, which the share histogram alone confounds with a
    wide clean share), fits the clean peaks and spreads together with the fraud instead of
    reading them off with fixed rules. Fisher scoring (Gauss-Newton for the multinomial
    likelihood) with step halving finds the maximum; ``fixed`` holds some parameters at given
    values (the published fractions). The intervals of the parameters in ``profile`` (by
    default f_i and f_e) are profile-likelihood intervals (:class:`_ProfileSearch`), which
    follow the ridge where f_i trades against theta; the others come from the one-step
    bootstrap over stations: each replicate resamples the stations (a multinomial draw of the
    cell counts) and takes one scoring step from the estimate (Andrews 2002), a matrix product.
    ``profile=()`` skips the profile refits when only the estimate or the likelihood is needed.
    """
    gen = np.random.default_rng(rng)
    predictor = predictor or Predictor()
    used = pts.subset(pts.registered >= min_registered)
    if len(used) < 100:
        raise TooFewStationsError(
            f"the fingerprint fit needs at least 100 stations of >= {min_registered} voters, got {len(used)}"
        )
    observed = fingerprint(used).counts.ravel()
    n = observed.sum()
    start = starting_values(used)
    fixed = fixed or {}
    free = np.array([name not in fixed for name in NAMES])
    theta = np.array([fixed.get(name, value) for name, value in zip(NAMES, start.vector(), strict=True)])
    theta, loglik, jac, iterations = _maximise(predictor, observed, theta, free, max_iterations)
    info = jac[:, free].T @ (np.exp(loglik[1])[:, None] * jac[:, free]) * n
    step = np.linalg.pinv(info) @ jac[:, free].T  # one scoring step per unit of count change
    replicates = np.tile(theta, (bootstrap, 1))
    probabilities = observed / n
    for b in range(bootstrap):
        resampled = gen.multinomial(int(n), probabilities)
        replicates[b, free] = theta[free] + step @ (resampled - observed)
        if progress:
            progress("bootstrap", b + 1, bootstrap)
    replicates = np.clip(replicates, BOUNDS[:, 0], BOUNDS[:, 1])
    tail = 100 * (1 - level) / 2
    intervals = {
        name: Interval(
            float(theta[k]),
            float(np.percentile(replicates[:, k], tail)) if bootstrap else math.nan,
            float(np.percentile(replicates[:, k], 100 - tail)) if bootstrap else math.nan,
            float(np.percentile(replicates[:, k], 95)) if bootstrap else math.nan,
        )
        for k, name in enumerate(NAMES)
    }
    search = _ProfileSearch(predictor, observed, theta, free, loglik[0], info)
    profiled = tuple(name for name in profile if free[NAMES.index(name)])
    for name in profiled:
        intervals[name] = search.interval(NAMES.index(name), level)
    return FitResult(
        Parameters.of(theta),
        intervals,
        level,
        replicates,
        len(used),
        loglik[0],
        iterations,
        tuple(fixed),
        profiled,
    )


def _maximise(
    predictor: Predictor, observed: FloatArray, theta: FloatArray, free: np.ndarray, max_iterations: int
) -> tuple[FloatArray, tuple[float, FloatArray], FloatArray, int]:
    """Fisher scoring with step halving inside the bounds. Returns the estimate, (log
    likelihood, log p at it), the Jacobian of log p there and the iterations taken.

    Why the parameters at a bound whose score points outward sit out the step (the projected
    Newton method of D. P. Bertsekas, "Projected Newton methods for optimization problems with
    simple constraints", SIAM J. Control Optim. 20(2), 1982): their share of the unconstrained
    step would be clipped away, the clipped step is no longer an ascent direction, the line
    search fails and scoring stopped short of the maximum. On the 2004 election, with theta at
    its upper bound, that left the log likelihood 125 below the maximum and the profile of f_i
    found higher likelihoods than at the "estimate" (docs/forensics-klimek.md).
    """
    n = observed.sum()
    logp, jac = predictor.log_jacobian(Parameters.of(theta))
    loglik = float(observed @ logp)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is returned
        outward = jac.T @ observed
        held = ((theta <= BOUNDS[:, 0]) & (outward < 0)) | ((theta >= BOUNDS[:, 1]) & (outward > 0))
        moving = free & ~held
        if not moving.any():
            break
        j = jac[:, moving]
        score = j.T @ observed
        info = j.T @ (np.exp(logp)[:, None] * j) * n
        direction = np.linalg.lstsq(info + 1e-9 * np.eye(len(info)), score, rcond=None)[0]
        best = _line_search(predictor, observed, theta, moving, direction, loglik)
        if best is None:
            break
        gain = best[1] - loglik
        theta = best[0]
        logp, jac = predictor.log_jacobian(Parameters.of(theta))
        loglik = float(observed @ logp)
        if gain < 1e-2:
            break
    return theta, (loglik, logp), jac, iterations


def _line_search(
    predictor: Predictor,
    observed: FloatArray,
    theta: FloatArray,
    free: np.ndarray,
    direction: FloatArray,
    loglik: float,
) -> tuple[FloatArray, float] | None:
    """The best of the steps 1, 2, 4, ... (while they improve) or 1/2, 1/4, ... (until one
    does) along ``direction``, inside the bounds; ``None`` if none improves.

    Why steps longer than 1: along the ridge where f_i and theta trade off, the expected
    information overstates the curvature and a unit scoring step goes only part of the way.
    """

    def at(step: float) -> tuple[FloatArray, float]:
        candidate = theta.copy()
        candidate[free] = np.clip(theta[free] + step * direction, BOUNDS[free, 0], BOUNDS[free, 1])
        total = candidate[4] + candidate[5]
        if total > 0.99:
            candidate[4:6] *= 0.99 / total
        return candidate, float(observed @ np.log(predictor.probabilities(Parameters.of(candidate))).ravel())

    best = at(1.0)
    if best[1] > loglik:
        step = 2.0
        while step <= 64 and (longer := at(step))[1] > best[1]:
            best, step = longer, 2 * step
        return best
    for halving in range(1, 12):
        shorter = at(0.5**halving)
        if shorter[1] > loglik:
            return shorter
    return None


# --- estimator (a): Klimek's procedure as in the authors' code -----------------------------


@dataclass(frozen=True)
class FirstStage:
    """The authors' first stage: peaks and spreads read off the one-dimensional histograms.

    ``share_peak`` (lambda) and ``turnout_peak``: the left edge of the first bin after which
    the count drops by more than ``threshold`` stations (from the 10th, resp. 15th bin on);
    ``share_mode``: the left edge of the fullest share bin; ``turnout_sd``: the root mean
    square of turnout - peak over stations below both peaks; ``sigma``: sqrt(2) x the root mean
    square of share - peak below the share peak; ``theta``: the square root of the root mean
    square of share - mode above the mode (the double square root of the code).
    """

    share_peak: float
    share_mode: float
    turnout_peak: float
    turnout_sd: float
    sigma: float
    theta: float
    threshold: float

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


#: The Toolkit's histogram: 101 bins of 1% centred on 0%, 1%, ..., 100% (thres = 5).
TOOLKIT_EDGES = -0.005 + 0.01 * np.arange(102)


def first_stage(pts: Points, threshold: float = 5.0) -> FirstStage:
    """The first stage of ``ElectionFitter`` (EFToolkit ``ComputeKlimekModel``, ``Estimate``)."""
    turnout, share = pts.turnout, pts.share
    n = np.histogram(share, bins=TOOLKIT_EDGES)[0]
    drop = threshold
    while True:
        falls = np.flatnonzero(np.diff(n[9:]) < -drop)
        if len(falls) or drop <= 1:
            break
        drop -= 0.5
    n1 = np.histogram(turnout, bins=TOOLKIT_EDGES)[0]
    falls1 = np.flatnonzero(np.diff(n1[14:]) < -drop)
    if not len(falls) or not len(falls1):
        raise ValueError("Klimek's first stage found no peak: no bin is followed by a drop of the counts")
    peak = float(TOOLKIT_EDGES[falls[0] + 9])
    mode = float(TOOLKIT_EDGES[int(np.argmax(n))])
    turnout_peak = float(TOOLKIT_EDGES[falls1[0] + 14])
    below = (share < peak) & (turnout < turnout_peak)
    turnout_sd = _rms(turnout[below] - turnout_peak)
    sigma = math.sqrt(2) * _rms(share[share < peak] - peak)
    theta = math.sqrt(_rms(share[share > mode] - mode))
    if math.isnan(turnout_sd + sigma + theta):
        raise ValueError("Klimek's first stage found no stations below its peaks to read the spreads from")
    return FirstStage(peak, mode, turnout_peak, turnout_sd, sigma, theta, drop)


def _rms(values: np.ndarray) -> float:
    return math.sqrt(float(np.mean(values**2))) if len(values) else math.nan


def toolkit_simulate(
    registered: np.ndarray, stage: FirstStage, f_i: float, f_e: float, alpha: float, rng: np.random.Generator
) -> Points:
    """``Sim_Vote`` of the Toolkit: turnout N(peak, sd) redrawn outside [0, 1]; the two sides'
    rates N(lambda, sigma) and N(1 - lambda, sigma), normalised to add up to 1, redrawn where
    either leaves [0, 1]; then the model's fraud (the extreme x redrawn as 1 - |N(0, 0.075)|)."""
    n = len(registered)
    a = _redrawn(lambda k: stage.turnout_peak + stage.turnout_sd * rng.standard_normal(k), n)
    centre = np.array([stage.share_peak, 1 - stage.share_peak])
    rates = _normalised(centre + stage.sigma * rng.standard_normal((n, 2)))
    while (bad := ((rates < 0) | (rates > 1)).any(axis=1)).any():
        rates[bad] = _normalised(centre + stage.sigma * rng.standard_normal((int(bad.sum()), 2)))
    votes = np.rint(registered[:, None] * a[:, None] * rates).astype(np.int64)
    valid = votes.sum(axis=1)
    params = Parameters(0.5, 0.1, 0.5, 0.1, f_i, f_e, stage.theta, alpha)
    valid, leader, _ = falsify(registered, valid, votes[:, 0], params, rng)
    return points(registered, valid, leader)


def _normalised(rates: FloatArray) -> FloatArray:
    """Each row divided by its sum (a row summing to 0 becomes invalid, and is redrawn)."""
    total = rates.sum(axis=1, keepdims=True)
    return np.asarray(np.where(total > 0, rates / np.where(total > 0, total, 1), -1.0), dtype=np.float64)


def _redrawn(draw: Callable[[int], np.ndarray], n: int) -> FloatArray:
    values = draw(n)
    while (bad := (values < 0) | (values > 1)).any():
        values[bad] = draw(int(bad.sum()))
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class ToolkitGrid:
    """The grid of estimator (a). The Toolkit's own is f_i 0..1 by 0.2, f_e 0..0.3 by 0.1,
    alpha {0.5, 1}, 10 iterations; the default here is finer in f_i and f_e, fewer iterations."""

    incremental: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(20))
    extreme: tuple[float, ...] = tuple(round(0.01 * k, 2) for k in range(11))
    alpha: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
    iterations: int = 3

    @classmethod
    def toolkit(cls) -> ToolkitGrid:
        """The grid of ``ComputeKlimekModel`` itself (48 points, 10 iterations)."""
        return cls((0.0, 0.2, 0.4, 0.6, 0.8, 1.0), (0.0, 0.1, 0.2, 0.3), (0.5, 1.0), 10)


@dataclass(frozen=True, eq=False)
class ToolkitResult:
    """Estimator (a): the first stage, the best grid point of each iteration, their mean and sd."""

    stage: FirstStage
    best: npt.NDArray[np.float64]  # iterations x (f_i, f_e, alpha, distance)
    grid: ToolkitGrid
    stations: int

    @property
    def mean(self) -> FloatArray:
        return np.asarray(self.best[:, :3].mean(axis=0), dtype=np.float64)

    @property
    def sd(self) -> FloatArray:
        return np.asarray(self.best[:, :3].std(axis=0, ddof=1) if len(self.best) > 1 else np.zeros(3))

    def interval(self, k: int, z: float = 1.6448536269514722) -> tuple[float, float]:
        """mean +- z sd of parameter k (0 f_i, 1 f_e, 2 alpha): 90% for the default z."""
        return float(self.mean[k] - z * self.sd[k]), float(self.mean[k] + z * self.sd[k])

    def to_json(self) -> dict[str, Any]:
        return {
            "estimator": "Klimek et al.'s grid (a)",
            "first_stage": self.stage.to_json(),
            "incremental": {"mean": round(float(self.mean[0]), 6), "sd": round(float(self.sd[0]), 6)},
            "extreme": {"mean": round(float(self.mean[1]), 6), "sd": round(float(self.sd[1]), 6)},
            "alpha": {"mean": round(float(self.mean[2]), 6), "sd": round(float(self.sd[2]), 6)},
            "iterations": len(self.best),
            "grid_points": len(self.grid.incremental) * len(self.grid.extreme) * len(self.grid.alpha),
            "stations": self.stations,
        }


def fit_toolkit(
    pts: Points, grid: ToolkitGrid | None = None, rng: Rng = 0, progress: Progress | None = None
) -> ToolkitResult:
    """Estimator (a): Klimek's grid search as in the Toolkit's ``ElectionFitter_sim``.

    Each iteration simulates the election (with its register sizes) once per grid point and
    keeps the point of least ``sum(((sim - obs) / (obs + 1))^2)`` over the share histogram
    (ties averaged); the result is the mean and the standard deviation over iterations.
    """
    grid = grid or ToolkitGrid()
    gen = np.random.default_rng(rng)
    stage = first_stage(pts)
    observed = np.histogram(pts.share, bins=TOOLKIT_EDGES)[0]
    combos = [
        (fi, fe, al) for al in grid.alpha for fe in grid.extreme for fi in grid.incremental if fi + fe <= 1
    ]
    best = np.zeros((grid.iterations, 4))
    for it in range(grid.iterations):
        scores = np.empty(len(combos))
        for c, (fi, fe, al) in enumerate(combos):
            sim = toolkit_simulate(pts.registered, stage, fi, fe, al, gen)
            simulated = np.histogram(sim.share, bins=TOOLKIT_EDGES)[0]
            scores[c] = np.sum(((simulated - observed) / (observed + 1.0)) ** 2)
        ties = np.flatnonzero(scores == scores.min())
        best[it, :3] = np.mean([combos[t] for t in ties], axis=0)
        best[it, 3] = scores.min()
        if progress:
            progress("iterations", it + 1, grid.iterations)
    return ToolkitResult(stage, best, grid, len(pts))


def toolkit_params(result: ToolkitResult) -> tuple[FirstStage, float, float, float]:
    """(first stage, f_i, f_e, alpha) of estimator (a), for simulating its fitted election."""
    f_i, f_e, alpha = (float(v) for v in result.mean)
    return result.stage, f_i, f_e, alpha


def fit_distance(pts: Points, params: Parameters, rng: Rng = 0) -> float:
    """Hellinger distance of the model's election (this station's register sizes) to ``pts``."""
    return distance(fingerprint(pts), fingerprint(simulate(pts.registered, params, rng)))


def toolkit_distance(pts: Points, result: ToolkitResult, rng: Rng = 0) -> float:
    """The same distance for estimator (a)'s fitted election (simulated as the Toolkit does)."""
    stage, f_i, f_e, alpha = toolkit_params(result)
    sim = toolkit_simulate(pts.registered, stage, f_i, f_e, alpha, np.random.default_rng(rng))
    return distance(fingerprint(pts), fingerprint(sim))
