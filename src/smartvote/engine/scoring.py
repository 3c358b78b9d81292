"""Scores of a candidate-level backtest: the pick against the ex-post strongest candidate the
ruling party did not back, the campaign's picks, simple baselines, and a paired bootstrap.

The event scored is "candidate c is the strongest non-ruling candidate of district d" (the
one the opposition should have united behind, in hindsight). Its probabilities come from the
model's draws; the multi-class Brier and log scores are those of
:mod:`smartvote.engine.backtest` (Gneiting & Raftery 2007). The difference in hits between the
engine and a baseline is judged by a **paired bootstrap over districts** (Efron & Tibshirani,
*An Introduction to the Bootstrap*, 1993, ch. 16): districts are resampled with replacement,
the same draw for both forecasts, and the 2.5th-97.5th percentiles of the difference reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from smartvote.engine.backtest import brier, log_score
from smartvote.engine.strength import Field, Scales, draws

BOOTSTRAP = 10_000


def strongest_probabilities(field: Field, scales: Scales, n: int, seed: int) -> np.ndarray:
    """P(slot is the strongest candidate the ruling party does not back), district x slot,
    from ``n`` draws of the strength model (the draws of ``simulate`` with the same seed)."""
    open_slot = field.party >= 0
    if field.backed is not None:
        open_slot &= ~field.backed
    counts = np.zeros(field.shape)
    rows = np.arange(field.shape[0])
    for shares in draws(field, scales, n, np.random.default_rng(seed)):
        masked = np.where(open_slot[None], shares, -1.0)
        best = masked.argmax(axis=2)
        np.add.at(counts, (rows[None, :].repeat(len(best), 0), best), 1)
    return counts / n


@dataclass(frozen=True)
class Scored:
    """One forecast of the strongest non-ruling candidate, scored."""

    name: str
    picks: np.ndarray  # slot per district
    probabilities: np.ndarray  # district x slot
    how: str  # how the probabilities were made

    def hits(self, outcome: np.ndarray) -> np.ndarray:
        return self.picks == outcome

    def to_json(self, outcome: np.ndarray) -> dict[str, Any]:
        return {
            "hits": int(self.hits(outcome).sum()),
            "brier": round(brier(self.probabilities, outcome), 4),
            "log_score": round(log_score(self.probabilities, outcome), 4),
            "probabilities": self.how,
        }


def proportional(scores: np.ndarray, open_slot: np.ndarray) -> np.ndarray:
    """A point forecast's scores turned into probabilities: proportional over the open slots."""
    s = np.where(open_slot, np.maximum(scores, 0.0), 0.0)
    total = s.sum(axis=1, keepdims=True)
    flat = open_slot / open_slot.sum(axis=1, keepdims=True)
    return np.where(total > 0, s / np.where(total > 0, total, 1.0), flat)


def favourite(picks: np.ndarray, open_slot: np.ndarray, p: float) -> np.ndarray:
    """Probability ``p`` on the pick, the rest shared equally by the other open slots."""
    out = np.zeros(open_slot.shape)
    others = open_slot.sum(axis=1) - 1
    for d, s in enumerate(picks):
        rest = (1.0 - p) / others[d] if others[d] else 0.0
        out[d] = np.where(open_slot[d], rest, 0.0)
        out[d, s] = p if others[d] else 1.0
    return out


@dataclass(frozen=True)
class Bootstrap:
    """The engine's hits minus a baseline's, resampled over districts."""

    baseline: str
    difference: int
    low: float  # 2.5th percentile
    high: float  # 97.5th percentile
    share_not_positive: float  # resamples where the engine does not beat the baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "difference": self.difference,
            "interval95": [self.low, self.high],
            "share_of_resamples_not_above_0": round(self.share_not_positive, 4),
        }


def paired_bootstrap(a: np.ndarray, b: np.ndarray, name: str, seed: int, n: int = BOOTSTRAP) -> Bootstrap:
    """Hits ``a`` (the engine) minus hits ``b`` (a baseline), districts resampled together."""
    diff = a.astype(int) - b.astype(int)
    rng = np.random.default_rng(seed)
    sums = diff[rng.integers(0, len(diff), size=(n, len(diff)))].sum(axis=1)
    low, high = np.percentile(sums, [2.5, 97.5])
    return Bootstrap(name, int(diff.sum()), float(low), float(high), float((sums <= 0).mean()))
