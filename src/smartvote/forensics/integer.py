"""Integer percentages as fingerprints of falsified results.

When officials write the results they were told to produce instead of counting, turnout and
the leader's share come out as round percentages (70.0%, 85.0%) far more often than honest
counts allow (Kobak, Shpilkin & Pshenichnikov, "Integer percentages as electoral
falsification fingerprints", Annals of Applied Statistics 10(1), 2016). This module counts
the stations whose turnout ``T = 100 B/E`` or leader's share ``P = 100 L/R`` is integer, and
compares the count with its exact distribution under honest binomial noise
(``L* ~ Bin(R, L/R)``, ``B* ~ Bin(E, B/E)``, independent stations): the exact expectation,
the Poisson-binomial variance and a saddlepoint p-value replace the published Monte Carlo,
which is kept as :func:`integer_monte_carlo` for cross-checks. docs/forensics-integer.md
states the definitions, parameters, sources and pitfalls.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import numpy as np
from scipy import special

from smartvote.forensics.poisson_binomial import log_saddlepoint_upper_tail, moments
from smartvote.progress import Progress

#: "turnout or share" integer, "share integer" (whatever the turnout), "turnout integer".
COUNT_KINDS: tuple[str, ...] = ("either", "share", "turnout")
#: What each integer station adds to the count: 1, its registered voters, its ballots, its leader's votes.
WEIGHTS: tuple[str, ...] = ("stations", "registered", "ballots", "leader")
#: Where the ballots ``B`` of the turnout come from: issued (the default) or found in the boxes.
TURNOUT_FROM: tuple[str, ...] = ("issued", "boxes")
#: Stations with fewer registered voters are left out (their percentages are integer too often).
MIN_REGISTERED = 100
#: Stations above this turnout or share (in percent) are left out (100% is integer trivially).
MAX_PERCENT = 99
#: Half-width of the binomial range searched for integer windows, as ``-log`` of the mass left out.
TRUNCATION_LOG = math.log(2e9)


@dataclass(frozen=True)
class IntegerTest:
    """One weighted count of integer stations against its honest-noise expectation."""

    count: str
    weight: str
    observed: float  # sum w_i 1[integer_i]
    expected: float  # sum w_i q_i
    excess: float  # observed - expected
    sd: float  # sqrt(sum w_i^2 q_i (1 - q_i))
    z: float
    p_value: float  # one-sided P(S >= observed), saddlepoint
    log10_p_value: float  # the same, in log10 (finite where p_value underflows to 0)


@dataclass(frozen=True)
class IntegerResult:
    """Every count x weight of the integer test on one set of stations."""

    tests: tuple[IntegerTest, ...]
    stations_used: int
    turnout_from: str

    def get(self, count: str = "either", weight: str = "stations") -> IntegerTest:
        return _pick(self.tests, count, weight)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the headline test ("either", stations) at the top, then all tests."""
        head = asdict(self.get())
        out: dict[str, Any] = {"stations_used": self.stations_used, "turnout_from": self.turnout_from}
        out |= {k: v for k, v in head.items() if k not in ("count", "weight")}
        return out | {"tests": [asdict(t) for t in self.tests]}

    def __str__(self) -> str:
        head = self.get()
        lines = [
            f"Integer percentages, {self.stations_used:,} stations"
            f" (turnout from ballots {self.turnout_from}):"
            f" {head.observed:,.0f} integer, {head.expected:,.1f} expected, excess {head.excess:+,.1f}"
            f" (z = {head.z:.1f}, p = {_p_text(head.log10_p_value)})",
        ]
        for t in self.tests:
            lines.append(
                f"  {t.count:>7} / {t.weight:<10} excess {t.excess:>+16,.1f}  z {t.z:6.1f}"
                f"  p {_p_text(t.log10_p_value)}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class MonteCarloTest:
    """One weighted count against its simulated distribution (the published procedure)."""

    count: str
    weight: str
    observed: float
    expected: float  # mean of the simulated counts
    excess: float
    sd: float  # standard deviation of the simulated counts
    standard_error: float  # of ``expected``: sd / sqrt(draws)
    p_value: float  # (1 + draws >= observed) / (1 + draws)


@dataclass(frozen=True)
class IntegerMonteCarlo:
    """Every count x weight of the Monte Carlo version of the test."""

    tests: tuple[MonteCarloTest, ...]
    stations_used: int
    turnout_from: str
    draws: int

    def get(self, count: str = "either", weight: str = "stations") -> MonteCarloTest:
        return _pick(self.tests, count, weight)


_T = TypeVar("_T", IntegerTest, MonteCarloTest)


def _pick(tests: tuple[_T, ...], count: str, weight: str) -> _T:
    for test in tests:
        if test.count == count and test.weight == weight:
            return test
    raise ValueError(f"no test {count!r} x {weight!r}; counts are {COUNT_KINDS}, weights {WEIGHTS}")


def _p_text(log10_p: float) -> str:
    return f"{10**log10_p:.2g}" if log10_p > -300 else f"1e{log10_p:.0f}"


def is_integer_percent(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Whether ``100 k/n`` is within 0.05 of an integer ``m = round(100 k/n)``, in exact integers.

    ``|2000 k - 20 m n| <= n``: the percentage rounded to one decimal is integer, both
    boundaries included. Floating point would misjudge boundary cases such as ``k/n = 1/40``
    (2.5%) exactly, or ``100 k/n = m +- 0.05``.
    """
    k, n = np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64)
    m = (200 * k + n) // (2 * n)
    return np.abs(2000 * k - 20 * m * n) <= n


def integer_probability(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``P(100 X/n is integer)`` for ``X ~ Bin(n, x/n)``, station by station, exactly.

    The binomial mass of the integer windows ``{k: |2000 k - 20 m n| <= n}`` is summed over
    the ``k`` within ``x +- t``, where Bernstein's inequality leaves less than ``1e-9`` of the
    mass beyond ``t``. Log-factorials come from one table, so each pmf term is exact to about
    ``1e-10`` relative (rounding of ``log n!`` near ``n = 10^5``). ``x = 0`` and ``x = n``
    give 1: 0% and 100% are integer and the binomial cannot move.
    """
    x, n = np.asarray(x, dtype=np.int64), np.asarray(n, dtype=np.int64)
    if len(n) == 0:
        return np.zeros(0)
    if (n <= 0).any() or (x < 0).any() or (x > n).any():
        raise ValueError("integer_probability needs 0 <= x <= n and n > 0 at every station")
    p = x / n
    sigma = np.sqrt(n * p * (1 - p))
    half = np.ceil(TRUNCATION_LOG / 3 + np.sqrt(TRUNCATION_LOG**2 / 9 + 2 * TRUNCATION_LOG * sigma**2))
    moving = (x > 0) & (x < n)
    station, k = _integer_counts_in_range(
        n, np.maximum(x - half.astype(np.int64), 0), np.minimum(x + half.astype(np.int64), n), moving
    )
    mass = np.bincount(station, weights=np.exp(_log_binomial_pmf(k, station, n, p)), minlength=len(n))
    return np.where(moving, np.minimum(mass, 1.0), 1.0)  # rounding can add up to 1 + 1e-15


def _integer_counts_in_range(
    n: np.ndarray, k_min: np.ndarray, k_max: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (station, k) with ``k_min <= k <= k_max`` and ``100 k/n`` integer, as flat arrays.

    The integer counts of each distinct ``n`` are listed once (:class:`_IntegerCounts`); a
    station's counts in range are one slice of that list.
    """
    distinct, which = np.unique(n, return_inverse=True)
    table = _IntegerCounts(distinct)
    start = table.index(which, k_min - 1)
    sizes = np.where(active, table.index(which, k_max) - start, 0)
    station = np.repeat(np.arange(len(n)), sizes)
    offsets = np.cumsum(sizes) - sizes
    return station, table.k[np.arange(len(station)) + np.repeat(start - offsets, sizes)]


class _IntegerCounts:
    """For each ``n`` of ``distinct``, every ``0 <= k <= n`` with ``100 k/n`` integer, sorted.

    Window ``m`` (the counts that round to ``m`` percent) is ``lo_m..hi_m`` with ``lo_m =
    ceil((20 m n - n) / 2000)`` and ``hi_m = floor((20 m n + n) / 2000)``; the windows of one
    ``n`` are disjoint and increasing, so the list is their concatenation, and the number of
    integer counts up to ``K`` is found in constant time from the window that holds ``K``.
    """

    def __init__(self, distinct: np.ndarray) -> None:
        m = np.arange(101)
        nn = distinct[:, None]
        self.n = distinct
        self.lo = np.maximum(-((-(20 * m * nn - nn)) // 2000), 0)
        self.sizes = np.maximum(np.minimum((20 * m * nn + nn) // 2000, nn) - self.lo + 1, 0)
        self.before = np.cumsum(self.sizes, axis=1) - self.sizes  # counts in earlier windows
        self.start = np.cumsum(self.sizes.sum(axis=1)) - self.sizes.sum(axis=1)
        flat = self.sizes.ravel()
        offsets = np.cumsum(flat) - flat
        self.k = np.arange(int(flat.sum())) + np.repeat(self.lo.ravel() - offsets, flat)

    def index(self, which: np.ndarray, upto: np.ndarray) -> np.ndarray:
        """Position in :attr:`k` just past the integer counts ``<= upto`` of ``n = distinct[which]``."""
        n = self.n[which]
        window = np.clip((2000 * upto + n) // (20 * n), 0, 100)  # the last window starting <= upto
        inside = np.clip(upto - self.lo[which, window] + 1, 0, self.sizes[which, window])
        return self.start[which] + self.before[which, window] + inside


def _log_binomial_pmf(k: np.ndarray, station: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``log P(X = k)`` for ``X ~ Bin(n, p)`` of each pair's station (``0 < p < 1`` there)."""
    log_factorial = special.gammaln(np.arange(int(n.max()) + 2, dtype=float))  # [j] = log (j-1)!
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    base = (log_factorial[n + 1] + n * log_q)[station]
    nk = n[station] - k
    return base - log_factorial[k + 1] - log_factorial[nk + 1] + k * (log_p - log_q)[station]


def selected_stations(
    registered: np.ndarray, ballots: np.ndarray, boxes: np.ndarray, leader: np.ndarray
) -> np.ndarray:
    """The stations the test counts: ``R > 0``, ``E >= 100``, turnout and share at most 99%.

    ``ballots`` is the turnout's numerator ``B`` of the chosen convention. Compared in
    integers: ``100 B <= 99 E`` and ``100 L <= 99 R``.
    """
    return (
        (boxes > 0)
        & (registered >= MIN_REGISTERED)
        & (ballots >= 0)
        & (leader >= 0)
        & (100 * ballots <= MAX_PERCENT * registered)
        & (100 * leader <= MAX_PERCENT * boxes)
    )


@dataclass(frozen=True)
class _Stations:
    """The selected stations of one convention: their counts and weights."""

    turnout_from: str
    keep: np.ndarray  # which input stations were selected
    registered: np.ndarray
    ballots: np.ndarray
    boxes: np.ndarray
    leader: np.ndarray

    def weights(self) -> dict[str, np.ndarray]:
        return {
            "stations": np.ones(len(self.registered), dtype=np.int64),
            "registered": self.registered,
            "ballots": self.ballots,
            "leader": self.leader,
        }


def _prepare(
    registered: np.ndarray, issued: np.ndarray, boxes: np.ndarray, leader: np.ndarray, turnout_from: str
) -> _Stations:
    if turnout_from not in TURNOUT_FROM:
        raise ValueError(f"turnout_from must be one of {TURNOUT_FROM}, not {turnout_from!r}")
    arrays = [np.asarray(a, dtype=np.int64) for a in (registered, issued, boxes, leader)]
    if len({len(a) for a in arrays}) != 1:
        raise ValueError(f"station arrays differ in length: {[len(a) for a in arrays]}")
    registered, issued, boxes, leader = arrays
    ballots = issued if turnout_from == "issued" else boxes
    keep = selected_stations(registered, ballots, boxes, leader)
    return _Stations(turnout_from, keep, registered[keep], ballots[keep], boxes[keep], leader[keep])


def _integer_flags(
    ballots: np.ndarray, registered: np.ndarray, leader: np.ndarray, boxes: np.ndarray
) -> dict[str, np.ndarray]:
    """Which stations (or simulated stations) are integer, per count."""
    flags = {"turnout": is_integer_percent(ballots, registered), "share": is_integer_percent(leader, boxes)}
    flags["either"] = flags["turnout"] | flags["share"]
    return flags


def _either(turnout: np.ndarray, share: np.ndarray) -> np.ndarray:
    """P(turnout or share integer) from the two probabilities, independent under the null."""
    return turnout + share - turnout * share


def integer_test(
    registered: np.ndarray,
    issued: np.ndarray,
    boxes: np.ndarray,
    leader: np.ndarray,
    *,
    turnout_from: str = "issued",
) -> IntegerResult:
    """The exact integer-percentage test, every count x weight, on per-station arrays.

    ``registered`` E, ``issued`` ballots issued, ``boxes`` ballots found in the boxes R and
    ``leader`` the ruling choice's votes L, one entry per station (remote electronic
    pseudo-stations included by the caller, as in the published work). The selection of
    :func:`selected_stations` is applied here. ``turnout_from="boxes"`` takes ``B = R``.
    """
    st = _prepare(registered, issued, boxes, leader, turnout_from)
    return _results(st, *_station_terms(st), np.ones(len(st.registered), dtype=bool))


def integer_test_by_group(
    registered: np.ndarray,
    issued: np.ndarray,
    boxes: np.ndarray,
    leader: np.ndarray,
    groups: np.ndarray,
    *,
    turnout_from: str = "issued",
) -> dict[str, IntegerResult]:
    """:func:`integer_test` within each group of stations (e.g. ``groups`` = the regions).

    The stations' probabilities are computed once for all groups; a group whose stations are
    all left out by the selection gets a result with ``stations_used == 0``.
    """
    st = _prepare(registered, issued, boxes, leader, turnout_from)
    terms = _station_terms(st)
    labels = np.asarray(groups, dtype=object)
    if len(labels) != len(st.keep):
        raise ValueError(f"groups has {len(labels)} entries for {len(st.keep)} stations")
    kept = labels[st.keep]
    return {str(g): _results(st, *terms, kept == g) for g in dict.fromkeys(labels.tolist())}


def _station_terms(st: _Stations) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per count: which selected stations are integer, and their probabilities of it."""
    flags = _integer_flags(st.ballots, st.registered, st.leader, st.boxes)
    probs = {"turnout": integer_probability(st.ballots, st.registered)}
    probs["share"] = integer_probability(st.leader, st.boxes)
    probs["either"] = _either(probs["turnout"], probs["share"])
    return flags, probs


def _results(
    st: _Stations, flags: dict[str, np.ndarray], probs: dict[str, np.ndarray], rows: np.ndarray
) -> IntegerResult:
    tests = tuple(
        _exact_test(count, weight, flags[count][rows], probs[count][rows], w[rows])
        for count in COUNT_KINDS
        for weight, w in st.weights().items()
    )
    return IntegerResult(tests, int(rows.sum()), st.turnout_from)


def _exact_test(count: str, weight: str, flags: np.ndarray, q: np.ndarray, w: np.ndarray) -> IntegerTest:
    observed = float(w[flags].sum())
    expected, variance = moments(q, w)
    sd = math.sqrt(variance)
    log_p = log_saddlepoint_upper_tail(q, w, observed) if len(q) else 0.0
    return IntegerTest(
        count=count,
        weight=weight,
        observed=observed,
        expected=expected,
        excess=observed - expected,
        sd=sd,
        z=(observed - expected) / sd if sd > 0 else 0.0,
        p_value=math.exp(log_p),
        log10_p_value=log_p / math.log(10),
    )


def integer_monte_carlo(
    registered: np.ndarray,
    issued: np.ndarray,
    boxes: np.ndarray,
    leader: np.ndarray,
    *,
    draws: int,
    rng: int | np.random.Generator | None,
    turnout_from: str = "issued",
    progress: Progress | None = None,
) -> IntegerMonteCarlo:
    """The published Monte Carlo: ``draws`` elections with ``L* ~ Bin(R, L/R)``, ``B* ~ Bin(E, B/E)``.

    Same stations and counts as :func:`integer_test`; the expectation is the mean of the
    simulated counts. Vectorised over draws in chunks, reporting ``progress("Monte Carlo draws",
    done, draws)`` after each chunk.
    """
    if draws < 2:
        raise ValueError(f"draws must be at least 2, not {draws}")
    generator = np.random.default_rng(rng)
    st = _prepare(registered, issued, boxes, leader, turnout_from)
    weights = st.weights()
    observed = _integer_flags(st.ballots, st.registered, st.leader, st.boxes)
    simulated = np.empty((draws, len(COUNT_KINDS), len(WEIGHTS)))
    chunk = max(1, 2_000_000 // max(len(st.registered), 1))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        simulated[start : start + size] = _simulate(st, weights, size, generator)
        if progress is not None:
            progress("Monte Carlo draws", start + size, draws)
    tests = tuple(
        _monte_carlo_test(count, weight, float(w[observed[count]].sum()), simulated[:, i, j])
        for i, count in enumerate(COUNT_KINDS)
        for j, (weight, w) in enumerate(weights.items())
    )
    return IntegerMonteCarlo(tests, len(st.registered), turnout_from, draws)


def _simulate(
    st: _Stations, weights: dict[str, np.ndarray], size: int, rng: np.random.Generator
) -> np.ndarray:
    """Weighted integer counts of ``size`` simulated elections: shape (size, counts, weights)."""
    shape = (size, len(st.registered))
    ballots = rng.binomial(st.registered, st.ballots / st.registered, size=shape)
    leader = rng.binomial(st.boxes, st.leader / st.boxes, size=shape)
    flags = _integer_flags(ballots, st.registered, leader, st.boxes)
    w = np.stack([weights[name] for name in WEIGHTS], axis=1).astype(float)
    return np.stack([flags[c].astype(float) @ w for c in COUNT_KINDS], axis=1)


def _monte_carlo_test(count: str, weight: str, observed: float, draws: np.ndarray) -> MonteCarloTest:
    expected, sd = float(draws.mean()), float(draws.std(ddof=1))
    return MonteCarloTest(
        count=count,
        weight=weight,
        observed=observed,
        expected=expected,
        excess=observed - expected,
        sd=sd,
        standard_error=sd / math.sqrt(len(draws)),
        p_value=(1 + int((draws >= observed).sum())) / (1 + len(draws)),
    )


def integer_histogram(
    counts_num: np.ndarray,
    counts_den: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    rng: int | np.random.Generator | None = None,
    jitter: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histogram of ``100 num/den`` in 0.1 pp bins centred on 0.0, 0.1, ..., 100.0.

    Returns the bin centres, the (weighted) station counts and a mask of the integer bins.
    ``jitter`` adds seeded ``U(-0.5, 0.5)`` to each numerator, as in the published figures:
    without it, small denominators pile onto the few fractions they can express and draw
    spikes that are division artefacts, not fraud. Values jittered below 0 or above 100 fall
    into the end bins. Stations with ``den <= 0`` are left out. Without jitter the bin is
    found in exact integer arithmetic.
    """
    num = np.asarray(counts_num, dtype=np.int64)
    den = np.asarray(counts_den, dtype=np.int64)
    w = np.ones(len(num)) if weights is None else np.asarray(weights, dtype=float)
    keep = den > 0
    num, den, w = num[keep], den[keep], w[keep]
    if jitter:
        noisy = num + np.random.default_rng(rng).uniform(-0.5, 0.5, size=len(num))
        index = np.floor(1000.0 * noisy / den + 0.5).astype(np.int64)
    else:
        index = (2000 * num + den) // (2 * den)
    values = np.bincount(np.clip(index, 0, 1000), weights=w, minlength=1001)
    centres = np.arange(1001) / 10.0
    return centres, values, np.arange(1001) % 10 == 0
