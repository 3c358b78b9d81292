"""Where: regions or territorial commissions ranked by every forensic signal at once.

Each signal turns one method into a z-score per unit (region or commission), with its source:
the integer test's exact z (Kobak, Shpilkin & Pshenichnikov 2016), the share of the unit's
registered voters that Shpilkin's method counts as anomalous (robustly standardised across
units), the steepening of the leader's share with turnout above the unit's median turnout
(the unit against itself, :func:`kink_signal`), Kireev's small-count tails (:mod:`.kireev`),
identical protocols (:mod:`.coincidence`) and the Klimek fingerprint (:mod:`.klimek`). They
are combined by Stouffer's method, ``Z = sum z_s / sqrt(k)``. The signals are correlated
(stuffing raises the anomalous votes and the kink together), so ``Z`` is *not* standard
normal under honest counting: its null distribution is measured on clean synthetic elections
(:func:`combined_null`), and each unit's ``p`` is the share of null units at or above its
``Z``.

A signal is a function ``RankInput -> Signal``; :data:`DEFAULT_SIGNALS` is the list the rank
command uses, and adding a method is adding one function to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smartvote.forensics import klimek
from smartvote.forensics.coincidence import coincidences, poisson_upper
from smartvote.forensics.fingerprint import points
from smartvote.forensics.inputs import StationArrays
from smartvote.forensics.integer import integer_test_by_group
from smartvote.forensics.kireev import kireev_test
from smartvote.forensics.shpilkin import estimate

#: z-scores are clipped here: a p-value below ~1e-300 says no more.
Z_CLIP = 37.0
#: MAD to standard deviation for a normal sample.
MAD_SCALE = 1.4826


@dataclass(frozen=True, eq=False)
class RankInput:
    """One contest's stations with their unit (what is ranked) and commission labels."""

    arrays: StationArrays
    unit: np.ndarray
    commission: np.ndarray

    @property
    def units(self) -> list[str]:
        return sorted(set(self.unit[self.arrays.has_protocol & ~self.arrays.remote].tolist()))


@dataclass(frozen=True)
class Signal:
    """One method's z per unit; ``anomalous_votes`` where the method counts votes."""

    name: str
    source: str
    z: dict[str, float]
    anomalous_votes: dict[str, float] | None = None


SignalFunction = Callable[[RankInput], Signal]


def z_of_p(p: np.ndarray) -> np.ndarray:
    """One-sided p-values of an excess as z-scores (``Phi^-1(1 - p)``) in [0, :data:`Z_CLIP`]:
    a count at or below its expectation (``p`` near 1) says nothing of the unit, z = 0."""
    return np.clip(stats.norm.isf(np.clip(p, 1e-300, 1.0)), 0.0, Z_CLIP)


def _ordinary(r: RankInput) -> np.ndarray:
    return r.arrays.has_protocol & ~r.arrays.remote


def integer_signal(r: RankInput) -> Signal:
    """The exact integer test (turnout or share a whole percent) within each unit."""
    a, m = r.arrays, _ordinary(r)
    results = integer_test_by_group(a.registered[m], a.issued[m], a.boxes[m], a.leader[m], r.unit[m])
    z = {u: float(np.clip(res.get().z, -Z_CLIP, Z_CLIP)) for u, res in results.items() if res.stations_used}
    return Signal("integer", "Kobak, Shpilkin & Pshenichnikov 2016 (exact integer test)", z)


def shpilkin_signal(r: RankInput) -> Signal:
    """Shpilkin's anomalous votes per unit, each unit fitted at its own first turnout peak (a
    national fit would rank the units by their honest turnout), as a share of the unit's
    registered voters, robustly standardised across units (median, MAD)."""
    a = r.arrays
    result = estimate(a, regions=r.unit, region_fits=True)
    votes = {e.figures.label: e.figures.anomalous_votes for e in result.regions if e.own_fit}
    registered = pd.Series(a.registered[_ordinary(r)]).groupby(r.unit[_ordinary(r)]).sum()
    share = pd.Series({u: v / max(float(registered.get(u, 0)), 1.0) for u, v in votes.items()})
    mad = MAD_SCALE * float(np.median(np.abs(share - share.median()))) or float(share.std()) or 1.0
    z = ((share - share.median()) / mad).clip(-Z_CLIP, Z_CLIP)
    return Signal(
        "shpilkin",
        "Shpilkin's anomalous votes (turnout-bin extrapolation)",
        {str(u): float(v) for u, v in z.items()},
        votes,
    )


def kink_signal(r: RankInput) -> Signal:
    """Does the leader's share rise faster with turnout at the unit's high-turnout stations than
    at its others? Shpilkin's premise (the stations below the turnout peak show the honest
    relation of turnout and vote, ballots added at high turnout depart from it) tested within
    the unit, against the unit's own scatter, instead of against other units.

    Within the unit's commissions (commission fixed effects: the honest differences between
    commissions drop out), the leader's share ``p`` of the valid ballots is fitted by least
    squares on turnout ``t`` (issued / registered) and on the hinge ``max(t - t_median, 0)`` at
    the unit's median turnout; the hinge's coefficient is the change of slope above the
    median, over its heteroskedasticity-robust (HC1, White 1980) standard error: under honest
    counting with a turnout-share relation straight within commissions (any slope: the honest
    correlation that biases Shpilkin's count is absorbed) it is about standard normal;
    stuffing at high turnout, which raises ``t`` and ``p`` together, makes it positive. One-sided
    like Kireev's and the identical protocols' z (``z >= 0``): a relation that flattens above
    the median is no sign of honesty (the share saturates towards 100% where stuffing runs
    through every turnout, as in 2021's Tatarstan). The relation of turnout and support as a
    fraud diagnostic: Mebane & Kalinin 2009 ("Comparative Election Fraud Detection"); the hinge
    at the median (no tuning to a fraud's threshold) is this module's choice,
    docs/forensics-practitioners.md measures it."""
    a = r.arrays
    m = _ordinary(r) & (a.registered > 0) & (a.valid > 0)
    frame = pd.DataFrame(
        {
            "unit": r.unit[m],
            "commission": r.commission[m],
            "t": a.issued[m] / a.registered[m],
            "p": a.leader[m] / a.valid[m],
        }
    )
    frame["hinge"] = np.maximum(frame["t"] - frame.groupby("unit")["t"].transform("median"), 0.0)
    columns = ["t", "hinge", "p"]
    frame[columns] -= frame.groupby("commission")[columns].transform("mean")
    z: dict[str, float] = {}
    for unit, d in frame.groupby("unit", sort=False):
        x, y = d[["t", "hinge"]].to_numpy(), d["p"].to_numpy()
        dof = len(y) - 2 - d["commission"].nunique()
        xtx = x.T @ x
        if dof < 2 or np.linalg.cond(xtx) > 1e12:
            continue  # too few stations beside the commissions' means, or no spread of turnout
        inverse = np.linalg.inv(xtx)
        beta = inverse @ x.T @ y
        residual = y - x @ beta
        meat = (x * residual[:, None] ** 2).T @ x
        variance = (inverse @ meat @ inverse)[1, 1] * len(y) / dof
        if variance > 0:
            z[str(unit)] = float(np.clip(beta[1] / np.sqrt(variance), 0.0, Z_CLIP))
    return Signal(
        "kink", "the leader's share steepening with turnout above the unit's median, within commissions", z
    )


def kireev_signal(r: RankInput) -> Signal:
    """Kireev's pattern per unit: the smallest, over its commission x choice cells, of the
    larger of the two exact tails (both must be small), Bonferroni over the unit's cells."""
    a, m = r.arrays, r.arrays.has_protocol
    table = kireev_test(r.unit[m], r.commission[m], a.choice_votes[m], a.valid[m], a.choice_names).table
    cell_p = pd.Series(np.maximum(table["p_zeros"], table["p_small"]), index=table.index)
    grouped = cell_p.groupby(table["region"])
    p = (grouped.min() * grouped.size()).clip(upper=1.0)
    return Signal(
        "kireev",
        "Kireev's small-count pattern, exact binomial tails",
        dict(zip(p.index, z_of_p(p.to_numpy()), strict=True)),
    )


def identical_signal(r: RankInput) -> Signal:
    """Identical vote vectors within commissions, observed against exactly expected, per unit."""
    a, m = r.arrays, _ordinary(r)
    arrays = {
        "registered": a.registered[m],
        "issued": a.issued[m],
        "valid": a.valid[m],
        "leader": a.leader[m],
        "votes": a.choice_votes[m],
    }
    table = coincidences(r.unit[m], r.commission[m], arrays, rounds=False).table
    sums = table.groupby("region")[["identical", "identical_expected"]].sum()
    p = poisson_upper(sums["identical"].to_numpy(), sums["identical_expected"].to_numpy())
    return Signal(
        "identical",
        "identical vote vectors, exact multinomial expectation",
        dict(zip(sums.index, z_of_p(p), strict=True)),
    )


def fingerprint_signal(r: RankInput) -> Signal:
    """Klimek et al.'s fingerprint per unit (:mod:`.klimek`, fit (b)): the likelihood ratio of
    the fitted fraud model against the same model without fraud (f_i = f_e = 0), as
    ``z = sqrt(2 (logL_free - logL_fair))``; units with too few stations for a fit say nothing."""
    a, m = r.arrays, _ordinary(r)
    z: dict[str, float] = {}
    for unit in r.units:
        own = m & (r.unit == unit)
        pts = points(a.registered[own], a.valid[own], a.leader[own])
        try:
            free = klimek.fit(pts, bootstrap=2, profile=())  # only the likelihoods are needed
            fair = klimek.fit(pts, bootstrap=2, fixed={"incremental": 0.0, "extreme": 0.0}, profile=())
        except klimek.TooFewStationsError:
            continue
        z[unit] = float(min(Z_CLIP, np.sqrt(max(0.0, 2 * (free.log_likelihood - fair.log_likelihood)))))
    return Signal("fingerprint", "Klimek et al. 2012 fingerprint, likelihood ratio against no fraud", z)


DEFAULT_SIGNALS: tuple[SignalFunction, ...] = (
    integer_signal,
    shpilkin_signal,
    kink_signal,
    kireev_signal,
    identical_signal,
    fingerprint_signal,
)
#: The signals that are cheap enough for calibrating on many synthetic elections.
FAST_SIGNALS: tuple[SignalFunction, ...] = (integer_signal, shpilkin_signal, kink_signal)


def combined(signals: Sequence[Signal], units: Sequence[str]) -> pd.DataFrame:
    """One row per unit: each signal's z (0 where a signal says nothing of the unit) and
    Stouffer's combination."""
    frame = pd.DataFrame(index=pd.Index(list(units), name="unit"))
    for s in signals:
        frame[f"z_{s.name}"] = pd.Series(s.z, dtype=float).reindex(frame.index).fillna(0.0)
        if s.anomalous_votes is not None:
            frame["anomalous_votes"] = (
                pd.Series(s.anomalous_votes, dtype=float).reindex(frame.index).fillna(0.0)
            )
    z_columns = [f"z_{s.name}" for s in signals]
    frame["z"] = frame[z_columns].sum(axis=1) / np.sqrt(len(z_columns))
    return frame


def combined_null(inputs: Sequence[RankInput], signals: Sequence[SignalFunction]) -> np.ndarray:
    """The combined z of every unit of clean elections: the null the ranking is read against."""
    return np.concatenate([combined([f(r) for f in signals], r.units)["z"].to_numpy() for r in inputs])


@dataclass(frozen=True, eq=False)
class Ranking:
    """The units by combined z, highest first, with each signal's z and the calibrated p."""

    table: pd.DataFrame
    signals: tuple[tuple[str, str], ...]  # (name, source)
    null: np.ndarray

    def top(self, k: int) -> list[str]:
        return self.table.index[:k].tolist()

    def null_summary(self) -> dict[str, float]:
        q = np.quantile(self.null, [0.5, 0.9, 0.99]) if len(self.null) else [np.nan] * 3
        return {
            "units": len(self.null),
            "mean": float(np.mean(self.null)) if len(self.null) else float("nan"),
            "sd": float(np.std(self.null)) if len(self.null) else float("nan"),
            "median": float(q[0]),
            "q90": float(q[1]),
            "q99": float(q[2]),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "ranking",
            "signals": [{"name": n, "source": s} for n, s in self.signals],
            "combination": "Stouffer, calibrated on clean synthetic elections",
            "null": self.null_summary(),
            "units": self.table.reset_index().to_dict(orient="records"),
        }


def rank(r: RankInput, signals: Sequence[SignalFunction], null: np.ndarray) -> Ranking:
    """Rank ``r``'s units by the combined z of ``signals``; ``null`` from :func:`combined_null`."""
    computed = [f(r) for f in signals]
    table = combined(computed, r.units).sort_values("z", ascending=False)
    ordered = np.sort(null)
    table["p_calibrated"] = (
        (len(ordered) - np.searchsorted(ordered, table["z"].to_numpy(), side="left") + 1) / (len(ordered) + 1)
        if len(ordered)
        else np.nan
    )
    return Ranking(table, tuple((s.name, s.source) for s in computed), null)
