"""Speed of the exact integer-percentage test, and the accuracy of its saddlepoint p-value.

Run: .venv/bin/python benchmarks/forensics_integer.py [--repeat 5] [--draws 1000]

For each federal election in ../shared/data (or SMARTVOTE_SHARED_DATA): the median time of
the exact test over ``--repeat`` runs, all 4 weights x 3 counts and both turnout conventions
(target: < 1 s per election; wall and CPU time, since the machine may be shared); the time
of the Monte Carlo option with ``--draws`` draws (the published procedure) in the same
process, and the ratio. Then, for the unweighted counts, the relative error of the
saddlepoint tail against the exact tail
(:func:`smartvote.forensics.poisson_binomial.exact_upper_tail`) at the observed count and
further out, next to the error of a normal tail: the figures quoted in docs/forensics-integer.md.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np
from scipy import special

from smartvote.data.loader import read_path
from smartvote.forensics import integer
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.poisson_binomial import log_exact_upper_tail, log_saddlepoint_upper_tail, moments

DATA = Path(
    os.environ.get("SMARTVOTE_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
YEARS = (2011, 2016, 2018, 2021)


def load(year: int) -> tuple[str, StationArrays]:
    (tables,) = read_path(DATA / "russia-federal" / f"{year}.csv.zip")
    contest = "president" if "president" in tables.election.election_id else "federal-list"
    pick = [t[t["contest"] == contest] for t in (tables.stations, tables.votes, tables.choices)]
    return tables.election.election_id, station_arrays(*pick)


def counts(arrays: StationArrays) -> tuple[np.ndarray, ...]:
    return arrays.registered, arrays.issued, arrays.boxes, arrays.leader


def time_exact(arrays: StationArrays, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of all 12 tests in both conventions."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for convention in integer.TURNOUT_FROM:
            integer.integer_test(*counts(arrays), turnout_from=convention)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def time_monte_carlo(arrays: StationArrays, draws: int) -> float:
    start = time.perf_counter()
    integer.integer_monte_carlo(*counts(arrays), draws=draws, rng=0)
    return time.perf_counter() - start


def tail_errors(arrays: StationArrays) -> list[str]:
    """Saddlepoint and normal tails against the exact tail, unweighted counts, ballots issued."""
    st = integer._prepare(*counts(arrays), "issued")
    q_turnout = integer.integer_probability(st.ballots, st.registered)
    q_share = integer.integer_probability(st.leader, st.boxes)
    observed_turnout = integer.is_integer_percent(st.ballots, st.registered)
    observed_share = integer.is_integer_percent(st.leader, st.boxes)
    cases = {
        "turnout": (q_turnout, observed_turnout),
        "share": (q_share, observed_share),
        "either": (q_turnout + q_share - q_turnout * q_share, observed_turnout | observed_share),
    }
    lines = []
    for name, (q, flags) in cases.items():
        ones = np.ones(len(q), dtype=np.int64)
        mean, variance = moments(q, ones)
        for extra in (0.0, 10.0, 20.0, 30.0):
            s = int(flags.sum()) + math.ceil(extra * math.sqrt(variance))
            exact = log_exact_upper_tail(q, s)
            saddle = log_saddlepoint_upper_tail(q, ones, s)
            normal = float(special.log_ndtr(-(s - 0.5 - mean) / math.sqrt(variance)))
            z = (s - mean) / math.sqrt(variance)
            lines.append(
                f"  {name:>7} z {z:5.1f}  exact p 1e{exact / math.log(10):7.1f}"
                f"  saddlepoint rel. error {math.expm1(saddle - exact):+.1e}"
                f"  normal/exact {math.exp(normal - exact):.1e}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'election':<24}{'exact (s)':>10}{'cpu (s)':>9}{f'MC {args.draws} (s)':>14}{'MC / exact':>12}")
    errors = {}
    for year in YEARS:
        election, arrays = load(year)
        exact, cpu = time_exact(arrays, args.repeat)
        simulated = time_monte_carlo(arrays, args.draws)
        print(f"{election:<24}{exact:>10.2f}{cpu:>9.2f}{simulated:>14.1f}{simulated / exact:>12.0f}")
        errors[election] = tail_errors(arrays)
    for election, lines in errors.items():
        print(f"\n{election}: saddlepoint vs exact tail (unweighted counts)")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
