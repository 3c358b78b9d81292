"""The clean election: a country of regions, territorial commissions and polling stations.

Every station draws its registered voters E, its turnout T and the leader's share P of the
valid ballots, then its counts from binomial draws around them. Heterogeneity is nested: on
the logit scale, ``logit T = mean + region + commission + station`` (and the same for P), each
level a bivariate normal with its own spreads and correlation between turnout and share.
Station sizes mix a "rural" and an "urban" log-normal, the urban share varying between
commissions. Every default is measured on the clean core of the 2021 State Duma election
by ``benchmarks/calibrate_synthetic.py`` (see docs/synthetic-elections.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

#: Heterogeneity levels, outermost first.
LEVELS: tuple[str, ...] = ("region", "commission", "station")

#: The 2021 maximum of registered voters at an ordinary station, rounded up: the log-normal
#: mixture has a longer right tail than the data, so sizes are capped here.
MAX_REGISTERED = 8000


@dataclass(frozen=True)
class Country:
    """Parameters of a clean election. Defaults: the 2021 State Duma party list, measured by
    ``benchmarks/calibrate_synthetic.py`` on ordinary stations (geography, sizes) and on the
    clean core below the turnout peak (turnout, shares, ballots).

    Spreads are standard deviations on the logit scale per level (region, commission,
    station), net of binomial noise; ``correlation`` is the correlation between the turnout
    and share effects at each level.
    """

    stations_per_region: float = 1132.6
    region_size_cv: float = 0.746
    stations_per_commission: float = 33.8
    commission_size_cv: float = 0.659
    size_weights: tuple[float, float] = (0.5579, 0.4421)
    size_log_means: tuple[float, float] = (5.9421, 7.4431)
    size_log_sds: tuple[float, float] = (0.9768, 0.2879)
    urban_share_mean: float = 0.3917
    urban_share_concentration: float = 1.688
    turnout_logit_mean: float = -0.5108
    share_logit_mean: float = -0.7553
    turnout_sd: tuple[float, float, float] = (0.1030, 0.0735, 0.2464)
    share_sd: tuple[float, float, float] = (0.2497, 0.2120, 0.2512)
    correlation: tuple[float, float, float] = (-0.282, 0.266, 0.170)
    other_mix: tuple[float, ...] = (
        0.4113, 0.01931, 0.12666, 0.12004, 0.14633, 0.03806, 0.01213,
        0.01767, 0.02405, 0.00238, 0.01341, 0.01764, 0.051,
    )  # fmt: skip
    other_concentration: float = 33.30
    invalid_mean: float = 0.02867
    invalid_concentration: float = 46.94
    outside_fraction: float = 0.06299
    taken_away_fraction: float = 0.0020

    def with_correlation(self, correlation: float) -> Country:
        """The same country with one stated turnout-share correlation at every level
        (0: the assumption under which Shpilkin's estimate is unbiased)."""
        if not -1 <= correlation <= 1:
            raise ValueError(f"a correlation lies in [-1, 1], got {correlation}")
        return replace(self, correlation=(correlation, correlation, correlation))

    def without_region_effects(self) -> Country:
        """The same country with identical regions (commission and station heterogeneity only)."""
        return replace(self, turnout_sd=(0.0, *self.turnout_sd[1:]), share_sd=(0.0, *self.share_sd[1:]))


@dataclass(frozen=True, eq=False)
class Geography:
    """Who is where: each station's region and commission (integer codes, stations sorted)."""

    region: np.ndarray
    commission: np.ndarray
    commission_region: np.ndarray

    @property
    def n_regions(self) -> int:
        return int(self.commission_region.max()) + 1 if len(self.commission_region) else 0


@dataclass(frozen=True, eq=False)
class Counts:
    """The protocol counts of every station, ``int64`` arrays.

    Only independent quantities are stored, so that no fraud can break a control relation:
    ballots found in the boxes are ``issued - taken`` (``taken``: issued but never cast),
    valid ballots are ``leader + others`` (``others``: the other choices' votes together; they
    are split among the parties only when the tables are built, see :func:`split_among_others`),
    invalid ones the rest of the boxes.
    """

    registered: np.ndarray
    issued: np.ndarray
    outside: np.ndarray
    taken: np.ndarray
    invalid: np.ndarray
    leader: np.ndarray
    others: np.ndarray

    @property
    def boxes(self) -> np.ndarray:
        return self.issued - self.taken

    @property
    def valid(self) -> np.ndarray:
        return self.leader + self.others

    @property
    def other_votes(self) -> np.ndarray:
        """Every other ballot found in the boxes (other choices and invalid): Shpilkin's O."""
        return self.boxes - self.leader


def geography(n_stations: int, country: Country, rng: np.random.Generator) -> Geography:
    """Regions of gamma-distributed sizes, each split into commissions of gamma-distributed sizes."""
    n_regions = max(1, round(n_stations / country.stations_per_region))
    per_region = rng.multinomial(n_stations, _gamma_weights(n_regions, country.region_size_cv, rng))
    commission_counts = []
    commission_region = []
    for region, size in enumerate(per_region):
        n_commissions = max(1, round(size / country.stations_per_commission))
        weights = _gamma_weights(n_commissions, country.commission_size_cv, rng)
        commission_counts.append(rng.multinomial(size, weights))
        commission_region.append(np.full(n_commissions, region))
    counts = np.concatenate(commission_counts)
    commission = np.repeat(np.arange(len(counts)), counts)
    owners = np.concatenate(commission_region)
    return Geography(owners[commission], commission, owners)


def _gamma_weights(n: int, cv: float, rng: np.random.Generator) -> np.ndarray:
    """Probabilities proportional to gamma draws whose coefficient of variation is ``cv``."""
    shape = 1 / cv**2
    weights = rng.gamma(shape, size=n)
    return weights / weights.sum()


def registered_voters(geo: Geography, country: Country, rng: np.random.Generator) -> np.ndarray:
    """Station sizes: rural or urban log-normal, the urban share drawn per commission (Beta)."""
    m, k = country.urban_share_mean, country.urban_share_concentration
    urban_share = rng.beta(m * k, (1 - m) * k, size=len(geo.commission_region))
    urban = rng.random(len(geo.commission)) < urban_share[geo.commission]
    means = np.asarray(country.size_log_means)[urban.astype(int)]
    sds = np.asarray(country.size_log_sds)[urban.astype(int)]
    sizes = np.rint(np.exp(rng.normal(means, sds)))
    return np.clip(sizes, 1, MAX_REGISTERED).astype(np.int64)


def logit_rates(geo: Geography, country: Country, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each station's turnout and leader's share on the logit scale: national mean plus the
    correlated region, commission and station effects."""
    units = (geo.n_regions, len(geo.commission_region), len(geo.commission))
    index = (geo.region, geo.commission, np.arange(len(geo.commission)))
    total = np.zeros((len(geo.commission), 2))
    for level, n_units in enumerate(units):
        z = rng.standard_normal((n_units, 2))
        rho = country.correlation[level]
        turnout_effect = country.turnout_sd[level] * z[:, 0]
        share_effect = country.share_sd[level] * (rho * z[:, 0] + np.sqrt(1 - rho**2) * z[:, 1])
        total += np.column_stack([turnout_effect, share_effect])[index[level]]
    return country.turnout_logit_mean + total[:, 0], country.share_logit_mean + total[:, 1]


def expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def cast_ballots(
    registered: np.ndarray,
    turnout: np.ndarray,
    share: np.ndarray,
    country: Country,
    rng: np.random.Generator,
) -> Counts:
    """Binomial counts around the rates: issued, outside, taken away, invalid, leader, others."""
    issued = rng.binomial(registered, turnout)
    outside = rng.binomial(issued, country.outside_fraction)
    taken = rng.binomial(issued - outside, country.taken_away_fraction)
    m, k = country.invalid_mean, country.invalid_concentration
    invalid = rng.binomial(issued - taken, rng.beta(m * k, (1 - m) * k, size=len(issued)))
    valid = issued - taken - invalid
    leader = rng.binomial(valid, share)
    return Counts(registered, issued, outside, taken, invalid, leader, valid - leader)


def split_among_others(
    n: np.ndarray, commission: np.ndarray, country: Country, rng: np.random.Generator
) -> np.ndarray:
    """Votes ``n`` of each station split among the other choices: a Dirichlet mix per
    commission around the national mix (concentration measured between 2021 stations, net of
    multinomial noise), then a multinomial draw per station as conditional binomials.

    Done once, on the official counts, when the tables are built: every fraud takes from the
    other choices in proportion to their votes (binomial thinning), so splitting the final
    total is the same in distribution as splitting first, and validation loops that never
    build tables skip its cost."""
    mix = np.asarray(country.other_mix) / np.sum(country.other_mix)
    n_units = int(commission.max()) + 1 if len(commission) else 0
    weights = rng.gamma(country.other_concentration * mix, size=(n_units, len(mix)))
    probs = (weights / weights.sum(axis=1, keepdims=True))[commission]
    out = np.zeros((len(n), len(mix)), dtype=np.int64)
    left = n.astype(np.int64)
    rest = np.ones(len(n))
    for j in range(len(mix) - 1):
        p = np.clip(probs[:, j] / np.maximum(rest, 1e-300), 0, 1)
        out[:, j] = rng.binomial(left, p)
        left = left - out[:, j]
        rest = rest - probs[:, j]
    out[:, -1] = left
    return out


def clean_election(
    n_stations: int, country: Country, rng: np.random.Generator
) -> tuple[Geography, Counts, np.ndarray, np.ndarray]:
    """A clean election of ``n_stations`` ordinary stations: where they are, their counts, and
    the turnout and leader's share (of valid ballots) their counts were drawn with."""
    if n_stations < 1:
        raise ValueError(f"an election needs at least one station, got {n_stations}")
    geo = geography(n_stations, country, rng)
    registered = registered_voters(geo, country, rng)
    turnout, share = (expit(x) for x in logit_rates(geo, country, rng))
    return geo, cast_ballots(registered, turnout, share, country, rng), turnout, share
