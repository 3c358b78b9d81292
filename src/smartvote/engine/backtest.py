"""Backtests of the engine on real elections: scores of probabilistic picks, and comparisons.

Scores (Gneiting & Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation",
JASA 102(477), 2007): the multi-class Brier score, mean over districts of
sum_k (p_k - y_k)^2 (0 is perfect, lower is better), and the log score, mean of log p of the
outcome (higher is better; probabilities floored at :data:`LOG_FLOOR` so that one impossible
outcome does not make it minus infinity). The reliability table bins every stated probability
(each district x party) into deciles and compares the mean statement with the frequency
observed (as in a reliability diagram; Wilks, *Statistical Methods in the Atmospheric
Sciences*, ch. 8).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smartvote.tactics.districts import DistrictVotes

LOG_FLOOR = 1e-3


def strongest_non_ruling(shares: np.ndarray, ruling: int) -> np.ndarray:
    """Index of the largest share other than column ``ruling``, per row (last axis)."""
    masked = shares.copy()
    masked[..., ruling] = -np.inf
    return masked.argmax(axis=-1)


def brier(probabilities: np.ndarray, outcome: np.ndarray) -> float:
    """Multi-class Brier score: mean over rows of sum_k (p_k - 1[k = outcome])^2."""
    truth = np.zeros_like(probabilities)
    truth[np.arange(len(outcome)), outcome] = 1.0
    return float(((probabilities - truth) ** 2).sum(axis=1).mean())


def log_score(probabilities: np.ndarray, outcome: np.ndarray) -> float:
    """Mean log probability of the outcome (natural log, floored at :data:`LOG_FLOOR`)."""
    p = probabilities[np.arange(len(outcome)), outcome]
    return float(np.log(np.maximum(p, LOG_FLOOR)).mean())


def reliability(probabilities: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Every stated probability (row x class) in ``bins`` equal bins: count, mean, frequency."""
    truth = np.zeros_like(probabilities)
    truth[np.arange(len(outcome)), outcome] = 1.0
    return calibration_table(probabilities.ravel(), truth.ravel(), bins)


def calibration_table(stated: np.ndarray, happened: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Stated probabilities in ``bins`` equal bins with the frequency of the event in each."""
    which = np.minimum((stated * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        hit = which == b
        n = int(hit.sum())
        rows.append(
            {
                "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                "count": n,
                "mean_stated": float(stated[hit].mean()) if n else None,
                "observed": float(happened[hit].mean()) if n else None,
            }
        )
    return rows


@dataclass(frozen=True)
class ShareScores:
    """Predicted list shares per district against the actual ones, per party."""

    rmse_pp: dict[str, float]  # party -> RMSE of the mean prediction, percentage points
    coverage90: dict[str, float]  # party -> share of districts inside the 90% interval
    coverage90_all: float


def share_scores(samples: np.ndarray, actual: np.ndarray, parties: tuple[str, ...]) -> ShareScores:
    """``samples`` (draws, districts, parties) against ``actual`` (districts, parties)."""
    mean = samples.mean(axis=0)
    low, high = np.percentile(samples, [5, 95], axis=0)
    inside = (actual >= low) & (actual <= high)
    rmse = np.sqrt(((mean - actual) ** 2).mean(axis=0)) * 100
    return ShareScores(
        {p: round(float(x), 3) for p, x in zip(parties, rmse, strict=True)},
        {p: round(float(x), 3) for p, x in zip(parties, inside.mean(axis=0), strict=True)},
        float(inside.mean()),
    )


def winner_probabilities(samples: np.ndarray, ruling: int) -> np.ndarray:
    """P(each column is the strongest non-ruling one) per district, from (draws, districts, k)."""
    winners = strongest_non_ruling(samples, ruling)  # (draws, districts)
    n_districts, k = samples.shape[1], samples.shape[2]
    flat = (np.arange(n_districts)[None, :] * k + winners).ravel()
    return np.bincount(flat, minlength=n_districts * k).reshape(n_districts, k) / samples.shape[0]


@dataclass(frozen=True)
class Baselines:
    """Reference forecasts of the strongest non-ruling party."""

    previous_runner_up: float  # accuracy of the previous election's runner-up
    most_common: str  # the party most often strongest (in the outcome: an oracle)
    most_common_accuracy: float
    climatological_brier: float  # the outcome frequencies as every district's forecast (oracle)
    oracle_swing: float  # accuracy of proportional swing with the actual national result


def baselines(
    previous: np.ndarray,
    oracle_expected: np.ndarray,
    outcome: np.ndarray,
    ruling: int,
    parties: tuple[str, ...],
) -> Baselines:
    """The three reference forecasts; ``previous`` and ``oracle_expected`` are district x party."""
    k = len(parties)
    frequency = np.bincount(outcome, minlength=k) / len(outcome)
    common = int(frequency.argmax())
    return Baselines(
        float((strongest_non_ruling(previous, ruling) == outcome).mean()),
        parties[common],
        float(frequency[common]),
        brier(np.tile(frequency, (len(outcome), 1)), outcome),
        float((strongest_non_ruling(oracle_expected, ruling) == outcome).mean()),
    )


@dataclass(frozen=True)
class PartyBacktest:
    """Backtest a: the strongest non-ruling list party of every district."""

    districts: int
    accuracy: float
    brier: float
    log_score: float
    reliability: list[dict[str, Any]]
    baselines: Baselines
    shares: ShareScores
    predicted: tuple[str, ...]  # per district
    actual: tuple[str, ...]
    sensitivity: dict[str, dict[str, float]] = field(default_factory=dict)


def party_backtest(
    samples: np.ndarray,
    actual: np.ndarray,
    previous: np.ndarray,
    oracle_expected: np.ndarray,
    ruling: int,
    parties: tuple[str, ...],
) -> PartyBacktest:
    """Score simulated shares (draws, districts, parties) against the actual district shares."""
    probabilities = winner_probabilities(samples, ruling)
    outcome = strongest_non_ruling(actual, ruling)
    predicted = strongest_non_ruling(probabilities, ruling)
    return PartyBacktest(
        len(outcome),
        float((predicted == outcome).mean()),
        brier(probabilities, outcome),
        log_score(probabilities, outcome),
        reliability(np.delete(probabilities, ruling, axis=1), _without(outcome, ruling)),
        baselines(previous, oracle_expected, outcome, ruling, parties),
        share_scores(samples, actual, parties),
        tuple(parties[i] for i in predicted),
        tuple(parties[i] for i in outcome),
    )


def _without(outcome: np.ndarray, column: int) -> np.ndarray:
    """Outcome indices after deleting ``column`` (never the outcome itself)."""
    return outcome - (outcome > column)


@dataclass(frozen=True)
class PickComparison:
    """Backtest b, one district: the pick against the strongest non-ruling candidate and the
    real endorsement."""

    contest: str
    pick: str
    pick_probability: float | None
    strongest: str  # the non-ruling candidate with the most votes
    strongest_votes: int
    pick_votes: int
    endorsed: str | None
    ballots: int

    @property
    def hit(self) -> bool:
        return self.pick == self.strongest

    @property
    def endorsement_hit(self) -> bool:
        return self.endorsed == self.strongest


def compare_picks(
    picks: dict[str, tuple[str, float | None]], districts: Iterable[DistrictVotes]
) -> list[PickComparison]:
    """Each district's pick against its strongest non-ruling candidate (by votes) and its endorsed one.

    A district without a ruling candidate counts every candidate as non-ruling.
    """
    out = []
    for d in districts:
        pick, probability = picks[d.contest]
        challengers = [i for i in range(len(d.names)) if i != d.ruling]
        best = max(challengers, key=lambda i: d.votes[i])
        at = d.names.index(pick)
        out.append(
            PickComparison(
                d.contest,
                pick,
                probability,
                d.names[best],
                d.votes[best],
                d.votes[at],
                None if d.endorsed is None else d.names[d.endorsed],
                d.ballots,
            )
        )
    return out


@dataclass(frozen=True)
class Agreement:
    """Backtest c: the party of the model's pick against the endorsed party, per district."""

    districts: int
    agree: int
    by_region: dict[str, tuple[int, int]]  # region -> (agree, districts)
    disagreements: dict[str, int]  # "endorsed X, model Y" -> districts
    endorsed_counts: dict[str, int]
    model_counts: dict[str, int]

    @property
    def rate(self) -> float:
        return self.agree / self.districts if self.districts else float("nan")


def party_agreement(model: dict[int, str], endorsed: dict[int, str], region: dict[int, str]) -> Agreement:
    """Compare the model's party with the endorsed party in every district both name."""
    common = sorted(set(model) & set(endorsed))
    by_region: dict[str, list[int]] = {}
    pairs: Counter[str] = Counter()
    for d in common:
        same = model[d] == endorsed[d]
        counts = by_region.setdefault(region[d], [0, 0])
        counts[0] += same
        counts[1] += 1
        if not same:
            pairs[f"endorsed {endorsed[d]}, model {model[d]}"] += 1
    return Agreement(
        len(common),
        sum(model[d] == endorsed[d] for d in common),
        {r: (a, n) for r, (a, n) in sorted(by_region.items())},
        dict(pairs.most_common()),
        dict(Counter(endorsed[d] for d in common).most_common()),
        dict(Counter(model[d] for d in common).most_common()),
    )
