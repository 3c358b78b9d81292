"""The digit tests' false-positive rates on clean synthetic elections and their power against
rounding and vote moving (issue 10), printed for docs/validation.md, and their speed on all
regions of a federal-size election (target: under 2 s).

Run: ``.venv/bin/python benchmarks/digits.py [--elections 50]`` (about 3 minutes on this 2-core
machine); the run is also ``smartvote validate digits --elections 50 --stations 20000 --seed 10``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from smartvote.forensics.digits import digit_tests
from smartvote.forensics.validation_fingerprint import validate_digits
from smartvote.synthetic import simulate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elections", type=int, default=50)
    elections = parser.parse_args().elections
    sim = simulate(96_000, 1)
    c = sim.counts
    times = []
    for _ in range(5):
        start = time.perf_counter()
        digit_tests(c.registered, c.issued, c.valid, c.leader, sim.geography.region, replicates=200)
        times.append(time.perf_counter() - start)
    print(
        "digit tests, 96,000 stations, all 85 regions, 200 replicates: "
        f"median {statistics.median(times):.2f} s\n"
    )
    print(f"$ smartvote validate digits --elections {elections} --stations 20000 --seed 10")
    start = time.perf_counter()
    print(validate_digits(elections, 20_000, seed=10))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
