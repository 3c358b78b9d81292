"""How forensic methods behave on synthetic elections whose truth is known (issue 4, item 3).

A method is run over many seeded synthetic elections (:mod:`smartvote.synthetic`): on clean
ones its rejections measure the false-positive rate, on falsified ones its power; Shpilkin's
estimate is compared with the votes the leader was actually given. Rates come with Wilson
score intervals (Wilson, "Probable inference, the law of succession, and statistical
inference", JASA 22(158), 1927), which keep their coverage near 0 and 1 where the normal
interval does not. Election ``i`` of seed ``s`` is ``simulate(stations, [s, i], ...)``, so the
same election can be regenerated with or without fraud. Pure: no files or printing; progress
goes to a callback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from smartvote.forensics.inputs import StationArrays
from smartvote.forensics.integer import integer_test
from smartvote.forensics.shpilkin import estimate
from smartvote.progress import Progress
from smartvote.synthetic import Country, Fraud, Simulation, simulate

#: The two-sided 95% normal quantile.
Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (``z``: 1.96 for 95%)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z / (1 + z**2 / trials) * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``trials``, with its 95% Wilson interval."""

    successes: int
    trials: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.trials)

    def __str__(self) -> str:
        low, high = self.interval
        wilson = f"95% Wilson {100 * low:.1f}-{100 * high:.1f}%"
        return f"{self.successes}/{self.trials} = {100 * self.rate:.1f}% ({wilson})"


def election_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of election ``index`` of a validation run seeded ``seed``."""
    return np.random.default_rng([seed, index])


def simulation_arrays(sim: Simulation) -> StationArrays:
    """The forensic methods' input for a synthetic election, without building tables: the
    leader and the other choices together as the two vote columns."""
    c = sim.counts
    n = len(sim)
    return StationArrays(
        station_id=np.arange(n).astype(object),
        region=sim.geography.region.astype(object),
        registered=c.registered,
        issued=c.issued,
        boxes=c.boxes,
        valid=c.valid,
        invalid=c.invalid,
        leader=c.leader,
        choice_votes=np.column_stack([c.leader, c.others]),
        choice_ids=(1, 2),
        choice_names=("Ruling party", "Other choices"),
        leader_column=0,
        remote=sim.remote,
        has_protocol=np.ones(n, dtype=bool),
    )


@dataclass(frozen=True, eq=False)
class IntegerValidation:
    """The exact integer test (one count and weight) over ``elections`` synthetic elections."""

    stations: int
    fraud: Fraud
    alpha: float
    count: str
    weight: str
    excess: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    rewritten: np.ndarray  # protocols rewritten to a whole percent, per election (truth)
    skipped: np.ndarray  # chosen for rewriting but without an integer count in the window

    @property
    def elections(self) -> int:
        return len(self.z)

    @property
    def rejections(self) -> Proportion:
        return Proportion(int((self.p_value <= self.alpha).sum()), self.elections)

    @property
    def mean_z(self) -> float:
        return float(self.z.mean())

    @property
    def mean_z_standard_error(self) -> float:
        return float(self.z.std(ddof=1) / math.sqrt(self.elections)) if self.elections > 1 else math.nan

    def __str__(self) -> str:
        lines = [
            f"integer test ({self.count}, weight {self.weight}) on {self.elections} synthetic elections "
            f"of {self.stations:,} stations",
            f"rejections at alpha = {self.alpha}: {self.rejections}",
            f"mean z {self.mean_z:+.3f} (standard error {self.mean_z_standard_error:.3f}), "
            f"mean excess {self.excess.mean():+.1f}",
        ]
        if self.rewritten.any() or self.skipped.any():
            lines.append(
                f"protocols rewritten per election: {self.rewritten.mean():.1f} "
                f"(skipped, no integer count within the window: {self.skipped.mean():.1f})"
            )
        return "\n".join(lines)


def validate_integer(
    elections: int,
    stations: int,
    seed: int = 0,
    country: Country | None = None,
    fraud: Fraud | None = None,
    alpha: float = 0.05,
    count: str = "either",
    weight: str = "stations",
    progress: Progress | None = None,
) -> IntegerValidation:
    """Run the exact integer test (turnout from ballots issued) on ``elections`` elections."""
    fraud = fraud or Fraud()
    rows = []
    for i in range(elections):
        sim = simulate(stations, election_rng(seed, i), country, fraud)
        c = sim.counts
        test = integer_test(c.registered, c.issued, c.boxes, c.leader).get(count, weight)
        t = sim.truth
        rewritten = int(((t.rounded_share >= 0) | (t.rounded_turnout >= 0)).sum())
        rows.append(
            (test.excess, test.z, test.p_value, rewritten, int((t.share_skipped | t.turnout_skipped).sum()))
        )
        if progress:
            progress("elections", i + 1, elections)
    excess, z, p, rewritten_, skipped = (
        (np.array(col) for col in zip(*rows, strict=True)) if rows else [np.array([])] * 5
    )
    return IntegerValidation(stations, fraud, alpha, count, weight, excess, z, p, rewritten_, skipped)


@dataclass(frozen=True, eq=False)
class ShpilkinValidation:
    """Shpilkin's anomalous votes A against the truth over synthetic elections.

    ``injected``: the votes the leader gained by fraud at the stations the method bins (every
    mechanism, remote pseudo-stations excluded); ``anomalous``: A; ``baseline``: A on the same
    election without fraud (the method's bias on that clean election).
    """

    stations: int
    fraud: Fraud
    stuffing: np.ndarray  # the stuffing fraction of each election
    tolerance: float
    injected: np.ndarray
    anomalous: np.ndarray
    baseline: np.ndarray

    @property
    def elections(self) -> int:
        return len(self.injected)

    @property
    def error(self) -> np.ndarray:
        """(A - injected) / injected per election; NaN where nothing was injected."""
        return _relative(self.anomalous - self.injected, self.injected)

    @property
    def difference_error(self) -> np.ndarray:
        """(A - A(no fraud) - injected) / injected per election; NaN where nothing was injected."""
        return _relative(self.anomalous - self.baseline - self.injected, self.injected)

    @property
    def within(self) -> Proportion:
        return Proportion(int((np.abs(self.error) <= self.tolerance).sum()), self.elections)

    @property
    def difference_within(self) -> Proportion:
        return Proportion(int((np.abs(self.difference_error) <= self.tolerance).sum()), self.elections)

    def __str__(self) -> str:
        pct = f"{100 * self.tolerance:g}%"
        stuffing = f"{100 * self.stuffing.min():g}-{100 * self.stuffing.max():g}%"
        lines = [
            f"Shpilkin's estimate on {self.elections} synthetic elections of {self.stations:,} stations "
            f"(stuffing {stuffing} of the leader's votes)",
            f"votes injected: mean {self.injected.mean():,.0f}; "
            f"anomalous votes A: mean {self.anomalous.mean():,.0f}",
        ]
        if not (self.injected > 0).any():
            return "\n".join(
                [
                    *lines,
                    "no votes injected: a relative error is undefined; A on these fraud-free elections "
                    f"is the method's bias, mean {self.baseline.mean():,.0f} votes",
                ]
            )
        return "\n".join(
            [
                *lines,
                f"A within {pct} of the injected votes: {self.within}; "
                f"relative error mean {100 * np.nanmean(self.error):+.2f}%, "
                f"max |error| {100 * np.nanmax(np.abs(self.error)):.2f}%",
                f"A - A(same election without fraud) within {pct}: {self.difference_within}; "
                f"relative error mean {100 * np.nanmean(self.difference_error):+.2f}%",
                f"bias, A(no fraud): mean {self.baseline.mean():,.0f} votes "
                f"({100 * np.nanmean(_relative(self.baseline, self.injected)):.1f}% of the injected votes)",
            ]
        )


def _relative(difference: np.ndarray, injected: np.ndarray) -> np.ndarray:
    """``difference / injected``, NaN (without a warning) where nothing was injected."""
    out = np.full(len(injected), np.nan)
    np.divide(difference, injected, out=out, where=injected > 0)
    return out


def validate_shpilkin(
    elections: int,
    stations: int,
    seed: int = 0,
    country: Country | None = None,
    fraud: Fraud | None = None,
    stuffing_to: float | None = None,
    tolerance: float = 0.1,
    progress: Progress | None = None,
) -> ShpilkinValidation:
    """Compare Shpilkin's A with the injected votes on ``elections`` elections; with
    ``stuffing_to``, election i stuffs evenly from ``fraud.stuffing`` up to ``stuffing_to``."""
    fraud = fraud or Fraud()
    top = fraud.stuffing if stuffing_to is None else stuffing_to
    stuffing = np.linspace(fraud.stuffing, top, elections)
    rows = np.zeros((elections, 3))
    for i in range(elections):
        sim = simulate(stations, election_rng(seed, i), country, replace(fraud, stuffing=float(stuffing[i])))
        clean = simulate(stations, election_rng(seed, i), country, Fraud())
        binned = ~sim.remote & (sim.counts.registered > 0)
        rows[i] = sim.truth.leader_gain[binned].sum(), anomalous_votes(sim), anomalous_votes(clean)
        if progress:
            progress("elections", i + 1, elections)
    return ShpilkinValidation(stations, fraud, stuffing, tolerance, *rows.T)


def anomalous_votes(sim: Simulation) -> float:
    """Shpilkin's A with the defaults of issue 3 (first peak, remote stations excluded)."""
    return float(estimate(simulation_arrays(sim)).anomalous_votes)
