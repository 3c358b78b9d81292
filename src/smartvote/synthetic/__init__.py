"""Synthetic elections with known, injected fraud: the ground truth methods are validated on.

A seeded country of regions, territorial commissions and polling stations, drawn like the
2021 State Duma election's clean core (:mod:`.country`), into which ballot stuffing, vote
moving, protocol rewriting to whole percentages, Klimek et al.'s incremental and extreme
fraud and remote electronic pseudo-stations are injected at known rates (:mod:`.fraud`).
:func:`simulate` returns arrays; :func:`simulate_election` the canonical tables plus the
ground-truth table. Pure: no files, database or printing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.model import ElectionTables
from smartvote.synthetic.country import Country, Counts, Geography
from smartvote.synthetic.election import Simulation, simulate
from smartvote.synthetic.fraud import KLIMEK_TYPES, Fraud, Truth
from smartvote.synthetic.tables import station_labels, to_tables, truth_table

__all__ = [
    "KLIMEK_TYPES",
    "Counts",
    "Country",
    "Fraud",
    "Geography",
    "Simulation",
    "Truth",
    "simulate",
    "simulate_election",
    "to_tables",
    "truth_table",
]


def simulate_election(
    n_stations: int,
    seed: int | None = None,
    election_id: str = "synthetic",
    country: Country | None = None,
    fraud: Fraud | None = None,
) -> tuple[ElectionTables, pd.DataFrame]:
    """A synthetic election as canonical tables, and its ground truth (one row per station)."""
    sim = simulate(n_stations, np.random.default_rng(seed), country, fraud)
    labels = station_labels(sim)
    return to_tables(sim, election_id, seed, labels), truth_table(sim, labels)
