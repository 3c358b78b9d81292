"""The coordination curve: how many seats coordination behind the picks flips, with uncertainty.

In every draw of the strength model, a district flips at q when the ruling candidate won it at
q = 0 and the recommended challenger beats them at q (their flip threshold q* < q). Seats
flipped at q = ruling seats at q = 0 minus ruling seats at q, within the same draw. Each
draw's thresholds are counted into the q grid (a counting sort) and cumulated, so the whole
curve costs one pass over draws x districts; the 90% interval is the 5th-95th percentile over
draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from smartvote.engine.recommend import GRID, NEVER, STEPS, EngineDraws


@dataclass(frozen=True)
class CoordinationCurve:
    q: tuple[float, ...]
    mean: tuple[float, ...]
    median: tuple[float, ...]
    low: tuple[float, ...]  # 5th percentile over draws
    high: tuple[float, ...]  # 95th percentile
    ruling_seats: float  # mean ruling seats at q = 0
    districts: int
    draws: int

    def to_json(self) -> dict[str, Any]:
        return {
            "districts": self.districts,
            "draws": self.draws,
            "ruling_seats_without_coordination": round(self.ruling_seats, 2),
            "interval": "90% (5th-95th percentile over draws)",
            "curve": [
                {"q": q, "mean": round(m, 3), "median": md, "low": lo, "high": hi}
                for q, m, md, lo, hi in zip(self.q, self.mean, self.median, self.low, self.high, strict=True)
            ],
        }


def flips_per_draw(sim: EngineDraws, picks: np.ndarray) -> np.ndarray:
    """Seats flipped at each grid q in each draw: (draws, 101)."""
    n, n_districts, _ = sim.first.shape
    first = sim.first[:, np.arange(n_districts), picks]  # (draws, districts): the pick's threshold
    first = np.where(sim.ruling_won, first, NEVER)
    flat = (np.arange(n)[:, None] * (NEVER + 1) + first).ravel()
    counts = np.bincount(flat, minlength=n * (NEVER + 1)).reshape(n, NEVER + 1)
    return np.cumsum(counts, axis=1)[:, : STEPS + 1]


def coordination_curve(sim: EngineDraws, picks: np.ndarray) -> CoordinationCurve:
    flips = flips_per_draw(sim, picks)
    low, median, high = np.percentile(flips, [5, 50, 95], axis=0)
    return CoordinationCurve(
        tuple(float(q) for q in GRID),
        tuple(float(x) for x in flips.mean(axis=0)),
        tuple(float(x) for x in median),
        tuple(float(x) for x in low),
        tuple(float(x) for x in high),
        float(sim.ruling_won.sum(axis=1).mean()),
        sim.first.shape[1],
        sim.first.shape[0],
    )
