"""The result of the engine for one election, as pages and the CLI read it (pure data).

:func:`smartvote.pipelines.engine.run_engine` builds it from the store; pages render it without
ever touching the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from smartvote.engine.baseline import Baseline
from smartvote.engine.coordinate import CoordinationCurve
from smartvote.engine.recommend import Recommendation
from smartvote.engine.strength import Field, Scales
from smartvote.tactics.adjust import Adjustment


@dataclass(frozen=True)
class Training:
    """The error scales and how they were fitted."""

    scales: Scales
    pair: tuple[str, str]
    match_rate: float
    districts: int  # districts used (those with a baseline)
    parties: tuple[str, ...]
    carried_over: float  # national scale of a party whose prior share is carried over (no poll)


@dataclass(frozen=True, kw_only=True)
class Forecast:
    """A forecast's field with everything needed to explain it."""

    election: str
    baseline_election: str
    level: str  # "candidate" or "party" (the list parties of each district stand in)
    field: Field
    baseline: Baseline
    target: dict[str, float]  # expected national share per party
    adjustments: tuple[Adjustment, ...]
    notes: tuple[str, ...]
    polled: tuple[str, ...]  # the ballot's parties with a national poll share
    stations: pd.DataFrame  # region, number, district (the field's label) per station


@dataclass(frozen=True)
class EngineRun:
    """A forecast with its simulation, recommendation and coordination curve."""

    forecast: Forecast
    training: Training
    recommendation: Recommendation
    curve: CoordinationCurve
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "election": self.forecast.election,
            "level": self.forecast.level,
            "notes": list(self.forecast.notes),
            "q": self.recommendation.q,
            "draws": self.recommendation.draws,
            "seed": self.seed,
            "scales": asdict(self.training.scales) | {"national_without_poll": self.training.carried_over},
            "training": {"pair": list(self.training.pair), "match_rate": round(self.training.match_rate, 4)},
            "baseline_match_rate": round(self.forecast.baseline.match_rate, 4),
            "adjustments": [str(a) for a in self.forecast.adjustments],
            "districts": [d.to_json() for d in self.recommendation.districts],
        }
