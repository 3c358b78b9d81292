"""The quick count (parallel vote tabulation): a random sample of stations drawn before the vote.

Crowd coverage is biased (the stations volunteers reach are not the country); only a random
sample fixed before the vote gives an estimate with a known error. The design follows NDI,
"The Quick Count and Election Observation" (Estok, Nevitte and Cowan, 2002): a simple random
sample of stations, stratified by region where asked, proportional allocation; the estimate of
a share is the combined ratio estimator over stations, R = sum_h N_h ybar_h / sum_h N_h xbar_h
(y: votes for the choice, x: valid ballots; for turnout y: ballots cast, x: registered
voters), with its variance from the linearised residuals d = y - R x,
V(R) = sum_h N_h^2 (1 - n_h / N_h) s2_d,h / n_h / X^2 (Cochran, "Sampling Techniques", 3rd
ed., 1977, section 6.11), the finite-population correction included.

The draw is verifiable: each station is ranked by HMAC-SHA-256 keyed with a 256-bit secret
seed over its key, and the lowest-ranked stations of each stratum form the sample. Before the
vote the organisers publish the commitment SHA-256(seed || frame hash); after it they reveal
the seed and anyone re-draws the sample with this module (or twenty lines of any language).
A short seed would let anyone enumerate seeds and recover the sample from the commitment.

Pure: arrays and tables in, frozen results out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from smartvote.observe.records import canonical_json

SEED_BYTES = 32
#: The confidence of the published interval and of the discrepancy test.
LEVELS = (0.95, 0.99)


def new_seed() -> str:
    """A 256-bit secret seed (hex), from the operating system's random source."""
    return secrets.token_hex(SEED_BYTES)


def frame_hash(stations: Sequence[tuple[str, str, str]]) -> str:
    """SHA-256 (hex) of the frame: the sorted (contest, station, stratum) triples as canonical JSON."""
    return hashlib.sha256(canonical_json(sorted([list(s) for s in stations])).encode()).hexdigest()


def commitment(seed: str, frame: str) -> str:
    """SHA-256(seed || frame hash), both as their 32 bytes; published before the vote."""
    return hashlib.sha256(bytes.fromhex(seed) + bytes.fromhex(frame)).hexdigest()


def rank(seed: str, contest: str, station: str) -> str:
    """A station's place in the draw: HMAC-SHA-256 keyed with the seed over ``["contest","station"]``."""
    return hmac.new(
        bytes.fromhex(seed), canonical_json([contest, station]).encode(), hashlib.sha256
    ).hexdigest()


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` among strata of ``sizes``, by largest remainders."""
    total = sum(sizes.values())
    if not 0 < n <= total:
        raise ValueError(f"a sample of {n} cannot be drawn from a frame of {total} stations")
    exact = {h: n * size / total for h, size in sizes.items()}
    out = {h: int(v) for h, v in exact.items()}
    for h in sorted(exact, key=lambda h: (out[h] - exact[h], h))[: n - sum(out.values())]:
        out[h] += 1
    return out


@dataclass(frozen=True)
class Sample:
    """A drawn sample: the design, the seed (secret until the vote is over) and the stations."""

    seed: str
    frame: str
    n: int
    strata: str | None
    allocation: Mapping[str, int]
    population: Mapping[str, int]
    stations: tuple[tuple[str, str, str], ...]

    @property
    def commitment(self) -> str:
        return commitment(self.seed, self.frame)

    def public(self) -> dict[str, Any]:
        """What is published before the vote: everything but the seed and the stations."""
        return {
            "commitment": self.commitment,
            "frame_hash": self.frame,
            "n": self.n,
            "strata": self.strata,
            "allocation": dict(sorted(self.allocation.items())),
            "method": "rank by HMAC-SHA-256(seed, [contest, station]); lowest n_h per stratum",
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.public(),
            "seed": self.seed,
            "population": dict(sorted(self.population.items())),
            "stations": [list(s) for s in self.stations],
        }


def draw(stations: Sequence[tuple[str, str, str]], n: int, seed: str, strata: str | None = None) -> Sample:
    """Draw ``n`` of ``stations`` ((contest, station, stratum) triples; the stratum is ignored
    unless ``strata`` names the stratifying variable) with ``seed``."""
    if len(bytes.fromhex(seed)) != SEED_BYTES:
        raise ValueError(f"the seed must be {SEED_BYTES * 8} bits ({SEED_BYTES * 2} hex digits)")
    keyed = [(c, s, h if strata else "all") for c, s, h in stations]
    population: dict[str, int] = {}
    for _, _, h in keyed:
        population[h] = population.get(h, 0) + 1
    allocation = allocate(population, n)
    chosen: list[tuple[str, str, str]] = []
    for h in sorted(population):
        members = sorted((s for s in keyed if s[2] == h), key=lambda s: rank(seed, s[0], s[1]))
        chosen.extend(members[: allocation[h]])
    return Sample(seed, frame_hash(stations), n, strata, allocation, population, tuple(sorted(chosen)))


@dataclass(frozen=True)
class Estimate:
    """One ratio's estimate with its standard error, intervals and the official figure."""

    name: str
    value: float
    se: float
    official: float | None = None

    def interval(self, level: float) -> tuple[float, float]:
        z = float(norm.ppf(0.5 + level / 2))
        return (self.value - z * self.se, self.value + z * self.se)

    @property
    def discrepancy(self) -> bool:
        """A significant discrepancy: the official figure lies outside the 99% interval."""
        if self.official is None:
            return False
        low, high = self.interval(0.99)
        return not low <= self.official <= high

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "estimate": self.value,
            "se": self.se,
            **{f"interval_{round(level * 100)}": list(self.interval(level)) for level in LEVELS},
            "official": self.official,
            "significant_discrepancy": self.discrepancy,
        }


def ratio_estimate(
    name: str,
    y: np.ndarray,
    x: np.ndarray,
    stratum: np.ndarray,
    population: Mapping[str, int],
    official: float | None = None,
) -> Estimate:
    """The combined ratio estimator sum_h N_h ybar_h / sum_h N_h xbar_h over the reporting
    stations (y, x, stratum per station) with its linearised standard error (Cochran 6.11)."""
    y, x, stratum = np.asarray(y, float), np.asarray(x, float), np.asarray(stratum)
    strata = [h for h in population if (stratum == h).any()]
    if not strata:
        return Estimate(name, float("nan"), float("nan"), official)
    y_hat = sum(population[h] * y[stratum == h].mean() for h in strata)
    x_hat = sum(population[h] * x[stratum == h].mean() for h in strata)
    r = y_hat / x_hat
    variance = 0.0
    for h in strata:
        d = y[stratum == h] - r * x[stratum == h]
        n_h, big_n = len(d), population[h]
        if n_h > 1:
            variance += big_n**2 * (1 - n_h / big_n) * d.var(ddof=1) / n_h
    return Estimate(name, float(r), float(np.sqrt(variance) / x_hat), official)


@dataclass(frozen=True)
class QuickCount:
    """The quick count after the vote: how much of the sample reported and the estimates."""

    drawn: int
    reported: int
    estimates: tuple[Estimate, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "drawn": self.drawn,
            "reported": self.reported,
            "reported_share": self.reported / self.drawn if self.drawn else 0.0,
            "estimates": [e.to_json() for e in self.estimates],
            "assumes": "the stations that did not report are missing at random within their stratum",
        }


def quick_count(
    sample: Sample,
    reports: Mapping[tuple[str, str], Mapping[str, int]],
    choices: Sequence[str],
    official: Mapping[str, float] | None = None,
) -> QuickCount:
    """Estimates from the verified protocols ``reports`` of sampled stations: per (contest,
    station) the counts ``registered``, ``ballots``, ``valid`` and one per choice. Each choice's
    share of the valid ballots and turnout (ballots / registered), against ``official``."""
    official = official or {}
    rows = [(s[2], reports[s[:2]]) for s in sample.stations if s[:2] in reports]
    stratum = np.array([h for h, _ in rows])

    def column(name: str) -> np.ndarray:
        return np.array([r[name] for _, r in rows], dtype=float)

    valid = column("valid")
    estimates = [
        ratio_estimate(f"share:{c}", column(c), valid, stratum, sample.population, official.get(f"share:{c}"))
        for c in choices
    ]
    estimates.append(
        ratio_estimate(
            "turnout",
            column("ballots"),
            column("registered"),
            stratum,
            sample.population,
            official.get("turnout"),
        )
    )
    return QuickCount(len(sample.stations), len(rows), tuple(estimates))
