"""Measure the parameters of a clean :class:`Country` on a real election (the defaults: 2021).

``benchmarks/calibrate_synthetic.py`` runs :func:`calibrate` on the 2021 State Duma party
list and prints the figures that :class:`Country`'s defaults quote; a test checks that the
defaults still match. docs/synthetic-elections.md explains each measurement.

The clean core: ordinary stations (a protocol, not remote electronic, 0 < B <= E, E >= 100,
0 < L < valid) whose turnout bin k = floor(100 B/E) is at or below the turnout peak p, the
bin Shpilkin's method takes as the reference (the smallest local maximum of the centred
3-bin moving average of the other ballots O_k that reaches half the maximum; issue 3,
item 2). Below the peak the 2021 data look like one smooth cloud; above it lies the fraud
tail. Turnout is therefore measured on the left half, mirrored: its centre is the peak bin's
centre and its spread the root-mean-square distance (in logits) of the core from that centre.
Its split between regions, commissions and stations (and every share figure) comes from the
core by the method of moments, each level's turnout spread scaled up by the same factor so
that they add up to the mirrored spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.shpilkin import N_BINS, first_peak, turnout_bin
from smartvote.synthetic.country import Country

MIN_CORE_REGISTERED = 100


@dataclass(frozen=True)
class Calibration:
    """A measured :class:`Country`, with the peak, the core and the remote pseudo-stations."""

    country: Country
    peak: int
    core_stations: int
    remote_count: int
    remote_registered: float
    remote_turnout: float
    remote_share: float


def calibrate(stations: pd.DataFrame, votes: pd.DataFrame, choices: pd.DataFrame) -> Calibration:
    """Measure a clean country on one contest's canonical tables (see the module docstring)."""
    c = station_arrays(stations, votes, choices)
    commission = (stations["region"].astype(str) + "|" + stations["tik"].astype(str)).to_numpy(object)
    outside = stations["ballots_outside"].fillna(0).to_numpy(np.int64)
    ordinary = ~c.remote & c.has_protocol & (c.registered > 0) & (c.issued > 0) & (c.issued <= c.registered)
    bins = np.full(len(c.registered), N_BINS)
    bins[ordinary] = turnout_bin(c.registered[ordinary], c.issued[ordinary])
    peak = first_peak(
        np.bincount(bins[ordinary], weights=(c.valid + c.invalid - c.leader)[ordinary], minlength=N_BINS)
    )
    core = (
        ordinary
        & (c.registered >= MIN_CORE_REGISTERED)
        & (c.leader > 0)
        & (c.valid > c.leader)
        & (bins <= peak)
    )
    country = Country(
        **_geography(c.region[ordinary], commission[ordinary]),
        **_sizes(c.registered, commission, ordinary & (c.registered >= 1)),
        **_rates(c, commission, core, peak),
        **_others(c, core),
        **_ballots(c, outside, core),
    )
    every = ordinary | c.remote
    return Calibration(
        country=country,
        peak=peak,
        core_stations=int(core.sum()),
        remote_count=int(c.remote.sum()),
        remote_registered=_ratio(c.registered[c.remote].sum(), c.registered[every].sum()),
        remote_turnout=_ratio(c.issued[c.remote].sum(), c.registered[c.remote].sum()),
        remote_share=_ratio(c.leader[c.remote].sum(), c.valid[c.remote].sum()),
    )


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def _geography(region: np.ndarray, commission: np.ndarray) -> dict[str, Any]:
    per_region = pd.Series(region).value_counts()
    per_commission = pd.Series(commission).value_counts()
    return {
        "stations_per_region": float(per_region.mean()),
        "region_size_cv": float(per_region.std() / per_region.mean()),
        "stations_per_commission": float(per_commission.mean()),
        "commission_size_cv": float(per_commission.std() / per_commission.mean()),
    }


def _sizes(registered: np.ndarray, commission: np.ndarray, sized: np.ndarray) -> dict[str, Any]:
    weights, means, sds, urban = size_mixture(np.log(registered[sized]))
    by_commission = pd.Series(urban).groupby(commission[sized]).mean().to_numpy()
    mean, concentration = beta_moments(by_commission)
    return {
        "size_weights": _pair(weights),
        "size_log_means": _pair(means),
        "size_log_sds": _pair(sds),
        "urban_share_mean": mean,
        "urban_share_concentration": concentration,
    }


def _pair(values: np.ndarray) -> tuple[float, float]:
    return float(values[0]), float(values[1])


def size_mixture(
    log_e: np.ndarray, steps: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two-component normal mixture of log(registered) by EM: weights, means, sds, and each
    station's probability of belonging to the larger ("urban") component."""
    w, mu, sd = np.array([0.3, 0.7]), np.array([5.0, 7.3]), np.array([1.0, 0.4])
    for _ in range(steps):
        dens = w * np.exp(-0.5 * ((log_e[:, None] - mu) / sd) ** 2) / sd
        resp = dens / dens.sum(axis=1, keepdims=True)
        w = resp.mean(axis=0)
        mu = (resp * log_e[:, None]).sum(axis=0) / resp.sum(axis=0)
        sd = np.sqrt((resp * (log_e[:, None] - mu) ** 2).sum(axis=0) / resp.sum(axis=0))
    return w, mu, sd, resp[:, 1]


def beta_moments(values: np.ndarray, noise: float = 0.0) -> tuple[float, float]:
    """(mean, concentration a+b) of the Beta distribution with the values' mean and variance
    (minus ``noise``, the variance sampling adds)."""
    m, v = float(values.mean()), float(values.var()) - noise
    return m, m * (1 - m) / v - 1


def _logit(p: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(p / (1 - p)))


def _rates(c: StationArrays, commission: np.ndarray, core: np.ndarray, peak: int) -> dict[str, Any]:
    """Turnout and the leader's share of valid ballots on the logit scale, per level."""
    t = c.issued[core] / c.registered[core]
    p = c.leader[core] / c.valid[core]
    x = np.column_stack([_logit(t), _logit(p)])
    centre = float(_logit(np.array((peak + 0.5) / 100)))
    binomial = np.array(
        [np.mean(1 / (c.registered[core] * t * (1 - t))), np.mean(1 / (c.valid[core] * p * (1 - p)))]
    )
    mirrored_sd = float(np.sqrt(np.mean((x[:, 0] - centre) ** 2) - binomial[0]))
    levels = variance_components(x, c.region[core], commission[core])
    levels[-1] = levels[-1] - np.diag(binomial)
    sd = np.sqrt(np.clip([np.diag(cov) for cov in levels], 0, None))
    scale = mirrored_sd / np.sqrt(np.sum(sd[:, 0] ** 2))
    rho = [
        float(np.clip(cov[0, 1] / np.prod(s), -1, 1)) if s.all() else 0.0
        for cov, s in zip(levels, sd, strict=True)
    ]
    return {
        "turnout_logit_mean": centre,
        "share_logit_mean": float(x[:, 1].mean()),
        "turnout_sd": tuple(float(v) for v in sd[:, 0] * scale),
        "share_sd": tuple(float(v) for v in sd[:, 1]),
        "correlation": tuple(rho),
    }


def variance_components(x: np.ndarray, region: np.ndarray, commission: np.ndarray) -> list[np.ndarray]:
    """Method-of-moments covariance matrices (region, commission, station) of a nested model.

    ``x`` is (n, d). Station level: pooled within-commission covariance. Commission level:
    covariance of commission means around their region's mean, minus the share of station
    noise a commission mean carries. Region level: covariance of region means around the
    national mean, minus what commissions and stations contribute to a region mean.
    """
    frame = pd.DataFrame(x)
    within = x - frame.groupby(commission).transform("mean").to_numpy()
    n_c = pd.Series(commission).value_counts()
    station = within.T @ within / (len(x) - len(n_c))
    commissions = frame.groupby(commission).mean()
    owner = pd.Series(region).groupby(commission).first().reindex(commissions.index).to_numpy()
    dev_c = commissions.to_numpy() - commissions.groupby(owner).transform("mean").to_numpy()
    per_region = pd.Series(owner).value_counts()
    commission_cov = dev_c.T @ dev_c / (len(dev_c) - len(per_region)) - station * np.mean(1 / n_c)
    regions = frame.groupby(region).mean().to_numpy()
    dev_r = regions - regions.mean(axis=0)
    n_r = pd.Series(region).value_counts()
    region_cov = (
        dev_r.T @ dev_r / (len(dev_r) - 1)
        - commission_cov * np.mean(1 / per_region)
        - station * np.mean(1 / n_r)
    )
    return [region_cov, commission_cov, station]


def _others(c: StationArrays, core: np.ndarray) -> dict[str, Any]:
    """The other choices' national mix in the core, and the Dirichlet concentration of the
    largest one's fraction between stations (net of multinomial noise)."""
    others = np.delete(c.choice_votes[core], c.leader_column, axis=1)
    mix = others.sum(axis=0) / others.sum()
    largest = int(np.argmax(mix))
    n = others.sum(axis=1)
    keep = n > 0
    noise = float(np.mean(mix[largest] * (1 - mix[largest]) / n[keep]))
    _, concentration = beta_moments(others[keep, largest] / n[keep], noise)
    return {"other_mix": tuple(float(v) for v in mix), "other_concentration": concentration}


def _ballots(c: StationArrays, outside: np.ndarray, core: np.ndarray) -> dict[str, Any]:
    fraction = c.invalid[core] / c.boxes[core]
    noise = float(np.mean(fraction.mean() * (1 - fraction.mean()) / c.boxes[core]))
    mean, concentration = beta_moments(fraction, noise)
    return {
        "invalid_mean": mean,
        "invalid_concentration": concentration,
        "outside_fraction": float(outside[core].sum() / c.issued[core].sum()),
        "taken_away_fraction": float(1 - c.boxes[core].sum() / c.issued[core].sum()),
    }
