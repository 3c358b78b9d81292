"""Speed of the synthetic-election generator (issue 4: a 96k-station election < 2 s as tables).

Run: ``.venv/bin/python benchmarks/synthetic.py [--repeat 7]``. Prints medians of: the
array-level path used by validation loops (clean, and with every kind of fraud), the canonical
tables plus ground truth (what ``simulate-election`` imports), and the import into an
in-memory store; the baseline, in the same process, is importing the real 2021 file when
``../shared/data`` is there.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.synthetic import Fraud, simulate, simulate_election

STATIONS = 96_000
EVERY_FRAUD = Fraud(
    stuffing=0.1,
    moving_rate=0.1,
    round_share=0.01,
    round_turnout=0.01,
    klimek_incremental=0.05,
    klimek_extreme=0.01,
    remote=33,
)
REAL_2021 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"


def median_seconds(run: Callable[[int], object], repeat: int) -> float:
    times = []
    for seed in range(repeat):
        start = time.perf_counter()
        run(seed)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_into_memory(seed: int) -> None:
    tables, _ = simulate_election(STATIONS, seed, "bench", fraud=EVERY_FRAUD)
    with Store(":memory:") as store:
        store.add_election(tables)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    runs: dict[str, Callable[[int], object]] = {
        "arrays, clean": lambda seed: simulate(STATIONS, seed),
        "arrays, every fraud": lambda seed: simulate(STATIONS, seed, fraud=EVERY_FRAUD),
        "canonical tables + truth, every fraud": lambda seed: simulate_election(
            STATIONS, seed, fraud=EVERY_FRAUD
        ),
        "tables + import into an in-memory store": import_into_memory,
    }
    print(f"{STATIONS:,} stations, median of {repeat} seeds")
    baseline = None
    if REAL_2021.exists():
        baseline = median_seconds(lambda _: read_path(REAL_2021), max(1, repeat // 3))
        print(f"  {'baseline: importing the real 2021 file':45s} {baseline:7.3f} s")
    for label, run in runs.items():
        seconds = median_seconds(run, repeat)
        ratio = f"  ({seconds / baseline:.2f} x baseline)" if baseline else ""
        print(f"  {label:45s} {seconds:7.3f} s{ratio}")


if __name__ == "__main__":
    main()
