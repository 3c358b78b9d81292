"""Benchmark: the full recommendation and coordination curve, 225 districts x 10,000 draws.

Target (issue 6): median under 2 s on the project's 2-core machine. Run:
    .venv/bin/python benchmarks/engine.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# smartvote package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from smartvote.engine.coordinate import coordination_curve
from smartvote.engine.fields import synthetic_field
from smartvote.engine.recommend import recommend, simulate
from smartvote.engine.strength import Scales

DISTRICTS, DRAWS, REPEATS = 225, 10_000, 5
SCALES = Scales(0.20, 0.30, 0.20)


def run_once(seed: int) -> float:
    field = synthetic_field(seed, DISTRICTS)
    start = time.perf_counter()
    sim = simulate(field, SCALES, DRAWS, seed)
    result = recommend(field, sim, 0.3, SCALES)
    coordination_curve(sim, result.picks)
    return time.perf_counter() - start


def main() -> None:
    run_once(0)  # warm-up
    times = [run_once(seed) for seed in range(1, REPEATS + 1)]
    median = statistics.median(times)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{DISTRICTS} districts x {DRAWS:,} draws x {len(synthetic_field(0).parties)} candidates: "
        f"recommendation + coordination curve, median {median:.3f} s over {REPEATS} runs "
        f"(min {min(times):.3f}, max {max(times):.3f}); target < 2 s: {'met' if median < 2 else 'MISSED'}"
        f" (load average {load})"
    )


if __name__ == "__main__":
    main()
