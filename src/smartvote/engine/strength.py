"""The strength model: a predictive distribution of every candidate's vote share per district.

A district's expected share of candidate c of party p is the party's **baseline** (its share of
the prior party-list vote at the district's stations) times the party's **national swing**
(the poll's share over the party's prior national share), plus the analyst's candidate effect.
Around it, log-normal errors at three levels (Gelman & King, "A Unified Method of Evaluating
Electoral Systems and Redistricting Plans", AJPS 38(2), 1994, model national, regional and
district variation in the same additive way):

    share[d, c] ∝ mean[d, c] · exp(σ_nat · z[p] + g[d, c] · (σ_reg · z[region(d), p] + σ_dist · z[d, c]))

with every z standard normal: z[p] is shared by every district of a draw (a polling miss),
z[region, p] by the districts of a region, z[d, c] is the district's own. Shares are then
renormalised over the district's candidates. The local (regional and district) errors of a
non-ruling candidate grow as the vote left to the non-ruling candidates shrinks:
g[d, c] = min(:data:`MAX_ERROR_MULTIPLIER`, :data:`FREE_VOTE_REFERENCE` / (1 - u[d])) with u[d]
the ruling candidate's expected share (g = 1 for the ruling candidate). On the training pair
the log-share residuals of the opposition parties times (1 - u) have the same spread at every
level of u, while the residuals themselves are seven times wider where the ruling party had
over 80% than where it had under 45% (docs/engine.md); one constant scale per party would
spread the errors of the few districts with an overwhelming ruling share over all the others. The
scales are fitted on a past pair of elections by :func:`fit_scales`; the national scale is a
documented prior (docs/engine.md).

From list baselines the model knows parties, not people: a candidate's personal strength enters
through the analyst's adjustments, or, where a previous election of the same body is in the
data, through :mod:`smartvote.engine.candidates` (the person's own result, incumbency).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: The expected share of a party on the ballot with neither a prior list result nor a poll
#: share, and of a self-nominated candidate: an assumption (docs/engine.md), 1% of the vote.
UNKNOWN_SHARE = 0.01
#: The national-swing scale (log-share): a prior, not fitted (docs/engine.md gives the reasoning
#: and the sensitivity of the backtest to it).
NATIONAL_SCALE_PRIOR = 0.20
#: The scales of non-ruling candidates are quoted for a district where the ruling candidate
#: expects this share of the vote (their local errors are scaled by this over 1 - u).
FREE_VOTE_REFERENCE = 0.5
#: Cap of that multiplier (reached at u = 0.95): beyond it the order of the non-ruling
#: candidates is random anyway, and the cap keeps exp() of the errors finite in float32.
MAX_ERROR_MULTIPLIER = 10.0


@dataclass(frozen=True)
class Scales:
    """Standard deviations of the log-share errors at the three levels.

    ``regional`` and ``district`` are pooled over the fitted parties; ``by_party`` holds a
    party's own (regional, district) scales where the training pair had it;
    ``national_by_party`` a party's own national scale where it is not ``national`` (a party
    without a poll share carries its prior share over: its national error is a whole
    inter-election change, not a polling miss).
    """

    national: float
    regional: float
    district: float
    by_party: tuple[tuple[str, float, float], ...] = ()
    national_by_party: tuple[tuple[str, float], ...] = ()

    def national_vector(self, parties: tuple[str, ...]) -> np.ndarray:
        """Per-party national scales."""
        own = dict(self.national_by_party)
        return np.array([own.get(p, self.national) for p in parties], dtype=np.float32)

    def vectors(self, parties: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Per-party regional and district scales (pooled for parties not fitted)."""
        own = {p: (r, d) for p, r, d in self.by_party}
        pairs = [own.get(p, (self.regional, self.district)) for p in parties]
        return (
            np.array([r for r, _ in pairs], dtype=np.float32),
            np.array([d for _, d in pairs], dtype=np.float32),
        )


@dataclass(frozen=True, kw_only=True)
class Field:
    """The candidates of every district, padded to a common number of slots.

    ``party[d, s]`` indexes :attr:`parties` (-1: an empty slot), ``mean[d, s]`` is the expected
    share (0 in empty slots), ``ruling[d]`` the ruling candidate's slot (-1: none) and
    ``region[d]`` indexes :attr:`regions`. ``backed[d, s]`` (optional) marks every candidate the
    ruling party backs where a district may have several (``ruling[d]`` is then one of them,
    the one whose expected share sets the local-error multiplier): a challenger must beat all.
    """

    districts: tuple[str, ...]
    names: tuple[tuple[str, ...], ...]
    parties: tuple[str, ...]
    regions: tuple[str, ...]
    party: np.ndarray
    mean: np.ndarray
    ruling: np.ndarray
    region: np.ndarray
    backed: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.mean.shape
        return rows, columns


def national_target(
    prior: dict[str, float], poll: dict[str, float], ballot: tuple[str, ...]
) -> dict[str, float]:
    """The expected national share of every party on ``ballot`` (fractions summing to 1).

    Parties the poll names share, in the poll's proportions, what the others leave: a party
    with a prior share but no poll share keeps its prior share, a party with neither gets
    :data:`UNKNOWN_SHARE`. Published shares need not sum to 100: undecided and refusals are
    dropped by this renormalisation to the listed parties.
    """
    fixed = {p: prior.get(p, UNKNOWN_SHARE) for p in ballot if p not in poll}
    polled = {p: poll[p] for p in ballot if p in poll}
    rest = max(0.0, 1.0 - sum(fixed.values()))
    total = sum(polled.values())
    target = fixed | {p: rest * s / total for p, s in polled.items()} if total > 0 else dict(fixed)
    norm = sum(target.values())
    return {p: target[p] / norm for p in ballot}


def expected_shares(
    baseline: np.ndarray, prior: dict[str, float], target: dict[str, float], parties: tuple[str, ...]
) -> np.ndarray:
    """District x party expected shares: baseline x (target / prior) where the party has a
    baseline, the target spread uniformly over the districts where it has none."""
    out = np.empty_like(baseline, dtype=float)
    for j, p in enumerate(parties):
        if prior.get(p, 0.0) > 0:
            out[:, j] = baseline[:, j] * target[p] / prior[p]
        else:
            out[:, j] = target[p]
    return out


def error_multiplier(ruling_share: np.ndarray) -> np.ndarray:
    """The local-error multiplier of a non-ruling candidate where the ruling candidate expects
    ``ruling_share`` (0 where there is none): reference / (1 - u), capped."""
    free = np.maximum(1.0 - np.asarray(ruling_share, dtype=float), FREE_VOTE_REFERENCE / MAX_ERROR_MULTIPLIER)
    return np.minimum(MAX_ERROR_MULTIPLIER, FREE_VOTE_REFERENCE / free)


def slot_multipliers(field: Field) -> np.ndarray:
    """District x slot local-error multipliers: 1 for the ruling candidate, the
    :func:`error_multiplier` of the ruling candidate's expected share for the others."""
    n_districts, _ = field.shape
    has_ruling = field.ruling >= 0
    rows = np.arange(n_districts)
    total = field.mean.sum(axis=1)
    ruling_share = np.where(has_ruling, field.mean[rows, np.maximum(field.ruling, 0)] / total, 0.0)
    out = np.repeat(error_multiplier(ruling_share)[:, None], field.shape[1], axis=1)
    out[rows[has_ruling], field.ruling[has_ruling]] = 1.0
    return out


def draws(
    field: Field, scales: Scales, n: int, rng: np.random.Generator, chunk: int = 500
) -> Iterator[np.ndarray]:
    """Simulated shares, ``chunk`` draws at a time: arrays (draws, districts, slots), float32."""
    n_districts, n_slots = field.shape
    party = np.where(field.party >= 0, field.party, 0)
    mean = field.mean.astype(np.float32)
    n_parties, n_regions = len(field.parties), len(field.regions)
    regional_scale, district_scale = scales.vectors(field.parties)
    national_scale = scales.national_vector(field.parties)
    multiplier = slot_multipliers(field).astype(np.float32)
    slot_scale = district_scale[party]
    # regional errors are drawn per (region, party), national ones per party, and gathered per slot
    cell = (field.region[:, None] * n_parties + party).ravel()
    done = 0
    while done < n:
        m = min(chunk, n - done)
        regional = rng.standard_normal((m, n_regions, n_parties), dtype=np.float32) * regional_scale
        national = rng.standard_normal((m, n_parties), dtype=np.float32) * national_scale
        noise = rng.standard_normal((m, n_districts, n_slots), dtype=np.float32)
        noise *= slot_scale
        noise += np.take(regional.reshape(m, -1), cell, axis=1).reshape(m, n_districts, n_slots)
        noise *= multiplier
        noise += np.take(national, party, axis=1)
        shares = np.exp(noise, out=noise)
        shares *= mean
        shares /= shares.sum(axis=2, keepdims=True)
        done += m
        yield shares


def fit_scales(
    predicted: np.ndarray,
    actual: np.ndarray,
    region: np.ndarray,
    parties: tuple[str, ...],
    national: float = NATIONAL_SCALE_PRIOR,
    ruling: int | None = None,
) -> Scales:
    """Regional and district scales from a training pair (method of moments on log residuals).

    ``predicted`` and ``actual`` are district x party shares (positive); residual
    r = log(actual / predicted), centred per party (a national miss is not a regional one).
    With a ``ruling`` column (the ruling party's), the model's own parameterisation is fitted:
    the ruling party's residual is its log-odds residual, logit(actual) - logit(predicted) —
    :func:`draws` perturbs its share and renormalises, which moves its log-odds (not its
    log-share) by its error, and at half the vote a log-share residual is only half of that —
    and the other columns are divided by the :func:`error_multiplier` of the ruling party's
    predicted share; the pooled scales are then those of the non-ruling parties (the ones
    they stand in for). The regional component is the mean residual of a region's districts;
    its variance, less the district noise it still carries (σ_dist² / n_region), is σ_reg²;
    σ_dist² is the within-region variance. Computed per party and pooled over the parties.
    """
    if not ((predicted > 0) & (actual > 0)).all():
        raise ValueError("fit_scales needs positive shares")
    residual = np.log(actual) - np.log(predicted)
    pooled = np.ones(residual.shape[1], dtype=bool)
    if ruling is not None:
        if not (max(predicted[:, ruling].max(), actual[:, ruling].max()) < 1):
            raise ValueError("fit_scales needs ruling shares below 1")
        pooled[ruling] = False
        residual[:, ruling] -= np.log1p(-actual[:, ruling]) - np.log1p(-predicted[:, ruling])
        residual[:, pooled] /= error_multiplier(predicted[:, ruling])[:, None]
    residual -= residual.mean(axis=0)
    regions, inverse, counts = np.unique(region, return_inverse=True, return_counts=True)
    means = np.zeros((len(regions), residual.shape[1]))
    np.add.at(means, inverse, residual)
    means /= counts[:, None]
    district_var = ((residual - means[inverse]) ** 2).sum(axis=0) / (len(region) - len(regions))
    multi = counts > 1
    regional_var = np.mean(means[multi] ** 2, axis=0) - district_var * np.mean(1.0 / counts[multi])
    regional_sd, district_sd = np.sqrt(np.maximum(regional_var, 0.0)), np.sqrt(district_var)
    return Scales(
        national,
        float(np.sqrt(np.mean(regional_sd[pooled] ** 2))),
        float(np.sqrt(np.mean(district_sd[pooled] ** 2))),
        tuple((p, float(r), float(d)) for p, r, d in zip(parties, regional_sd, district_sd, strict=True)),
    )
