"""The digit and distribution tests of the Election Forensics Toolkit, per set of stations.

Hicken & Mebane, "A Guide to Election Forensics" (USAID / University of Michigan, 2015-2017)
and Mebane's Election Forensics Toolkit compute, for each unit set (the country, a region, a
territorial commission), statistics of the stations' counts whose value under "no fraud" is
known or conventional:

- ``2BL``: the mean second digit of the leader's votes (counts >= 10), expected
  sum_d d P(d) = 4.187 with P(d) = sum_{k=1..9} log10(1 + 1/(10k + d)) (Benford's law of the
  second digit; Mebane, "Election forensics: vote counts and Benford's law", 2006);
- ``LastC``: the mean last digit of the leader's votes (counts >= 10), expected 4.5;
- ``C05s``: the share of those counts ending in 0 or 5, expected 0.2;
- ``P05s_turnout`` / ``P05s_share``: the share of stations whose turnout (ballots issued over
  registered) or leader's share (of the valid ballots), rounded to a whole percent, ends in 0
  or 5, expected 0.2;
- ``skew`` and ``kurtosis`` of the leader's shares, expected 0 and 3 (a normal distribution);
- ``correlation``: the Pearson correlation of turnout and share, 0 where they are unrelated
  (a conventional reference: honest regions can have either sign);
- ``dip``: Hartigan's dip statistic of the shares (Hartigan & Hartigan, Annals of Statistics
  13(1), 1985) with its p-value for unimodality, from the maintained ``diptest`` package.

They are weak evidence on Russian data: Mebane (2013) found them clearing elections that other
methods flag. Intervals are percentile intervals of the Poisson bootstrap over stations (each
station weighted by a Poisson(1) count; Hanley & MacGibbon, Computer Methods and Programs in
Biomedicine 83(1), 2006), which turns every statistic into a matrix product. A test is
significant where its interval excludes the expected value (the dip: where p < 1 - level).
Pure: arrays in, frozen results out.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import diptest
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def second_digit_distribution() -> FloatArray:
    """P(second digit = d), d = 0..9, under Benford's law."""
    k = np.arange(1, 10)[:, None]
    d = np.arange(10)[None, :]
    return np.asarray(np.log10(1 + 1 / (10 * k + d)).sum(axis=0), dtype=np.float64)


#: The expected value of each test (the dip has none: it is judged by its p-value).
EXPECTED: dict[str, float] = {
    "2BL": float(np.arange(10) @ second_digit_distribution()),
    "LastC": 4.5,
    "C05s": 0.2,
    "P05s_turnout": 0.2,
    "P05s_share": 0.2,
    "skew": 0.0,
    "kurtosis": 3.0,
    "correlation": 0.0,
    "dip": math.nan,
}
TESTS: tuple[str, ...] = tuple(EXPECTED)
#: Counts below this have no second digit (and their last digit is their first).
MIN_COUNT = 10


@dataclass(frozen=True)
class DigitTest:
    """One statistic of one unit set: value, bootstrap interval, expected value, verdict."""

    name: str
    value: float
    low: float
    high: float
    expected: float
    n: int
    p_value: float = math.nan

    @property
    def significant(self) -> bool:
        if self.name == "dip":
            return bool(self.p_value < 0.05)
        return bool(not (self.low <= self.expected <= self.high))

    def to_json(self) -> dict[str, Any]:
        def num(v: float) -> float | None:
            return None if math.isnan(v) else round(v, 5)

        return {
            "test": self.name,
            "value": num(self.value),
            "low": num(self.low),
            "high": num(self.high),
            "expected": num(self.expected),
            "n": self.n,
            "p_value": num(self.p_value),
            "significant": self.significant,
        }


@dataclass(frozen=True)
class UnitDigits:
    """Every test of one unit set."""

    label: str
    stations: int
    tests: tuple[DigitTest, ...]

    def get(self, name: str) -> DigitTest:
        return next(t for t in self.tests if t.name == name)

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.label, "stations": self.stations, "tests": [t.to_json() for t in self.tests]}


@dataclass(frozen=True)
class DigitResult:
    """The tests of the whole set and of each group; ``replicates`` bootstrap draws, ``level``."""

    total: UnitDigits
    units: tuple[UnitDigits, ...]
    replicates: int
    level: float

    def to_json(self) -> dict[str, Any]:
        return {
            "replicates": self.replicates,
            "level": self.level,
            "bootstrap": "Poisson",
            "expected": {k: (None if math.isnan(v) else round(v, 6)) for k, v in EXPECTED.items()},
            "total": self.total.to_json(),
            "units": [u.to_json() for u in self.units],
        }


def _second_digit(counts: np.ndarray) -> np.ndarray:
    """The second digit of each count >= 10 (from the left)."""
    c = np.maximum(counts, 10)
    magnitude = 10 ** (np.floor(np.log10(c)).astype(np.int64) - 1)
    # log10 can round 1000 down to 2.9999...: correct the magnitude by integer checks
    magnitude = np.where(c // magnitude >= 100, magnitude * 10, magnitude)
    magnitude = np.where(c // magnitude < 10, magnitude // 10, magnitude)
    return np.asarray((c // magnitude) % 10)


def _ends_0_or_5(values: np.ndarray) -> np.ndarray:
    return np.asarray(values % 5 == 0, dtype=np.float64)


def _columns(
    registered: np.ndarray, issued: np.ndarray, valid: np.ndarray, leader: np.ndarray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-station numerators and weights of the mean-type tests, and the shares.

    Columns: (2BL digit, LastC digit, C05 flag, P05 turnout flag, P05 share flag) with their
    inclusion weights; share and turnout as floats.
    """
    counted = (leader >= MIN_COUNT).astype(np.float64)
    turnout_pct = np.rint(100 * issued / registered).astype(np.int64)
    share_pct = np.rint(100 * leader / valid).astype(np.int64)
    values = np.column_stack(
        [
            _second_digit(leader) * counted,
            (leader % 10) * counted,
            _ends_0_or_5(leader) * counted,
            _ends_0_or_5(turnout_pct),
            _ends_0_or_5(share_pct),
        ]
    )
    ones = np.ones(len(leader))
    weights = np.column_stack([counted, counted, counted, ones, ones])
    return values, weights, np.column_stack([leader / valid, issued / registered])


def digit_tests(
    registered: np.ndarray,
    issued: np.ndarray,
    valid: np.ndarray,
    leader: np.ndarray,
    groups: np.ndarray | None = None,
    replicates: int = 200,
    level: float = 0.95,
    rng: int | np.random.Generator | list[int] | None = 0,
) -> DigitResult:
    """Every test on the stations with registered voters and valid ballots, in total and per group.

    ``groups`` labels each station's unit set (a region, a commission); ``replicates`` Poisson
    bootstrap draws give the intervals at ``level``.
    """
    arrays = [np.asarray(a, dtype=np.int64) for a in (registered, issued, valid, leader)]
    keep = (arrays[0] > 0) & (arrays[2] > 0) & (arrays[1] <= arrays[0])
    labels = np.asarray(groups).astype(str)[keep] if groups is not None else np.full(int(keep.sum()), "")
    order = np.argsort(labels, kind="stable")
    labels = labels[order]
    values, weights, shares = _columns(*(a[keep][order] for a in arrays))
    share, turnout = shares.T
    # moments about the overall means: float32 sums of raw fourth powers would cancel badly
    share, turnout = share - share.mean(), turnout - turnout.mean()
    sums = np.column_stack(
        [values, weights, share, share**2, share**3, share**4, turnout, turnout**2, share * turnout]
    ).astype(np.float32)
    poisson = poisson_weights(replicates, len(share), np.random.default_rng(rng))
    share = shares[:, 0]
    # one slice of the draws per unit set; the whole set's bootstrap sums are the units' sums
    names, starts = np.unique(labels, return_index=True)
    ends = [*starts[1:], len(labels)]
    slices = [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
    boots = [(sums[rows].T @ poisson[rows]).T for rows in slices]
    total = _unit(
        "total", slice(0, len(share)), sums, share, sum(boots, np.zeros((replicates, sums.shape[1]))), level
    )
    units = [
        _unit(str(name), rows, sums, share, boot, level)
        for name, rows, boot in zip(names, slices, boots, strict=True)
    ]
    if groups is None:
        units = []
    return DigitResult(total, tuple(units), replicates, level)


def poisson_weights(replicates: int, n: int, gen: np.random.Generator) -> npt.NDArray[np.float32]:
    """(n x replicates) Poisson(1) weights, by comparing uniforms with the distribution function
    (several times faster than drawing them one by one; P(weight >= 10) ~ 1e-7 is cut at 9)."""
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(9)]).astype(np.float32)
    u = gen.random((n, replicates), dtype=np.float32)
    weights = (u > cdf[0]).astype(np.float32)
    for threshold in cdf[1:]:
        weights += u > threshold
    return weights


def _unit(
    label: str,
    rows: slice,
    sums: npt.NDArray[np.float32],
    share: FloatArray,
    boot_sums: np.ndarray,
    level: float,
) -> UnitDigits:
    """The tests of the stations ``rows`` from their column sums in each bootstrap draw
    (the draws restricted to them are again a Poisson bootstrap: each station's weight is
    independent of the others')."""
    own, share = sums[rows], share[rows]
    n = len(share)
    point = _statistics(own.astype(np.float64).sum(axis=0)[None, :])[0]
    boot = _statistics(boot_sums) if len(boot_sums) and n else np.full((1, 8), np.nan)
    tail = 100 * (1 - level) / 2
    with warnings.catch_warnings():  # a statistic undefined in every draw (a tiny set): NaN bounds
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(boot, tail, axis=0), np.nanpercentile(boot, 100 - tail, axis=0)
    counts = [int(own[:, 5 + k].sum()) for k in range(5)] + [n, n, n]
    tests = [
        DigitTest(name, float(point[k]), float(low[k]), float(high[k]), EXPECTED[name], counts[k])
        for k, name in enumerate(TESTS[:-1])
    ]
    with warnings.catch_warnings():  # beyond 72,000 values the package extrapolates its table
        warnings.simplefilter("ignore", UserWarning)
        dip, p_value = diptest.diptest(share) if n >= 4 else (math.nan, math.nan)
    tests.append(DigitTest("dip", float(dip), math.nan, math.nan, math.nan, n, float(p_value)))
    return UnitDigits(label, n, tuple(tests))


def _statistics(sums: np.ndarray) -> FloatArray:
    """The eight statistics from the (weighted) column sums, one row per bootstrap draw."""
    sums = np.asarray(sums, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums[:, 0:5] / sums[:, 5:10]
        w = sums[:, 8]  # the (bootstrap) number of stations: the weights of P05s_turnout, all 1
        s1, s2, s3, s4 = (sums[:, 10 + k] / w for k in range(4))
        var = s2 - s1**2
        skew = (s3 - 3 * s1 * s2 + 2 * s1**3) / var**1.5
        kurt = (s4 - 4 * s1 * s3 + 6 * s1**2 * s2 - 3 * s1**4) / var**2
        t1, t2, st = sums[:, 14] / w, sums[:, 15] / w, sums[:, 16] / w
        corr = (st - s1 * t1) / np.sqrt(var * (t2 - t1**2))
    return np.asarray(np.column_stack([means, skew, kurt, corr]), dtype=np.float64)
