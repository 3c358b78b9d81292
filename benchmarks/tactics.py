"""Timings of the Smart Voting analyses on the real 2021 data (medians of repeated runs).

    .venv/bin/python benchmarks/tactics.py [SHARED_DATA]

Imports russia-duma-2021 and St Petersburg 2021 into a scratch store, then times the steps a
user waits for: attaching the 225 endorsements, the coordination gap of the party-list proxy
(store read + computation), the St Petersburg gap, and the endorsement effect with its bootstrap.
The baseline is the store read alone, so the ratios show what the analyses add to it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.pipelines.tactics import attach_endorsements, effect_inputs, gap_districts
from smartvote.tactics.effect import endorsement_effect
from smartvote.tactics.gap import coordination_gap


def median_seconds(step: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.duckdb") as store:
        for path in (data / "russia-federal" / "2021.csv.zip", data / "spb-2021"):
            for tables in read_path(path):
                store.add_election(tables)
        endorsements = data / "sv-2021" / "endorsements.csv"

        def proxy_gap() -> object:
            found = gap_districts(store, "russia-duma-2021")
            return coordination_gap(found.election, found.districts, found.proxy)

        def spb_effect() -> object:
            return endorsement_effect(*effect_inputs(store, ["spb-2021-duma", "spb-2021-city"]), rng=1)

        steps = {
            "baseline: store.load(russia-duma-2021)": lambda: store.load("russia-duma-2021"),
            "endorse russia-duma-2021 (225 rows)": lambda: attach_endorsements(
                store, "russia-duma-2021", endorsements
            ),
            "gap russia-duma-2021 (proxy)": proxy_gap,
            "gap spb-2021-city": lambda: gap_districts(store, "spb-2021-city"),
            "effect spb-2021-duma + city (2,000 draws)": spb_effect,
        }
        baseline = None
        for name, step in steps.items():
            seconds = median_seconds(step)
            baseline = baseline or seconds
            print(f"{name:45s} {seconds:7.3f} s   x{seconds / baseline:5.2f} of the baseline")


if __name__ == "__main__":
    main()
