"""Klimek et al.'s fraud model and the digit tests on synthetic elections whose truth is known.

Three kinds of elections (issue 10): drawn from the Klimek model itself (its Gaussian clean
turnout and share, the parameters drawn per election in the ranges of the issue, the register
sizes of the generator's country), where estimator (b)'s 90% intervals must cover f_i and f_e;
the generator's country (heterogeneous, correlated, skewed clean shares) with its Klimek fraud,
where the model is wrong and coverage and bias are the finding; and the generator's clean
elections, where a one-sided 95% lower bound of f_e above 0 is a false positive. The digit
tests are run on clean elections (false-positive rates) and against rounding and vote moving
(power). Election ``i`` of seed ``s`` uses ``election_rng(s, i)``, as in
:mod:`smartvote.forensics.validation`, whose helpers this module reuses. Pure: no files or printing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smartvote.forensics import klimek
from smartvote.forensics.digits import TESTS, digit_tests
from smartvote.forensics.fingerprint import Points, points
from smartvote.forensics.validation import Proportion, election_rng
from smartvote.progress import Progress
from smartvote.synthetic import Country, Fraud, simulate

MODES: tuple[str, ...] = ("model", "generator", "clean")
#: The ranges of issue 10 for elections drawn from the model (uniform in each).
RANGES: dict[str, tuple[float, float]] = {
    "turnout_mean": (0.45, 0.7),
    "turnout_sd": (0.05, 0.12),
    "share_mean": (0.35, 0.6),
    "share_sd": (0.05, 0.12),
    "incremental": (0.05, 0.5),
    "extreme": (0.0, 0.05),
    "theta": (0.2, 0.6),
    "alpha": (1.0, 3.0),
}


def draw_parameters(rng: np.random.Generator) -> klimek.Parameters:
    """One election's true parameters, each uniform in its range of :data:`RANGES`."""
    return klimek.Parameters(*(float(rng.uniform(*RANGES[name])) for name in klimek.NAMES))


def klimek_election(
    mode: str, stations: int, seed: int, index: int, country: Country | None = None
) -> tuple[Points, klimek.Parameters]:
    """Election ``index``: its stations and true parameters (the clean ones are NaN where the
    generator, not the model, drew the clean election)."""
    rng = election_rng(seed, index)
    truth = draw_parameters(rng)
    if mode == "model":
        registered = simulate(stations, rng, country).clean.registered
        return klimek.simulate(registered, truth, rng), truth
    if mode == "clean":
        nan = float("nan")
        truth = klimek.Parameters(nan, nan, nan, nan, 0.0, 0.0, nan, nan)
        fraud = Fraud()
    else:
        fraud = Fraud(
            klimek_incremental=truth.incremental,
            klimek_extreme=truth.extreme,
            klimek_alpha=truth.alpha,
            klimek_width=truth.theta,
        )
    counts = simulate(stations, rng, country, fraud).counts
    return points(counts.registered, counts.valid, counts.leader), truth


@dataclass(frozen=True, eq=False)
class KlimekValidation:
    """Both estimators over synthetic elections: truth, (b)'s estimates and 90% intervals, (a)'s
    mean and 90% interval (mean +- 1.645 sd over its iterations; NaN where (a) was not run).

    Arrays are (elections x 2): column 0 f_i, column 1 f_e.
    """

    mode: str
    stations: int
    truth: np.ndarray
    b_estimate: np.ndarray
    b_low: np.ndarray
    b_high: np.ndarray
    a_estimate: np.ndarray
    a_low: np.ndarray
    a_high: np.ndarray

    @property
    def elections(self) -> int:
        return len(self.truth)

    @classmethod
    def joined(cls, parts: list[KlimekValidation]) -> KlimekValidation:
        """One validation of consecutive runs of elections (e.g. run in parallel)."""
        arrays = [np.vstack([getattr(p, f) for p in parts]) for f in ARRAY_FIELDS]
        return cls(parts[0].mode, parts[0].stations, *arrays)

    def coverage(self, estimator: str, k: int) -> Proportion:
        low, high = (self.b_low, self.b_high) if estimator == "b" else (self.a_low, self.a_high)
        ran = ~np.isnan(low[:, k])
        inside = (low[:, k] <= self.truth[:, k]) & (self.truth[:, k] <= high[:, k])
        return Proportion(int(inside[ran].sum()), int(ran.sum()))

    def bias(self, estimator: str, k: int) -> float:
        estimate = self.b_estimate if estimator == "b" else self.a_estimate
        return float(np.nanmean(estimate[:, k] - self.truth[:, k]))

    def false_positives(self, estimator: str) -> Proportion:
        """Elections where the one-sided 95% lower bound of f_e (the 90% interval's lower end)
        is above 0."""
        low = self.b_low if estimator == "b" else self.a_low
        ran = ~np.isnan(low[:, 1])
        return Proportion(int((low[ran, 1] > 0).sum()), int(ran.sum()))

    def __str__(self) -> str:
        lines = [
            f"Klimek model fits on {self.elections} synthetic elections ({self.mode}) "
            f"of {self.stations:,} stations"
        ]
        for estimator, name in (("b", "(b) fingerprint likelihood"), ("a", "(a) Klimek's grid")):
            if not self.coverage(estimator, 0).trials:
                continue
            for k, label in enumerate(("f_i", "f_e")):
                lines.append(
                    f"{name}: {label} inside its 90% interval {self.coverage(estimator, k)}; "
                    f"bias {self.bias(estimator, k):+.4f}"
                )
            if self.mode == "clean":
                upper = self.b_high if estimator == "b" else self.a_high
                lines.append(
                    f"{name}: f_e 95% upper bound mean {np.nanmean(upper[:, 1]):.4f}; "
                    f"lower bound above 0 (false positive) {self.false_positives(estimator)}"
                )
        return "\n".join(lines)


ARRAY_FIELDS = ("truth", "b_estimate", "b_low", "b_high", "a_estimate", "a_low", "a_high")


def validate_klimek(
    elections: int,
    stations: int = 20_000,
    seed: int = 0,
    mode: str = "model",
    bootstrap: int = 200,
    toolkit: klimek.ToolkitGrid | None = None,
    country: Country | None = None,
    progress: Progress | None = None,
    first: int = 0,
) -> KlimekValidation:
    """Fit (b) (and, with ``toolkit``, (a) on that grid) to ``elections`` synthetic elections,
    numbered from ``first`` (election ``i`` is the same in every run of the seed)."""
    if mode not in MODES:
        raise ValueError(f"mode is one of {MODES}, got {mode!r}")
    rows = np.full((elections, 14), np.nan)
    predictor = klimek.Predictor()
    for row, i in enumerate(range(first, first + elections)):
        pts, truth = klimek_election(mode, stations, seed, i, country)
        rows[row, 0:2] = truth.incremental, truth.extreme
        fit = klimek.fit(pts, bootstrap, 0.9, [seed, i], predictor=predictor)
        for j, name in enumerate(("incremental", "extreme")):
            interval = fit.intervals[name]
            rows[row, 2 + j], rows[row, 4 + j], rows[row, 6 + j] = (
                interval.estimate,
                interval.low,
                interval.high,
            )
        if toolkit is not None:
            a = klimek.fit_toolkit(pts, toolkit, [seed, i])
            for j in range(2):
                rows[row, 8 + j] = a.mean[j]
                rows[row, 10 + j], rows[row, 12 + j] = a.interval(j)
        if progress:
            progress("elections", row + 1, elections)
    pairs = [rows[:, k : k + 2] for k in range(0, 14, 2)]
    return KlimekValidation(mode, stations, *pairs)


#: The frauds the digit tests are tried against (besides none), as :class:`Fraud` fields.
DIGIT_FRAUDS: dict[str, dict[str, float]] = {
    "none": {},
    "rounding: 5% of shares": {"round_share": 0.05},
    "rounding: 5% of turnouts": {"round_turnout": 0.05},
    "vote moving: 20% of stations, 20% of votes": {"moving_rate": 0.2, "moving_fraction": 0.2},
}


@dataclass(frozen=True, eq=False)
class DigitValidation:
    """Share of elections where each test of the whole country is significant, per fraud."""

    stations: int
    replicates: int
    significant: dict[str, np.ndarray]  # fraud -> (elections x tests) booleans

    def rate(self, fraud: str, test: str) -> Proportion:
        column = self.significant[fraud][:, TESTS.index(test)]
        return Proportion(int(column.sum()), len(column))

    def __str__(self) -> str:
        first = next(iter(self.significant.values()))
        lines = [
            f"digit tests on {len(first)} synthetic elections per fraud of {self.stations:,} stations "
            f"({self.replicates} Poisson bootstrap replicates, 95% intervals): share of elections significant"
        ]
        for fraud in self.significant:
            lines.append(f"{fraud}:")
            lines.extend(f"  {test:<13} {self.rate(fraud, test)}" for test in TESTS)
        return "\n".join(lines)


def validate_digits(
    elections: int,
    stations: int = 20_000,
    seed: int = 0,
    replicates: int = 200,
    country: Country | None = None,
    progress: Progress | None = None,
) -> DigitValidation:
    """The country-level digit tests on clean and falsified synthetic elections (same clean
    elections for every fraud: election i of each fraud is seeded ``[seed, i]``)."""
    significant = {}
    done = 0
    for fraud_name, options in DIGIT_FRAUDS.items():
        rows = np.zeros((elections, len(TESTS)), dtype=bool)
        for i in range(elections):
            c = simulate(stations, election_rng(seed, i), country, Fraud(**options)).counts  # type: ignore[arg-type]
            result = digit_tests(
                c.registered, c.issued, c.valid, c.leader, replicates=replicates, rng=[seed, i]
            )
            rows[i] = [t.significant for t in result.total.tests]
            done += 1
            if progress:
                progress("elections", done, elections * len(DIGIT_FRAUDS))
        significant[fraud_name] = rows
    return DigitValidation(stations, replicates, significant)
